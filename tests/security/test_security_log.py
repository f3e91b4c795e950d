"""The security event log: sign-ins, MFA changes, refusals and downloads, with who, what, when and where;
append-only, and readable (only) by administrators in the admin."""

import pytest
from django.urls import reverse

from accounts.models import SecurityEvent
from tests.conftest import force_login_without_second_factor

from .conftest import PASSWORD, staff_user, with_totp
from .world import build

pytestmark = pytest.mark.django_db
Kind = SecurityEvent.Kind


@pytest.fixture
def world():
    return build()


def last(kind):
    return SecurityEvent.objects.filter(kind=kind).order_by("-pk").first()


def test_events_cannot_be_changed_or_deleted(reviewer):
    event = SecurityEvent.objects.create(kind=Kind.LOGIN, user=reviewer, username=reviewer.username)
    event.detail = "edited"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        SecurityEvent.objects.filter(pk=event.pk).update(detail="edited")
    with pytest.raises(TypeError):
        SecurityEvent.objects.all().delete()
    assert SecurityEvent.objects.get(pk=event.pk).detail == ""


def test_downloads_are_logged_with_who_what_and_where(client, world):
    client.force_login(world.a.owner)
    url = reverse("applications:material_file", args=[world.a.material_file.pk])
    response = client.get(url, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 200
    event = last(Kind.DOWNLOAD)
    assert (event.user, event.ip_address, event.path, event.method) == (world.a.owner, "192.0.2.10", url, "GET")
    assert event.object_ref == f"applications:material_file pk={world.a.material_file.pk}"
    assert "licence.pdf" in event.detail and event.user_agent == "Firefox/140"


@pytest.mark.parametrize(
    ("name", "getter"),
    [
        ("certificates:pdf", lambda w: w.a.certificate),
        ("audits:report_pdf", lambda w: w.a.reported),
        ("audits:evidence", lambda w: w.a.evidence),
        ("applications:payment_receipt", lambda w: w.a.payment),
        ("applications:form_pdf", lambda w: w.a.draft),
    ],
)
def test_every_document_download_is_logged(client, world, name, getter):
    client.force_login(world.a.owner)
    assert client.get(reverse(name, args=[getter(world).pk])).status_code == 200
    assert last(Kind.DOWNLOAD).object_ref == f"{name} pk={getter(world).pk}"


def test_staff_downloads_in_the_admin_are_logged_too(client, world):
    client.force_login(world.reviewer)
    url = reverse("admin:applications_application_material_file", args=[world.a.material_file.pk])
    assert client.get(url).status_code == 200
    event = last(Kind.DOWNLOAD)
    assert event.user == world.reviewer and event.path == url


def test_another_organizations_object_is_logged_as_a_refusal(client, world):
    client.force_login(world.b.owner)
    url = reverse("applications:detail", args=[world.a.draft.pk])
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 404
    event = last(Kind.DENIED)
    assert (event.user, event.ip_address, event.path, event.detail) == (world.b.owner, "198.51.100.7", url, "404")
    assert event.object_ref == f"applications:detail pk={world.a.draft.pk}"


def test_permission_denied_is_logged(client, world):
    client.force_login(world.reviewer)
    url = reverse("admin:certificates_casefile_change", args=[world.a.deciding.pk])
    assert client.get(url).status_code == 403
    assert last(Kind.DENIED).detail == "403" and last(Kind.DENIED).user == world.reviewer


def test_anonymous_404s_are_not_refusals(client):
    client.get("/portal/applications/999999/")
    client.get("/no-such-page/")
    assert not SecurityEvent.objects.filter(kind=Kind.DENIED).exists()


def test_sign_in_and_out_are_logged(client):
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    client.post(reverse("admin:login"), {"username": reviewer.username, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    from .conftest import totp_code

    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}, REMOTE_ADDR="10.1.1.1")
    client.post(reverse("account_logout"))
    kinds = list(SecurityEvent.objects.filter(user=reviewer).order_by("pk").values_list("kind", "ip_address"))
    assert kinds[:2] == [(Kind.MFA_USED, "10.1.1.1"), (Kind.LOGIN, "10.1.1.1")]
    assert kinds[-1][0] == Kind.LOGOUT


def test_mfa_changes_are_logged(client, applicant, django_capture_on_commit_callbacks):
    with_totp(applicant)
    client.force_login(applicant)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):  # allauth announces some changes on commit
        client.post(reverse("mfa_generate_recovery_codes"))
        client.post(reverse("mfa_deactivate_totp"))
    assert last(Kind.MFA_RESET).user == applicant
    assert last(Kind.MFA_REMOVED).user == applicant


def test_administrators_read_the_log_in_the_admin_and_nobody_changes_it(client, administrator, reviewer):
    event = SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="mallory", ip_address="203.0.113.5")
    client.force_login(administrator)
    page = client.get(reverse("admin:accounts_securityevent_changelist"))
    assert page.status_code == 200 and "mallory" in page.content.decode()
    assert client.get(reverse("admin:accounts_securityevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    assert client.get(reverse("admin:accounts_securityevent_delete", args=[event.pk])).status_code == 403
    client.post(reverse("admin:accounts_securityevent_change", args=[event.pk]), {"username": "someone else"})
    event.refresh_from_db()
    assert event.username == "mallory"

    client.force_login(reviewer)
    assert client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 403


def test_a_password_only_session_of_a_reviewer_is_logged_when_refused_nothing(client, reviewer):
    """Being sent to the second factor is not a refusal: it is not logged as one."""
    force_login_without_second_factor(client, reviewer)
    client.get(reverse("admin:index"))
    assert not SecurityEvent.objects.filter(kind=Kind.DENIED).exists()


def test_a_download_redirected_to_object_storage_is_logged_without_its_signed_url(client, world, monkeypatch):
    from django.http import HttpResponseRedirect

    from certportal import downloads

    def presigned(field_file, filename, content_type="application/octet-stream"):
        response = HttpResponseRedirect("https://bucket.example.com/k?X-Amz-Signature=secret")
        response.download_filename = filename
        return response

    real = downloads.attachment_response(world.a.material_file.file, "licence.pdf")
    assert real.download_filename == "licence.pdf"  # set after both branches, local file or S3 redirect
    real.file_to_stream.close()  # not real.close(): that signals the end of a request
    monkeypatch.setattr("applications.views.materials.attachment_response", presigned)
    client.force_login(world.a.owner)
    assert client.get(reverse("applications:material_file", args=[world.a.material_file.pk])).status_code == 302
    event = last(Kind.DOWNLOAD)
    assert event.detail == "redirect to storage: licence.pdf"
    assert "Signature" not in event.detail and "Signature" not in event.path

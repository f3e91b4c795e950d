"""Submitting the report: the team leader locks the form, the application moves on, the PDF is rendered."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Application, Notification
from audits import services
from audits.models import Audit, AuditPhoto, Indicator
from audits.report import report_context
from audits.tasks import render_audit_report
from certportal.workflow import TransitionError
from tests.audits.conftest import score_all
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
A = Application.Status


def leaf(audit, code="5.3.2"):
    return Indicator.objects.get(indicator_set=audit.indicator_set, code=code)


def submit(client, audit):
    return client.post(reverse("audits:submit", args=[audit.pk]))


def test_the_leader_reviews_then_submits_and_the_case_goes_to_the_decision(
    client, audit, lead, django_capture_on_commit_callbacks
):
    score_all(audit, by=lead, points=lambda i: i.max_points - 1 if i.code == "5.3.2" else i.max_points)
    client.force_login(lead)
    review = client.get(reverse("audits:submit", args=[audit.pk]))
    assert review.status_code == 200 and review.context["result"].score == Decimal("99.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, audit)
    assert response.status_code == 302 and response["Location"] == reverse("audits:result", args=[audit.pk])
    audit.refresh_from_db()
    assert (audit.status, audit.score, audit.grade) == ("submitted", Decimal("99.00"), "five_star")
    application = audit.application
    application.refresh_from_db()
    assert (application.status, application.score, application.grade) == (
        A.AWAITING_DECISION,
        Decimal("99.00"),
        "five_star",
    )
    assert list(application.status_changes.values_list("to_status", flat=True).order_by("pk"))[-2:] == [
        A.AUDIT_REPORTED,
        A.AWAITING_DECISION,
    ]
    # The report PDF was rendered by the (eager) task after commit.
    assert audit.report_pdf.name.startswith("audit-reports/")
    data = audit.report_pdf.open("rb").read()
    assert data.startswith(b"%PDF") and len(audit.report_pdf_sha256) == 64
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert audit.application.org_name in text and "5.3.2" in text and "99.00" in text


def no_points_on(code):
    """Full points everywhere but on the item with the nonconformity, which loses its full points."""
    return lambda i: 0 if i.code == code else i.max_points


def test_open_nonconformities_send_the_application_to_corrective_action(
    client, audit, lead, applicant, django_capture_on_commit_callbacks
):
    score_all(audit, by=lead, points=no_points_on("5.3.2"))
    audit.raise_nonconformity(by=lead, description="投诉处理超时", indicator=leaf(audit), due_date="2027-02-01")
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, audit)
    audit.application.refresh_from_db()
    assert audit.application.status == A.CORRECTIVE_ACTION
    note = Notification.objects.get(user=applicant, kind=Notification.Kind.NONCONFORMITY_RAISED)
    assert "投诉处理超时" in note.detail and "2027-02-01" in note.detail


def test_unscored_items_block_the_submission(client, audit, lead):
    score_all(audit, by=lead, skip=2)
    client.force_login(lead)
    page = client.get(reverse("audits:submit", args=[audit.pk]))
    assert len(page.context["sheet"].unscored) == 2
    response = client.post(reverse("audits:submit", args=[audit.pk]), follow=True)
    assert any("2" in str(m) for m in response.context["messages"])
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS and audit.application.status == A.AUDIT_PLANNED


def test_only_the_team_leader_submits(client, audit, lead, member):
    score_all(audit, by=lead)
    client.force_login(member)
    response = submit(client, audit)
    assert response.status_code == 403  # a refusal by role (a DENIED security event)
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS
    with pytest.raises(TransitionError):
        services.submit_audit_report(audit=audit, by=member)


def test_an_outsider_gets_404_on_submit(client, audit, lead):
    score_all(audit, by=lead)
    client.force_login(UserFactory(role="auditor"))
    assert submit(client, audit).status_code == 404


def test_a_submitted_audit_cannot_be_submitted_or_edited_again(client, audit, lead):
    score_all(audit, by=lead)
    services.submit_audit_report(audit=audit, by=lead)
    with pytest.raises(TransitionError):
        services.submit_audit_report(audit=audit, by=lead)
    client.force_login(lead)
    page = client.get(reverse("audits:form", args=[audit.pk]))
    assert page.context["editable"] is False and "<fieldset disabled>" in page.content.decode()


def test_a_blocking_finding_reports_no_grade_whatever_the_score(audit, lead):
    score_all(audit, by=lead, points=no_points_on("5.3.2"))  # 90: four-star by the score alone
    audit.raise_nonconformity(by=lead, description="无证经营", indicator=leaf(audit), blocking=True)
    services.submit_audit_report(audit=audit, by=lead)
    audit.application.refresh_from_db()
    assert (audit.application.score, audit.application.grade) == (Decimal("90.00"), "")
    assert audit.application.status == A.CORRECTIVE_ACTION


def test_staff_reopen_with_a_reason_and_the_leader_resubmits(audit, lead, reviewer):
    score_all(audit, by=lead, points=no_points_on("5.3.2"))
    audit.raise_nonconformity(by=lead, description="x", indicator=leaf(audit))
    services.submit_audit_report(audit=audit, by=lead)
    with pytest.raises(TransitionError):
        audit.reopen(by=reviewer, reason=" ")
    audit.reopen(by=reviewer, reason="5.3.1 的得分与记录不符")
    assert audit.history.first().history_change_reason == "5.3.1 的得分与记录不符"
    score = audit.scores.get(indicator=leaf(audit, "5.3.1"))
    score.points = Decimal(5)
    audit.record_score(score, by=lead)
    services.submit_audit_report(audit=audit, by=lead)
    audit.application.refresh_from_db()
    assert audit.application.status == A.CORRECTIVE_ACTION  # keeps its place
    assert audit.application.score == Decimal("85.00")  # 5.3.2 (10) still lost to its nonconformity, 5.3.1 −5


def test_a_surveillance_audit_leaves_the_application_alone(make_audit, lead):
    audit = make_audit(kind=Audit.Kind.SURVEILLANCE)
    score_all(audit, by=lead)
    services.submit_audit_report(audit=audit, by=lead)
    audit.application.refresh_from_db()
    assert audit.application.status == A.AUDIT_PLANNED


def test_the_report_task_is_idempotent(audit, lead, django_capture_on_commit_callbacks):
    score_all(audit, by=lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_audit_report(audit=audit, by=lead)
    audit.refresh_from_db()
    name = audit.report_pdf.name
    assert render_audit_report(audit.pk) == "exists"
    audit.refresh_from_db()
    assert audit.report_pdf.name == name and audit.report_attempts == 1


def test_the_report_has_only_the_chosen_photos(audit, lead):
    from django.core.files.base import ContentFile

    for n, chosen in enumerate([True, False, True]):
        photo = AuditPhoto(
            audit=audit,
            original_name=f"{n}.jpg",
            content_type="image/jpeg",
            size=1,
            sha256="0" * 64,
            uploaded_by=lead,
            in_report=chosen,
            status=AuditPhoto.Status.READY,
        )
        photo.derivative.save(f"audit-photos/test-{n}.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
        photo.save()
    assert len(report_context(audit)["photos"]) == 2


@pytest.mark.parametrize(
    ("persona", "status"),
    [("lead", 200), ("member", 200), ("applicant", 200), ("colleague", 200), ("reviewer", 200), ("other", 404)],
)
def test_who_may_download_the_report(client, audit, lead, member, applicant, reviewer, persona, status):
    from django.core.files.base import ContentFile

    score_all(audit, by=lead)
    services.submit_audit_report(audit=audit, by=lead)
    audit.report_pdf.save("audit-reports/x.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    users = {
        "lead": lead,
        "member": member,
        "applicant": applicant,
        "colleague": MembershipFactory(organization=audit.application.organization, role="member").user,
        "reviewer": reviewer,
        "other": MembershipFactory().user,
    }
    client.force_login(users[persona])
    response = client.get(reverse("audits:report_pdf", args=[audit.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"


def test_no_report_to_download_before_it_is_rendered(client, audit, lead):
    client.force_login(lead)
    assert client.get(reverse("audits:report_pdf", args=[audit.pk])).status_code == 404


def test_another_auditor_cannot_download_the_report(client, audit, lead):
    from django.core.files.base import ContentFile

    score_all(audit, by=lead)
    services.submit_audit_report(audit=audit, by=lead)
    audit.report_pdf.save("audit-reports/y.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    client.force_login(UserFactory(role="auditor"))
    assert client.get(reverse("audits:report_pdf", args=[audit.pk])).status_code == 404


def test_the_report_fetcher_serves_only_the_chosen_photos():
    from audits.report import photo_fetcher

    fetcher = photo_fetcher([{"src": "photo:abc", "data": b"\xff\xd8\xff"}])
    assert fetcher("photo:abc").read() == b"\xff\xd8\xff"
    for url in ("photo:other", "file:///etc/passwd", "http://127.0.0.1:9/x"):
        with pytest.raises(Exception):  # noqa: B017 - refused, whatever the fetcher's exception type
            fetcher(url)


def test_lost_work_is_enqueued_again(audit, lead, time_machine):
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from certificates.tasks import redeliver_pending  # the one outbox sweep, for every app

    score_all(audit, by=lead)
    services.submit_audit_report(audit=audit, by=lead)  # the render message was "lost": no on_commit here
    photo = AuditPhoto(
        audit=audit, original_name="a.jpg", content_type="image/jpeg", size=1, sha256="0" * 64, uploaded_by=lead
    )
    photo.file.save(photo.storage_key("original"), ContentFile(b"broken"), save=False)
    photo.save()
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=5))
    counts = redeliver_pending()
    assert (counts["photos"], counts["reports"]) == (1, 1)
    audit.refresh_from_db()
    photo.refresh_from_db()
    assert audit.report_pdf and photo.status == AuditPhoto.Status.FAILED
    counts = redeliver_pending()
    assert (counts["photos"], counts["reports"]) == (0, 0)


def test_a_report_render_during_a_storage_outage_fails_cleanly_and_gives_its_attempt_back(audit, lead, monkeypatch):
    from botocore.exceptions import EndpointConnectionError
    from django.core.files.storage import default_storage

    from certportal.queue import TRANSIENT_ERRORS
    from certportal.storage_errors import StorageUnavailable

    score_all(audit, by=lead)
    services.submit_audit_report(audit=audit, by=lead)  # its render message is not run here (no on_commit)

    def unavailable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://s3")

    monkeypatch.setattr(default_storage, "save", unavailable)
    with pytest.raises(StorageUnavailable):  # an OSError: the task retries it
        render_audit_report(audit.pk)
    audit.refresh_from_db()
    assert (audit.report_pdf.name, audit.report_attempts) == ("", 0)
    assert render_audit_report.autoretry_for == TRANSIENT_ERRORS

    monkeypatch.undo()
    assert render_audit_report(audit.pk) == "rendered"
    audit.refresh_from_db()
    assert audit.report_pdf.name == audit.report_storage_key and audit.report_attempts == 1

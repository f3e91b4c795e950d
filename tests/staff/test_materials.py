"""Per-material decisions and file downloads on the application page."""

import pytest
from django.urls import reverse

from applications.models import Application, MaterialItem, Notification
from tests.factories import UserFactory, in_state
from tests.staff.conftest import change_url, material_url, messages_of

pytestmark = pytest.mark.django_db
S = Application.Status


def _item(application):
    return application.material_items.filter(material_type__required=True).select_related("material_type").first()


def test_reviewer_accepts_one_material(reviewer_client, reviewer, submitted):
    item = _item(submitted)
    response = reviewer_client.post(material_url(submitted, item, "accept"), {"expected_status": "uploaded"})
    assert response.status_code == 302 and response["Location"] == change_url(submitted)
    item.refresh_from_db()
    assert (item.status, item.reviewed_by) == (MaterialItem.Status.ACCEPTED, reviewer)
    assert item.history.first().history_user == reviewer


def test_rejecting_a_material_tells_the_applicant_why_in_their_language(
    reviewer_client, submitted, applicant, django_capture_on_commit_callbacks, mailoutbox
):
    english_colleague = UserFactory(language="en")
    submitted.organization.memberships.create(user=english_colleague)
    item = _item(submitted)
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            material_url(submitted, item, "reject"), {"expected_status": "uploaded", "reason": "复印件不清晰"}
        )
    item.refresh_from_db()
    assert (item.status, item.reason) == (MaterialItem.Status.REJECTED, "复印件不清晰")
    notifications = Notification.objects.filter(kind=Notification.Kind.MATERIAL_REJECTED)
    assert {n.user for n in notifications} == {applicant, english_colleague}
    by_user = {n.user: n for n in notifications}
    assert by_user[english_colleague].detail == item.material_type.name_en
    assert by_user[applicant].detail == item.material_type.name_zh
    assert len(mailoutbox) == 2 and all("复印件不清晰" in m.body for m in mailoutbox)


def test_rejecting_needs_a_reason(reviewer_client, submitted):
    item = _item(submitted)
    response = reviewer_client.post(
        material_url(submitted, item, "reject"), {"expected_status": "uploaded", "reason": ""}, follow=True
    )
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.UPLOADED
    assert any("reason" in m for m in messages_of(response))
    assert not Notification.objects.filter(kind=Notification.Kind.MATERIAL_REJECTED).exists()


def test_a_reason_longer_than_the_limit_is_refused(reviewer_client, submitted):
    item = _item(submitted)
    response = reviewer_client.post(
        material_url(submitted, item, "reject"), {"expected_status": "uploaded", "reason": "长" * 2001}, follow=True
    )
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.UPLOADED
    assert messages_of(response)


def test_a_missing_material_cannot_be_accepted(reviewer_client, submitted):
    item = submitted.material_items.filter(status=MaterialItem.Status.MISSING).first() or _item(submitted)
    MaterialItem.objects.filter(pk=item.pk).update(status=MaterialItem.Status.MISSING)
    response = reviewer_client.post(
        material_url(submitted, item, "accept"), {"expected_status": "missing"}, follow=True
    )
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.MISSING
    assert messages_of(response)


def test_a_stale_material_decision_is_refused(reviewer_client, reviewer, submitted):
    item = _item(submitted)
    item.accept(by=reviewer)  # someone else accepted it meanwhile
    response = reviewer_client.post(
        material_url(submitted, item, "reject"), {"expected_status": "uploaded", "reason": "模糊"}, follow=True
    )
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.ACCEPTED
    assert any("meantime" in m for m in messages_of(response))


@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED, S.ACCEPTED])
def test_materials_are_decided_only_while_the_application_is_submitted(reviewer_client, status):
    application = in_state(status)
    item = _item(application)
    MaterialItem.objects.filter(pk=item.pk).update(status=MaterialItem.Status.UPLOADED)
    response = reviewer_client.post(material_url(application, item, "reject"), {"reason": "模糊"}, follow=True)
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.UPLOADED
    assert messages_of(response)


def test_an_item_of_another_application_is_not_found(reviewer_client, submitted):
    other = in_state(S.SUBMITTED)
    response = reviewer_client.post(material_url(submitted, _item(other), "accept"))
    assert response.status_code == 404


def test_decision_makers_cannot_decide_materials(client, decision_maker, submitted):
    client.force_login(decision_maker)
    item = _item(submitted)
    assert client.post(material_url(submitted, item, "accept")).status_code == 403
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.UPLOADED


def test_every_file_version_downloads_as_an_attachment(reviewer_client, submitted):
    material_file = _item(submitted).files.get()
    response = reviewer_client.get(reverse("admin:applications_application_material_file", args=[material_file.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    page = reviewer_client.get(change_url(submitted))
    assert reverse("admin:applications_application_material_file", args=[material_file.pk]).encode() in page.content


def test_downloads_need_the_permission(client, applicant, submitted):
    material_file = _item(submitted).files.get()
    url = reverse("admin:applications_application_material_file", args=[material_file.pk])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(applicant)
    assert client.get(url).status_code == 302  # not staff
    staff_without_permission = UserFactory(is_staff=True)
    client.force_login(staff_without_permission)
    assert client.get(url).status_code == 403

"""The staff walk-through: from submitted to audit planned in the admin, with a corrections round and a rejected
receipt, without editing a status by hand; then every step is in the history with who and why."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, MaterialItem, Notification
from audits.models import Audit
from tests.staff.conftest import change_url, material_url, payment_url, transition_url

pytestmark = pytest.mark.django_db
S = Application.Status


def test_a_reviewer_takes_an_application_to_audit_planned(
    reviewer_client, reviewer, applicant, submitted, qualified_auditor, category, django_capture_on_commit_callbacks
):
    submitted.categories.set([category])
    licence, *others = submitted.material_items.filter(material_type__required=True).order_by("pk")

    def post(url, **data):
        with django_capture_on_commit_callbacks(execute=True):
            response = reviewer_client.post(url, data)
        assert response.status_code == 302, url
        submitted.refresh_from_db()

    # 1. A blurred licence: reject it, accept the rest, return the application.
    post(material_url(submitted, licence, "reject"), expected_status="uploaded", reason="营业执照模糊")
    for item in others:
        post(material_url(submitted, item, "accept"), expected_status="uploaded")
    post(transition_url(submitted, "return"), expected_status="submitted", reason="请重新上传营业执照")
    assert submitted.status == S.RETURNED

    # 2. The applicant uploads a new version and resubmits (portal side, through the model).
    licence.refresh_from_db()
    licence.add_file(
        ContentFile(b"%PDF v2"),
        by=applicant,
        original_name="执照.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )
    submitted.submit(by=applicant)

    # 3. Accept the new licence and the application: the quote is issued.
    post(material_url(submitted, licence, "accept"), expected_status="uploaded")
    post(transition_url(submitted, "accept"), expected_status="submitted")
    assert submitted.status == S.ACCEPTED
    payment = submitted.payments.get()

    # 4. A wrong receipt is rejected, the next one confirmed.
    payment.upload_receipt(ContentFile(b"%PDF r1"), by=applicant, original_name="回单.pdf", extension=".pdf")
    post(payment_url(submitted, payment, "reject"), expected_status="receipt_uploaded", reason="金额不符")
    payment.refresh_from_db()
    payment.upload_receipt(ContentFile(b"%PDF r2"), by=applicant, original_name="回单2.pdf", extension=".pdf")
    post(payment_url(submitted, payment, "confirm"), expected_status="receipt_uploaded")
    assert submitted.status == S.PAID

    # 5. Plan the audit.
    start = timezone.localdate() + datetime.timedelta(days=7)
    post(
        reverse("admin:audits_audit_plan", args=[submitted.pk]),
        lead=qualified_auditor.pk,
        start=start.isoformat(),
        end=(start + datetime.timedelta(days=1)).isoformat(),
        onsite_man_days="2",
    )
    assert submitted.status == S.AUDIT_PLANNED
    assert Audit.objects.get(application=submitted).team.get().auditor == qualified_auditor

    # The whole path is on record, by whom and why, and the applicant was told each time.
    changes = list(submitted.status_changes.values_list("to_status", "by", "reason"))
    assert changes == [
        (S.RETURNED, reviewer.pk, "请重新上传营业执照"),
        (S.SUBMITTED, applicant.pk, ""),
        (S.ACCEPTED, reviewer.pk, ""),
        (S.PAID, reviewer.pk, ""),
        (S.AUDIT_PLANNED, reviewer.pk, ""),
    ]
    kinds = set(Notification.objects.filter(user=applicant).values_list("kind", flat=True))
    assert kinds >= {"status_changed", "material_rejected", "payment_rejected", "payment_confirmed", "audit_planned"}
    assert MaterialItem.objects.get(pk=licence.pk).files.count() == 2

    # History pages: who and why, for each workflow object.
    page = reviewer_client.get(reverse("admin:applications_application_history", args=[submitted.pk]))
    assert page.status_code == 200 and str(reviewer) in page.content.decode()
    assert "请重新上传营业执照" in page.content.decode()
    page = reviewer_client.get(reverse("admin:applications_materialitem_history", args=[licence.pk]))
    assert "营业执照模糊" in page.content.decode() and str(reviewer) in page.content.decode()
    page = reviewer_client.get(reverse("admin:applications_payment_history", args=[payment.pk]))
    assert "金额不符" in page.content.decode()
    audit = Audit.objects.get(application=submitted)
    page = reviewer_client.get(reverse("admin:audits_audit_history", args=[audit.pk]))
    assert str(reviewer) in page.content.decode()

    # And the application page tells the story.
    html = reviewer_client.get(change_url(submitted)).content.decode()
    for text in ("请重新上传营业执照", "金额不符", str(qualified_auditor), "v2"):
        assert text in html

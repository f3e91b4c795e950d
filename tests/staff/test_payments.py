"""Confirming payments and rejecting receipts on the application page, and the payment queue."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications.models import Application, Notification, Payment
from tests.factories import in_state
from tests.staff.conftest import messages_of, payment_url

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def payment(accepted, applicant):
    payment = accepted.payments.get()
    payment.upload_receipt(ContentFile(b"%PDF-1.4 receipt"), by=applicant, original_name="回单.pdf", extension=".pdf")
    return payment


def test_confirming_marks_the_application_paid_and_tells_the_applicant(
    reviewer_client, reviewer, payment, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            payment_url(payment.application, payment, "confirm"), {"expected_status": "receipt_uploaded"}
        )
    payment.refresh_from_db()
    assert (payment.status, payment.decided_by) == (Payment.Status.CONFIRMED, reviewer)
    assert payment.application.status == S.PAID
    notice = Notification.objects.get(kind=Notification.Kind.PAYMENT_CONFIRMED)
    assert payment.reference in notice.detail
    assert any(payment.reference in m.subject for m in mailoutbox)


def test_confirming_twice_changes_nothing_the_second_time(reviewer_client, payment):
    url = payment_url(payment.application, payment, "confirm")
    reviewer_client.post(url, {"expected_status": "receipt_uploaded"})
    response = reviewer_client.post(url, {"expected_status": "receipt_uploaded"}, follow=True)
    assert any("meantime" in m for m in messages_of(response))
    response = reviewer_client.post(url, {}, follow=True)  # even without the page's expected status
    assert messages_of(response)
    assert payment.application.status_changes.filter(to_status=S.PAID).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.PAYMENT_CONFIRMED).count() == 1


def test_rejecting_a_receipt_needs_a_reason_and_sends_it(
    reviewer_client, payment, django_capture_on_commit_callbacks, mailoutbox
):
    url = payment_url(payment.application, payment, "reject")
    response = reviewer_client.post(url, {"expected_status": "receipt_uploaded", "reason": " "}, follow=True)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECEIPT_UPLOADED
    assert any("reason" in m for m in messages_of(response))
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(url, {"expected_status": "receipt_uploaded", "reason": "金额不符"})
    payment.refresh_from_db()
    assert (payment.status, payment.reason) == (Payment.Status.REJECTED, "金额不符")
    assert payment.application.status == S.ACCEPTED
    notice = Notification.objects.get(kind=Notification.Kind.PAYMENT_REJECTED)
    assert notice.reason == "金额不符"
    assert "金额不符" in mailoutbox[-1].body


def test_a_pending_payment_without_receipt_cannot_be_rejected(reviewer_client, accepted):
    payment = accepted.payments.get()
    reviewer_client.post(payment_url(accepted, payment, "reject"), {"expected_status": "pending", "reason": "x"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_receipt_download(reviewer_client, payment):
    response = reviewer_client.get(reverse("admin:applications_application_receipt", args=[payment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 receipt"


def test_a_payment_without_receipt_has_nothing_to_download(reviewer_client, accepted):
    payment = accepted.payments.get()
    assert reviewer_client.get(reverse("admin:applications_application_receipt", args=[payment.pk])).status_code == 404


def test_decision_makers_cannot_decide_payments(client, decision_maker, payment):
    client.force_login(decision_maker)
    assert client.post(payment_url(payment.application, payment, "confirm")).status_code == 403
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECEIPT_UPLOADED


def test_a_payment_of_another_application_is_not_found(reviewer_client, payment):
    other = in_state(S.ACCEPTED)
    assert reviewer_client.post(payment_url(other, payment, "confirm")).status_code == 404


def test_the_buttons_appear_only_while_the_fee_is_due(reviewer_client, payment):
    page = reviewer_client.get(reverse("admin:applications_application_change", args=[payment.application_id]))
    assert page.context["can_confirm_payment"]
    assert payment_url(payment.application, payment, "confirm").encode() in page.content
    assert payment_url(payment.application, payment, "reject").encode() in page.content


def test_bulk_confirm_on_the_payment_list(reviewer_client, payment):
    response = reviewer_client.post(
        reverse("admin:applications_payment_changelist"),
        {"action": "confirm_selected", "_selected_action": [payment.pk]},
        follow=True,
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert messages_of(response)


def test_invoice_requests_show_on_the_application_and_in_their_own_read_only_list(
    reviewer_client, client, administrator, payment, applicant
):
    from applications.models import InvoiceRequest

    InvoiceRequest.objects.create(
        payment=payment,
        title="测试企业有限公司",
        taxpayer_id="91350100MA01234567",
        email="f@example.com",
        requested_by=applicant,
    )
    page = reviewer_client.get(reverse("admin:applications_application_change", args=[payment.application_id]))
    assert "91350100MA01234567" in page.content.decode()
    client.force_login(administrator)
    assert client.get(reverse("admin:applications_invoicerequest_changelist")).status_code == 200
    assert client.get(reverse("admin:applications_invoicerequest_add")).status_code == 403

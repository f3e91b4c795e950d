"""The fee page: quote, bank transfer and receipt, invoice request, and the sandbox online provider."""

import json
from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from applications.models import Application, InvoiceRequest, Payment, PaymentEvent
from applications.payments import sandbox
from tests.factories import in_state

from . import samples
from .portal import messages_of, pdf_file

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture
def accepted(applicant, reviewer):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    return application


@pytest.fixture
def payment(accepted):
    return accepted.payments.get()


@pytest.fixture
def sandbox_on(settings):
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    settings.SITE_URL = "http://testserver"


def test_the_fee_page_shows_the_quote_bank_details_and_reference(applicant_client, accepted, payment):
    page = applicant_client.get(reverse("applications:fee", args=[accepted.pk])).content.decode()
    for line in accepted.acceptance_quote.lines.all():
        assert line.name_en in page
    assert "4,800.00" in page
    schedule = accepted.acceptance_quote.schedule
    assert schedule.bank_account_number in page and schedule.bank_name in page
    assert payment.reference in page
    assert reverse("applications:upload_receipt", args=[payment.pk]) in page
    assert accepted.credit_code in page  # the invoice's taxpayer id defaults to the credit code


def test_no_fee_before_acceptance(applicant_client, applicant):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    response = applicant_client.get(reverse("applications:fee", args=[application.pk]))
    assert response.url == application.get_absolute_url()


def test_receipt_upload(applicant_client, applicant, payment):
    url = reverse("applications:upload_receipt", args=[payment.pk])
    response = applicant_client.post(url, {"receipt": SimpleUploadedFile("回单.html.png", samples.HTML)})
    assert "not a PDF, JPEG or PNG" in " ".join(messages_of(response))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and not payment.receipt

    applicant_client.post(url, {"receipt": pdf_file("回单.pdf")})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECEIPT_UPLOADED
    assert payment.receipt_name == "回单.pdf"
    assert payment.history.first().history_user == applicant
    download = applicant_client.get(reverse("applications:payment_receipt", args=[payment.pk]))
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_receipt_after_confirmation_is_refused(applicant_client, payment, reviewer):
    payment.confirm(by=reviewer)
    response = applicant_client.post(
        reverse("applications:upload_receipt", args=[payment.pk]), {"receipt": pdf_file("late.pdf")}
    )
    assert "Not possible while the status is" in " ".join(messages_of(response))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and not payment.receipt
    page = applicant_client.get(reverse("applications:fee", args=[payment.application_id])).content.decode()
    assert reverse("applications:upload_receipt", args=[payment.pk]) not in page


def test_a_rejected_receipt_shows_the_reason_and_can_be_replaced(applicant_client, applicant, payment, reviewer):
    payment.upload_receipt(pdf_file(), by=applicant, original_name="a.pdf", extension=".pdf")
    payment.reject(by=reviewer, reason="金额不符")
    page = applicant_client.get(reverse("applications:fee", args=[payment.application_id])).content.decode()
    assert "金额不符" in page
    applicant_client.post(reverse("applications:upload_receipt", args=[payment.pk]), {"receipt": pdf_file("b.pdf")})
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_name) == (Payment.Status.RECEIPT_UPLOADED, "b.pdf")


def test_invoice_request(applicant_client, applicant, payment, accepted):
    url = reverse("applications:request_invoice", args=[payment.pk])
    data = {
        "kind": "ordinary",
        "title": accepted.org_name,
        "taxpayer_id": accepted.credit_code.lower(),
        "email": "finance@example.com",
    }
    applicant_client.post(url, data)
    invoice = InvoiceRequest.objects.get()
    assert (invoice.taxpayer_id, invoice.requested_by, invoice.payment) == (accepted.credit_code, applicant, payment)
    # A corrected request is kept next to the first one, which it replaces; the latest counts.
    applicant_client.post(url, {**data, "email": "cfo@example.com"})
    assert payment.invoice_requests.first().email == "cfo@example.com"
    assert InvoiceRequest.objects.count() == 2
    invoice.refresh_from_db()
    assert invoice.status == InvoiceRequest.Status.REPLACED


@pytest.mark.parametrize("taxpayer_id", ["123", "91350100M000100Y44", "ABC-DEF-GHI-JKL-MNO"])
def test_an_invalid_taxpayer_id_is_refused(applicant_client, payment, taxpayer_id):
    url = reverse("applications:request_invoice", args=[payment.pk])
    response = applicant_client.post(
        url, {"kind": "ordinary", "title": "X", "taxpayer_id": taxpayer_id, "email": "a@example.com"}
    )
    assert messages_of(response)
    assert not InvoiceRequest.objects.exists()


def test_payment_urls_of_another_organization_are_404(en_client, other_applicant, payment):
    en_client.force_login(other_applicant)
    for name in ("upload_receipt", "request_invoice"):
        assert en_client.post(reverse(f"applications:{name}", args=[payment.pk])).status_code == 404
    assert en_client.get(reverse("applications:payment_receipt", args=[payment.pk])).status_code == 404
    assert en_client.post(reverse("applications:pay_online", args=[payment.pk, "sandbox"])).status_code == 404


# --- the sandbox provider ------------------------------------------------------------------------------


@contextmanager
def _network_to_testserver():
    """Stand-in for the network: the sandbox's POST to SITE_URL is delivered to this Django by a test client."""
    deliveries = []

    def urlopen(request, timeout=None):
        response = Client().post(
            urlsplit(request.full_url).path,
            data=request.data,
            content_type="application/json",
            headers={sandbox.SIGNATURE_HEADER: request.get_header(sandbox.SIGNATURE_HEADER.capitalize())},
        )
        deliveries.append((request.data, response.status_code))
        result = mock.MagicMock(status=response.status_code)
        result.__enter__.return_value = result
        return result

    with mock.patch.object(sandbox.urllib.request, "urlopen", side_effect=urlopen):
        yield deliveries


def _pay_in_the_sandbox(client, payment, capture):
    start = client.post(reverse("applications:pay_online", args=[payment.pk, "sandbox"]))
    assert start.status_code == 302 and "/payments/sandbox/" in start.url
    assert payment.reference in client.get(start.url).content.decode()
    with _network_to_testserver() as deliveries, capture(execute=True):
        client.post(start.url)
    return deliveries


def test_paying_in_the_sandbox_confirms_the_payment(
    applicant_client, payment, sandbox_on, django_capture_on_commit_callbacks
):
    deliveries = _pay_in_the_sandbox(applicant_client, payment, django_capture_on_commit_callbacks)
    assert [status for _body, status in deliveries] == [200]
    payment.refresh_from_db()
    assert (payment.status, payment.method) == (Payment.Status.CONFIRMED, Payment.Method.SANDBOX)
    assert payment.application.status == S.PAID
    assert payment.application.status_changes.last().by is None  # the system
    event = PaymentEvent.objects.get()
    assert (event.result, event.payment) == (PaymentEvent.Result.CONFIRMED, payment)


def test_a_replayed_callback_changes_nothing(applicant_client, payment, sandbox_on, django_capture_on_commit_callbacks):
    (body, _status), *_ = _pay_in_the_sandbox(applicant_client, payment, django_capture_on_commit_callbacks)
    before = payment.application.status_changes.count()
    url = reverse("applications:payment_callback", args=["sandbox"])
    response = Client().post(
        url, body, content_type="application/json", headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)}
    )
    assert response.status_code == 200
    assert PaymentEvent.objects.count() == 1
    assert payment.application.status_changes.count() == before


def test_a_forged_callback_is_refused(payment, sandbox_on, client):
    body = json.dumps(
        {"event_id": "e1", "type": "payment.succeeded", "reference": payment.reference, "amount": str(payment.amount)}
    ).encode()
    url = reverse("applications:payment_callback", args=["sandbox"])
    for signature in ("", "0" * 64, sandbox.sign(body + b" ")):
        response = client.post(
            url, body, content_type="application/json", headers={sandbox.SIGNATURE_HEADER: signature}
        )
        assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not PaymentEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [({"amount": "1.00"}, 200), ({"reference": "CPNOSUCH"}, 200), ({"type": "refund"}, 400), ({"event_id": ""}, 400)],
)
def test_signed_but_wrong_callbacks_confirm_nothing(payment, sandbox_on, client, change, expected):
    data = {
        "event_id": "e2",
        "type": "payment.succeeded",
        "reference": payment.reference,
        "amount": str(payment.amount),
    }
    body = json.dumps({**data, **change}).encode()
    response = client.post(
        reverse("applications:payment_callback", args=["sandbox"]),
        body,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)},
    )
    assert response.status_code == expected
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_callback_for_an_already_confirmed_payment_is_recorded_and_ignored(payment, reviewer, sandbox_on, client):
    payment.confirm(by=reviewer)
    body = json.dumps(
        {"event_id": "e3", "type": "payment.succeeded", "reference": payment.reference, "amount": str(payment.amount)}
    ).encode()
    response = client.post(
        reverse("applications:payment_callback", args=["sandbox"]),
        body,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: sandbox.sign(body)},
    )
    assert response.status_code == 200
    assert PaymentEvent.objects.get().result == PaymentEvent.Result.IGNORED
    assert payment.application.status_changes.filter(to_status=S.PAID).count() == 1


def test_sandbox_links_are_signed_and_expire(applicant_client, payment, sandbox_on):
    token = urlsplit(applicant_client.post(reverse("applications:pay_online", args=[payment.pk, "sandbox"])).url).path
    assert applicant_client.get(token.replace("/sandbox/", "/sandbox/x")).status_code == 404
    with mock.patch.object(sandbox, "CHECKOUT_MAX_AGE", -1):
        assert applicant_client.get(token).status_code == 404


def test_the_sandbox_is_off_unless_configured(applicant_client, payment, settings):
    settings.PAYMENT_PROVIDERS = []
    assert applicant_client.post(reverse("applications:pay_online", args=[payment.pk, "sandbox"])).status_code == 404
    callback = reverse("applications:payment_callback", args=["sandbox"])
    assert Client().post(callback, b"{}", content_type="application/json").status_code == 404
    page = applicant_client.get(reverse("applications:fee", args=[payment.application_id])).content.decode()
    assert "Or pay online" not in page


def test_no_online_payment_once_a_receipt_is_in(applicant_client, applicant, payment, sandbox_on):
    payment.upload_receipt(pdf_file(), by=applicant, original_name="a.pdf", extension=".pdf")
    response = applicant_client.post(reverse("applications:pay_online", args=[payment.pk, "sandbox"]))
    assert "cannot be paid online" in " ".join(messages_of(response))


def test_the_callback_secret_comes_from_settings(settings):
    settings.PAYMENT_SANDBOX_SECRET = "s3cret"
    assert sandbox.secret() == b"s3cret"
    settings.PAYMENT_SANDBOX_SECRET = ""
    assert sandbox.secret() not in (b"", b"s3cret")


def test_the_sandbox_bank_page_of_another_organization_is_404(
    applicant_client, en_client, other_applicant, payment, sandbox_on
):
    start = applicant_client.post(reverse("applications:pay_online", args=[payment.pk, "sandbox"]))
    en_client.force_login(other_applicant)
    assert en_client.get(start.url).status_code == 404
    assert en_client.post(start.url).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

"""Invoices (发票): the applicant's request (普通 or 专用), finance staff issuing the e-invoice in the admin (PDF, OFD
or XML) and voiding it (红冲), the applicant told and downloading it, the record keeping the file's SHA-256."""

import datetime
import hashlib
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, InvoiceFile, InvoiceRequest, Notification
from tests.factories import InvoiceRequestFactory, PaymentFactory, in_state
from trail.models import TrailEntry

from . import samples
from .portal import messages_of

pytestmark = pytest.mark.django_db
S = Application.Status
I = InvoiceRequest.Status  # noqa: E741
SPECIAL = {
    "kind": "special",
    "address": "福建省福州市鼓楼区五四路1号",
    "phone": "0591-87654321",
    "bank_name": "中国工商银行福州鼓楼支行",
    "bank_account": "1402 0212 0910 0012 345",
}


def ofd(root: bytes = b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0"/>', name="OFD.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, b'<?xml version="1.0" encoding="UTF-8"?>' + root)
        archive.writestr("Doc_0/Document.xml", b"<ofd:Document/>")
    return buffer.getvalue()


XML = b'<?xml version="1.0" encoding="UTF-8"?><EInvoice><InvoiceNumber>1</InvoiceNumber></EInvoice>'
XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><EInvoice>&x;</EInvoice>'


@pytest.fixture
def accepted(applicant, reviewer):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    return application


@pytest.fixture
def payment(accepted):
    return accepted.payments.get()


@pytest.fixture
def requested(payment, applicant):
    return InvoiceRequest.ask(
        payment,
        by=applicant,
        title=payment.application.organization.name,
        taxpayer_id=payment.application.organization.credit_code,
        email="finance@example.com",
    )


@pytest.fixture
def staff_client(reviewer):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reviewer)
    return client


def request_url(payment):
    return reverse("applications:request_invoice", args=[payment.pk])


def issue_url(invoice):
    return reverse("admin:applications_invoicerequest_issue", args=[invoice.pk])


def issue_body(name="fapiao.pdf", data=None, number="26352000000012345678", **extra):
    upload = SimpleUploadedFile(name, samples.pdf() if data is None else data)
    return {"file": upload, "number": number, "issued_on": timezone.localdate().isoformat(), **extra}


def admin_messages(response):
    return [str(m) for m in response.wsgi_request._messages]


# --- the request ----------------------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_organization(applicant_client, accepted):
    organization = accepted.organization
    page = applicant_client.get(reverse("applications:fee", args=[accepted.pk])).content.decode()
    assert f'value="{organization.name}"' in page
    assert f'value="{organization.credit_code}"' in page


def test_the_form_is_prefilled_from_the_organization_s_last_request(applicant_client, applicant, accepted, payment):
    """Another payment of the organization was invoiced as a special invoice: the next request starts from it."""
    earlier = PaymentFactory(quote__application__organization=accepted.organization)
    InvoiceRequestFactory(payment=earlier, requested_by=applicant, title="福州某某公司财务部", **SPECIAL)
    page = applicant_client.get(reverse("applications:fee", args=[accepted.pk])).content.decode()
    assert "福州某某公司财务部" in page and "中国工商银行福州鼓楼支行" in page
    assert re.search(r'<input[^>]*value="special"[^>]*checked', page)


def test_a_special_invoice_request_records_the_buyer_s_details(applicant_client, payment, accepted):
    organization = accepted.organization
    body = {"title": organization.name, "taxpayer_id": organization.credit_code, "email": "cfo@example.com", **SPECIAL}
    applicant_client.post(request_url(payment), body)
    invoice = InvoiceRequest.objects.get()
    assert (invoice.kind, invoice.status, invoice.bank_account) == ("special", I.REQUESTED, "1402021209100012345")
    assert invoice.address == SPECIAL["address"]


@pytest.mark.parametrize("missing", ["address", "phone", "bank_name", "bank_account"])
def test_a_special_invoice_without_its_details_is_refused(applicant_client, payment, accepted, missing):
    organization = accepted.organization
    body = {"title": organization.name, "taxpayer_id": organization.credit_code, "email": "a@example.com", **SPECIAL}
    body[missing] = ""
    response = applicant_client.post(request_url(payment), body)
    assert any("A special VAT invoice needs this." in m for m in messages_of(response))
    assert not InvoiceRequest.objects.exists()


def test_an_ordinary_invoice_needs_no_bank_details(applicant_client, payment, accepted):
    organization = accepted.organization
    body = {"kind": "ordinary", "title": organization.name, "taxpayer_id": organization.credit_code, "email": "a@b.cn"}
    applicant_client.post(request_url(payment), body)
    assert InvoiceRequest.objects.get().kind == "ordinary"


def test_a_bad_bank_account_is_refused(applicant_client, payment, accepted):
    organization = accepted.organization
    body = {"title": organization.name, "taxpayer_id": organization.credit_code, "email": "a@b.cn", **SPECIAL}
    response = applicant_client.post(request_url(payment), {**body, "bank_account": "ICBC-12"})
    assert any("8 to 30 digits" in m for m in messages_of(response))
    assert not InvoiceRequest.objects.exists()


def test_the_request_of_another_organization_s_payment_is_404(client, other_applicant, payment):
    client.force_login(other_applicant)
    assert client.post(request_url(payment), {"kind": "ordinary"}).status_code == 404


def test_no_new_request_once_issued(applicant_client, applicant, requested, reviewer):
    requested.issue(_checked_pdf(), by=reviewer, number="12345678", issued_on=timezone.localdate())
    body = {"kind": "ordinary", "title": "X公司", "taxpayer_id": requested.taxpayer_id, "email": "a@b.cn"}
    response = applicant_client.post(request_url(requested.payment), body)
    assert messages_of(response) == ["An invoice cannot be requested for this payment."]
    assert InvoiceRequest.objects.count() == 1
    with pytest.raises(Exception, match="already issued"):
        InvoiceRequest.ask(requested.payment, by=applicant, **{**body, "kind": "ordinary"})


# --- issuing in the admin -------------------------------------------------------------------------------------


def _checked_pdf():
    from applications.einvoice import check_invoice_file

    return check_invoice_file(SimpleUploadedFile("fapiao.pdf", samples.pdf()))


def test_staff_issue_the_invoice_the_applicant_is_told_and_downloads_it(
    staff_client, reviewer, requested, applicant, django_capture_on_commit_callbacks, mailoutbox
):
    page = staff_client.get(reverse("admin:applications_invoicerequest_change", args=[requested.pk]))
    assert issue_url(requested).encode() in page.content
    pdf = samples.pdf()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(issue_url(requested), issue_body(data=pdf, expected_status="requested"))
    requested.refresh_from_db()
    assert (requested.status, requested.number, requested.issued_by) == (I.ISSUED, "26352000000012345678", reviewer)
    stored = requested.file
    assert stored.sha256 == hashlib.sha256(pdf).hexdigest() and stored.content_type == "application/pdf"
    # The record keeps the file's SHA-256, and the transition with the number.
    entry = TrailEntry.objects.get(kind="file", subject_type="applications.invoicefile", subject_id=str(stored.pk))
    assert entry.payload["sha256"] == stored.sha256
    move = TrailEntry.objects.get(kind="transition", subject_type="applications.invoicerequest")
    assert move.payload["fields"]["number"] == "26352000000012345678"
    # Told: a notification and an e-mail to the organization's people.
    notice = Notification.objects.get(kind=Notification.Kind.INVOICE_ISSUED, user=applicant)
    assert "26352000000012345678" in notice.detail
    assert any(applicant.email in m.to for m in mailoutbox)
    # Downloaded from the fee page by the organization's people.
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.force_login(applicant)
    fee = member.get(reverse("applications:fee", args=[requested.payment.application_id])).content.decode()
    download = reverse("applications:invoice_file", args=[requested.pk])
    assert download in fee and "26352000000012345678" in fee
    response = member.get(download)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_download_is_404_for_an_outsider_and_asks_an_anonymous_visitor_to_sign_in(
    client, other_applicant, requested, reviewer
):
    requested.issue(_checked_pdf(), by=reviewer, number="12345678", issued_on=timezone.localdate())
    url = reverse("applications:invoice_file", args=[requested.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(other_applicant)
    assert client.get(url).status_code == 404


def test_a_request_not_yet_issued_has_nothing_to_download(applicant_client, requested):
    assert applicant_client.get(reverse("applications:invoice_file", args=[requested.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("fapiao.ofd", ofd(), "application/ofd"),
        ("fapiao.xml", XML, "application/xml"),
        ("fapiao", ofd(), "application/ofd"),  # named by its content
    ],
)
def test_ofd_and_xml_invoices_are_accepted(staff_client, requested, name, data, content_type):
    staff_client.post(issue_url(requested), issue_body(name=name, data=data))
    requested.refresh_from_db()
    assert requested.status == I.ISSUED
    assert requested.file.content_type == content_type
    assert requested.file.original_name.endswith(content_type.rsplit("/", 1)[-1])


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("fapiao.png", samples.png(), "not a PDF, OFD or XML"),
        ("fapiao.pdf", samples.HTML, "web page"),
        ("fapiao.xml", XXE, "document type or entities"),
        ("fapiao.ofd", ofd(name="Doc_0/OFD.xml"), "without OFD.xml at its root"),
        ("fapiao.ofd", ofd(root=b"<html/>"), "not an OFD document"),
        ("fapiao.ofd", b"PK\x03\x04 truncated", "damaged"),
        ("fapiao.xml", b"<EInvoice><unclosed></EInvoice>", "not well-formed"),
    ],
)
def test_a_file_that_is_no_e_invoice_is_refused(staff_client, requested, name, data, problem):
    response = staff_client.post(issue_url(requested), issue_body(name=name, data=data))
    assert any(problem in m for m in admin_messages(response)), admin_messages(response)
    requested.refresh_from_db()
    assert requested.status == I.REQUESTED and not InvoiceFile.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("number", "NO-1", "8 to 20 digits"),
        ("issued_on", (datetime.date.today() + datetime.timedelta(days=3)).isoformat(), "future"),
    ],
)
def test_a_bad_number_or_date_is_refused(staff_client, requested, field, value, problem):
    response = staff_client.post(issue_url(requested), issue_body(**{field: value}))
    assert any(problem in m for m in admin_messages(response))
    requested.refresh_from_db()
    assert requested.status == I.REQUESTED


def test_issuing_twice_is_refused_the_second_time(staff_client, requested):
    staff_client.post(issue_url(requested), issue_body(number="11111111"))
    response = staff_client.post(issue_url(requested), issue_body(number="22222222"))
    assert any("already done" in m for m in admin_messages(response))
    requested.refresh_from_db()
    assert requested.number == "11111111" and InvoiceFile.objects.count() == 1


def test_an_invoice_number_is_used_once(staff_client, requested, applicant, reviewer):
    requested.issue(_checked_pdf(), by=reviewer, number="11111111", issued_on=timezone.localdate())
    other = InvoiceRequestFactory(
        payment=PaymentFactory(quote__application__organization=requested.payment.application.organization)
    )
    response = staff_client.post(issue_url(other), issue_body(number="11111111"))
    assert any("already recorded" in m for m in admin_messages(response))
    other.refresh_from_db()
    assert other.status == I.REQUESTED


def test_a_special_invoice_is_not_issued_without_the_buyer_s_details(staff_client, payment, applicant):
    invoice = InvoiceRequestFactory(payment=payment, requested_by=applicant, kind="special")
    response = staff_client.post(issue_url(invoice), issue_body())
    assert any("special VAT invoice needs" in m for m in admin_messages(response))
    invoice.refresh_from_db()
    assert invoice.status == I.REQUESTED


def test_no_invoice_for_a_refunded_payment(staff_client, requested, reviewer):
    payment = requested.payment
    payment.confirm(by=reviewer)
    payment.refund(by=reviewer, reason="撤回申请")
    response = staff_client.post(issue_url(requested), issue_body())
    assert any("refunded" in m for m in admin_messages(response))
    requested.refresh_from_db()
    assert requested.status == I.REQUESTED


@pytest.mark.parametrize("role", ["decision_maker", "applicant"])
def test_only_staff_who_confirm_payments_issue(client, requested, decision_maker, applicant, role):
    client.force_login({"decision_maker": decision_maker, "applicant": applicant}[role])
    response = client.post(issue_url(requested), issue_body())
    assert response.status_code in (302, 403)  # the applicant is sent to the admin's sign-in
    if role == "decision_maker":
        assert response.status_code == 403
        page = client.get(reverse("admin:applications_invoicerequest_change", args=[requested.pk]))
        assert issue_url(requested).encode() not in page.content  # nothing offered that would be refused
    requested.refresh_from_db()
    assert requested.status == I.REQUESTED and not InvoiceFile.objects.exists()


# --- voiding (红冲) -----------------------------------------------------------------------------------------------


def void_url(invoice):
    return reverse("admin:applications_invoicerequest_void", args=[invoice.pk])


def test_voiding_tells_the_applicant_who_may_then_request_again(
    staff_client, requested, applicant, applicant_client, reviewer
):
    requested.issue(_checked_pdf(), by=reviewer, number="12345678", issued_on=timezone.localdate())
    staff_client.post(void_url(requested), {"reason": "抬头有误", "expected_status": "issued"})
    requested.refresh_from_db()
    assert (requested.status, requested.void_reason, requested.voided_by) == (I.VOIDED, "抬头有误", reviewer)
    assert Notification.objects.get(kind=Notification.Kind.INVOICE_VOIDED, user=applicant).reason == "抬头有误"
    page = applicant_client.get(reverse("applications:fee", args=[requested.payment.application_id]))
    assert "抬头有误" in page.content.decode() and request_url(requested.payment) in page.content.decode()
    assert applicant_client.get(reverse("applications:invoice_file", args=[requested.pk])).status_code == 404
    body = {
        "kind": "ordinary",
        "title": "福州正确名称有限公司",
        "taxpayer_id": requested.taxpayer_id,
        "email": "a@b.cn",
    }
    applicant_client.post(request_url(requested.payment), body)
    again = requested.payment.invoice_requests.first()
    assert again.pk != requested.pk and again.status == I.REQUESTED
    again.issue(_checked_pdf(), by=reviewer, number="87654321", issued_on=timezone.localdate())
    assert again.status == I.ISSUED


def test_voiding_needs_a_reason(staff_client, requested, reviewer):
    requested.issue(_checked_pdf(), by=reviewer, number="12345678", issued_on=timezone.localdate())
    response = staff_client.post(void_url(requested), {"reason": " "})
    assert any("reason" in m for m in admin_messages(response))
    requested.refresh_from_db()
    assert requested.status == I.ISSUED


def test_a_request_not_issued_cannot_be_voided(staff_client, requested):
    response = staff_client.post(void_url(requested), {"reason": "重复"})
    assert any("Not possible while the status is" in m for m in admin_messages(response))
    requested.refresh_from_db()
    assert requested.status == I.REQUESTED


def test_staff_download_the_issued_file_from_the_admin(staff_client, requested, reviewer, decision_maker, client):
    requested.issue(_checked_pdf(), by=reviewer, number="12345678", issued_on=timezone.localdate())
    url = reverse("admin:applications_invoicerequest_file", args=[requested.pk])
    assert staff_client.get(url).status_code == 200
    page = staff_client.get(reverse("admin:applications_invoicerequest_change", args=[requested.pk]))
    assert url.encode() in page.content and requested.file.sha256.encode() in page.content


def test_the_invoice_list_answers_in_a_bounded_number_of_queries(staff_client, django_assert_max_num_queries):
    for _ in range(12):
        InvoiceRequestFactory()
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("admin:applications_invoicerequest_changelist"))
    assert response.status_code == 200

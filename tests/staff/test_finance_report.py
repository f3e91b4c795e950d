"""The monthly finance report: an XLSX of the month's quotes, invoices, payments by method, refunds and what is
outstanding, downloaded by finance staff (those who confirm payments) from the staff dashboard."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from applications.einvoice import check_invoice_file
from applications.models import InvoiceRequest, Payment
from tests.applications import samples
from tests.factories import PaymentFactory, QuoteFactory, QuoteLineFactory

pytestmark = pytest.mark.django_db
URL = reverse("staff_finance_report")
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
NOVEMBER = "2026-11"


def at(day: int, month: int = 11, hour: int = 10):
    return time_machine.travel(datetime.datetime(2026, month, day, hour, tzinfo=BEIJING), tick=False)


def quote(event: str, amounts: list[str], due_on=None):
    made = QuoteFactory(event=event, due_on=due_on, total=sum(Decimal(a) for a in amounts))
    for amount in amounts:
        QuoteLineFactory(quote=made, amount=Decimal(amount))
    return made


def pdf():
    return check_invoice_file(SimpleUploadedFile("fapiao.pdf", samples.pdf()))


@pytest.fixture
def november(reviewer):
    """Two quotes of November (one paid by bank transfer, one re-certification fee unpaid and overdue), one of October
    paid online in November and refunded, an invoice issued and voided in November, another issued."""
    with at(20, month=10):
        october = quote("initial", ["8000.00"], due_on=datetime.date(2026, 10, 31))
        online = PaymentFactory(quote=october, amount=Decimal("8000.00"), method=Payment.Method.SANDBOX)
    with at(3):
        initial = quote("initial", ["3000.00", "1800.00"], due_on=datetime.date(2026, 11, 30))
        transfer = PaymentFactory(quote=initial, amount=Decimal("4800.00"))
        surveillance = quote("recertification", ["6000.00"], due_on=datetime.date(2026, 11, 15))
        PaymentFactory(quote=surveillance, amount=Decimal("6000.00"))
    with at(5):
        transfer.confirm(by=reviewer)
        online.confirm(by=reviewer)
    with at(12):
        first = InvoiceRequest.ask(
            transfer,
            by=transfer.application.created_by,
            title="甲公司",
            taxpayer_id="91350100M000100Y43",
            email="a@b.cn",
        )
        first.issue(pdf(), by=reviewer, number="11111111", issued_on=datetime.date(2026, 11, 12))
        second = InvoiceRequest.ask(
            online, by=online.application.created_by, title="乙公司", taxpayer_id="91350100M000100Y43", email="c@d.cn"
        )
        second.issue(pdf(), by=reviewer, number="22222222", issued_on=datetime.date(2026, 11, 12))
    with at(25):
        online.refund(by=reviewer, reason="撤回申请")
    with at(28):
        first.void(by=reviewer, reason="抬头有误")
    with at(2, month=12):
        quote("initial", ["2000.00"], due_on=datetime.date(2026, 12, 31))  # December's: not in November's report
    return {"transfer": transfer, "online": online, "initial": initial, "surveillance": surveillance}


@pytest.fixture
def finance_client(reviewer):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reviewer)
    return client


def download(client, month=NOVEMBER):
    with at(6, month=12):
        return client.get(URL, {"month": month})


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_report_has_the_month_s_figures_sheet_by_sheet(finance_client, november):
    response = download(finance_client)
    assert response.status_code == 200
    assert 'filename="certportal-finance-2026-11.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Quotes", "Invoices", "Payments", "Refunds", "Outstanding"]

    quotes = rows(book["Quotes"])
    assert quotes[0] == ["Issued", "Application", "Organization", "For", "Due by", "Amount (¥)"]
    assert [(r[3], r[5]) for r in quotes[1:-1]] == [("Initial certification", 4800), ("Re-certification", 6000)]
    assert quotes[-1][0] == "Total (2)" and quotes[-1][-1] == 10800
    assert book["Quotes"]["F2"].number_format == "¥#,##0.00"
    assert book["Quotes"]["F4"].number_format == "¥#,##0.00"  # the total too

    invoices = rows(book["Invoices"])
    assert [(r[1], r[3], r[-1]) for r in invoices[1:-1]] == [
        ("11111111", "Issued", 4800),
        ("11111111", "Voided (red-letter)", -4800),
        ("22222222", "Issued", 8000),
    ]
    assert invoices[-1][-1] == 8000  # net of the red-letter invoice

    payments = rows(book["Payments"])
    assert [(r[1], r[-1]) for r in payments[1:-1]] == [
        ("Bank transfer", 4800),
        ("Subtotal: Bank transfer", 4800),
        ("Online (sandbox)", 8000),  # refunded since, but confirmed in November
        ("Subtotal: Online (sandbox)", 8000),
    ]
    assert (payments[-1][0], payments[-1][-1]) == ("Total (2)", 12800)
    assert payments[1][0] == datetime.datetime(2026, 11, 5, 10, 0)  # Beijing time
    assert book["Payments"]["B3"].font.bold  # a subtotal

    refunds = rows(book["Refunds"])
    assert [(r[2], r[5], r[6]) for r in refunds[1:-1]] == [(november["online"].reference, "撤回申请", 8000)]

    outstanding = rows(book["Outstanding"])
    assert outstanding[0][4:] == ["Due by", "Days overdue", "Amount (¥)"]
    assert [(r[1], r[4], r[5], r[6]) for r in outstanding[1:-1]] == [
        (november["surveillance"].application.reference, datetime.datetime(2026, 11, 15), 15, 6000)
    ]
    assert outstanding[-1][-1] == 6000


def test_a_quote_paid_after_the_month_is_outstanding_at_its_end(finance_client, november, reviewer):
    with at(3, month=12):
        november["surveillance"].payments.get().confirm(by=reviewer)
    outstanding = rows(workbook(download(finance_client))["Outstanding"])
    assert len(outstanding) == 3  # header, the surveillance quote, the total


def test_headers_are_in_the_reader_s_language(reviewer, november):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(reviewer)
    book = workbook(download(client))
    assert book.sheetnames[0] == "报价"
    assert rows(book["报价"])[0][-1] == "金额（¥）"


def test_the_query_count_does_not_grow_with_the_rows(finance_client, november):
    with CaptureQueriesContext(connection) as few:
        download(finance_client)
    with at(4):
        for _ in range(15):
            payment = PaymentFactory(quote=quote("recertification", ["900.00"]))
            InvoiceRequest.ask(
                payment, by=payment.application.created_by, title="丙", taxpayer_id="91350100M000100Y43", email="e@f.cn"
            )
    with CaptureQueriesContext(connection) as many:
        response = download(finance_client)
    assert len(rows(workbook(response)["Quotes"])) == 2 + 2 + 15
    assert len(many) == len(few)


def test_the_form_page_and_a_bad_month(finance_client):
    assert b'name="month"' in finance_client.get(URL).content
    for bad in ("2026-13", "November", "2026-1", "1999-12"):
        response = finance_client.get(URL, {"month": bad})
        assert response.status_code == 400 and b"Give the month as YYYY-MM" in response.content
    response = finance_client.get(URL, {"month": "2999-01"})
    assert response.status_code == 400 and b"has not begun yet" in response.content


def test_a_bad_month_is_explained_in_chinese(reviewer):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(reviewer)
    response = client.get(URL, {"month": "2026-13"})
    assert (
        response.status_code == 400 and "YYYY-MM" in response.content.decode() and "月份" in response.content.decode()
    )


def test_only_staff_who_confirm_payments_download_it(client, decision_maker, applicant):
    client.force_login(decision_maker)
    assert client.get(URL, {"month": NOVEMBER}).status_code == 403
    client.force_login(applicant)
    response = client.get(URL, {"month": NOVEMBER})
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_dashboard_links_to_it_for_finance_staff_only(finance_client, decision_maker):
    assert URL.encode() in finance_client.get(reverse("staff_dashboard")).content
    other = Client()
    other.force_login(decision_maker)
    assert URL.encode() not in other.get(reverse("staff_dashboard")).content

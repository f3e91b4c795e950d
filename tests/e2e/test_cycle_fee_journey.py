"""A certified enterprise, in a real browser, pays its first surveillance fee with WeChat Pay (the loopback peer of
tests/applications/payments/wechat_peer.py), asks for a 专用发票 for it and, once finance staff have issued it,
downloads the e-invoice: the certificate page's fees of the cycle, the fee page of that fee, the QR code page, the
invoice form and the download link."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from applications.einvoice import check_invoice_file
from applications.models import InvoiceRequest, Payment
from certificates import services
from tests.applications import samples
from tests.applications.payments.test_wechat import start_peer
from tests.factories import ready_for_decision


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_certified_enterprise_pays_its_surveillance_fee_online_and_downloads_its_special_invoice(
    browser, live_server, settings, tmp_path, applicant, reviewer, auditor, decision_maker, artifacts_dir
):
    organization = applicant.membership.organization
    application = ready_for_decision(grade="four_star", score=Decimal("91.50"), organization=organization)
    certificate = services.grant_certification(application=application, by=decision_maker)
    review = certificate.surveillance_reviews.order_by("due_date").first()
    today = datetime.date.today()
    services.plan_surveillance_audit(  # planning the audit quotes the surveillance at the latest
        review=review,
        by=reviewer,
        lead=auditor,
        start=today + datetime.timedelta(days=40),
        end=today + datetime.timedelta(days=40),
        onsite_man_days=Decimal(1),
    )
    quote = review.quotes.get()
    payment = quote.payments.get()
    assert quote.event == "surveillance" and payment.status == Payment.Status.PENDING

    client = Client()
    client.force_login(applicant)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    blocked: list[str] = []
    page = context.new_page()
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    peer = start_peer(settings, tmp_path)
    try:
        settings.SITE_URL = live_server.url
        # The certificate page lists the cycle's fees; the surveillance fee links to its own fee page.
        page.goto(live_server.url + reverse("certificates:detail", args=[certificate.pk]))
        fee_url = reverse("applications:fee", args=[application.pk]) + f"?payment={payment.pk}"
        page.locator(f'#fees ~ .table-responsive a[href="{fee_url}"]').click()
        page.wait_for_url(live_server.url + fee_url)
        assert "¥1,500.00" in page.content()
        page.screenshot(path=artifacts_dir / "cycle-fee-surveillance-page.png", full_page=True)

        page.get_by_role("button", name="微信支付").click()
        order = payment.online_orders.get()
        page.wait_for_url(live_server.url + reverse("applications:wechat_order", args=[order.pk]))
        assert "¥1,500.00" in page.content()
        transaction = peer.pay(order.out_trade_no)  # the payer scans and pays; WeChat Pay tells our server
        assert peer.notify(order.out_trade_no, *peer.notification(transaction)) == 200
        page.wait_for_url(f"{live_server.url}{reverse('applications:fee', args=[application.pk])}*", timeout=15_000)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.CONFIRMED and payment.method == Payment.Method.WECHAT

        # The 专用发票 request, on the paid fee's page.
        page.goto(live_server.url + fee_url)
        page.get_by_label("增值税专用发票").check()
        page.get_by_label("注册地址").fill("福建省福州市鼓楼区五四路1号")
        page.get_by_label("电话", exact=True).fill("0591-87654321")
        page.get_by_label("开户银行", exact=True).fill("中国工商银行福州鼓楼支行")
        page.get_by_label("银行账号", exact=True).fill("1402 0212 0910 0012 345")
        page.get_by_role("button", name="申请开具发票").click()
        page.wait_for_load_state()
        invoice = InvoiceRequest.objects.get(payment=payment, status=InvoiceRequest.Status.REQUESTED)
        assert invoice.kind == "special" and invoice.taxpayer_id == organization.credit_code
        assert invoice.bank_account == "1402021209100012345" and not invoice.missing_special_fields()

        # Finance staff issue it (tests/applications/test_invoices.py covers the admin form); the enterprise downloads.
        pdf = samples.pdf()
        invoice.issue(
            check_invoice_file(SimpleUploadedFile("fapiao.pdf", pdf)),
            by=reviewer,
            number="26352000000012345678",
            issued_on=today,
        )
        page.goto(live_server.url + fee_url)
        assert "26352000000012345678" in page.content()
        assert payment.reference not in page.content()  # paid online: no bank transfer details any more
        page.screenshot(path=artifacts_dir / "cycle-fee-invoice-issued.png", full_page=True)
        with page.expect_download() as download:
            page.locator("a.invoice-download").click()
        saved = download.value.path()
        stored = InvoiceRequest.objects.get(pk=invoice.pk).file  # the upload as kept (PDFs are rewritten when checked)
        assert stored.sha256 == hashlib.sha256(pdf).hexdigest()
        assert hashlib.sha256(saved.read_bytes()).hexdigest() == stored.stored_sha256
    finally:
        peer.stop()
    assert not blocked
    assert peer.refused == []
    context.close()

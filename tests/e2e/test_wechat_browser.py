"""A payer pays the fee with WeChat Pay in a real browser: the fee page's 微信支付 button, our QR code page (the
Native order placed with the loopback peer of tests/applications/payments/wechat_peer.py), WeChat Pay's
notification to our live server, and the page moving on to the fee page by itself (static/js/order-status.js)."""

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Application, OnlineOrder, Payment
from tests.applications.payments.test_wechat import start_peer
from tests.factories import in_state


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_paying_the_fee_with_wechat_pay_in_a_browser(
    browser, live_server, settings, tmp_path, applicant, reviewer, artifacts_dir
):
    application = in_state(Application.Status.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    payment = application.payments.get()
    client = Client()
    client.force_login(applicant)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    blocked: list[str] = []
    page = context.new_page()
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    peer = start_peer(settings, tmp_path)
    try:
        settings.SITE_URL = live_server.url
        fee = reverse("applications:fee", args=[application.pk])
        page.goto(live_server.url + fee)
        page.get_by_role("button", name="微信支付").click()
        order = payment.online_orders.get()
        page.wait_for_url(live_server.url + reverse("applications:wechat_order", args=[order.pk]))
        qr = page.get_by_role("img", name="微信支付二维码")
        assert qr.is_visible() and qr.bounding_box()["width"] >= 200
        assert "¥4,800.00" in page.content() and order.out_trade_no in page.content()
        page.screenshot(path=artifacts_dir / "wechat-qr-page.png", full_page=True)

        transaction = peer.pay(order.out_trade_no)  # the payer scans and pays; WeChat Pay tells our server
        assert peer.notify(order.out_trade_no, *peer.notification(transaction)) == 200
        page.wait_for_url(live_server.url + fee, timeout=15_000)  # the page saw it and moved on
        page.screenshot(path=artifacts_dir / "wechat-paid-fee-page.png", full_page=True)
    finally:
        peer.stop()
    assert not blocked
    assert peer.refused == []
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.method == Payment.Method.WECHAT
    assert payment.online_orders.get().status == OnlineOrder.Status.PAID
    context.close()

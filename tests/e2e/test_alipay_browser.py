"""A payer pays the fee with Alipay in a real browser: the fee page's 支付宝 button, the gateway's cashier (the
loopback peer of tests/applications/payments/alipay_peer.py), the notification to our live server, and the
return page, which says we are checking and moves on to the fee page by itself once the payment is confirmed."""

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Application, OnlineOrder, Payment
from tests.applications.payments.alipay_peer import AlipayPeer
from tests.applications.payments.test_alipay import APP_ID, APP_KEY, SELLER_ID, configure
from tests.factories import in_state


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_paying_the_fee_with_alipay_in_a_browser(
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
    with AlipayPeer(app_id=APP_ID, app_public_key=APP_KEY.public_key(), seller_id=SELLER_ID) as peer:
        configure(settings, tmp_path, peer, live_server.url)
        fee = reverse("applications:fee", args=[application.pk])
        page.goto(live_server.url + fee)
        page.screenshot(path=artifacts_dir / "alipay-fee-page.png", full_page=True)
        page.get_by_role("button", name="支付宝").click()
        page.wait_for_url(peer.url + "?*")
        assert "支付宝 收银台" in page.content() and "¥4800.00" in page.content()
        assert not blocked

        peer.notify_from_cashier = False  # the browser comes back before the notification arrives
        page.get_by_role("button", name="确认付款").click()
        page.wait_for_url(live_server.url + reverse("applications:alipay_return") + "?*")
        assert "我们正在向支付宝核实这笔付款" in page.content()
        page.screenshot(path=artifacts_dir / "alipay-return-page.png", full_page=True)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PENDING  # coming back proved nothing

        (trade,) = peer.trades.values()
        peer.deliver(trade.notify_url, peer.notification(trade))  # Alipay's notification: the page moves on
        page.wait_for_url(live_server.url + fee, timeout=15_000)
        page.screenshot(path=artifacts_dir / "alipay-paid-fee-page.png", full_page=True)

    assert [(d.status, d.body) for d in peer.deliveries] == [(200, "success")]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.method == Payment.Method.ALIPAY
    assert payment.online_orders.get().status == OnlineOrder.Status.PAID
    context.close()

"""Alipay against a loopback peer of its gateway (alipay_peer.py): keys made here, signatures checked both ways.

The peer checks the RSA2 signature of every request we send (with the application public key made here) and
signs its answers and notifications with its own "Alipay" key, whose public half is what our settings trust.
"""

import logging
import urllib.request
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.checks import check_alipay_settings
from applications.models import Application, OnlineOrder, Payment, PaymentEvent
from applications.payments import alipay
from applications.payments.orders import refund_order
from applications.payments.provider import ProviderError
from applications.tasks import query_open_orders
from tests.factories import in_state

from ..portal import messages_of
from .alipay_peer import AlipayPeer, new_key, private_pem, public_pem

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
APP_KEY = new_key()  # the application's key pair, as the merchant makes it with the Alipay key tool
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
S = Application.Status


def configure(settings, tmp_path, peer: AlipayPeer, site_url: str) -> None:
    (tmp_path / "app_private.pem").write_text(private_pem(APP_KEY))
    (tmp_path / "alipay_public.pem").write_text(public_pem(peer.alipay_key))
    settings.PAYMENT_PROVIDERS = ["alipay"]
    settings.SITE_URL = site_url
    settings.ALIPAY_APP_ID = APP_ID
    settings.ALIPAY_SELLER_ID = SELLER_ID
    settings.ALIPAY_APP_PRIVATE_KEY_PATH = str(tmp_path / "app_private.pem")
    settings.ALIPAY_PUBLIC_KEY_PATH = str(tmp_path / "alipay_public.pem")
    settings.ALIPAY_GATEWAY = peer.url


@pytest.fixture
def peer():
    with AlipayPeer(app_id=APP_ID, app_public_key=APP_KEY.public_key(), seller_id=SELLER_ID) as running:
        yield running


@pytest.fixture
def alipay_on(settings, tmp_path, peer):
    """Alipay switched on, its gateway the peer; notifications are posted to us with the test client."""
    configure(settings, tmp_path, peer, "http://testserver")
    return peer


@pytest.fixture
def payment(applicant, reviewer) -> Payment:
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    return application.payments.get()


def start(client, payment, **headers) -> tuple[OnlineOrder, str]:
    """The applicant chooses Alipay; returns the order and the gateway URL the browser is sent to."""
    response = client.post(reverse("applications:pay_online", args=[payment.pk, "alipay"]), **headers)
    assert response.status_code == 302, response
    return payment.online_orders.get(), response.url


def open_cashier(url: str) -> str:
    """What the payer's browser does with the redirect: fetch the gateway's cashier page."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the loopback peer
        assert response.status == 200
        return response.read().decode()


def notify(params: dict) -> tuple[int, str]:
    """Post a notification to our notify URL as Alipay does (form-encoded), with a fresh client."""
    response = Client().post(reverse("applications:payment_callback", args=["alipay"]), params)
    return response.status_code, response.content.decode()


def paid(peer: AlipayPeer, order: OnlineOrder):
    """The buyer pays, but the notification is left to the test."""
    return peer.pay(order.out_trade_no, notify=False)


# --- paying -------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_paying_with_alipay_end_to_end(applicant_client, payment, settings, tmp_path, peer, live_server):
    configure(settings, tmp_path, peer, live_server.url)
    order, url = start(applicant_client, payment)
    assert url.startswith(peer.url + "?")
    cashier = open_cashier(url)
    assert "¥4800.00" in cashier and order.out_trade_no in cashier
    (request,) = peer.requests  # the browser's request, its signature verified by the peer
    assert request["method"] == "alipay.trade.page.pay" and request["app_id"] == APP_ID
    assert request["notify_url"] == live_server.url + "/portal/payments/callback/alipay/"
    assert request["return_url"] == live_server.url + "/portal/payments/alipay/return/"
    trade = peer.trades[order.out_trade_no]
    assert (trade.total_amount, trade.method) == ("4800.00", "alipay.trade.page.pay")
    assert trade.subject == f"认证费 {payment.reference}"

    peer.pay(order.out_trade_no)  # the buyer pays; Alipay notifies our live server

    (delivery,) = peer.deliveries
    assert (delivery.status, delivery.body) == (200, "success")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.method == Payment.Method.ALIPAY
    assert order.status == OnlineOrder.Status.PAID and order.transaction_id == trade.trade_no
    (event,) = PaymentEvent.objects.all()
    assert (event.provider, event.event_id, event.result) == ("alipay", trade.trade_no, PaymentEvent.Result.CONFIRMED)
    assert Application.objects.get(pk=payment.application_id).status == S.PAID


def test_a_phone_gets_alipays_mobile_cashier(applicant_client, payment, alipay_on):
    order, url = start(applicant_client, payment, HTTP_USER_AGENT=PHONE)
    open_cashier(url)
    (request,) = alipay_on.requests
    assert request["method"] == "alipay.trade.wap.pay"
    assert '"product_code":"QUICK_WAP_PAY"' in request["biz_content"]
    assert alipay_on.trades[order.out_trade_no].method == "alipay.trade.wap.pay"


def test_the_request_carries_beijing_time_and_the_orders_expiry(applicant_client, payment, alipay_on):
    order, url = start(applicant_client, payment)
    params = dict(parse_qsl(urlsplit(url).query))
    beijing_now = timezone.localtime(timezone.now(), alipay.BEIJING).replace(tzinfo=None)
    sent = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
    assert abs(sent - beijing_now) < timedelta(minutes=1)
    assert f'"time_expire":"{alipay.beijing(order.expires_at)}"' in params["biz_content"]
    assert params["sign_type"] == "RSA2" and params["sign"]


def test_a_request_signed_with_another_key_is_refused_by_the_gateway(applicant_client, payment, alipay_on, settings):
    with open(settings.ALIPAY_APP_PRIVATE_KEY_PATH, "w") as key_file:  # a key Alipay does not know
        key_file.write(private_pem(new_key()))
    _order, url = start(applicant_client, payment)
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_cashier(url)
    assert refused.value.code == 400
    assert alipay_on.refused == ["isv.invalid-signature: 验签出错"] and not alipay_on.trades


# --- notifications ------------------------------------------------------------------------------------------


@pytest.fixture
def order(applicant_client, payment, alipay_on) -> OnlineOrder:
    """An order whose cashier page the payer opened."""
    order, url = start(applicant_client, payment)
    open_cashier(url)
    return order


def test_a_replayed_notification_changes_nothing_and_is_logged(order, alipay_on, payment, caplog):
    trade = paid(alipay_on, order)
    params = alipay_on.notification(trade)
    assert notify(params) == (200, "success")
    with caplog.at_level(logging.INFO, logger="applications.payments"):
        assert notify(params) == (200, "success")  # the same notify_id again: Alipay retries until "success"
        finished = alipay_on.notification(trade, trade_status="TRADE_FINISHED")  # same trade_no, new notify_id
        assert notify(finished) == (200, "success")
    assert PaymentEvent.objects.get().result == PaymentEvent.Result.CONFIRMED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert payment.history.filter(status=Payment.Status.CONFIRMED).count() == 1
    received_again = [r for r in caplog.records if "received again" in r.getMessage()]
    assert len(received_again) == 2 and trade.trade_no in received_again[0].getMessage()


@pytest.mark.parametrize(
    "change",
    [
        {"total_amount": "0.01"},  # changed after Alipay signed
        {"out_trade_no": "X"},
        {"buyer_id": "2088102177846881"},
        {"extra": "1"},  # a parameter added
    ],
)
def test_a_tampered_notification_is_refused_and_logged(order, alipay_on, payment, caplog, change):
    params = alipay_on.notification(paid(alipay_on, order)) | change
    with caplog.at_level(logging.WARNING, logger="applications.payments"):
        assert notify(params) == (400, "failure")
    assert any("refused: signature does not verify" in r.getMessage() for r in caplog.records)
    assert not PaymentEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.parametrize(
    "forge",
    [
        lambda peer, params: peer.sign_notification(params, key=new_key()),  # signed with another key
        lambda peer, params: params | {"sign": ""},
        lambda peer, params: params | {"sign": "not base64!"},
        lambda peer, params: {k: v for k, v in params.items() if k != "sign"},
        lambda peer, params: params | {"sign_type": "RSA"},  # RSA2 only
        lambda peer, params: params | {"sign": params["sign"][:-8] + "AAAAAAA="},
    ],
)
def test_a_wrongly_signed_notification_is_refused(order, alipay_on, payment, forge):
    params = forge(alipay_on, alipay_on.notification(paid(alipay_on, order)))
    assert notify(params) == (400, "failure")
    assert not PaymentEvent.objects.exists() and Payment.objects.get().status == Payment.Status.PENDING


@pytest.mark.parametrize(
    ("change", "logged"),
    [
        ({"app_id": "2021000000000002"}, "app_id 2021000000000002 is not ours"),
        ({"seller_id": "2088000000000002"}, "seller_id 2088000000000002 is not ours"),
    ],
)
def test_a_genuine_notification_for_another_app_or_seller_is_refused(order, alipay_on, caplog, change, logged):
    params = alipay_on.notification(paid(alipay_on, order), **change)  # signed by Alipay, but not for us
    with caplog.at_level(logging.WARNING, logger="applications.payments"):
        assert notify(params) == (400, "failure")
    assert any(logged in r.getMessage() for r in caplog.records)
    assert not PaymentEvent.objects.exists() and Payment.objects.get().status == Payment.Status.PENDING


@pytest.mark.parametrize("amount", ["4799.99", "4800.01", "4800", "480000"])
def test_an_amount_off_by_one_fen_confirms_nothing(order, alipay_on, payment, amount, caplog):
    trade = paid(alipay_on, order)
    with caplog.at_level(logging.WARNING):
        assert notify(alipay_on.notification(trade, total_amount=amount)) == (200, "success")  # recorded: no retry
    event = PaymentEvent.objects.get()
    if amount == "4800":  # the same amount written without the fen is the same amount
        assert event.result == PaymentEvent.Result.CONFIRMED
        return
    assert event.result == PaymentEvent.Result.IGNORED and event.payment == payment
    assert event.detail == f"amount {amount} does not match 4800.00"
    assert any("ignored" in r.getMessage() and amount in r.getMessage() for r in caplog.records)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_notification_for_an_unknown_order_is_kept_and_confirms_nothing(order, alipay_on, payment):
    trade = paid(alipay_on, order)
    assert notify(alipay_on.notification(trade, out_trade_no="UNKNOWN0001")) == (200, "success")
    event = PaymentEvent.objects.get()
    assert (event.result, event.detail, event.payment) == (
        PaymentEvent.Result.IGNORED,
        "unknown order UNKNOWN0001",
        None,
    )
    assert notify(alipay_on.notification(trade, out_trade_no="UNKNOWN0001")) == (200, "success")  # again: one row
    assert PaymentEvent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_closed_trade_closes_the_order_and_the_payment_stays_due(order, alipay_on, payment):
    trade = alipay_on.trades[order.out_trade_no]
    trade.status = "TRADE_CLOSED"  # the payer let the cashier time out
    assert notify(alipay_on.notification(trade)) == (200, "success")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OnlineOrder.Status.CLOSED and payment.status == Payment.Status.PENDING
    assert not PaymentEvent.objects.exists()


def test_an_unknown_trade_status_is_refused(order, alipay_on):
    params = alipay_on.notification(paid(alipay_on, order), trade_status="TRADE_PENDING")
    assert notify(params) == (400, "failure")
    assert not PaymentEvent.objects.exists()


def test_notifications_are_refused_when_alipay_is_off(order, alipay_on, settings):
    params = alipay_on.notification(paid(alipay_on, order))
    settings.PAYMENT_PROVIDERS = []
    assert notify(params)[0] == 404
    assert not PaymentEvent.objects.exists()


# --- the return URL -----------------------------------------------------------------------------------------


def test_the_return_url_confirms_nothing(applicant_client, order, alipay_on, payment):
    trade = paid(alipay_on, order)  # paid at Alipay, but its notification has not come yet
    # What Alipay appends to the return URL (signed, but a browser can change or replay anything it carries).
    claims = alipay_on.notification(trade) | {"method": "alipay.trade.page.pay.return"}
    response = applicant_client.get(reverse("applications:alipay_return"), claims)
    page = response.content.decode()
    assert response.status_code == 200 and "We are checking the payment with Alipay" in page
    assert 'data-open="1"' in page and reverse("applications:order_status", args=[order.pk]) in page
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and order.status == OnlineOrder.Status.OPEN
    assert not PaymentEvent.objects.exists()
    notify(alipay_on.notification(trade))
    after = applicant_client.get(reverse("applications:alipay_return"), {"out_trade_no": order.out_trade_no})
    assert "Your payment is confirmed." in after.content.decode() and 'data-open="0"' in after.content.decode()


def test_the_return_url_of_a_closed_order_says_nothing_was_charged(applicant_client, order, alipay_on):
    order.close(reason="expired unpaid")
    response = applicant_client.get(reverse("applications:alipay_return"), {"out_trade_no": order.out_trade_no})
    assert "This order is no longer open" in response.content.decode()


def test_the_return_url_of_another_organizations_order_is_404(order, other_applicant):
    outsider = Client()
    outsider.force_login(other_applicant)
    response = outsider.get(reverse("applications:alipay_return"), {"out_trade_no": order.out_trade_no})
    assert response.status_code == 404
    assert outsider.get(reverse("applications:alipay_return")).status_code == 404


# --- the periodic query, close and refund -------------------------------------------------------------------


def age(order: OnlineOrder, *, minutes: int, expired: bool = False) -> None:
    now = timezone.now()
    OnlineOrder.objects.filter(pk=order.pk).update(
        created_at=now - timedelta(minutes=minutes),
        expires_at=now - timedelta(minutes=1) if expired else now + timedelta(hours=1),
    )


def test_the_periodic_query_settles_a_paid_order_that_never_notified(order, alipay_on, payment, settings):
    trade = paid(alipay_on, order)  # the notification is lost
    age(order, minutes=settings.ONLINE_ORDER_QUERY_AFTER_MINUTES + 1)
    assert query_open_orders() == {OnlineOrder.Status.PAID: 1}
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.method == Payment.Method.ALIPAY
    assert order.status == OnlineOrder.Status.PAID and order.transaction_id == trade.trade_no
    assert order.last_queried_at is not None
    assert [r["method"] for r in alipay_on.requests][-1] == "alipay.trade.query"
    assert notify(alipay_on.notification(trade)) == (200, "success")  # the notification comes late: no effect
    assert PaymentEvent.objects.get().event_id == trade.trade_no
    assert payment.history.filter(status=Payment.Status.CONFIRMED).count() == 1


def test_the_periodic_query_closes_an_expired_order(order, alipay_on, payment, settings):
    age(order, minutes=200, expired=True)
    assert query_open_orders() == {OnlineOrder.Status.CLOSED: 1}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OnlineOrder.Status.CLOSED and payment.status == Payment.Status.PENDING
    assert alipay_on.trades[order.out_trade_no].status == "TRADE_CLOSED"  # closed at Alipay too: cannot be paid
    assert [r["method"] for r in alipay_on.requests][-2:] == ["alipay.trade.query", "alipay.trade.close"]


def test_an_expired_order_never_opened_at_alipay_is_closed(applicant_client, payment, alipay_on):
    order, _url = start(applicant_client, payment)  # the payer never reached the cashier
    age(order, minutes=200, expired=True)
    assert query_open_orders() == {OnlineOrder.Status.CLOSED: 1}
    assert not alipay_on.trades


def test_a_young_open_order_is_left_alone_and_an_unpaid_one_stays_open(order, alipay_on, settings):
    assert query_open_orders() == {}  # too young to ask about
    age(order, minutes=settings.ONLINE_ORDER_QUERY_AFTER_MINUTES + 1)
    assert query_open_orders() == {OnlineOrder.Status.OPEN: 1}  # asked: the payer is still at the cashier


def test_a_query_answer_not_signed_by_alipay_is_refused(order, alipay_on, payment):
    alipay_on.alipay_key = new_key()  # someone else answers in the gateway's place
    paid(alipay_on, order)
    with pytest.raises(ProviderError, match="not signed by the Alipay key"):
        alipay.AlipayProvider().query(order)
    age(order, minutes=60)
    assert query_open_orders() == {"failed": 1}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_refund_goes_back_through_alipay(order, alipay_on, payment, reviewer):
    trade = paid(alipay_on, order)
    notify(alipay_on.notification(trade))
    order.refresh_from_db()
    refund_id = refund_order(order, by=reviewer, amount=Decimal("4800.00"), reason="申请撤回")
    assert refund_id == order.out_trade_no
    assert trade.refunds == {order.out_trade_no: Decimal("4800.00")}
    request = alipay_on.requests[-1]
    assert request["method"] == "alipay.trade.refund" and '"refund_amount":"4800.00"' in request["biz_content"]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OnlineOrder.Status.REFUNDED and order.refunded_amount == Decimal("4800.00")
    assert payment.status == Payment.Status.REFUNDED


def test_a_partial_refund_leaves_the_payment_confirmed(order, alipay_on, payment, reviewer):
    notify(alipay_on.notification(paid(alipay_on, order)))
    order.refresh_from_db()
    refund_order(order, by=reviewer, amount=Decimal("800.00"), reason="差旅费多收")
    assert alipay_on.trades[order.out_trade_no].refunded == Decimal("800.00")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED


def test_a_refund_alipay_refuses_changes_nothing(order, alipay_on, payment, reviewer):
    trade = paid(alipay_on, order)
    notify(alipay_on.notification(trade))
    order.refresh_from_db()
    trade.refunds["earlier"] = Decimal("4000.00")  # refunded at Alipay already, outside the portal
    with pytest.raises(ProviderError, match="ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"):
        refund_order(order, by=reviewer, amount=Decimal("4800.00"), reason="申请撤回")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OnlineOrder.Status.PAID and payment.status == Payment.Status.CONFIRMED


# --- the fee page and switching Alipay on --------------------------------------------------------------------


def test_the_fee_page_offers_alipay_when_it_is_on(applicant_client, payment, alipay_on, settings):
    response = applicant_client.get(reverse("applications:fee", args=[payment.application_id]))
    page = response.content.decode()
    assert reverse("applications:pay_online", args=[payment.pk, "alipay"]) in page and ">Alipay<" in page
    # The button posts to us and is redirected to the gateway: the browser checks that redirect against form-action.
    gateway = alipay_on.url.removesuffix("/gateway.do")
    assert f"form-action 'self' {gateway}" in response.headers["Content-Security-Policy"]
    applicant_client.cookies["django_language"] = "zh-hans"
    page = applicant_client.get(reverse("applications:fee", args=[payment.application_id])).content.decode()
    assert "支付宝" in page
    settings.PAYMENT_PROVIDERS = []
    response = applicant_client.get(reverse("applications:fee", args=[payment.application_id]))
    assert "alipay" not in response.content.decode() and gateway not in response.headers["Content-Security-Policy"]
    assert applicant_client.post(reverse("applications:pay_online", args=[payment.pk, "alipay"])).status_code == 404


def test_paying_online_is_refused_for_another_organization_and_a_settled_payment(
    payment, alipay_on, other_applicant, applicant_client, reviewer
):
    outsider = Client()
    outsider.force_login(other_applicant)
    url = reverse("applications:pay_online", args=[payment.pk, "alipay"])
    assert outsider.post(url).status_code == 404
    payment.confirm(by=reviewer)
    response = applicant_client.post(url)
    assert response.url == reverse("applications:fee", args=[payment.application_id])
    assert messages_of(response) == ["This payment cannot be paid online now."]
    assert not OnlineOrder.objects.exists() and not alipay_on.requests


def test_the_deploy_check_wants_alipays_settings_when_it_is_on(settings, tmp_path, peer):
    settings.PAYMENT_PROVIDERS = []
    assert check_alipay_settings(None) == []
    settings.PAYMENT_PROVIDERS = ["alipay"]
    settings.ALIPAY_APP_ID = settings.ALIPAY_SELLER_ID = ""
    settings.ALIPAY_APP_PRIVATE_KEY_PATH = settings.ALIPAY_PUBLIC_KEY_PATH = ""
    (problem,) = check_alipay_settings(None)
    assert problem.id == "certportal.E030" and "ALIPAY_APP_ID, ALIPAY_SELLER_ID" in problem.msg
    configure(settings, tmp_path, peer, "https://cert.example.com")
    assert check_alipay_settings(None) == []
    (tmp_path / "app_private.pem").write_text(public_pem(APP_KEY))  # the public half by mistake
    (problem,) = check_alipay_settings(None)
    assert problem.id == "certportal.E031" and "public key" in problem.msg
    (tmp_path / "alipay_public.pem").write_text("not a key")
    (problem,) = check_alipay_settings(None)
    assert problem.id == "certportal.E031"
    settings.ALIPAY_PUBLIC_KEY_PATH = str(tmp_path / "missing.pem")
    assert check_alipay_settings(None)[0].id == "certportal.E031"


def test_keys_as_the_alipay_key_tool_writes_them(settings, tmp_path, peer):
    """The key tool writes bare base64 (no PEM armour); both forms load, and sign the same."""
    configure(settings, tmp_path, peer, "https://cert.example.com")
    for name in ("app_private.pem", "alipay_public.pem"):
        path = tmp_path / name
        path.write_text("".join(line for line in path.read_text().splitlines() if not line.startswith("-----")))
    api = alipay.client()
    assert api.app_private_key.has_private()
    assert api.alipay_public_key.n == peer.alipay_key.public_key().public_numbers().n

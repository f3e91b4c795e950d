"""WeChat Pay against its loopback peer (wechat_peer.py): orders, notifications, the periodic query, refunds."""

import logging
import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from applications import tasks
from applications.models import Application, OnlineOrder, Payment, PaymentEvent
from applications.payments import wechat
from applications.payments.orders import check_order, refund_order
from applications.payments.provider import ProviderError
from certportal.workflow import TransitionError
from tests.applications.portal import messages_of
from tests.factories import in_state

from .wechat_peer import Peer, new_key, private_pem, public_pem

pytestmark = pytest.mark.django_db
S = Application.Status
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
KEYS: dict[str, object] = {}


def key(name):
    """RSA keys made once per test run (making one takes a moment)."""
    if name not in KEYS:
        KEYS[name] = new_key()
    return KEYS[name]


def start_peer(settings, tmp_path) -> Peer:
    """A running WeChat Pay peer with keys made here, and the settings that point the portal at it."""
    merchant = key("merchant")
    peer = Peer(
        mchid="1900000109",
        appid="wxd678efh567hg6787",
        merchant_serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        merchant_public_key=merchant.public_key(),
        apiv3_key="a12d3924fd499edac8a5efc6b7e1f3a2",
        platform_key=key("platform"),
    )
    gateway = peer.start()
    (tmp_path / "apiclient_key.pem").write_text(private_pem(merchant))
    (tmp_path / "pub_key.pem").write_text(public_pem(peer.platform_key))
    settings.PAYMENT_PROVIDERS = ["wechat"]
    settings.SITE_URL = "http://testserver"
    settings.WECHATPAY_MCH_ID = peer.mchid
    settings.WECHATPAY_APP_ID = peer.appid
    settings.WECHATPAY_PRIVATE_KEY_PATH = str(tmp_path / "apiclient_key.pem")
    settings.WECHATPAY_CERT_SERIAL_NO = peer.merchant_serial
    settings.WECHATPAY_APIV3_KEY = peer.apiv3_key
    settings.WECHATPAY_PUBLIC_KEY_PATH = str(tmp_path / "pub_key.pem")
    settings.WECHATPAY_PUBLIC_KEY_ID = peer.public_key_id
    settings.WECHATPAY_GATEWAY = gateway
    return peer


@pytest.fixture
def peer(settings, tmp_path):
    peer = start_peer(settings, tmp_path)
    yield peer
    peer.stop()


@pytest.fixture
def accepted(applicant, reviewer):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    return application


@pytest.fixture
def payment(accepted):
    return accepted.payments.get()


def place(client, payment, user_agent=DESKTOP):
    return client.post(reverse("applications:pay_online", args=[payment.pk, "wechat"]), HTTP_USER_AGENT=user_agent)


def deliver(client, headers: dict, body: bytes):
    """Post a notification to our callback endpoint with WeChat Pay's headers, as its server does."""
    extra = {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items() if name != "Content-Type"
    }
    return client.post(
        reverse("applications:payment_callback", args=["wechat"]), body, content_type="application/json", **extra
    )


@pytest.fixture
def order(applicant_client, payment, peer):
    place(applicant_client, payment)
    return payment.online_orders.get()


# --- placing an order ---------------------------------------------------------------------------------------------


def test_the_fee_page_offers_wechat_pay_when_it_is_on(applicant_client, accepted, payment, peer, client, applicant):
    page = applicant_client.get(reverse("applications:fee", args=[accepted.pk])).content.decode()
    assert reverse("applications:pay_online", args=[payment.pk, "wechat"]) in page and "WeChat Pay" in page
    client.force_login(applicant)
    client.cookies["django_language"] = "zh-hans"
    assert "微信支付" in client.get(reverse("applications:fee", args=[accepted.pk])).content.decode()


def test_a_desktop_gets_a_native_order_and_our_qr_page(applicant_client, payment, peer):
    response = place(applicant_client, payment)
    order = payment.online_orders.get()
    assert response.url == reverse("applications:wechat_order", args=[order.pk])
    assert peer.accepted == [("POST", "/v3/pay/transactions/native")] and peer.refused == []
    sent = peer.orders[order.out_trade_no]["request"]
    assert sent["amount"] == {"total": 480000, "currency": "CNY"}  # ¥4,800.00 in fen, exactly
    assert sent["notify_url"] == "http://testserver" + reverse("applications:payment_callback", args=["wechat"])
    assert sent["time_expire"].endswith("+08:00") and len(order.out_trade_no) <= 32
    assert order.status == OnlineOrder.Status.OPEN and order.pay_url.startswith("weixin://wxpay/bizpayurl?pr=")
    page = applicant_client.get(response.url).content.decode()
    assert 'src="data:image/svg+xml' in page and "js/order-status.js" in page and "4,800.00" in page
    status = applicant_client.get(reverse("applications:order_status", args=[order.pk])).json()
    fee = reverse("applications:fee", args=[payment.application_id])
    assert status == {"status": "open", "paid": False, "open": True, "next": fee}


def test_a_phone_gets_an_h5_order_and_comes_back_to_our_page(applicant_client, payment, peer):
    response = place(applicant_client, payment, IPHONE)
    order = payment.online_orders.get()
    assert peer.accepted == [("POST", "/v3/pay/transactions/h5")]
    scene = peer.orders[order.out_trade_no]["request"]["scene_info"]
    assert scene["payer_client_ip"] == "127.0.0.1" and scene["h5_info"] == {"type": "Wap"}
    assert response.url.startswith("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=")
    back = parse_qs(urlsplit(response.url).query)["redirect_url"][0]
    assert back == "http://testserver" + reverse("applications:wechat_order", args=[order.pk])


def test_our_requests_are_signed_so_the_peer_refuses_a_wrong_merchant_serial(applicant_client, payment, peer, settings):
    settings.WECHATPAY_CERT_SERIAL_NO = "0000000000000000000000000000000000000000"
    response = place(applicant_client, payment)
    assert peer.refused and peer.refused[0][2] == "wrong serial_no" and peer.orders == {}
    assert "WeChat Pay cannot take the payment right now" in " ".join(messages_of(response))
    assert not payment.online_orders.exists()  # the order is not kept when WeChat Pay did not take it


def test_an_unreachable_gateway_is_a_clear_message(applicant_client, payment, peer):
    peer.stop()
    response = place(applicant_client, payment)
    assert response.url == reverse("applications:fee", args=[payment.application_id])
    assert "WeChat Pay cannot take the payment right now" in " ".join(messages_of(response))
    assert not payment.online_orders.exists()


def test_a_confirmed_payment_cannot_be_paid_again(applicant_client, payment, peer, reviewer):
    payment.confirm(by=reviewer)
    response = place(applicant_client, payment)
    assert "cannot be paid online now" in " ".join(messages_of(response))
    assert peer.accepted == [] and not payment.online_orders.exists()


def test_staff_cannot_start_the_enterprise_s_payment(payment, peer, client, reviewer):
    client.force_login(reviewer)
    response = place(client, payment)
    assert response.status_code in (302, 404)
    assert peer.accepted == [] and not payment.online_orders.exists()


def test_the_polled_status_is_cheap(order, applicant_client, django_assert_max_num_queries):
    url = reverse("applications:order_status", args=[order.pk])
    applicant_client.get(url)
    with django_assert_max_num_queries(5):  # session, user, membership, order with its payment
        assert applicant_client.get(url).json()["open"] is True


def test_another_organization_sees_no_order(order, client, other_applicant):
    client.force_login(other_applicant)
    assert client.get(reverse("applications:wechat_order", args=[order.pk])).status_code == 404
    assert client.get(reverse("applications:order_status", args=[order.pk])).status_code == 404
    assert client.post(reverse("applications:pay_online", args=[order.payment_id, "wechat"])).status_code == 404


def test_wechat_switched_off_is_not_offered(applicant_client, payment, peer, settings):
    settings.PAYMENT_PROVIDERS = []
    assert place(applicant_client, payment).status_code == 404
    assert deliver(applicant_client, {}, b"{}").status_code == 404


# --- the notification -----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_end_to_end_the_peer_notifies_our_live_server(live_server, applicant, payment, peer, settings, client):
    settings.SITE_URL = live_server.url
    client.force_login(applicant)
    place(client, payment)
    order = payment.online_orders.get()
    transaction = peer.pay(order.out_trade_no)
    assert peer.notify(order.out_trade_no, *peer.notification(transaction)) == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.method == Payment.Method.WECHAT
    assert Application.objects.get(pk=payment.application_id).status == S.PAID
    assert order.status == OnlineOrder.Status.PAID and order.transaction_id == transaction["transaction_id"]
    event = PaymentEvent.objects.get()
    assert (event.event_id, event.result) == (transaction["transaction_id"], PaymentEvent.Result.CONFIRMED)
    status = client.get(reverse("applications:order_status", args=[order.pk])).json()
    assert status["paid"] is True and status["open"] is False


def test_a_replayed_notification_changes_nothing(applicant_client, order, peer, caplog):
    headers, body = peer.notification(peer.pay(order.out_trade_no))
    assert deliver(applicant_client, headers, body).status_code == 200
    with caplog.at_level(logging.INFO, logger="applications.payments.provider"):
        assert deliver(applicant_client, headers, body).status_code == 200
    assert "received again" in caplog.text
    payment = Payment.objects.get(pk=order.payment_id)
    assert payment.status == Payment.Status.CONFIRMED
    assert PaymentEvent.objects.count() == 1
    assert [h.status for h in payment.history.all()].count(Payment.Status.CONFIRMED) == 1


def _refused(client, order, headers, body, caplog, why):
    with caplog.at_level(logging.WARNING, logger="applications.payments.wechat"):
        response = deliver(client, headers, body)
    assert response.status_code in (400, 401)
    assert why in caplog.text
    assert PaymentEvent.objects.count() == 0
    assert Payment.objects.get(pk=order.payment_id).status == Payment.Status.PENDING
    assert OnlineOrder.objects.get(pk=order.pk).status == OnlineOrder.Status.OPEN


def test_a_tampered_notification_is_refused(applicant_client, order, peer, caplog):
    headers, body = peer.notification(peer.pay(order.out_trade_no))
    _refused(
        applicant_client, order, headers, body.replace("支付成功".encode(), "支付完成".encode()), caplog, "signature"
    )


def test_a_notification_signed_by_another_key_is_refused(applicant_client, order, peer, caplog):
    headers, body = peer.notification(peer.pay(order.out_trade_no), key=key("merchant"))
    _refused(applicant_client, order, headers, body, caplog, "signature")


def test_a_notification_with_another_serial_is_refused_without_fetching_certificates(
    applicant_client, order, peer, caplog
):
    headers, body = peer.notification(peer.pay(order.out_trade_no), serial="PUB_KEY_ID_0114232024052900000000000099")
    _refused(applicant_client, order, headers, body, caplog, "unknown serial")
    assert ("GET", "/v3/certificates") not in peer.accepted + [r[:2] for r in peer.refused]


def test_a_stale_notification_is_refused(applicant_client, order, peer, caplog):
    old = int(timezone.now().timestamp()) - 301
    headers, body = peer.notification(peer.pay(order.out_trade_no), timestamp=old)
    _refused(applicant_client, order, headers, body, caplog, "timestamp")


def test_an_undecryptable_resource_is_refused(applicant_client, order, peer, caplog, settings):
    headers, body = peer.notification(peer.pay(order.out_trade_no))
    settings.WECHATPAY_APIV3_KEY = "b" * 32  # not the key WeChat Pay encrypted with
    _refused(applicant_client, order, headers, body, caplog, "signature or decryption")


def test_an_amount_off_by_one_fen_confirms_nothing(applicant_client, order, peer, caplog):
    transaction = peer.pay(order.out_trade_no, total=480001)
    with caplog.at_level(logging.WARNING):
        assert deliver(applicant_client, *peer.notification(transaction)).status_code == 200
    event = PaymentEvent.objects.get()
    assert event.result == PaymentEvent.Result.IGNORED
    assert event.detail == "amount 4800.01 does not match 4800.00"
    assert "4800.01 does not match" in caplog.text
    assert Payment.objects.get(pk=order.payment_id).status == Payment.Status.PENDING


def test_a_notification_for_an_unknown_order_is_kept_as_ignored(applicant_client, order, peer, caplog):
    transaction = peer.pay(order.out_trade_no) | {"out_trade_no": "CPZZZZZZZZ2612060000000000"}
    with caplog.at_level(logging.WARNING):
        assert deliver(applicant_client, *peer.notification(transaction)).status_code == 200
    event = PaymentEvent.objects.get()
    assert (event.result, event.detail, event.payment) == (
        PaymentEvent.Result.IGNORED,
        "unknown payment reference",
        None,
    )
    assert Payment.objects.get(pk=order.payment_id).status == Payment.Status.PENDING


def test_a_payment_to_another_merchant_is_refused(applicant_client, order, peer, caplog):
    transaction = peer.pay(order.out_trade_no) | {"mchid": "1900000999"}
    _refused(applicant_client, order, *peer.notification(transaction), caplog, "not a successful CNY payment")


def test_a_new_order_closes_the_open_one_so_the_fee_cannot_be_paid_twice(applicant_client, payment, order, peer):
    place(applicant_client, payment)  # the payer starts again (another tab, or after choosing another provider)
    first, second = payment.online_orders.order_by("pk")
    assert (first.status, second.status) == (OnlineOrder.Status.CLOSED, OnlineOrder.Status.OPEN)
    assert peer.orders[first.out_trade_no]["trade_state"] == "CLOSED"  # closed at WeChat Pay too


def test_an_open_order_paid_meanwhile_is_settled_instead_of_starting_another(applicant_client, payment, order, peer):
    peer.pay(order.out_trade_no)  # paid, but its notification has not arrived yet
    response = place(applicant_client, payment)
    assert response.url == reverse("applications:fee", args=[payment.application_id])
    assert payment.online_orders.get().status == OnlineOrder.Status.PAID  # no second order
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CONFIRMED


# --- the periodic query ---------------------------------------------------------------------------------------------


def _older(order, minutes):
    OnlineOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_the_query_settles_a_paid_order_that_never_called_back_and_closes_an_expired_one(
    applicant_client, applicant, payment, peer, reviewer, settings
):
    place(applicant_client, payment)
    paid = payment.online_orders.get()
    other = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    other.accept(by=reviewer)
    second = other.payments.get()
    place(applicant_client, second)
    expired = second.online_orders.get()
    recent = OnlineOrder.open_for(second, "wechat")  # made a minute ago: not asked yet
    transaction = peer.pay(paid.out_trade_no)
    _older(paid, settings.ONLINE_ORDER_QUERY_AFTER_MINUTES + 1)
    _older(expired, settings.ONLINE_ORDER_EXPIRES_MINUTES + 1)
    OnlineOrder.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert tasks.query_open_orders() == {"paid": 1, "closed": 1}

    paid.refresh_from_db()
    assert paid.status == OnlineOrder.Status.PAID and paid.last_queried_at is not None
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CONFIRMED
    assert PaymentEvent.objects.get().event_id == transaction["transaction_id"]
    assert OnlineOrder.objects.get(pk=expired.pk).status == OnlineOrder.Status.CLOSED
    assert peer.orders[expired.out_trade_no]["trade_state"] == "CLOSED"  # closed at WeChat Pay too
    assert Payment.objects.get(pk=second.pk).status == Payment.Status.PENDING  # may pay again, or by transfer
    assert OnlineOrder.objects.get(pk=recent.pk).last_queried_at is None

    # WeChat Pay's notification arrives late: the same transaction, so the same event: nothing more happens.
    assert deliver(applicant_client, *peer.notification(transaction)).status_code == 200
    assert PaymentEvent.objects.count() == 1
    assert tasks.query_open_orders() == {}


def test_an_order_closed_at_wechat_is_closed_here_and_a_failing_query_is_retried(order, peer, caplog, settings):
    peer.orders[order.out_trade_no]["trade_state"] = "CLOSED"
    _older(order, 60)
    gateway, settings.WECHATPAY_GATEWAY = settings.WECHATPAY_GATEWAY, "http://127.0.0.1:9"  # nothing listens there
    with caplog.at_level(logging.WARNING):
        assert tasks.query_open_orders() == {"failed": 1}
    assert "cannot reach the gateway" in caplog.text
    assert OnlineOrder.objects.get(pk=order.pk).status == OnlineOrder.Status.OPEN
    settings.WECHATPAY_GATEWAY = gateway
    assert tasks.query_open_orders() == {"closed": 1}
    assert OnlineOrder.objects.get(pk=order.pk).status == OnlineOrder.Status.CLOSED


def test_a_query_answer_with_a_tampered_signature_is_refused(order, peer, monkeypatch):
    monkeypatch.setattr(peer, "platform_key", key("merchant"))  # answers signed by a key that is not WeChat Pay's
    with pytest.raises(ProviderError, match="signature"):
        check_order(order)
    assert OnlineOrder.objects.get(pk=order.pk).status == OnlineOrder.Status.OPEN


# --- refunds --------------------------------------------------------------------------------------------------------


@pytest.fixture
def paid_order(applicant_client, order, peer):
    deliver(applicant_client, *peer.notification(peer.pay(order.out_trade_no)))
    order.refresh_from_db()
    assert order.status == OnlineOrder.Status.PAID
    return order


def test_a_reviewer_refunds_a_paid_order(paid_order, peer, reviewer):
    refund_id = refund_order(paid_order, by=reviewer, amount=Decimal("4800.00"), reason="申请撤回，全额退款")
    assert [r["refund_id"] for r in peer.refunds] == [refund_id]
    assert peer.refunds[0]["amount"] == {"total": 480000, "refund": 480000, "currency": "CNY"}
    paid_order.refresh_from_db()
    assert paid_order.status == OnlineOrder.Status.REFUNDED and paid_order.refunded_amount == Decimal("4800.00")
    assert Payment.objects.get(pk=paid_order.payment_id).status == Payment.Status.REFUNDED


def test_a_partial_refund_leaves_the_payment_confirmed(paid_order, peer, reviewer):
    refund_order(paid_order, by=reviewer, amount=Decimal("800.00"), reason="差旅费多收")
    assert peer.refunds[0]["amount"]["refund"] == 80000
    assert Payment.objects.get(pk=paid_order.payment_id).status == Payment.Status.CONFIRMED


@pytest.mark.parametrize(
    ("who", "amount", "reason", "message"),
    [
        ("applicant", Decimal("4800.00"), "退款", "is for"),
        ("reviewer", Decimal("4800.01"), "退款", "between ¥0.01 and the amount paid"),
        ("reviewer", Decimal("0.001"), "退款", "between ¥0.01 and the amount paid"),
        ("reviewer", Decimal("100.00"), "  ", "Please give a reason"),
    ],
)
def test_a_refund_is_refused_before_asking_wechat(paid_order, peer, request, who, amount, reason, message, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(TransitionError, match=message):
        refund_order(paid_order, by=request.getfixturevalue(who), amount=amount, reason=reason)
    assert peer.refunds == []
    assert OnlineOrder.objects.get(pk=paid_order.pk).status == OnlineOrder.Status.PAID


def test_an_unpaid_order_cannot_be_refunded(order, peer, reviewer):
    with pytest.raises(TransitionError):
        refund_order(order, by=reviewer, amount=Decimal("4800.00"), reason="退款")
    assert peer.refunds == []


def _refund_on_the_application_page(client, order, reason="申请撤回，全额退款"):
    url = reverse(
        "admin:applications_application_payment", args=[order.payment.application_id, order.payment_id, "refund"]
    )
    return client.post(url, {"reason": reason}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_application_page_refunds_an_online_payment_through_wechat(paid_order, peer, reviewer, client):
    client.force_login(reviewer)
    response = _refund_on_the_application_page(client, paid_order)
    assert "Refund recorded." in " ".join(messages_of(response))
    assert len(peer.refunds) == 1 and peer.refunds[0]["out_trade_no"] == paid_order.out_trade_no
    assert Payment.objects.get(pk=paid_order.payment_id).status == Payment.Status.REFUNDED
    assert OnlineOrder.objects.get(pk=paid_order.pk).status == OnlineOrder.Status.REFUNDED


def test_a_refund_wechat_refuses_changes_nothing(paid_order, peer, reviewer, client):
    peer.orders[paid_order.out_trade_no]["paid_total"] = 1  # WeChat Pay's record differs: it refuses the refund
    client.force_login(reviewer)
    response = _refund_on_the_application_page(client, paid_order)
    assert "The payment provider refused the refund; nothing was changed" in " ".join(messages_of(response))
    assert peer.refunds == []
    assert Payment.objects.get(pk=paid_order.payment_id).status == Payment.Status.CONFIRMED
    assert OnlineOrder.objects.get(pk=paid_order.pk).status == OnlineOrder.Status.PAID


def test_only_reviewers_refund_on_the_application_page(paid_order, peer, auditor, client):
    client.force_login(auditor)
    assert _refund_on_the_application_page(client, paid_order).status_code in (302, 403)
    assert peer.refunds == []


# --- money on the wire, settings ---------------------------------------------------------------------------------------


def test_fen_convert_exactly():
    assert wechat.to_fen(Decimal("4800.00")) == 480000
    assert wechat.to_fen(Decimal("0.01")) == 1
    assert wechat.from_fen(480001) == Decimal("4800.01")
    for wrong in (Decimal("0.001"), Decimal("12.345")):
        with pytest.raises(ValueError):
            wechat.to_fen(wrong)
    for wrong in (1.0, "100", None, True):
        with pytest.raises(ValueError):
            wechat.from_fen(wrong)


def test_the_deploy_check_wants_every_setting_when_wechat_is_on(settings):
    settings.PAYMENT_PROVIDERS = ["wechat"]
    settings.WECHATPAY_MCH_ID = ""
    with pytest.raises(SystemCheckError, match="WECHATPAY_MCH_ID"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_the_deploy_check_loads_the_keys(peer, settings):
    settings.WECHATPAY_PUBLIC_KEY_PATH = settings.WECHATPAY_PRIVATE_KEY_PATH  # a private key where the public one goes
    with pytest.raises(SystemCheckError, match="certportal.E033"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


# --- two deliveries at once (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency is tested on PostgreSQL")
def test_two_concurrent_deliveries_of_one_notification_confirm_once(applicant, payment, peer):
    order = OnlineOrder.open_for(payment, "wechat")
    peer.orders[order.out_trade_no] = {
        "request": {"amount": {"total": 480000}, "notify_url": ""},
        "trade_state": "NOTPAY",
        "trade_type": "NATIVE",
        "transaction_id": "",
        "paid_total": None,
    }
    headers, body = peer.notification(peer.pay(order.out_trade_no))
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}
    barrier = threading.Barrier(3)
    results = []

    def deliver_once():
        try:
            request = RequestFactory().post("/", body, content_type="application/json", **meta)
            barrier.wait(timeout=10)
            results.append(wechat.WeChatProvider().handle_callback(request).status_code)
        finally:
            connection.close()

    def query_once():
        try:
            barrier.wait(timeout=10)
            results.append(check_order(OnlineOrder.objects.get(pk=order.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_once), threading.Thread(target=deliver_once)]
    threads.append(threading.Thread(target=query_once))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(str, results)) == ["200", "200", "paid"]
    assert PaymentEvent.objects.filter(result=PaymentEvent.Result.CONFIRMED).count() == 1
    assert PaymentEvent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert [h.status for h in payment.history.all()].count(Payment.Status.CONFIRMED) == 1
    assert Application.objects.get(pk=payment.application_id).status == S.PAID

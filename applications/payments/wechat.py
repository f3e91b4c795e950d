"""WeChat Pay (微信支付) API v3 through the wechatpayv3 SDK: Native (QR code) and H5 orders, query, close, refund,
and the payment notification (callback).

What the SDK does: it signs each request (Authorization: WECHATPAY2-SHA256-RSA2048 with the merchant's private key
over "method\\npath\\ntimestamp\\nnonce\\nbody\\n"), verifies the signature of each answer and of each
notification with the WeChat Pay public key (RSA-SHA256 over "timestamp\\nnonce\\nbody\\n"), and decrypts a
notification's resource (AEAD_AES_256_GCM with the APIv3 key). It is built in "WeChat Pay public key" mode
(public_key + public_key_id), so it never downloads platform certificates.

What we do on top: refuse a notification whose Wechatpay-Serial is not our public key id before the SDK sees it
(the SDK would otherwise go and download platform certificates to look for it) and whose Wechatpay-Timestamp is
more than CALLBACK_MAX_AGE seconds away from now (the SDK does not look at it: a replayed old notification would
verify); check the decrypted transaction is ours (mchid, appid), in CNY and "SUCCESS"; convert fen exactly; and
confirm the payment once through payments/orders.py `settle_order`, with WeChat's transaction_id as the event id
(the same id the periodic query uses, so a notification and a query cannot both confirm).

The gateway is the SDK's Core._gate_way attribute (https://api.mch.weixin.qq.com); settings.WECHATPAY_GATEWAY
replaces it, which the tests use to talk to a loopback peer.
"""

import functools
import json
import logging
import re
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wechatpayv3 import WeChatPay, WeChatPayType

from ..models import OnlineOrder, Payment
from .orders import settle_order
from .provider import CallbackResult, Provider, ProviderError, QueryResult, record_paid_event

log = logging.getLogger(__name__)

GATEWAY = "https://api.mch.weixin.qq.com"
H5_ORIGIN = "https://wx.tenpay.com"  # where h5_url leads
CALLBACK_MAX_AGE = 5 * 60  # seconds between WeChat's Wechatpay-Timestamp and our clock, either way
SETTINGS = (
    "WECHATPAY_MCH_ID",
    "WECHATPAY_APP_ID",
    "WECHATPAY_PRIVATE_KEY_PATH",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_PUBLIC_KEY_PATH",
    "WECHATPAY_PUBLIC_KEY_ID",
)
# Phones and tablets get an H5 order (WeChat opens from the browser); desktops a Native QR code to scan.
MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS|MicroMessenger", re.IGNORECASE)
# trade_state → our order status (WeChat Pay "query an order": SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED,
# USERPAYING, PAYERROR)
TRADE_STATES = {
    "SUCCESS": OnlineOrder.Status.PAID,
    "REFUND": OnlineOrder.Status.PAID,  # paid, then (partly) refunded: the payment was made
    "NOTPAY": OnlineOrder.Status.OPEN,
    "USERPAYING": OnlineOrder.Status.OPEN,
    "CLOSED": OnlineOrder.Status.CLOSED,
    "REVOKED": OnlineOrder.Status.CLOSED,
    "PAYERROR": OnlineOrder.Status.CLOSED,
}


def missing_settings() -> list[str]:
    return [name for name in SETTINGS if not getattr(settings, name, "")]


def to_fen(amount: Decimal) -> int:
    """CNY → fen, exactly; an amount with a fraction of a fen is refused (never rounded)."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen) -> Decimal:
    """Fen (an integer on the wire) → CNY with two decimals."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValueError(f"amount {fen!r} is not a whole number of fen")
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))


def notify_url() -> str:
    return settings.SITE_URL + reverse("applications:payment_callback", args=[WeChatProvider.name])


@functools.lru_cache(maxsize=4)
def _client(mch_id, app_id, private_key_path, serial_no, apiv3_key, public_key_path, public_key_id, gateway, notify):
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=mch_id,
        private_key=Path(private_key_path).read_text(),
        cert_serial_no=serial_no,
        appid=app_id,
        apiv3_key=apiv3_key,
        notify_url=notify,
        logger=log,
        timeout=(5, 20),
        public_key=Path(public_key_path).read_text(),
        public_key_id=public_key_id,
    )
    client._core._gate_way = gateway.rstrip("/")  # the SDK's one gateway attribute (see the module's docstring)
    return client


def client() -> WeChatPay:
    """The SDK client for the current settings (built once per distinct settings: it loads both keys)."""
    return _client(
        settings.WECHATPAY_MCH_ID,
        settings.WECHATPAY_APP_ID,
        settings.WECHATPAY_PRIVATE_KEY_PATH,
        settings.WECHATPAY_CERT_SERIAL_NO,
        settings.WECHATPAY_APIV3_KEY,
        settings.WECHATPAY_PUBLIC_KEY_PATH,
        settings.WECHATPAY_PUBLIC_KEY_ID,
        settings.WECHATPAY_GATEWAY,
        notify_url(),
    )


def _call(what: str, method, *args, **kwargs) -> tuple[int, dict]:
    """One SDK call; returns the status and the JSON answer, or raises ProviderError saying what failed."""
    try:
        code, text = method(*args, **kwargs)
    except requests.RequestException as error:
        raise ProviderError(f"WeChat Pay {what}: cannot reach the gateway ({error.__class__.__name__})") from error
    except Exception as error:  # the SDK raises bare Exception, e.g. "failed to verify the signature"
        raise ProviderError(f"WeChat Pay {what}: {error}") from error
    try:
        answer = json.loads(text) if text else {}
    except (TypeError, ValueError):
        answer = {}
    return code, answer if isinstance(answer, dict) else {}


def _refused(what: str, code: int, answer: dict) -> ProviderError:
    return ProviderError(f"WeChat Pay {what}: HTTP {code} {answer.get('code', '')} {answer.get('message', '')}".strip())


def is_mobile(request) -> bool:
    return bool(MOBILE.search(request.headers.get("User-Agent", "")))


def client_ip(request) -> str:
    from certportal.ratelimit import client_ip as ip

    return ip(request)


class WeChatProvider(Provider):
    name = "wechat"
    label = _("WeChat Pay")

    def start(self, payment: Payment, request) -> str:
        """Place a Native order (desktop: our page shows its code_url as a QR code) or an H5 order (phone: the
        browser goes to h5_url, and WeChat sends it back to our order page)."""
        mobile = is_mobile(request)
        with transaction.atomic():
            order = OnlineOrder.open_for(payment, self.name)
            page = reverse("applications:wechat_order", args=[order.pk])
            params = {
                "description": str(_("Certification fee %(reference)s") % {"reference": payment.reference})[:127],
                "out_trade_no": order.out_trade_no,
                "amount": {"total": to_fen(order.amount), "currency": "CNY"},
                "time_expire": timezone.localtime(order.expires_at).isoformat(timespec="seconds"),
                "attach": payment.reference,
            }
            if mobile:
                params["pay_type"] = WeChatPayType.H5
                params["scene_info"] = {"payer_client_ip": client_ip(request), "h5_info": {"type": "Wap"}}
            code, answer = _call("order", client().pay, **params)
            key = "h5_url" if mobile else "code_url"
            if code != 200 or not answer.get(key):
                raise _refused("order", code, answer)
            order.pay_url = answer[key]
            order.save(update_fields=["pay_url", "updated_at"])
        if mobile:  # after paying (or not), WeChat sends the browser to redirect_url: our order page
            return f"{order.pay_url}&redirect_url={quote(settings.SITE_URL + page, safe='')}"
        return page

    def browser_origins(self) -> list[str]:
        """H5 sends the phone's browser on to WeChat Pay's cashier (h5_url); Native stays on our own page."""
        return [H5_ORIGIN]

    def query(self, order: OnlineOrder) -> QueryResult:
        code, answer = _call("query", client().query, out_trade_no=order.out_trade_no)
        if code == 404 and answer.get("code") == "ORDER_NOT_EXIST":
            return QueryResult(OnlineOrder.Status.CLOSED, payload=answer)
        if code != 200 or answer.get("out_trade_no") != order.out_trade_no:
            raise _refused("query", code, answer)
        status = TRADE_STATES.get(answer.get("trade_state", ""))
        if status is None:
            raise _refused("query (unknown trade_state)", code, answer)
        if status != OnlineOrder.Status.PAID:
            return QueryResult(status, payload=answer)
        try:
            amount = from_fen((answer.get("amount") or {}).get("total"))
        except ValueError as error:
            raise ProviderError(f"WeChat Pay query: {error}") from error
        return QueryResult(status, transaction_id=str(answer.get("transaction_id", "")), amount=amount, payload=answer)

    def close(self, order: OnlineOrder) -> None:
        code, answer = _call("close", client().close, out_trade_no=order.out_trade_no)
        if code != 204:
            raise _refused("close", code, answer)

    def refund(self, order: OnlineOrder, amount: Decimal, reason: str) -> str:
        code, answer = _call(
            "refund",
            client().refund,
            out_refund_no=f"R{order.out_trade_no}",
            amount={"refund": to_fen(amount), "total": to_fen(order.amount), "currency": "CNY"},
            out_trade_no=order.out_trade_no,
            reason=reason[:80],
        )
        if code != 200 or answer.get("status") not in ("SUCCESS", "PROCESSING"):
            raise _refused("refund", code, answer)
        return str(answer.get("refund_id", ""))

    def handle_callback(self, request) -> CallbackResult:
        headers = request.headers
        if headers.get("Wechatpay-Serial", "") != settings.WECHATPAY_PUBLIC_KEY_ID:
            log.warning("WeChat Pay notification refused: unknown serial %r", headers.get("Wechatpay-Serial", ""))
            return CallbackResult(401, "unknown Wechatpay-Serial")
        try:
            age = abs(time.time() - int(headers.get("Wechatpay-Timestamp", "")))
        except ValueError:
            age = CALLBACK_MAX_AGE + 1
        if age > CALLBACK_MAX_AGE:
            log.warning("WeChat Pay notification refused: timestamp %r", headers.get("Wechatpay-Timestamp", ""))
            return CallbackResult(401, "stale or missing Wechatpay-Timestamp")
        try:
            data = client().callback(headers, request.body.decode("utf-8"))
        except Exception as error:  # a body that is not UTF-8 or JSON; the SDK raises bare Exception too
            log.warning("WeChat Pay notification refused: %s", error)
            return CallbackResult(400, "malformed notification")
        if not data:  # the SDK's answer to a bad signature or an undecryptable resource
            log.warning("WeChat Pay notification refused: signature or decryption failed")
            return CallbackResult(401, "invalid signature")
        if data.get("event_type") != "TRANSACTION.SUCCESS":
            log.info("WeChat Pay notification %s (%s) acknowledged", data.get("id"), data.get("event_type"))
            return CallbackResult(200, "")
        return self._paid(data["resource"])

    def _paid(self, resource: dict) -> CallbackResult:
        transaction_id = str(resource.get("transaction_id", ""))[:64]
        try:
            amount = from_fen((resource.get("amount") or {}).get("total"))
        except ValueError:
            return CallbackResult(400, "malformed amount")
        if (
            not transaction_id
            or resource.get("trade_state") != "SUCCESS"
            or resource.get("mchid") != settings.WECHATPAY_MCH_ID
            or resource.get("appid") != settings.WECHATPAY_APP_ID
            or (resource.get("amount") or {}).get("currency", "CNY") != "CNY"
        ):
            log.warning("WeChat Pay notification refused: not a successful CNY payment to us: %s", resource)
            return CallbackResult(400, "not a successful payment to this merchant")
        order = OnlineOrder.objects.filter(provider=self.name, out_trade_no=resource.get("out_trade_no", "")).first()
        if order is None:  # kept and logged as ignored, for staff to look at
            record_paid_event(
                provider=self.name,
                method=self.name,
                event_id=transaction_id,
                reference="",
                amount=amount,
                payload=resource,
            )
            return CallbackResult(200, "")
        settle_order(order, event_id=transaction_id, transaction_id=transaction_id, amount=amount, payload=resource)
        return CallbackResult(200, "")


__all__ = ["WeChatProvider", "from_fen", "to_fen"]

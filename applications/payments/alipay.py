"""Alipay (支付宝) through its open platform, with python-alipay-sdk (import name `alipay`).

What the SDK does: builds each request's common parameters, signs them with our application private key (RSA2:
RSASSA-PKCS1-v1_5 with SHA-256 over the sorted key=value&… string), sends the server calls (query, close, refund)
to the gateway and checks the RSA2 signature of their JSON answers with the Alipay public key, and verifies a
notification's signature (`verify`). What we do here:

- `start`: opens an OnlineOrder and sends the browser to the gateway with a signed alipay.trade.page.pay request
  (desktop) or alipay.trade.wap.pay (a phone's browser), valid until the order expires (time_expire);
- `handle_callback`: the asynchronous notification (a form-encoded POST to the notify URL). Its signature is
  checked with the Alipay public key; then app_id, seller_id, and for TRADE_SUCCESS / TRADE_FINISHED the
  total_amount to the fen, in `orders.settle_order` (the event id is Alipay's trade_no, the same one our query
  uses, so a replayed notification, a TRADE_FINISHED after TRADE_SUCCESS, or a notification after the periodic
  query found the order paid changes nothing). Alipay gets "success" only for a notification we verified and
  recorded; anything else answers "failure" and Alipay sends it again later;
- `query`, `close`, `refund`: alipay.trade.query / close / refund for the periodic job and for staff.

The return URL (the browser coming back from the cashier) is never trusted: `views.fees.alipay_return` only
says that we are checking. Only the notification or our own query confirms a payment.
"""

import logging
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import OnlineOrder, PaymentEvent
from .orders import settle_order
from .provider import CallbackResult, Provider, ProviderError, QueryResult

log = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")  # Alipay reads every time it is sent (timestamp, time_expire) as Beijing time
PAID_STATES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
AMOUNT = re.compile(r"\d{1,10}(\.\d{1,2})?")  # yuan with at most two decimals, as Alipay writes amounts
PHONE_BROWSERS = re.compile(r"Mobile|Android|iPhone|iPod|HarmonyOS|MicroMessenger", re.IGNORECASE)
SUCCESS = CallbackResult(200, "success")  # the exact answer Alipay waits for; anything else and it sends again
FAILURE_STATUS = 400


def beijing(moment: datetime) -> str:
    return timezone.localtime(moment, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def key_text(path: str, label: str) -> str:
    """A key file's text as PEM. The Alipay key tool writes bare base64; PEM files are taken as they are."""
    text = Path(path).read_text().strip()
    if text.startswith("-----BEGIN"):
        return text
    body = "".join(text.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


class Client(AliPay):
    """The SDK's client pointed at settings.ALIPAY_GATEWAY, with request timestamps in Beijing time.

    The SDK fixes its gateway in __init__ (the production one, or Alipay's sandbox with debug=True) and stamps
    requests with the server's local time; Alipay reads the timestamp as Beijing time, and our servers run UTC."""

    def __init__(self, *, gateway: str, **kwargs):
        super().__init__(**kwargs)
        self._gateway = gateway

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = beijing(timezone.now())
        return data


def client() -> Client:
    """A client from the settings; raises OSError or ValueError when a key file is missing or not a key."""
    return Client(
        gateway=settings.ALIPAY_GATEWAY,
        appid=settings.ALIPAY_APP_ID,
        app_private_key_string=key_text(settings.ALIPAY_APP_PRIVATE_KEY_PATH, "PRIVATE KEY"),
        alipay_public_key_string=key_text(settings.ALIPAY_PUBLIC_KEY_PATH, "PUBLIC KEY"),
        sign_type="RSA2",
    )


def is_phone(request) -> bool:
    return bool(PHONE_BROWSERS.search(request.headers.get("User-Agent", "")))


def _amount(text: str) -> Decimal | None:
    return Decimal(text) if AMOUNT.fullmatch(text or "") else None


class AlipayProvider(Provider):
    name = "alipay"
    label = gettext_lazy("Alipay")

    # --- paying -------------------------------------------------------------------------------------------

    def start(self, payment, request) -> str:
        """Open an order and return the gateway URL of its signed page-pay (or phone) request."""
        order = OnlineOrder.open_for(payment, self.name)
        with translation.override("zh-hans"):  # the subject shows in Alipay's cashier and the payer's bill
            subject = _("Certification fee %(reference)s") % {"reference": payment.reference}
        details = {
            "subject": subject,
            "out_trade_no": order.out_trade_no,
            "total_amount": f"{order.amount:.2f}",
            "return_url": settings.SITE_URL + reverse("applications:alipay_return"),
            "notify_url": settings.SITE_URL + reverse("applications:payment_callback", args=[self.name]),
            "time_expire": beijing(order.expires_at),
        }
        api = client()
        signed = (
            api.api_alipay_trade_wap_pay(**details) if is_phone(request) else api.api_alipay_trade_page_pay(**details)
        )
        return f"{settings.ALIPAY_GATEWAY}?{signed}"

    def browser_origins(self) -> list[str]:
        gateway = urlsplit(settings.ALIPAY_GATEWAY)
        return [f"{gateway.scheme}://{gateway.netloc}"]

    # --- the asynchronous notification --------------------------------------------------------------------

    def handle_callback(self, request) -> CallbackResult:
        params = request.POST.dict()
        problem = self._notification_problem(params)
        if problem:
            log.warning("Alipay notification refused: %s (notify_id %s)", problem, params.get("notify_id", "")[:64])
            return CallbackResult(FAILURE_STATUS, "failure")
        status, out_trade_no, trade_no = params["trade_status"], params["out_trade_no"], params.get("trade_no", "")
        order = OnlineOrder.objects.filter(provider=self.name, out_trade_no=out_trade_no).first()
        if status in PAID_STATES:
            amount = _amount(params.get("total_amount", ""))
            if order is None or amount is None:
                detail = f"unknown order {out_trade_no}" if order is None else "total_amount is not an amount"
                self._ignored(trade_no, params, detail)
            else:
                settle_order(order, event_id=trade_no, transaction_id=trade_no, amount=amount, payload=params)
        elif status == "TRADE_CLOSED":
            if order is not None and order.status == OnlineOrder.Status.OPEN:
                order.close(reason="closed at Alipay (notification)")
        elif status != "WAIT_BUYER_PAY":
            log.warning("Alipay notification with unknown trade_status %s refused", status[:40])
            return CallbackResult(FAILURE_STATUS, "failure")
        return SUCCESS

    def _notification_problem(self, params: dict[str, str]) -> str:
        """Why the notification is not a genuine one for us, or "" when it is."""
        unsigned = {k: v for k, v in params.items() if k != "sign"}
        try:
            genuine = client().verify(unsigned, params.get("sign", ""))
        except (AliPayException, ValueError, TypeError):  # wrong sign_type, a signature that is not base64
            genuine = False
        if not genuine:
            return "signature does not verify with the Alipay public key"
        if params.get("app_id") != settings.ALIPAY_APP_ID:
            return f"app_id {params.get('app_id', '')[:32]} is not ours"
        if params.get("seller_id") != settings.ALIPAY_SELLER_ID:
            return f"seller_id {params.get('seller_id', '')[:32]} is not ours"
        if not params.get("out_trade_no") or not params.get("trade_status"):
            return "out_trade_no or trade_status missing"
        if params["trade_status"] in PAID_STATES and not params.get("trade_no"):
            return "a paid trade without trade_no"
        return ""

    def _ignored(self, trade_no: str, params: dict, detail: str) -> None:
        """Keep a signed paid notification we cannot apply, for staff to see (once per trade)."""
        event, created = PaymentEvent.objects.get_or_create(
            provider=self.name,
            event_id=trade_no[:64],
            defaults={"payload": params, "result": PaymentEvent.Result.IGNORED, "detail": detail[:300]},
        )
        log.warning("Alipay notification for trade %s ignored: %s%s", trade_no, detail, "" if created else " (again)")

    # --- server calls for the periodic query and for staff -------------------------------------------------

    def _call(self, name: str, **arguments) -> dict:
        """One server API call; its verified answer, or ProviderError."""
        try:
            answer = getattr(client(), name)(**arguments)
        except AliPayValidationError as error:
            raise ProviderError(f"Alipay's answer to {name} is not signed by the Alipay key") from error
        except (AliPayException, OSError, ValueError) as error:
            raise ProviderError(f"Alipay {name} failed: {error}"[:500]) from error
        return answer

    @staticmethod
    def _refusal(answer: dict) -> str:
        return (
            f"{answer.get('code')} {answer.get('sub_code', '')} {answer.get('sub_msg', answer.get('msg', ''))}".strip()
        )

    def query(self, order: OnlineOrder) -> QueryResult:
        answer = self._call("api_alipay_trade_query", out_trade_no=order.out_trade_no)
        if answer.get("code") == "40004" and answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return QueryResult(OnlineOrder.Status.OPEN, payload=answer)  # the payer never opened the cashier
        if answer.get("code") != "10000":
            raise ProviderError(f"Alipay query of {order.out_trade_no} refused: {self._refusal(answer)}")
        if answer.get("out_trade_no") != order.out_trade_no:
            raise ProviderError(f"Alipay answered about {answer.get('out_trade_no')}, not {order.out_trade_no}")
        status = answer.get("trade_status")
        if status in PAID_STATES:
            amount = _amount(str(answer.get("total_amount", "")))
            if amount is None or not answer.get("trade_no"):
                raise ProviderError(f"Alipay query of {order.out_trade_no}: no trade_no or amount in {answer}")
            return QueryResult(OnlineOrder.Status.PAID, str(answer["trade_no"]), amount, answer)
        if status == "TRADE_CLOSED":
            return QueryResult(OnlineOrder.Status.CLOSED, str(answer.get("trade_no", "")), payload=answer)
        return QueryResult(OnlineOrder.Status.OPEN, payload=answer)

    def close(self, order: OnlineOrder) -> None:
        answer = self._call("api_alipay_trade_close", out_trade_no=order.out_trade_no)
        if answer.get("code") == "40004" and answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return  # never opened at Alipay, and its page-pay link expired with the order: nothing to close
        if answer.get("code") != "10000":
            raise ProviderError(f"Alipay close of {order.out_trade_no} refused: {self._refusal(answer)}")

    def refund(self, order: OnlineOrder, amount: Decimal, reason: str) -> str:
        # One refund per order (a paid order becomes refunded): its request number is the order's own, so asking
        # again after a lost answer is the same refund at Alipay, not a second one.
        answer = self._call(
            "api_alipay_trade_refund",
            refund_amount=f"{amount:.2f}",
            out_trade_no=order.out_trade_no,
            out_request_no=order.out_trade_no,
            refund_reason=reason[:256],
        )
        if answer.get("code") != "10000":
            raise ProviderError(f"Alipay refund of {order.out_trade_no} refused: {self._refusal(answer)}")
        if _amount(str(answer.get("refund_fee", ""))) != amount:
            raise ProviderError(f"Alipay refunded {answer.get('refund_fee')} of {order.out_trade_no}, not {amount}")
        return order.out_trade_no

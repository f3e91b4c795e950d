"""A loopback stand-in for Alipay's open platform gateway (openapi.alipay.com/gateway.do), for the tests.

It speaks the protocol as Alipay documents it, written here independently of python-alipay-sdk:

- Every request (the browser's page-pay redirect and the server's query/close/refund calls) carries the common
  parameters (app_id, method, charset, sign_type, timestamp, version, biz_content, …) and `sign`: RSA2, i.e.
  RSASSA-PKCS1-v1_5 with SHA-256, base64, over the parameters other than `sign` with a non-empty value, sorted by
  name and joined as key=value&key=value with the values as they are (not URL-encoded). The peer checks it with
  the application's public key the test made, and refuses a wrong app_id, sign_type or timestamp.
- alipay.trade.page.pay / alipay.trade.wap.pay answer the cashier page (HTML); the trade waits for the buyer.
- alipay.trade.query / close / refund answer JSON: {"alipay_trade_query_response": {...}, "sign": "..."}, the
  signature (with "Alipay's" private key) over the exact text of the response object.
- When the buyer pays (`pay`), the peer POSTs the asynchronous notification to the order's notify_url,
  form-encoded, signed with "Alipay's" private key over all parameters but `sign` and `sign_type`, sorted and
  joined as above. Alipay expects the body "success"; the peer records every answer.
"""

import base64
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

BEIJING = ZoneInfo("Asia/Shanghai")
CASHIER_PAY = "/cashier/pay"
PAY_METHODS = {"alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY", "alipay.trade.wap.pay": "QUICK_WAP_PAY"}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa2_sign(key: rsa.RSAPrivateKey, content: str) -> str:
    return base64.b64encode(key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_valid(public_key: rsa.RSAPublicKey, content: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), content.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def request_content(params: dict[str, str]) -> str:
    """What an OpenAPI request's signature covers: every non-empty parameter but `sign`, sorted."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "")


def notification_content(params: dict[str, str]) -> str:
    """What an asynchronous notification's signature covers: every parameter but `sign` and `sign_type`, sorted."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type"))


def beijing_now() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Trade:
    out_trade_no: str
    total_amount: str
    subject: str
    method: str
    notify_url: str
    return_url: str
    status: str = "WAIT_BUYER_PAY"
    trade_no: str = ""
    paid_at: str = ""
    refunds: dict[str, Decimal] = field(default_factory=dict)  # out_request_no → amount

    @property
    def refunded(self) -> Decimal:
        return sum(self.refunds.values(), Decimal("0.00"))


@dataclass
class Delivery:
    """One notification the peer sent and what our server answered."""

    params: dict[str, str]
    status: int
    body: str


class AlipayPeer:
    def __init__(self, *, app_id: str, app_public_key: rsa.RSAPublicKey, seller_id: str):
        self.app_id = app_id
        self.seller_id = seller_id
        self.app_public_key = app_public_key
        self.alipay_key = new_key()  # "Alipay's" own key: the test gives our portal its public half
        self.trades: dict[str, Trade] = {}
        self.requests: list[dict[str, str]] = []  # every request whose signature verified
        self.refused: list[str] = []  # why each refused request was refused
        self.deliveries: list[Delivery] = []
        self.notify_from_cashier = True  # False: a buyer paying on the cashier page leaves the notification to the test
        self._lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._answer(urllib.parse.urlsplit(self.path).query)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                query = urllib.parse.urlsplit(self.path).query
                body = self.rfile.read(length).decode()
                if urllib.parse.urlsplit(self.path).path == CASHIER_PAY:  # the buyer pays on the cashier page
                    self.send_response(302)
                    self.send_header("Location", peer.pay_and_return(dict(urllib.parse.parse_qsl(body))["trade"]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._answer("&".join(part for part in (query, body) if part))

            def _answer(self, query: str):
                status, content_type, body = peer.handle(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/gateway.do"

    def __enter__(self) -> "AlipayPeer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- requests from our portal ------------------------------------------------------------------------

    def handle(self, params: dict[str, str]) -> tuple[int, str, str]:
        method = params.get("method", "")
        problem = self._request_problem(params)
        if problem:
            with self._lock:
                self.refused.append(problem)
            if method in PAY_METHODS:
                return 400, "text/html; charset=utf-8", f"<h1>错误</h1><p>{problem}</p>"
            code, sub_code = ("40002", problem.split(":")[0])
            answer = {"code": code, "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": problem}
            # Alipay does not sign an answer to a request it could not authenticate.
            return 200, "application/json; charset=utf-8", json.dumps({self._response_name(method): answer})
        with self._lock:
            self.requests.append(params)
            biz = json.loads(params["biz_content"])
            if method in PAY_METHODS:
                return self._page(method, params, biz)
            handler = {
                "alipay.trade.query": self._query,
                "alipay.trade.close": self._close,
                "alipay.trade.refund": self._refund,
            }.get(method)
            if handler is None:
                answer = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method"}
            else:
                answer = handler(biz)
            return 200, "application/json; charset=utf-8", self.signed_response(method, answer)

    def _request_problem(self, params: dict[str, str]) -> str:
        if params.get("sign_type") != "RSA2":
            return "isv.invalid-signature-type: sign_type must be RSA2"
        if not rsa2_valid(self.app_public_key, request_content(params), params.get("sign", "")):
            return "isv.invalid-signature: 验签出错"
        if params.get("app_id") != self.app_id:
            return f"isv.invalid-app-id: 无效的AppID参数 {params.get('app_id')}"
        if params.get("charset", "").lower() != "utf-8" or params.get("version") != "1.0":
            return "isv.invalid-charset-or-version"
        try:
            sent = datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            return "isv.invalid-timestamp: 非法的时间戳参数"
        if abs(datetime.now(BEIJING) - sent) > timedelta(minutes=10):  # Beijing time, as Alipay expects
            return f"isv.invalid-timestamp: {params['timestamp']} is not Beijing time now"
        try:
            biz = json.loads(params.get("biz_content", ""))
        except ValueError:
            return "isv.invalid-biz-content"
        if not isinstance(biz, dict):
            return "isv.invalid-biz-content"
        return ""

    def _page(self, method: str, params: dict[str, str], biz: dict) -> tuple[int, str, str]:
        out_trade_no, amount = str(biz.get("out_trade_no", "")), str(biz.get("total_amount", ""))
        problem = ""
        if biz.get("product_code") != PAY_METHODS[method]:
            problem = f"product_code {biz.get('product_code')} is not {PAY_METHODS[method]}"
        elif not out_trade_no or len(out_trade_no) > 64 or not biz.get("subject"):
            problem = "out_trade_no and subject are required"
        elif not _is_amount(amount):
            problem = f"total_amount {amount!r} is not an amount in yuan with at most two decimals"
        elif out_trade_no in self.trades and self.trades[out_trade_no].status != "WAIT_BUYER_PAY":
            problem = "ACQ.TRADE_HAS_CLOSE / ACQ.TRADE_HAS_SUCCESS"
        if problem:
            self.refused.append(problem)
            return 400, "text/html; charset=utf-8", f"<h1>错误</h1><p>{problem}</p>"
        self.trades.setdefault(
            out_trade_no,
            Trade(
                out_trade_no=out_trade_no,
                total_amount=amount,
                subject=str(biz["subject"]),
                method=method,
                notify_url=params.get("notify_url", ""),
                return_url=params.get("return_url", ""),
            ),
        )
        page = (
            f"<h1>支付宝 收银台</h1><p>{biz['subject']}</p><p>¥{amount}</p><p>{out_trade_no}</p>"
            f'<form method="post" action="{CASHIER_PAY}"><input type="hidden" name="trade" value="{out_trade_no}">'
            '<button type="submit">确认付款</button></form>'
        )
        return 200, "text/html; charset=utf-8", page

    def _trade(self, biz: dict) -> Trade | None:
        if biz.get("out_trade_no"):
            return self.trades.get(str(biz["out_trade_no"]))
        return next((t for t in self.trades.values() if t.trade_no and t.trade_no == biz.get("trade_no")), None)

    @staticmethod
    def _business_failure(sub_code: str, sub_msg: str) -> dict:
        return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}

    def _query(self, biz: dict) -> dict:
        trade = self._trade(biz)
        if trade is None:
            return self._business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在")
        answer = {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": trade.total_amount,
            "buyer_logon_id": "buy***@example.com",
        }
        if trade.trade_no:
            answer |= {
                "trade_no": trade.trade_no,
                "send_pay_date": trade.paid_at,
                "buyer_pay_amount": trade.total_amount,
            }
        return answer

    def _close(self, biz: dict) -> dict:
        trade = self._trade(biz)
        if trade is None:
            return self._business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade.status != "WAIT_BUYER_PAY":
            return self._business_failure("ACQ.TRADE_STATUS_ERROR", f"交易状态不合法 {trade.status}")
        trade.status = "TRADE_CLOSED"
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}

    def _refund(self, biz: dict) -> dict:
        trade = self._trade(biz)
        if trade is None:
            return self._business_failure("ACQ.TRADE_NOT_EXIST", "交易不存在")
        amount = str(biz.get("refund_amount", ""))
        request_no = str(biz.get("out_request_no") or trade.out_trade_no)  # a full refund may leave it out
        if trade.status not in ("TRADE_SUCCESS", "TRADE_CLOSED") or not trade.trade_no:
            return self._business_failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if not _is_amount(amount):
            return self._business_failure("ACQ.INVALID_PARAMETER", f"refund_amount {amount!r}")
        fund_change = "N"
        if request_no not in trade.refunds:  # the same out_request_no again is the same refund, not a second one
            if trade.refunded + Decimal(amount) > Decimal(trade.total_amount):
                return self._business_failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            trade.refunds[request_no] = Decimal(amount)
            fund_change = "Y"
            if trade.refunded == Decimal(trade.total_amount):
                trade.status = "TRADE_CLOSED"  # Alipay closes a trade refunded in full
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "buy***@example.com",
            "fund_change": fund_change,
            "refund_fee": f"{trade.refunded:.2f}",
            "gmt_refund_pay": beijing_now(),
        }

    @staticmethod
    def _response_name(method: str) -> str:
        return (method or "error").replace(".", "_") + "_response"

    def signed_response(self, method: str, answer: dict) -> str:
        inner = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        sign = rsa2_sign(self.alipay_key, inner)
        return f'{{"{self._response_name(method)}":{inner},"sign":"{sign}"}}'

    # --- the buyer and the notifications -----------------------------------------------------------------

    def pay(self, out_trade_no: str, *, notify: bool = True) -> Trade:
        """The buyer pays on the cashier page; Alipay then notifies the merchant (unless `notify` is False: the
        notification is lost, and only a query will tell)."""
        with self._lock:
            trade = self.trades[out_trade_no]
            assert trade.status == "WAIT_BUYER_PAY", trade.status
            trade.status = "TRADE_SUCCESS"
            trade.trade_no = f"{datetime.now(BEIJING):%Y%m%d}22001{secrets.randbelow(10**15):015d}"  # 28 digits
            trade.paid_at = beijing_now()
        if notify:
            self.deliver(trade.notify_url, self.notification(trade))
        return trade

    def pay_and_return(self, out_trade_no: str) -> str:
        """The buyer paid on the cashier page: notify the merchant, then send the browser to its return URL with
        the parameters Alipay adds there (signed, like the notification)."""
        trade = self.pay(out_trade_no, notify=self.notify_from_cashier)
        params = {
            "method": "alipay.trade.page.pay.return",
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "timestamp": beijing_now(),
            "app_id": self.app_id,
            "auth_app_id": self.app_id,
            "seller_id": self.seller_id,
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "total_amount": trade.total_amount,
        }
        return f"{trade.return_url}?{urllib.parse.urlencode(self.sign_notification(params))}"

    def notification(self, trade: Trade, **changes: str) -> dict[str, str]:
        """The asynchronous notification for the trade's current state, signed as Alipay signs it; `changes`
        are made before signing (what a real, signed notification could say)."""
        params = {
            "notify_time": beijing_now(),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "app_id": self.app_id,
            "auth_app_id": self.app_id,
            "seller_id": self.seller_id,
            "seller_email": "finance@example.com",
            "buyer_id": "2088102177846880",
            "buyer_logon_id": "buy***@example.com",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": trade.total_amount,
            "receipt_amount": trade.total_amount,
            "buyer_pay_amount": trade.total_amount,
            "invoice_amount": trade.total_amount,
            "point_amount": "0.00",
            "subject": trade.subject,
            "gmt_create": trade.paid_at,
            "gmt_payment": trade.paid_at,
            "fund_bill_list": json.dumps([{"amount": trade.total_amount, "fundChannel": "ALIPAYACCOUNT"}]),
        }
        params.update(changes)
        return self.sign_notification(params)

    def sign_notification(self, params: dict[str, str], key: rsa.RSAPrivateKey | None = None) -> dict[str, str]:
        return params | {"sign": rsa2_sign(key or self.alipay_key, notification_content(params))}

    def deliver(self, notify_url: str, params: dict[str, str]) -> Delivery:
        """POST a notification to the merchant as Alipay does (application/x-www-form-urlencoded, UTF-8)."""
        request = urllib.request.Request(  # noqa: S310 - the test's live server
            notify_url,
            data=urllib.parse.urlencode(params).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test's live server
                delivery = Delivery(params, response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            delivery = Delivery(params, error.code, error.read().decode())
        with self._lock:
            self.deliveries.append(delivery)
        return delivery


def _is_amount(text: str) -> bool:
    whole, _, fen = text.partition(".")
    return whole.isdigit() and (fen == "" or (fen.isdigit() and len(fen) <= 2)) and Decimal(text) >= Decimal("0.01")

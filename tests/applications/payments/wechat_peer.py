"""WeChat Pay's side of API v3, on 127.0.0.1, for the tests: keys made in the test, answers as documented.

It checks each request's Authorization (WECHATPAY2-SHA256-RSA2048 mchid, nonce_str, signature, timestamp,
serial_no) against the merchant public key the test made, over "method\\nurl\\ntimestamp\\nnonce\\nbody\\n", and
refuses a wrong one with 401 SIGN_ERROR as WeChat Pay does. It answers Native and H5 orders, the query by
out_trade_no, close and refund, each answer signed with its own "WeChat Pay public key" pair (Wechatpay-Serial is
the public key id). `notification` builds a payment notification as WeChat Pay sends it: the transaction
encrypted with AEAD_AES_256_GCM under the APIv3 key, the envelope signed over "timestamp\\nnonce\\nbody\\n".
"""

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
ORDER = re.compile(r"^/v3/pay/transactions/out-trade-no/([0-9A-Za-z_\-|*]{6,32})$")
CLOSE = re.compile(r"^/v3/pay/transactions/out-trade-no/([0-9A-Za-z_\-|*]{6,32})/close$")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class Peer:
    mchid: str
    appid: str
    merchant_serial: str
    merchant_public_key: rsa.RSAPublicKey
    apiv3_key: str
    platform_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    public_key_id: str = "PUB_KEY_ID_0114232024052900000000000000"
    orders: dict = field(default_factory=dict)
    refunds: list = field(default_factory=list)
    accepted: list = field(default_factory=list)  # (method, path) of requests whose signature verified
    refused: list = field(default_factory=list)  # (method, path, why)
    server: ThreadingHTTPServer | None = None

    # --- running ---

    def start(self) -> str:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                peer.handle(self, "GET")

            def do_POST(self):
                peer.handle(self, "POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    # --- what the merchant's requests must be ---

    def check_authorization(self, method: str, url: str, body: str, header: str) -> str:
        """Empty if the Authorization header is the merchant's valid signature of this request, else why not."""
        match = AUTH.match(header or "")
        if not match:
            return "no WECHATPAY2-SHA256-RSA2048 authorization"
        parts = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if parts.get("mchid") != self.mchid:
            return "wrong mchid"
        if parts.get("serial_no") != self.merchant_serial:
            return "wrong serial_no"
        if not parts.get("timestamp", "").isdigit() or abs(time.time() - int(parts["timestamp"])) > 300:
            return "stale timestamp"
        message = f"{method}\n{url}\n{parts['timestamp']}\n{parts.get('nonce_str', '')}\n{body}\n"
        try:
            self.merchant_public_key.verify(
                base64.b64decode(parts.get("signature", "")), message.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return "signature does not verify"
        return ""

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        url = handler.path
        why = self.check_authorization(method, url, body, handler.headers.get("Authorization", ""))
        if why:
            self.refused.append((method, url, why))
            return self.answer(handler, 401, {"code": "SIGN_ERROR", "message": why})
        if handler.headers.get("Wechatpay-Serial") != self.public_key_id:
            self.refused.append((method, url, "Wechatpay-Serial"))
            return self.answer(handler, 400, {"code": "PARAM_ERROR", "message": "Wechatpay-Serial"})
        self.accepted.append((method, urlsplit(url).path))
        data = json.loads(body) if body else {}
        path, query = urlsplit(url).path, urlsplit(url).query
        if method == "POST" and path in ("/v3/pay/transactions/native", "/v3/pay/transactions/h5"):
            return self.place(handler, data, h5=path.endswith("/h5"))
        if method == "GET" and ORDER.match(path):
            return self.query(handler, ORDER.match(path).group(1), query)
        if method == "POST" and CLOSE.match(path):
            return self.close(handler, CLOSE.match(path).group(1), data)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self.refund(handler, data)
        return self.answer(handler, 404, {"code": "NOT_FOUND", "message": path})

    def answer(self, handler, status: int, data: dict | None) -> None:
        body = json.dumps(data, ensure_ascii=False) if data is not None else ""
        handler.send_response(status)
        for name, value in self.signed_headers(body).items():
            handler.send_header(name, value)
        if data is not None:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body.encode())))
        handler.end_headers()
        handler.wfile.write(body.encode())

    def signed_headers(self, body: str, *, key=None, serial: str | None = None, timestamp: int | None = None) -> dict:
        timestamp = int(time.time()) if timestamp is None else timestamp
        nonce = secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": str(timestamp),
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial or self.public_key_id,
            "Wechatpay-Signature": sign(key or self.platform_key, f"{timestamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    # --- the API ---

    def place(self, handler, data: dict, *, h5: bool) -> None:
        amount = data.get("amount") or {}
        problems = [
            data.get("appid") != self.appid and "appid",
            data.get("mchid") != self.mchid and "mchid",
            not data.get("description") and "description",
            not re.fullmatch(r"[0-9A-Za-z_\-|*]{6,32}", data.get("out_trade_no", "")) and "out_trade_no",
            not str(data.get("notify_url", "")).startswith("http") and "notify_url",
            (type(amount.get("total")) is not int or amount["total"] < 1) and "amount.total",
            amount.get("currency", "CNY") != "CNY" and "amount.currency",
            h5 and not (data.get("scene_info") or {}).get("payer_client_ip") and "scene_info.payer_client_ip",
            h5 and not ((data.get("scene_info") or {}).get("h5_info") or {}).get("type") and "scene_info.h5_info",
        ]
        problems = [p for p in problems if p]
        if problems:
            return self.answer(handler, 400, {"code": "PARAM_ERROR", "message": ", ".join(problems)})
        if data["out_trade_no"] in self.orders:
            return self.answer(handler, 400, {"code": "OUT_TRADE_NO_USED", "message": "商户订单号重复"})
        self.orders[data["out_trade_no"]] = {
            "request": data,
            "trade_state": "NOTPAY",
            "trade_type": "MWEB" if h5 else "NATIVE",
            "transaction_id": "",
            "paid_total": None,
        }
        prepay = secrets.token_hex(12)
        if h5:
            url = f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx{prepay}&package=2760150462"
            return self.answer(handler, 200, {"h5_url": url})
        return self.answer(handler, 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={prepay[:7]}"})

    def transaction(self, out_trade_no: str) -> dict:
        order = self.orders[out_trade_no]
        data = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": out_trade_no,
            "trade_type": order["trade_type"],
            "trade_state": order["trade_state"],
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
                order["trade_state"], ""
            ),
            "attach": order["request"].get("attach", ""),
        }
        if order["transaction_id"]:
            total = order["paid_total"]
            data |= {
                "transaction_id": order["transaction_id"],
                "bank_type": "OTHERS",
                "success_time": "2026-12-06T10:34:56+08:00",
                "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
            }
        else:
            data["amount"] = {"total": order["request"]["amount"]["total"], "currency": "CNY"}
        return data

    def query(self, handler, out_trade_no: str, query: str) -> None:
        if query != f"mchid={self.mchid}":
            return self.answer(handler, 400, {"code": "PARAM_ERROR", "message": "mchid"})
        if out_trade_no not in self.orders:
            return self.answer(handler, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self.answer(handler, 200, self.transaction(out_trade_no))

    def close(self, handler, out_trade_no: str, data: dict) -> None:
        if data.get("mchid") != self.mchid:
            return self.answer(handler, 400, {"code": "PARAM_ERROR", "message": "mchid"})
        order = self.orders.get(out_trade_no)
        if order is None:
            return self.answer(handler, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        if order["trade_state"] == "SUCCESS":
            return self.answer(handler, 400, {"code": "ORDER_PAID", "message": "订单已支付"})
        order["trade_state"] = "CLOSED"
        return self.answer(handler, 204, None)

    def refund(self, handler, data: dict) -> None:
        order = self.orders.get(data.get("out_trade_no", ""))
        amount = data.get("amount") or {}
        if order is None or order["trade_state"] not in ("SUCCESS", "REFUND"):
            return self.answer(handler, 400, {"code": "INVALID_REQUEST", "message": "订单未支付"})
        if not data.get("out_refund_no") or amount.get("total") != order["paid_total"]:
            return self.answer(handler, 400, {"code": "PARAM_ERROR", "message": "amount.total"})
        if type(amount.get("refund")) is not int or not 0 < amount["refund"] <= order["paid_total"]:
            return self.answer(handler, 400, {"code": "PARAM_ERROR", "message": "amount.refund"})
        order["trade_state"] = "REFUND"
        refund = {
            "refund_id": "50000000" + secrets.token_hex(10),
            "out_refund_no": data["out_refund_no"],
            "transaction_id": order["transaction_id"],
            "out_trade_no": data["out_trade_no"],
            "channel": "ORIGINAL",
            "status": "PROCESSING",
            "amount": {"total": amount["total"], "refund": amount["refund"], "currency": "CNY"},
            "reason": data.get("reason", ""),
        }
        self.refunds.append(refund)
        return self.answer(handler, 200, refund)

    # --- the payer and the notification ---

    def pay(self, out_trade_no: str, *, total: int | None = None) -> dict:
        """The payer pays the order (`total` fen, by default the order's amount); returns the transaction."""
        order = self.orders[out_trade_no]
        order["trade_state"] = "SUCCESS"
        order["transaction_id"] = "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
        order["paid_total"] = order["request"]["amount"]["total"] if total is None else total
        return self.transaction(out_trade_no)

    def notification(self, transaction: dict, **header_options) -> tuple[dict, bytes]:
        """The headers and body of a TRANSACTION.SUCCESS notification for `transaction`."""
        nonce = secrets.token_hex(6)  # 12 characters, WeChat Pay's resource nonce
        associated = "transaction"
        plaintext = json.dumps(transaction, ensure_ascii=False).encode()
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), plaintext, associated.encode())
        envelope = {
            "id": "EV-" + secrets.token_hex(8),
            "create_time": "2026-12-06T10:34:56+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False)
        headers = {"Content-Type": "application/json"} | self.signed_headers(body, **header_options)
        return headers, body.encode()

    def notify(self, out_trade_no: str, headers: dict, body: bytes) -> int:
        """POST a notification to the notify_url the merchant gave with the order, as WeChat Pay's server does."""
        url = self.orders[out_trade_no]["request"]["notify_url"]
        return requests.post(url, data=body, headers=headers, timeout=30).status_code

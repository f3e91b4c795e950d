"""A pretend bank inside the portal, so the online payment flow can be tried and tested end to end.

The applicant is sent to a "bank page" (a signed, short-lived link). Clicking pay makes the server send the
callback a real provider would send: a JSON body signed with HMAC-SHA256 (settings.PAYMENT_SANDBOX_SECRET),
POSTed to our callback endpoint. The endpoint verifies the signature in constant time and applies the event
once per event id. Only switched on where settings.PAYMENT_PROVIDERS lists "sandbox" (DEBUG by default).
"""

import hashlib
import hmac
import json
import urllib.request
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .provider import CallbackResult, Provider, record_paid_event

SIGNATURE_HEADER = "X-Sandbox-Signature"
CHECKOUT_SALT = "applications.payments.sandbox.checkout"
CHECKOUT_MAX_AGE = 30 * 60  # seconds a bank-page link stays valid


def secret() -> bytes:
    configured = settings.PAYMENT_SANDBOX_SECRET
    if configured:
        return configured.encode()
    return salted_hmac("applications.payments.sandbox", "callback-secret").hexdigest().encode()


def sign(body: bytes) -> str:
    return hmac.new(secret(), body, hashlib.sha256).hexdigest()


class SandboxProvider(Provider):
    name = "sandbox"
    label = _("Online payment (sandbox, no real money)")

    def start(self, payment, request) -> str:
        token = signing.dumps({"payment": payment.pk}, salt=CHECKOUT_SALT)
        return reverse("applications:sandbox_bank", args=[token])

    def checkout_payment_id(self, token: str) -> int | None:
        """The payment a bank-page link is for, or None if the link is forged or expired."""
        try:
            return int(signing.loads(token, salt=CHECKOUT_SALT, max_age=CHECKOUT_MAX_AGE)["payment"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None

    def pay(self, payment) -> str:
        """The applicant clicked pay on the bank page: the bank will call us back (after this commits)."""
        from ..tasks import deliver_sandbox_callback

        event_id = uuid.uuid4().hex
        with transaction.atomic():
            transaction.on_commit(lambda: deliver_sandbox_callback.delay(payment.pk, event_id))
        return event_id

    def callback_body(self, payment, event_id: str) -> bytes:
        return json.dumps(
            {
                "event_id": event_id,
                "type": "payment.succeeded",
                "reference": payment.reference,
                "amount": str(payment.amount),
                "currency": "CNY",
                "paid_at": timezone.now().isoformat(),
            },
            separators=(",", ":"),
        ).encode()

    def send_callback(self, payment, event_id: str) -> int:
        """POST the signed callback to our own endpoint, as the provider's server would; return the status."""
        body = self.callback_body(payment, event_id)
        url = settings.SITE_URL + reverse("applications:payment_callback", args=[self.name])
        request = urllib.request.Request(  # noqa: S310 - SITE_URL is our own configured http(s) address
            url, data=body, method="POST", headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status

    def handle_callback(self, request) -> CallbackResult:
        expected = sign(request.body)
        if not hmac.compare_digest(expected, request.headers.get(SIGNATURE_HEADER, "")):
            return CallbackResult(400, "invalid signature")
        try:
            data = json.loads(request.body)
            event_id, reference = str(data["event_id"])[:64], str(data["reference"])
            amount = Decimal(str(data["amount"]))
        except (ValueError, KeyError, TypeError, InvalidOperation):
            return CallbackResult(400, "malformed body")
        if data.get("type") != "payment.succeeded" or not event_id:
            return CallbackResult(400, "unsupported event")
        event = record_paid_event(
            provider=self.name, method="sandbox", event_id=event_id, reference=reference, amount=amount, payload=data
        )
        return CallbackResult(200, f"{event.result} {event.detail}".strip())

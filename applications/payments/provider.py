"""What every online payment provider is: `start` sends the applicant to the provider, `handle_callback` hears
back from its bank, and `record_paid_event` is the one place where a "paid" event confirms a Payment.

Providers that place orders (WeChat Pay, Alipay; applications.models.OnlineOrder) also answer `query`, `close`
and `refund` for one order; payments/orders.py uses them (the periodic query, refunds).
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from certportal.workflow import TransitionError

from ..models import OnlineOrder, Payment, PaymentEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackResult:
    status_code: int
    message: str


@dataclass(frozen=True)
class QueryResult:
    """What the provider says about one order: OnlineOrder.Status.OPEN, PAID or CLOSED; for a paid order its
    transaction id and the amount paid (CNY)."""

    status: str
    transaction_id: str = ""
    amount: Decimal | None = None
    payload: dict = field(default_factory=dict)


class ProviderError(Exception):
    """The provider refused a request or could not be reached; the message says which and why (for staff/logs)."""


class Provider:
    name = ""
    label = _("Online payment")

    def start(self, payment: Payment, request) -> str:
        """Prepare the payment with the provider; return the URL to send the applicant to."""
        raise NotImplementedError

    def handle_callback(self, request) -> CallbackResult:
        """Verify and apply one callback from the provider."""
        raise NotImplementedError

    def browser_origins(self) -> list[str]:
        """Other sites (scheme://host[:port]) `start` sends the browser to. The pay button is a form posting to us,
        and browsers hold the redirect that follows to the page's CSP form-action, so the fee page allows these."""
        return []

    # Providers that place orders (OnlineOrder) answer these three; each raises ProviderError when refused.

    def query(self, order: OnlineOrder) -> QueryResult:
        """The order's state at the provider."""
        raise NotImplementedError

    def close(self, order: OnlineOrder) -> None:
        """Close the unpaid order at the provider, so it can no longer be paid."""
        raise NotImplementedError

    def refund(self, order: OnlineOrder, amount: Decimal, reason: str) -> str:
        """Ask the provider to pay `amount` of the paid order back; returns the provider's refund id."""
        raise NotImplementedError


@transaction.atomic
def record_paid_event(
    *, provider: str, method: str, event_id: str, reference: str, amount: Decimal, payload: dict
) -> PaymentEvent:
    """Confirm the payment `reference` for a provider's paid event. A replayed event changes nothing.

    The event row and the confirmation commit together, so an event is either fully applied or not seen.
    """
    try:
        with transaction.atomic():
            event = PaymentEvent.objects.create(
                provider=provider, event_id=event_id, payload=payload, result=PaymentEvent.Result.IGNORED
            )
    except IntegrityError:  # the unique (provider, event_id) row exists: this event was handled before
        log.info("Payment event %s:%s received again; nothing done", provider, event_id)
        return PaymentEvent.objects.get(provider=provider, event_id=event_id)
    payment = Payment.objects.filter(reference=reference).select_related("application").first()
    event.payment = payment
    if payment is None:
        event.detail = "unknown payment reference"
    elif amount != payment.amount:
        event.detail = f"amount {amount} does not match {payment.amount}"
    else:
        try:
            with transaction.atomic():
                payment.method = method
                payment.save(update_fields=["method"])
                payment.confirm(by=None)
        except TransitionError as error:
            event.detail = str(error.message)[:300]
        else:
            event.result = PaymentEvent.Result.CONFIRMED
    if event.result != PaymentEvent.Result.CONFIRMED:
        log.warning("Payment event %s:%s ignored: %s", provider, event_id, event.detail)
    event.save(update_fields=["payment", "result", "detail"])
    return event

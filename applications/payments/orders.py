"""Online orders (applications.models.OnlineOrder) between our Payment and a provider that places orders.

- `settle_order`: the provider says an order is paid, by its callback or in answer to our query. Both name the
  same event: the provider's transaction id (`event_id`), so `record_paid_event`'s unique (provider, event id)
  row lets only the first confirm the Payment; the order row is locked first, so a callback and a query arriving
  together are applied one after the other. An amount that differs from the payment's by even one fen confirms
  nothing: the event is kept as "ignored" with the amounts in its detail, and logged.
- `check_order`: the periodic job's question about one order that never called back.
- `refund_order`: staff pay a paid order back through its provider.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certportal.money import format_money
from certportal.workflow import TransitionError

from ..models import OnlineOrder, Payment, PaymentEvent
from .provider import ProviderError, record_paid_event

log = logging.getLogger(__name__)


def provider_of(order: OnlineOrder):
    """The order's provider, switched on or not: orders placed before it was switched off are still answered."""
    from . import PROVIDERS

    return PROVIDERS[order.provider]


def settle_order(
    order: OnlineOrder, *, event_id: str, transaction_id: str, amount: Decimal, payload: dict
) -> PaymentEvent:
    """Apply the provider's word that `order` is paid; returns the event (a replay returns the first one)."""
    with transaction.atomic():
        order = OnlineOrder.objects.select_for_update().select_related("payment").get(pk=order.pk)
        event = record_paid_event(
            provider=order.provider,
            method=order.provider,
            event_id=event_id,
            reference=order.payment.reference,
            amount=amount,
            payload=payload,
        )
        # The order follows the provider: paid there, whatever we made of the event (a refused amount is for
        # staff to look at, and querying the order again would only repeat the same event).
        if order.status in (OnlineOrder.Status.OPEN, OnlineOrder.Status.CLOSED):
            order.settle(transaction_id=transaction_id)
    return event


def check_order(order: OnlineOrder, *, close_unpaid: bool = False) -> str:
    """Ask the provider about an open order and act on the answer; returns the order's status afterwards. An unpaid
    order is closed at the provider once expired, or at once with `close_unpaid`."""
    provider = provider_of(order)
    result = provider.query(order)
    OnlineOrder.objects.filter(pk=order.pk).update(last_queried_at=timezone.now())
    if result.status == OnlineOrder.Status.PAID and result.amount is not None:
        settle_order(
            order,
            event_id=result.transaction_id,
            transaction_id=result.transaction_id,
            amount=result.amount,
            payload=result.payload,
        )
    elif result.status == OnlineOrder.Status.CLOSED:
        order.close(reason="closed at the provider")
    elif order.is_expired or close_unpaid:
        provider.close(order)
        order.close(reason="expired unpaid" if order.is_expired else "replaced by a new order")
    order.refresh_from_db(fields=["status"])
    return order.status


def close_open_orders(payment: Payment) -> None:
    """Before the payer starts another online payment of `payment`: its open orders (the same provider or another)
    are closed at their provider, so the payer cannot pay twice; one the provider says is paid is settled instead.
    An order the provider cannot be asked about now stays open for the periodic job."""
    for order in payment.online_orders.filter(status=OnlineOrder.Status.OPEN):
        try:
            check_order(order, close_unpaid=True)
        except ProviderError as error:
            log.warning("Order %s could not be closed before a new one: %s", order.out_trade_no, error)


def refund_order(order: OnlineOrder, *, by, amount: Decimal, reason: str) -> str:
    """Pay `amount` of a paid order back through its provider, then record it: the order becomes refunded, and
    so does its Payment when the whole amount went back. Returns the provider's refund id.

    Raises TransitionError (translated, nothing changed) when the person may not or the amount is wrong, and
    ProviderError when the provider refuses (nothing changed here either)."""
    problems = order.refusals("refund", by)
    if problems:
        raise TransitionError(problems[0])
    if not reason.strip():
        raise TransitionError(_("Please give a reason."))
    if not Decimal("0.01") <= amount <= order.amount or amount != amount.quantize(Decimal("0.01")):
        raise TransitionError(
            _("The refund must be between ¥0.01 and the amount paid, %(amount)s.")
            % {"amount": format_money(order.amount)}
        )
    refund_id = provider_of(order).refund(order, amount, reason.strip())
    with transaction.atomic():
        order.refund(by=by, amount=amount, reason=reason)
        payment = order.payment
        if amount == payment.amount and payment.status == Payment.Status.CONFIRMED:
            payment.refund(by=by, reason=reason)
    log.info("Order %s refunded ¥%s at %s: refund %s", order.out_trade_no, amount, order.provider, refund_id)
    return refund_id


__all__ = ["ProviderError", "check_order", "close_open_orders", "provider_of", "refund_order", "settle_order"]

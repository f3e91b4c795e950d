"""An order placed with an online payment provider (WeChat Pay, Alipay) for one Payment.

A Payment may have several orders: the enterprise opens a QR code, lets it expire, and pays with a new one. Each
order has our own number (`out_trade_no`, the provider's "merchant order number", at most 32 characters for
WeChat Pay) and, once paid, the provider's transaction id. The order's status follows what the provider says;
the Payment itself is confirmed only through `payments.provider.record_paid_event`, once per provider event.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certportal.workflow import SYSTEM, Transition, Workflow, WorkflowMixin, alters_data, reviewer


def _order_number(payment) -> str:
    # The payment's reference, the time and a random tail: unique, readable in the provider's merchant portal,
    # and only letters and digits (WeChat Pay allows [A-Za-z0-9_-|*], 6 to 32 characters).
    tail = "".join(secrets.choice("0123456789") for _ in range(4))
    return f"{payment.reference}{timezone.now():%y%m%d%H%M%S}{tail}"[:32]


class OnlineOrderQuerySet(models.QuerySet):
    def awaiting_query(self, now=None) -> "OnlineOrderQuerySet":
        """Open orders older than ONLINE_ORDER_QUERY_AFTER_MINUTES: their callback may never come."""
        now = now or timezone.now()
        cutoff = now - timedelta(minutes=settings.ONLINE_ORDER_QUERY_AFTER_MINUTES)
        return self.filter(status=OnlineOrder.Status.OPEN, created_at__lt=cutoff).select_related("payment")


class OnlineOrder(WorkflowMixin, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting payment")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")
        REFUNDED = "refunded", _("Refunded")

    payment = models.ForeignKey(
        "applications.Payment", models.PROTECT, related_name="online_orders", verbose_name=_("payment")
    )
    provider = models.CharField(_("provider"), max_length=20)
    out_trade_no = models.CharField(_("order number"), max_length=32, unique=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # Where the payer pays: WeChat Pay's Native code_url (shown as a QR code), its H5 h5_url, Alipay's page URL.
    pay_url = models.CharField(_("payment address"), max_length=1000, blank=True)
    transaction_id = models.CharField(_("provider transaction id"), max_length=64, blank=True)
    refunded_amount = models.DecimalField(_("refunded (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    expires_at = models.DateTimeField(_("expires"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_queried_at = models.DateTimeField(_("last queried"), null=True, blank=True)

    objects = OnlineOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("online payment order")
        verbose_name_plural = _("online payment orders")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider}:{self.out_trade_no} ({self.status_label(self.status)})"

    @classmethod
    def open_for(cls, payment, provider: str) -> "OnlineOrder":
        """A new order for the payment's full amount, valid for ONLINE_ORDER_EXPIRES_MINUTES."""
        expires = timezone.now() + timedelta(minutes=settings.ONLINE_ORDER_EXPIRES_MINUTES)
        return cls.objects.create(
            payment=payment,
            provider=provider,
            out_trade_no=_order_number(payment),
            amount=payment.amount,
            expires_at=expires,
        )

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @alters_data
    def settle(self, *, transaction_id: str) -> None:
        """The provider says the order is paid (its callback or our query)."""

        def update():
            self.transaction_id = transaction_id[:64]
            return ["transaction_id", "updated_at"]

        self.perform("settle", by=None, update=update)

    @alters_data
    def close(self, *, reason: str) -> None:
        """Unpaid and closed at the provider (expired, or closed by us): the Payment stays awaiting payment."""
        self.perform("close", by=None, reason=reason, update=lambda: ["updated_at"])

    @alters_data
    def refund(self, *, by, amount: Decimal, reason: str) -> None:
        """The provider accepted a refund of `amount` for this order."""

        def update():
            self.refunded_amount = amount
            return ["refunded_amount", "updated_at"]

        self.perform("refund", by=by, reason=reason, update=update)


_O = OnlineOrder.Status
OnlineOrder.WORKFLOW = Workflow(
    Transition("settle", [_O.OPEN], _O.PAID, (SYSTEM,), _("Paid at the provider")),
    Transition("close", [_O.OPEN], _O.CLOSED, (SYSTEM,), _("Close the unpaid order"), needs_reason=True),
    Transition("refund", [_O.PAID], _O.REFUNDED, (reviewer(),), _("Refund"), needs_reason=True),
)

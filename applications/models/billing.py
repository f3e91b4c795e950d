"""Around a payment: the applicant's invoice (发票) request and the log of online payment callbacks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceRequest(models.Model):
    """The applicant asks for a fapiao for a payment. Every request is kept; the latest one counts."""

    payment = models.ForeignKey(
        "applications.Payment", models.PROTECT, related_name="invoice_requests", verbose_name=_("payment")
    )
    title = models.CharField(_("invoice title"), max_length=200)
    taxpayer_id = models.CharField(_("taxpayer identification number"), max_length=20)
    email = models.EmailField(_("send the invoice to"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.taxpayer_id})"


class PaymentEvent(models.Model):
    """One callback received from an online payment provider. The unique event id makes replays harmless."""

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("Payment confirmed")
        IGNORED = "ignored", _("Ignored")

    provider = models.CharField(_("provider"), max_length=20)
    event_id = models.CharField(_("event id"), max_length=64)
    payment = models.ForeignKey(
        "applications.Payment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("payment"),
    )
    payload = models.JSONField(_("payload"), default=dict)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="one_row_per_provider_event")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} ({self.get_result_display()})"

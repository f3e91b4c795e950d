"""Around a payment: the applicant's invoice (发票) requests and their e-invoices, and the log of online payment
callbacks."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from certportal.files import StoredFile
from certportal.storage import random_key
from certportal.workflow import Actor, Transition, TransitionError, Workflow, WorkflowMixin, alters_data, member_of


class InvoiceRequestQuerySet(models.QuerySet):
    def of_organization(self, organization):
        return self.filter(payment__application__organization=organization)

    def current(self):
        """The requests that still count: waiting to be issued, or issued and not voided."""
        return self.filter(status__in=[InvoiceRequest.Status.REQUESTED, InvoiceRequest.Status.ISSUED])


class InvoiceRequest(WorkflowMixin, models.Model):
    """The applicant asks for a fapiao for a payment; finance staff issue the e-invoice and upload it, and may void
    it (红冲) with a reason, after which the applicant may ask again. Every request is kept; a payment has at most
    one current request (requested or issued): a corrected request replaces the one still waiting."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        VOIDED = "voided", _("Voided (red-letter)")
        REPLACED = "replaced", _("Replaced by a corrected request")

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary VAT invoice (普通发票)")
        SPECIAL = "special", _("Special VAT invoice (专用发票)")

    # What a special VAT invoice needs besides title and taxpayer id (the buyer's 开票信息).
    SPECIAL_FIELDS = ("address", "phone", "bank_name", "bank_account")

    payment = models.ForeignKey(
        "applications.Payment", models.PROTECT, related_name="invoice_requests", verbose_name=_("payment")
    )
    kind = models.CharField(_("invoice type"), max_length=10, choices=Kind.choices, default=Kind.ORDINARY)
    title = models.CharField(_("invoice title"), max_length=200)
    taxpayer_id = models.CharField(_("taxpayer identification number"), max_length=20)
    email = models.EmailField(_("send the invoice to"))
    address = models.CharField(_("registered address"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account number"), max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    number = models.CharField(_("invoice number"), max_length=20, blank=True)
    issued_on = models.DateField(_("invoice date"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("voided by")
    )
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    history = HistoricalRecords()
    objects = InvoiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~models.Q(number=""), name="one_invoice_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.taxpayer_id})"

    @classmethod
    def last_of(cls, organization) -> "InvoiceRequest | None":
        """The organization's latest request (its details prefill the next one)."""
        return cls.objects.of_organization(organization).order_by("-requested_at", "-pk").first()

    @classmethod
    def ask(cls, payment, *, by, **details) -> "InvoiceRequest":
        """Record a request for `payment`: a request still waiting is replaced by this one; an issued invoice must be
        voided first (the body issues one invoice per payment)."""
        with transaction.atomic():
            # One request at a time per payment: two concurrent requests would both replace the waiting one.
            list(type(payment)._base_manager.select_for_update().filter(pk=payment.pk).values_list("pk"))
            current = payment.invoice_requests.current().first()
            if current is not None and current.status == cls.Status.ISSUED:
                raise TransitionError(
                    gettext(
                        "The invoice for this payment is already issued. To change it, ask us to void it "
                        "(red-letter invoice) first."
                    )
                )
            if current is not None:
                current.replace(by=by)
            return cls.objects.create(payment=payment, requested_by=by, **details)

    @alters_data
    def replace(self, *, by) -> None:
        """The applicant corrected the request before it was issued."""
        self.perform("replace", by=by)

    @alters_data
    def issue(self, checked, *, by, number: str, issued_on, expected: str = "") -> None:
        """Finance staff issued the e-invoice: its file (a checked upload, applications/einvoice.py), number and date.
        The file is kept with its SHA-256, which the certification record receives."""

        def update():
            self.number, self.issued_on, self.issued_by, self.issued_at = number, issued_on, by, timezone.now()
            stored = InvoiceFile(
                invoice=self,
                original_name=checked.name[:255],
                content_type=checked.content_type,
                sha256=checked.sha256,
                uploaded_by=by,
            )
            stored.keep(checked.file, random_key("invoices", extension=checked.extension))
            return ["number", "issued_on", "issued_by", "issued_at"]

        self.perform("issue", by=by, update=update, expected=expected, number=number)

    @alters_data
    def void(self, *, by, reason: str, expected: str = "") -> None:
        """Finance staff voided the issued invoice (红冲); the applicant may ask for a new one."""

        def update():
            self.void_reason, self.voided_by, self.voided_at = reason.strip(), by, timezone.now()
            return ["void_reason", "voided_by", "voided_at"]

        self.perform("void", by=by, reason=reason, update=update, expected=expected)

    @property
    def issued_file(self) -> "InvoiceFile | None":
        try:
            return self.file
        except ObjectDoesNotExist:
            return None

    def missing_special_fields(self) -> list[str]:
        if self.kind != self.Kind.SPECIAL:
            return []
        return [name for name in self.SPECIAL_FIELDS if not getattr(self, name).strip()]

    def _notify(self, kind: str, reason: str = "") -> None:
        from ..notifications import notify_organization

        notify_organization(
            self.payment.application,
            kind=kind,
            detail=lambda: f"{self.number} ({self.payment.reference})",
            reason=reason,
        )


class InvoiceFile(StoredFile):
    """The e-invoice of an issued request (PDF, OFD or XML), as finance staff uploaded it (a PDF without its active
    content)."""

    invoice = models.OneToOneField(
        InvoiceRequest, models.PROTECT, related_name="file", verbose_name=_("invoice request")
    )

    class Meta:
        verbose_name = _("e-invoice file")
        verbose_name_plural = _("e-invoice files")


# --- an invoice request's workflow -------------------------------------------------------------------------------


def _may_confirm_payments(user, invoice) -> bool:
    from ..permissions import can_issue_invoice

    return can_issue_invoice(user)


def _not_refunded(invoice, user, **context) -> list[str]:
    if invoice.payment.status == invoice.payment.Status.REFUNDED:
        return [gettext("The payment was refunded: no invoice is issued for it.")]
    return []


def _special_details_given(invoice, user, **context) -> list[str]:
    if invoice.missing_special_fields():
        return [gettext("A special VAT invoice needs the buyer's address, telephone, bank and account number.")]
    return []


def _number_unused(invoice, user, number: str = "", **context) -> list[str]:
    if number and InvoiceRequest.objects.filter(number=number).exclude(pk=invoice.pk).exists():
        return [gettext("The invoice number %(number)s is already recorded for another invoice.") % {"number": number}]
    return []


def _tell_issued(invoice, change) -> None:
    invoice._notify("invoice_issued")


def _tell_voided(invoice, change) -> None:
    invoice._notify("invoice_voided", change.reason)


_I = InvoiceRequest.Status
_FINANCE = Actor("finance", _("staff who confirm payments"), _may_confirm_payments)
InvoiceRequest.WORKFLOW = Workflow(
    Transition(
        "replace",
        [_I.REQUESTED],
        _I.REPLACED,
        (member_of(lambda invoice: invoice.payment.application.organization),),
        _("Correct the request"),
    ),
    Transition(
        "issue",
        [_I.REQUESTED],
        _I.ISSUED,
        (_FINANCE,),
        _("Issue the invoice"),
        guards=(_not_refunded, _special_details_given, _number_unused),
        effects=(_tell_issued,),
        style="default",
    ),
    Transition(
        "void",
        [_I.ISSUED],
        _I.VOIDED,
        (_FINANCE,),
        _("Void the invoice (red-letter)"),
        effects=(_tell_voided,),
        needs_reason=True,
        style="danger",
    ),
)


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

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from certportal.bilingual import BilingualName, bilingual
from certportal.money import format_money
from certportal.storage import random_key
from certportal.workflow import (
    SYSTEM,
    Transition,
    TransitionError,
    Workflow,
    WorkflowMixin,
    alters_data,
    member_of,
    reviewer,
)

FEN = Decimal("0.01")


class ManDayRule(models.Model):
    """One row of the audit man-day table (domain.md §3), by number of employees. Editable by administrators."""

    min_employees = models.PositiveIntegerField(_("employees from"))
    max_employees = models.PositiveIntegerField(_("employees to"), null=True, blank=True)
    initial_total = models.DecimalField(_("initial: total"), max_digits=4, decimal_places=1)
    initial_document_review = models.DecimalField(
        _("initial: planning and document review"), max_digits=4, decimal_places=1
    )
    initial_onsite = models.DecimalField(_("initial: on-site"), max_digits=4, decimal_places=1)
    surveillance_total = models.DecimalField(_("surveillance: total"), max_digits=4, decimal_places=1)
    surveillance_onsite = models.DecimalField(_("surveillance: on-site"), max_digits=4, decimal_places=1)
    recertification_total = models.DecimalField(
        _("re-certification: total"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    recertification_onsite = models.DecimalField(
        _("re-certification: on-site"), max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("man-day rule")
        verbose_name_plural = _("man-day table")
        ordering = ["min_employees"]

    def __str__(self) -> str:
        upper = self.max_employees if self.max_employees is not None else "…"
        return f"{self.min_employees}–{upper}"

    @classmethod
    def for_employees(cls, count: int) -> "ManDayRule":
        rule = (
            cls.objects.filter(min_employees__lte=count)
            .filter(models.Q(max_employees__gte=count) | models.Q(max_employees__isnull=True))
            .order_by("-min_employees")
            .first()
        )
        if rule is None:
            rule = cls.objects.order_by("-min_employees").first()  # beyond the table: its last row
        if rule is None:
            raise TransitionError(gettext("The man-day table is empty; an administrator must fill it in."))
        return rule

    def total_for(self, kind: str) -> Decimal:
        if kind == "recertification":
            if self.recertification_total is None:
                raise TransitionError(gettext("The man-day table has no re-certification figure for this size."))
            return self.recertification_total
        if kind == "surveillance":
            return self.surveillance_total
        return self.initial_total

    def onsite_for(self, kind: str) -> Decimal:
        if kind == "recertification":
            return self.recertification_onsite or self.total_for(kind)
        if kind == "surveillance":
            return self.surveillance_onsite
        return self.initial_onsite


class FeeSchedule(models.Model):
    """The body's price list. Exactly one is active; quotes keep the schedule they were made from."""

    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=False)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    bank_account_name = models.CharField(_("bank account name"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account_number = models.CharField(_("bank account number"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_fee_schedule"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def price_lines(self, kind: str, man_days: Decimal) -> list["QuoteLine"]:
        """Unsaved quote lines for an audit of `kind` taking `man_days` (also used for estimates)."""
        lines = []
        for item in self.items.filter(applies_to=kind):
            quantity = man_days if item.basis == FeeItem.Basis.PER_MAN_DAY else Decimal(1)
            lines.append(
                QuoteLine(
                    fee_item=item,
                    name_zh=item.name_zh,
                    name_en=item.name_en,
                    quantity=quantity,
                    unit_price=item.amount,
                    amount=(quantity * item.amount).quantize(FEN),
                )
            )
        return lines

    @classmethod
    def active(cls) -> "FeeSchedule":
        schedule = cls.objects.filter(is_active=True).first()
        if schedule is None:
            raise TransitionError(gettext("No fee schedule is active; an administrator must activate one."))
        return schedule


class FeeItem(BilingualName):
    class Basis(models.TextChoices):
        ONE_OFF = "one_off", _("One-off")
        PER_MAN_DAY = "per_man_day", _("Per audit man-day")
        ANNUAL = "annual", _("Per year")

    class AppliesTo(models.TextChoices):
        INITIAL = "initial", _("Initial certification")
        SURVEILLANCE = "surveillance", _("Surveillance")
        RECERTIFICATION = "recertification", _("Re-certification")

    schedule = models.ForeignKey(FeeSchedule, models.CASCADE, related_name="items", verbose_name=_("fee schedule"))
    code = models.SlugField(_("code"), max_length=40)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    applies_to = models.CharField(_("applies to"), max_length=20, choices=AppliesTo.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.name_zh} / {self.name_en}"


class Quote(models.Model):
    """The fee quotation issued when an application is accepted, as line items."""

    application = models.OneToOneField(
        "applications.Application", models.PROTECT, related_name="quote", verbose_name=_("application")
    )
    schedule = models.ForeignKey(FeeSchedule, models.PROTECT, related_name="+", verbose_name=_("fee schedule"))
    man_days = models.DecimalField(_("audit man-days"), max_digits=4, decimal_places=1)
    total = models.DecimalField(_("total (CNY)"), max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return f"{self.application.reference}: {format_money(self.total)}"

    @classmethod
    def build_for(cls, application, *, by) -> "Quote":
        """Price the application from the active schedule and the man-day table."""
        schedule = FeeSchedule.active()
        if not application.employee_count:
            raise TransitionError(gettext("The number of employees is needed to compute the audit man-days."))
        man_days = ManDayRule.for_employees(application.employee_count).total_for(application.kind)
        quote = cls.objects.create(
            application=application, schedule=schedule, man_days=man_days, total=Decimal(0), created_by=by
        )
        lines = schedule.price_lines(application.kind, man_days)
        for line in lines:
            line.quote = quote
        QuoteLine.objects.bulk_create(lines)
        quote.total = sum((line.amount for line in lines), Decimal(0))
        quote.save(update_fields=["total"])
        return quote


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, models.CASCADE, related_name="lines", verbose_name=_("quote"))
    fee_item = models.ForeignKey(FeeItem, models.SET_NULL, null=True, related_name="+", verbose_name=_("fee item"))
    name_zh = models.CharField(_("item (Chinese)"), max_length=100)
    name_en = models.CharField(_("item (English)"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=6, decimal_places=1)
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} {format_money(self.amount)}"

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


def _transfer_reference() -> str:
    # Unambiguous characters only, so a bank clerk can type it from a transfer note.
    return "CP" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


class Payment(WorkflowMixin, models.Model):
    """Payment of a quote: bank transfer with receipt upload by default (design.md §4)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        RECEIPT_UPLOADED = "receipt_uploaded", _("Receipt uploaded")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        REFUNDED = "refunded", _("Refunded")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        SANDBOX = "sandbox", _("Online (sandbox)")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    application = models.ForeignKey(
        "applications.Application", models.PROTECT, related_name="payments", verbose_name=_("application")
    )
    quote = models.ForeignKey(Quote, models.PROTECT, related_name="payments", verbose_name=_("quote"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER)
    reference = models.CharField(_("transfer reference"), max_length=20, unique=True, default=_transfer_reference)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    receipt = models.FileField(_("receipt"), max_length=200, blank=True)
    receipt_name = models.CharField(_("receipt file name"), max_length=255, blank=True)
    receipt_uploaded_at = models.DateTimeField(_("receipt uploaded"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        permissions = [("confirm_payment", _("Can confirm or reject payments"))]

    def __str__(self) -> str:
        return f"{self.reference} {format_money(self.amount)} ({self.get_status_display()})"

    @classmethod
    def open_for(cls, quote: Quote) -> "Payment":
        return cls.objects.create(application=quote.application, quote=quote, amount=quote.total)

    @alters_data
    def upload_receipt(self, uploaded, *, by, original_name: str, extension: str) -> None:
        """The applicant uploads the bank transfer receipt (again, after a rejection)."""

        def update():
            self.receipt.save(random_key("receipts", extension=extension), uploaded, save=False)
            self.receipt_name = original_name[:255]
            self.receipt_uploaded_at = timezone.now()
            self.reason = ""
            return ["receipt", "receipt_name", "receipt_uploaded_at", "reason"]

        self.perform("upload_receipt", by=by, update=update)

    @alters_data
    def confirm(self, *, by, expected: str = "") -> None:
        """Staff saw the money arrive (or a provider's signed callback said so); the application becomes paid."""
        self.perform("confirm", by=by, update=lambda: self._decided(by, ""), expected=expected)

    @alters_data
    def reject(self, *, by, reason: str, expected: str = "") -> None:
        """Staff reject the receipt (wrong amount, unreadable …); the applicant uploads another."""
        self.perform("reject", by=by, reason=reason, update=lambda: self._decided(by, reason), expected=expected)

    @alters_data
    def refund(self, *, by, reason: str, expected: str = "") -> None:
        """Money paid back, e.g. after an early withdrawal."""
        self.perform("refund", by=by, reason=reason, update=lambda: self._decided(by, reason), expected=expected)

    def _decided(self, by, reason: str) -> list[str]:
        self.reason, self.decided_by, self.decided_at = reason.strip(), by, timezone.now()
        return ["reason", "decided_by", "decided_at"]

    def _notify(self, kind: str, reason: str = "") -> None:
        from ..notifications import notify_organization

        notify_organization(
            self.application, kind=kind, detail=lambda: f"{self.reference} {format_money(self.amount)}", reason=reason
        )


# --- a payment's workflow (design.md §3.1) -------------------------------------------------------------------------


def _application_paid(payment, change) -> None:
    payment.application.mark_paid(by=change.by)
    payment._notify("payment_confirmed")


def _tell_rejection(payment, change) -> None:
    payment._notify("payment_rejected", change.reason)


_S = Payment.Status
_APPLICANT = member_of(lambda payment: payment.application.organization)
_REVIEWER = reviewer()
Payment.WORKFLOW = Workflow(
    Transition(
        "upload_receipt",
        [_S.PENDING, _S.RECEIPT_UPLOADED, _S.REJECTED],
        _S.RECEIPT_UPLOADED,
        (_APPLICANT,),
        _("Upload the transfer receipt"),
    ),
    Transition(
        "confirm",
        [_S.PENDING, _S.RECEIPT_UPLOADED],
        _S.CONFIRMED,
        (_REVIEWER, SYSTEM),
        _("Confirm the payment"),
        effects=(_application_paid,),
        style="default",
    ),
    Transition(
        "reject",
        [_S.RECEIPT_UPLOADED],
        _S.REJECTED,
        (_REVIEWER,),
        _("Reject the receipt"),
        effects=(_tell_rejection,),
        needs_reason=True,
        style="danger",
    ),
    Transition("refund", [_S.CONFIRMED], _S.REFUNDED, (_REVIEWER,), _("Refund"), needs_reason=True),
)

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from certportal.bilingual import BilingualName, bilingual
from certportal.money import format_money, format_money_text
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

    def figure_for(self, kind: str) -> Decimal | None:
        """The total man-days for an audit of `kind`; None where the table has no figure (staff set them)."""
        if kind == "recertification":
            return self.recertification_total
        if kind == "surveillance":
            return self.surveillance_total
        return self.initial_total

    def total_for(self, kind: str) -> Decimal:
        figure = self.figure_for(kind)
        if figure is None:
            raise TransitionError(gettext("The man-day table has no re-certification figure for this size."))
        return figure

    def onsite_for(self, kind: str) -> Decimal:
        if kind == "recertification":
            # Beyond the table (no figure) this is only the planning form's starting value, which staff correct.
            return self.recertification_onsite or self.recertification_total or self.initial_onsite
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
        """Unsaved quote lines for an audit of `kind` taking `man_days` (also used for estimates).

        The annual items are billed once per certificate year (`annual_lines`), never with an audit."""
        items = self.items.filter(applies_to=kind).exclude(basis=FeeItem.Basis.ANNUAL)
        return [
            QuoteLine.of(item, man_days if item.basis == FeeItem.Basis.PER_MAN_DAY else Decimal(1)) for item in items
        ]

    def annual_lines(self) -> list["QuoteLine"]:
        """Unsaved quote lines of one certificate year's annual fee (年金): the items with basis "per year"."""
        return [QuoteLine.of(item, Decimal(1)) for item in self.items.filter(basis=FeeItem.Basis.ANNUAL)]

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


class QuoteQuerySet(models.QuerySet):
    def acceptance(self):
        """The quotes issued when an application is accepted (initial or re-certification)."""
        return self.filter(event__in=Quote.ACCEPTANCE_EVENTS)

    def unpaid(self):
        """Quotes whose payment is neither confirmed nor refunded."""
        paid = Payment.objects.filter(
            quote=models.OuterRef("pk"), status__in=[Payment.Status.CONFIRMED, Payment.Status.REFUNDED]
        )
        return self.exclude(models.Exists(paid))

    def overdue(self, today):
        """Unpaid surveillance and annual fees past their due date: a reason to consider suspension (§4.1)."""
        return self.unpaid().filter(event__in=Quote.CYCLE_EVENTS, due_on__lt=today)


class Quote(models.Model):
    """What the enterprise owes for one chargeable event of its certification cycle, as line items (domain.md §5.2).

    The acceptance quote (initial or re-certification) is issued when a reviewer accepts the application; a
    surveillance is quoted when its review is announced or its audit planned; the annual fee once per certificate
    year; travel and accommodation after an audit, at actual cost. All belong to the application the certificate
    rests on, and each opens its own Payment."""

    class Event(models.TextChoices):
        INITIAL = "initial", _("Initial certification")
        RECERTIFICATION = "recertification", _("Re-certification")
        SURVEILLANCE = "surveillance", _("Surveillance audit")
        ANNUAL_FEE = "annual_fee", _("Annual fee")
        TRAVEL = "travel", _("Travel and accommodation")

    ACCEPTANCE_EVENTS = (Event.INITIAL, Event.RECERTIFICATION)
    CYCLE_EVENTS = (Event.SURVEILLANCE, Event.ANNUAL_FEE)  # unpaid past due: listed as a suspension reason

    application = models.ForeignKey(
        "applications.Application", models.PROTECT, related_name="quotes", verbose_name=_("application")
    )
    event = models.CharField(_("for"), max_length=20, choices=Event.choices)
    # Relations by name only: applications never imports certificates or audits (architecture.md).
    certificate = models.ForeignKey(
        "certificates.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("certificate"),
    )
    surveillance_review = models.ForeignKey(
        "certificates.SurveillanceReview",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("surveillance review"),
    )
    audit = models.ForeignKey(
        "audits.Audit", models.PROTECT, null=True, blank=True, related_name="quotes", verbose_name=_("audit")
    )
    certificate_year = models.PositiveSmallIntegerField(_("certificate year"), null=True, blank=True)
    due_on = models.DateField(_("due by"), null=True, blank=True, db_index=True)
    schedule = models.ForeignKey(FeeSchedule, models.PROTECT, related_name="+", verbose_name=_("fee schedule"))
    man_days = models.DecimalField(_("audit man-days"), max_digits=4, decimal_places=1, null=True, blank=True)
    man_days_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("man-days set by"),
        help_text=_("Empty when the man-days come from the man-day table."),
    )
    total = models.DecimalField(_("total (CNY)"), max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(event__in=["initial", "recertification"]),
                name="one_acceptance_quote_per_application",
            ),
            models.UniqueConstraint(
                fields=["surveillance_review"],
                condition=models.Q(event="surveillance"),
                name="one_quote_per_surveillance_review",
            ),
            models.UniqueConstraint(
                fields=["certificate", "certificate_year"],
                condition=models.Q(event="annual_fee"),
                name="one_annual_fee_per_certificate_year",
            ),
            models.CheckConstraint(
                condition=~models.Q(event="annual_fee")
                | models.Q(certificate__isnull=False, certificate_year__gte=1, certificate_year__lte=3),
                name="annual_fee_names_its_certificate_year",
            ),
            models.CheckConstraint(
                condition=~models.Q(event="surveillance") | models.Q(surveillance_review__isnull=False),
                name="surveillance_quote_names_its_review",
            ),
            models.CheckConstraint(
                condition=~models.Q(event="travel") | models.Q(audit__isnull=False), name="travel_quote_names_its_audit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.get_event_display()}: {format_money(self.total)}"

    @property
    def is_acceptance(self) -> bool:
        return self.event in self.ACCEPTANCE_EVENTS

    def title(self) -> str:
        """The event as the enterprise reads it: "Annual fee, year 2", "Surveillance audit 1" …"""
        event = str(self.get_event_display())
        if self.event == self.Event.ANNUAL_FEE:
            return gettext("%(event)s, year %(year)d") % {"event": event, "year": self.certificate_year}
        review = self.surveillance_review if self.event == self.Event.SURVEILLANCE else None
        if review is not None:
            return gettext("%(event)s %(number)d") % {"event": event, "number": review.sequence}
        return event

    @classmethod
    def issue(cls, application, *, event: str, lines: list["QuoteLine"], by, schedule=None, **links) -> "Quote":
        """Save a quote with its lines, open its Payment and tell the enterprise (notification and e-mail).

        `schedule` is the one the lines were priced from (the active one by default); `links` are the quote's other
        fields (certificate, surveillance_review, audit, certificate_year, man_days, man_days_set_by). Surveillance, annual and travel fees are due FEE_DUE_DAYS after quoting."""
        if not lines:
            raise TransitionError(gettext("The fee schedule has no item for this fee."))
        due_on = None
        if event not in cls.ACCEPTANCE_EVENTS:
            due_on = timezone.localdate() + timedelta(days=settings.FEE_DUE_DAYS)
        quote = cls.objects.create(
            application=application,
            event=event,
            schedule=schedule or FeeSchedule.active(),
            total=sum((line.amount for line in lines), Decimal(0)),
            created_by=by,
            due_on=due_on,
            **links,
        )
        for line in lines:
            line.quote = quote
        QuoteLine.objects.bulk_create(lines)
        Payment.open_for(quote)
        if not quote.is_acceptance:  # an acceptance: the application's status change tells the applicant already
            quote.tell_enterprise("fee_quoted")
        return quote

    def tell_enterprise(self, kind: str) -> None:
        """Notify (and e-mail) the enterprise's people about this fee: quoted, due soon or overdue."""
        from ..notifications import notify_organization

        notify_organization(self.application, kind=kind, detail=self.summary)

    def summary(self) -> str:
        """One line in the active language: "Annual fee, year 2 ¥500, due by 2027-06-01"."""
        text = f"{self.title()} {format_money_text(self.total)}"
        if self.due_on is None:
            return text
        return gettext("%(fee)s, due by %(date)s") % {"fee": text, "date": date_format(self.due_on)}

    @classmethod
    def build_for(cls, application, *, by, man_days: Decimal | None = None) -> "Quote":
        """Price the accepted application from the active schedule and the man-day table.

        Where the table has no figure for its size (re-certification beyond 8,500 employees), the reviewer enters
        the man-days, and the quote records who did; without them the acceptance is refused with that message."""
        schedule = FeeSchedule.active()
        if not application.employee_count:
            raise TransitionError(gettext("The number of employees is needed to compute the audit man-days."))
        set_by = None
        if man_days is None:
            man_days = ManDayRule.for_employees(application.employee_count).figure_for(application.kind)
            if man_days is None:
                raise TransitionError(cls.man_days_missing(application))
        else:
            set_by = by
        return cls.issue(
            application,
            event=application.kind,
            lines=schedule.price_lines(application.kind, man_days),
            by=by,
            schedule=schedule,
            man_days=man_days,
            man_days_set_by=set_by,
        )

    @staticmethod
    def man_days_missing(application) -> str:
        """Why staff must enter the man-days of this application themselves; empty when the table has them."""
        if not application.employee_count:
            return ""
        try:
            rule = ManDayRule.for_employees(application.employee_count)
        except TransitionError:  # an empty table: for_employees says so when the quote is built
            return ""
        if rule.figure_for(application.kind) is not None:
            return ""
        return gettext("The man-day table has no %(kind)s figure for %(employees)s employees; enter the man-days.") % {
            "kind": application.get_kind_display().lower(),
            "employees": f"{application.employee_count:,}",
        }


class FeeReminder(models.Model):
    """A reminder sent to the enterprise about an unpaid fee: `step` days before its due date, or OVERDUE once it
    is past. Written before anything is sent, unique per quote and step, so the daily sweep never sends one twice."""

    OVERDUE = -1

    quote = models.ForeignKey(Quote, models.CASCADE, related_name="reminders", verbose_name=_("quote"))
    step = models.SmallIntegerField(_("days before the due date (-1: overdue)"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee reminder")
        verbose_name_plural = _("fee reminders")
        constraints = [models.UniqueConstraint(fields=["quote", "step"], name="one_fee_reminder_per_step")]

    def __str__(self) -> str:
        return f"{self.quote} ({self.step})"


class QuoteLine(models.Model):
    """One line of a quote: a fee item priced (its names and price copied), or an actual-cost line staff enter."""

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

    @classmethod
    def of(cls, item: FeeItem, quantity: Decimal) -> "QuoteLine":
        """An unsaved line pricing `quantity` of a fee item."""
        return cls(
            fee_item=item,
            name_zh=item.name_zh,
            name_en=item.name_en,
            quantity=quantity,
            unit_price=item.amount,
            amount=(quantity * item.amount).quantize(FEN),
        )


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
    if payment.quote.is_acceptance:  # the fees of the cycle (surveillance, annual, travel) move no application
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

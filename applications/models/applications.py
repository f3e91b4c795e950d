from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from certportal.workflow import InvalidTransition, TransitionError, choice_label, require_reason, sentences

from .organizations import Organization


class Grade(models.TextChoices):
    """GB/T 27922 grades (domain.md §2.5). There is no 一星 or 二星."""

    COMPLIANT = "compliant", _("Compliant (达标级)")
    THREE_STAR = "three_star", _("Three-star (三星级)")
    FOUR_STAR = "four_star", _("Four-star (四星级)")
    FIVE_STAR = "five_star", _("Five-star (五星级)")

    @classmethod
    def rank(cls, grade: str) -> int:
        return [c.value for c in cls].index(grade)


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What a portal user may see: their own organization's applications (staff use the admin)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(organization__memberships__user=user)

    def open(self):
        return self.exclude(status__in=Application.CLOSED_STATES)

    def open_first(self):
        """Applications still in progress first, then the closed ones; newest first within each."""
        closed = models.Case(
            models.When(status__in=Application.CLOSED_STATES, then=models.Value(1)), default=models.Value(0)
        )
        return self.alias(closed=closed).order_by("closed", "-created_at", "-pk")

    def awaiting_review(self):
        return self.filter(status=Application.Status.SUBMITTED)


class Application(models.Model):
    """An enterprise's request for (re-)certification, from draft to decision (design.md §4)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial certification")
        RECERTIFICATION = "recertification", _("Re-certification")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for corrections")
        ACCEPTED = "accepted", _("Accepted, fee quoted")
        PAID = "paid", _("Fee paid")
        AUDIT_PLANNED = "audit_planned", _("Audit planned")
        AUDIT_REPORTED = "audit_reported", _("Audit reported")
        CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
        AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
        CERTIFIED = "certified", _("Certified")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    S = Status
    # The whole workflow in one place. Withdrawal is possible from every state before the decision.
    ALLOWED = {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        S.SUBMITTED: {S.RETURNED, S.ACCEPTED, S.REFUSED, S.WITHDRAWN},
        S.RETURNED: {S.SUBMITTED, S.WITHDRAWN},
        S.ACCEPTED: {S.PAID, S.WITHDRAWN},
        S.PAID: {S.AUDIT_PLANNED, S.WITHDRAWN},
        S.AUDIT_PLANNED: {S.AUDIT_REPORTED, S.WITHDRAWN},
        S.AUDIT_REPORTED: {S.CORRECTIVE_ACTION, S.AWAITING_DECISION, S.WITHDRAWN},
        S.CORRECTIVE_ACTION: {S.AWAITING_DECISION, S.WITHDRAWN},
        S.AWAITING_DECISION: {S.CERTIFIED, S.REFUSED, S.WITHDRAWN},
        S.CERTIFIED: set(),
        S.REFUSED: set(),
        S.WITHDRAWN: set(),
    }
    CLOSED_STATES = {S.CERTIFIED, S.REFUSED, S.WITHDRAWN}
    EDITABLE_STATES = {S.DRAFT, S.RETURNED}

    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="applications", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    renews = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="renewals", verbose_name=_("renews application")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True, db_index=True)

    # The application form (申请表): a snapshot of the organization plus the certification request.
    org_name = models.CharField(_("organization name"), max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    categories = models.ManyToManyField(
        "applications.ServiceCategory", blank=True, related_name="applications", verbose_name=_("categories")
    )
    scope = models.TextField(_("scope: products and services to certify"), blank=True)
    service_outlets = models.TextField(_("service outlets"), blank=True)
    service_commitments = models.TextField(_("service commitments"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    self_check = models.JSONField(_("eligibility self-check answers"), default=dict, blank=True)

    # Filled in by the audit and the decision.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices, blank=True)

    history = HistoricalRecords()
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        permissions = [("review_application", _("Can review applications (accept, return, refuse)"))]
        indexes = [models.Index(fields=["status", "status_changed_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.org_name or self.organization_id}"

    def get_absolute_url(self) -> str:
        return reverse("applications:detail", args=[self.pk])

    def get_status_display(self) -> str:
        return choice_label(self.Status, self.status)

    def get_kind_display(self) -> str:
        return choice_label(self.Kind, self.kind)

    @property
    def reference(self) -> str:
        year = (self.created_at or timezone.now()).year
        return f"SQ-{year}-{self.pk or 0:06d}"

    # --- creation -------------------------------------------------------------------------------

    @classmethod
    @transaction.atomic
    def start(cls, *, organization: Organization, by, kind: str = Kind.INITIAL, renews=None) -> "Application":
        """Open a draft prefilled from the organization profile, with its materials checklist."""
        application = cls.objects.create(
            organization=organization,
            kind=kind,
            renews=renews,
            created_by=by,
            org_name=organization.name,
            credit_code=organization.credit_code,
            address=organization.address,
            legal_representative=organization.legal_representative,
            employee_count=organization.employee_count,
            scope=organization.product_categories,
            service_outlets=organization.service_outlets,
            contact_name=organization.contact_name,
            contact_phone=organization.contact_phone,
            contact_email=organization.contact_email,
        )
        application.ensure_material_items()
        return application

    def ensure_material_items(self) -> None:
        from .materials import MaterialItem, MaterialType

        existing = set(self.material_items.values_list("material_type_id", flat=True))
        MaterialItem.objects.bulk_create(
            MaterialItem(application=self, material_type=t)
            for t in MaterialType.objects.filter(is_active=True).exclude(pk__in=existing)
        )

    # --- predicates -----------------------------------------------------------------------------

    def can_become(self, status: str) -> bool:
        return status in self.ALLOWED.get(self.status, set())

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATES

    REQUIRED_FORM_FIELDS = (
        "org_name",
        "credit_code",
        "address",
        "legal_representative",
        "employee_count",
        "scope",
        "service_commitments",
        "contact_name",
        "contact_phone",
        "contact_email",
    )

    def missing_for_submit(self) -> list[str]:
        """What still prevents submission, as translated sentences (empty when complete)."""
        problems = []
        for name in self.REQUIRED_FORM_FIELDS:
            if getattr(self, name) in (None, ""):
                field = self._meta.get_field(name)
                problems.append(gettext("The form field “%(field)s” is empty.") % {"field": field.verbose_name})
        for item in self.material_items.filter(material_type__required=True).select_related("material_type"):
            if item.status in (item.Status.MISSING, item.Status.REJECTED):
                problems.append(
                    gettext("The required material “%(name)s” has no valid file.") % {"name": item.material_type.name}
                )
        return problems

    def missing_for_acceptance(self) -> list[str]:
        return [
            gettext("The required material “%(name)s” is not accepted.") % {"name": item.material_type.name}
            for item in self.material_items.filter(material_type__required=True).select_related("material_type")
            if item.status != item.Status.ACCEPTED
        ]

    # --- transitions ----------------------------------------------------------------------------

    @transaction.atomic
    def submit(self, *, by) -> None:
        """Send the draft (or the corrected application) to the certification body."""
        self._lock_and_check(self.Status.SUBMITTED)
        problems = self.missing_for_submit()
        if problems:
            raise TransitionError(sentences(problems))
        if self.submitted_at is None:
            self.submitted_at = timezone.now()
        self._change_status(self.Status.SUBMITTED, by=by, extra_fields=["submitted_at"])

    submit.alters_data = True

    @transaction.atomic
    def return_for_corrections(self, *, by, reason: str) -> None:
        """Give the application back to the applicant, saying what to correct."""
        reason = require_reason(reason)
        self._lock_and_check(self.Status.RETURNED)
        self._change_status(self.Status.RETURNED, by=by, reason=reason)

    return_for_corrections.alters_data = True

    @transaction.atomic
    def accept(self, *, by, reason: str = "") -> None:
        """Accept the application (all required materials accepted) and issue the fee quote."""
        from .fees import Payment, Quote

        self._lock_and_check(self.Status.ACCEPTED)
        problems = self.missing_for_acceptance()
        if problems:
            raise TransitionError(sentences(problems))
        quote = Quote.build_for(self, by=by)
        Payment.open_for(quote)
        self._change_status(self.Status.ACCEPTED, by=by, reason=reason)

    accept.alters_data = True

    @transaction.atomic
    def mark_paid(self, *, by, reason: str = "") -> None:
        """Record that the fee is paid (called when staff confirm a payment)."""
        self._lock_and_check(self.Status.PAID)
        self._change_status(self.Status.PAID, by=by, reason=reason)

    mark_paid.alters_data = True

    @transaction.atomic
    def plan_audit(self, *, by, reason: str = "") -> None:
        """The audit team and dates are fixed (the Audit row is made by audits.services)."""
        self._lock_and_check(self.Status.AUDIT_PLANNED)
        self._change_status(self.Status.AUDIT_PLANNED, by=by, reason=reason)

    plan_audit.alters_data = True

    @transaction.atomic
    def report_audit(self, *, by, score=None, grade: str = "") -> None:
        """The audit report is in, with its computed score and grade."""
        self._lock_and_check(self.Status.AUDIT_REPORTED)
        self.score, self.grade = score, grade or ""
        self._change_status(self.Status.AUDIT_REPORTED, by=by, extra_fields=["score", "grade"])

    report_audit.alters_data = True

    @transaction.atomic
    def require_corrective_action(self, *, by, reason: str = "") -> None:
        """Nonconformities are open: the applicant must correct them before the decision."""
        self._lock_and_check(self.Status.CORRECTIVE_ACTION)
        self._change_status(self.Status.CORRECTIVE_ACTION, by=by, reason=reason)

    require_corrective_action.alters_data = True

    @transaction.atomic
    def await_decision(self, *, by, reason: str = "") -> None:
        """Everything is verified; the case goes to an independent decision-maker."""
        self._lock_and_check(self.Status.AWAITING_DECISION)
        self._change_status(self.Status.AWAITING_DECISION, by=by, reason=reason)

    await_decision.alters_data = True

    @transaction.atomic
    def certify(self, *, by, grade: str, reason: str = "") -> None:
        """Record a granting decision (the certificate is made by certificates.services)."""
        self._lock_and_check(self.Status.CERTIFIED)
        self.grade = grade
        self._change_status(self.Status.CERTIFIED, by=by, reason=reason, extra_fields=["grade"])

    certify.alters_data = True

    @transaction.atomic
    def refuse(self, *, by, reason: str) -> None:
        """Refuse at acceptance or at the decision; the applicant is told why."""
        reason = require_reason(reason)
        self._lock_and_check(self.Status.REFUSED)
        self._change_status(self.Status.REFUSED, by=by, reason=reason)

    refuse.alters_data = True

    @transaction.atomic
    def withdraw(self, *, by, reason: str) -> None:
        """The applicant (or staff on its behalf) stops the application before the decision."""
        reason = require_reason(reason)
        self._lock_and_check(self.Status.WITHDRAWN)
        self._change_status(self.Status.WITHDRAWN, by=by, reason=reason)

    withdraw.alters_data = True

    def _lock_and_check(self, new: str) -> None:
        # Re-read the status under a row lock so two people acting at once cannot both move it.
        current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        self.status = current
        if not self.can_become(new):
            raise InvalidTransition(self.Status(current).label, self.Status(new).label)

    def _change_status(self, new: str, *, by, reason: str = "", extra_fields=()) -> None:
        from .. import notifications

        old = self.status
        self.status_changes.create(from_status=old, to_status=new, by=by, reason=reason)
        self.status = new
        self.status_changed_at = timezone.now()
        self._history_user = by
        self._change_reason = reason
        self.save(update_fields=["status", "status_changed_at", *extra_fields])
        notifications.status_changed(self, old=old, new=new, reason=reason)


class ApplicationStatusChange(models.Model):
    """One row per status change: who moved the application, when, from where to where, and why."""

    application = models.ForeignKey(
        Application, models.CASCADE, related_name="status_changes", verbose_name=_("application")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Application.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Application.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )  # empty: the system
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"

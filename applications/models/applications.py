from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import roles
from certportal.workflow import (
    SYSTEM,
    Actor,
    Transition,
    Workflow,
    WorkflowMixin,
    alters_data,
    choice_label,
    member_of,
    reviewer,
    role_names,
)

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


class Application(WorkflowMixin, models.Model):
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

    # Django generates get_FOO_display only when the model has none; django-stubs adds it regardless.
    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return choice_label(self.Status, self.status)

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
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

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATES

    @cached_property
    def acceptance_quote(self):
        """The quote issued when the application was accepted (initial or re-certification), or None before.

        The application's other quotes (surveillance, annual fee, travel) are `quotes`."""
        from .fees import Quote

        return Quote.objects.acceptance().filter(application=self).first()

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
                assert isinstance(field, models.Field)  # a model field, not a relation's reverse side
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

    # --- transitions (the table is WORKFLOW, below the class) --------------------------------------------------

    @alters_data
    def submit(self, *, by) -> None:
        """Send the draft (or the corrected application) to the certification body."""

        def update():
            if self.submitted_at is None:
                self.submitted_at = timezone.now()
            return ["submitted_at"]

        self.perform("submit", by=by, update=update)

    @alters_data
    def return_for_corrections(self, *, by, reason: str, expected: str = "") -> None:
        """Give the application back to the applicant, saying what to correct."""
        self.perform("return", by=by, reason=reason, expected=expected)

    @alters_data
    def accept(self, *, by, reason: str = "", expected: str = "", man_days=None) -> None:
        """Accept the application (all required materials accepted) and issue the fee quote, with the man-days the
        reviewer gives where the man-day table has no figure (Quote.build_for)."""
        from .fees import Quote

        def update():
            Quote.build_for(self, by=by, man_days=man_days)

        self.perform("accept", by=by, reason=reason, update=update, expected=expected)

    @alters_data
    def refuse(self, *, by, reason: str, expected: str = "") -> None:
        """Refuse to accept the application (not eligible); the applicant is told why."""
        self.perform("refuse", by=by, reason=reason, expected=expected)

    @alters_data
    def mark_paid(self, *, by, reason: str = "") -> None:
        """Record that the fee is paid (called when staff confirm a payment, or a provider's callback does)."""
        self.perform("mark_paid", by=by, reason=reason)

    @alters_data
    def plan_audit(self, *, by, reason: str = "") -> None:
        """The audit team and dates are fixed (the Audit row is made by audits.services)."""
        self.perform("plan_audit", by=by, reason=reason)

    @alters_data
    def report_audit(self, *, by, score=None, grade: str = "") -> None:
        """The audit report is in, with its computed score and grade."""

        def update():
            self.score, self.grade = score, grade or ""
            return ["score", "grade"]

        self.perform("report_audit", by=by, update=update)

    @alters_data
    def require_corrective_action(self, *, by, reason: str = "") -> None:
        """Nonconformities are open: the applicant must correct them before the decision."""
        self.perform("require_corrective_action", by=by, reason=reason)

    @alters_data
    def await_decision(self, *, by, reason: str = "") -> None:
        """Everything is verified; the case goes to an independent decision-maker."""
        self.perform("await_decision", by=by, reason=reason)

    @alters_data
    def withdraw(self, *, by, reason: str) -> None:
        """The applicant stops the application before the decision."""
        self.perform("withdraw", by=by, reason=reason)


# --- the application's workflow (design.md §3.1, §4) -------------------------------------------------------------


def _on_audit_team(*, lead: bool):
    def test(user, application) -> bool:
        if roles.AUDITOR not in role_names(user):
            return False
        team = {"team__auditor": user, "team__role": "lead"} if lead else {"team__auditor": user}
        # The relation's name only: applications never imports audits.
        return application.audits.filter(**team).exists()

    if lead:
        return Actor("audit_lead", _("the audit team leader"), test)
    return Actor("audit_team", _("the audit team"), test)


APPLICANT = member_of(lambda application: application.organization)
REVIEWER = reviewer()
AUDIT_LEAD = _on_audit_team(lead=True)
AUDIT_TEAM = _on_audit_team(lead=False)
S = Application.Status
BEFORE_DECISION = [s for s in S if s not in Application.CLOSED_STATES]


def _complete_form(application, user, **context) -> list[str]:
    return application.missing_for_submit()


def _materials_accepted(application, user, **context) -> list[str]:
    return application.missing_for_acceptance()


def tell_applicant(application, change) -> None:
    from .. import notifications

    notifications.status_changed(application, old=change.source, new=change.target, reason=change.reason)


Application.WORKFLOW = Workflow(
    Transition(
        "submit",
        [S.DRAFT, S.RETURNED],
        S.SUBMITTED,
        (APPLICANT,),
        _("Submit the application"),
        guards=(_complete_form,),
        effects=(tell_applicant,),
    ),
    Transition(
        "accept",
        [S.SUBMITTED],
        S.ACCEPTED,
        (REVIEWER,),
        _("Accept and issue the quote"),
        guards=(_materials_accepted,),
        effects=(tell_applicant,),
        style="default",
    ),
    Transition(
        "return",
        [S.SUBMITTED],
        S.RETURNED,
        (REVIEWER,),
        _("Return for corrections"),
        effects=(tell_applicant,),
        needs_reason=True,
    ),
    Transition(
        "refuse",
        [S.SUBMITTED],
        S.REFUSED,
        (REVIEWER,),
        _("Refuse the application (not eligible)"),
        effects=(tell_applicant,),
        needs_reason=True,
        style="danger",
    ),
    Transition("mark_paid", [S.ACCEPTED], S.PAID, (REVIEWER, SYSTEM), _("Record the fee as paid")),
    Transition("plan_audit", [S.PAID], S.AUDIT_PLANNED, (REVIEWER,), _("Plan the audit")),
    Transition(
        "report_audit",
        [S.AUDIT_PLANNED],
        S.AUDIT_REPORTED,
        (AUDIT_LEAD,),
        _("Submit the audit report"),
        effects=(tell_applicant,),
    ),
    Transition(
        "require_corrective_action",
        [S.AUDIT_REPORTED],
        S.CORRECTIVE_ACTION,
        (AUDIT_LEAD,),
        _("Ask for corrective action"),
        effects=(tell_applicant,),
    ),
    Transition(
        "await_decision",
        [S.AUDIT_REPORTED, S.CORRECTIVE_ACTION],
        S.AWAITING_DECISION,
        (AUDIT_TEAM,),
        _("Send to the certification decision"),
        effects=(tell_applicant,),
    ),
    Transition(
        "withdraw",
        BEFORE_DECISION,
        S.WITHDRAWN,
        (APPLICANT,),
        _("Withdraw the application"),
        effects=(tell_applicant,),
        needs_reason=True,
        style="danger",
    ),
)
del S


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

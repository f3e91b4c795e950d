from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application, Grade
from certportal.workflow import InvalidTransition, record_history, require_reason


class IndicatorSet(models.Model):
    """A versioned GB/T 27922 indicator tree. A set that an audit used is never edited in place."""

    name = models.CharField(_("name"), max_length=200)
    standard_edition = models.CharField(_("standard edition"), max_length=40, default="GB/T 27922-2011")
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("active for new audits"), default=False)
    has_placeholder_points = models.BooleanField(
        _("points are placeholders"),
        default=True,
        help_text=_("The real points must be entered from the standard or the body's scoring sheet."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicator set")
        verbose_name_plural = _("indicator sets")
        ordering = ["standard_edition", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["standard_edition", "version"], name="unique_indicator_set_version"),
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_indicator_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard_edition} v{self.version}: {self.name}"

    @property
    def is_in_use(self) -> bool:
        return self.audits.exists()


class Indicator(models.Model):
    """A first-, second- or third-level indicator; points sit on the leaves (domain.md §2)."""

    indicator_set = models.ForeignKey(
        IndicatorSet, models.CASCADE, related_name="indicators", verbose_name=_("indicator set")
    )
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=[(1, "1"), (2, "2"), (3, "3")])
    code = models.CharField(_("clause"), max_length=20)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    points_are_placeholder = models.BooleanField(_("placeholder points"), default=True)
    excludable = models.BooleanField(_("may be excluded (not applicable)"), default=False)
    sampled = models.BooleanField(_("scored on samples"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["indicator_set", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["indicator_set", "code"], name="unique_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title_zh


class AuditQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An auditor sees the audits it is on; an applicant sees its organization's."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(team__auditor=user) | models.Q(application__organization__memberships__user=user)
        ).distinct()

    def assigned_to(self, user):
        return self.filter(team__auditor=user)


class Audit(models.Model):
    """An evaluation of one application: initial, surveillance or re-certification (design.md §4)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial audit")
        SURVEILLANCE = "surveillance", _("Surveillance audit")
        RECERTIFICATION = "recertification", _("Re-certification audit")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Report submitted")
        CLOSED = "closed", _("Closed")

    S = Status
    ALLOWED = {
        S.PLANNED: {S.IN_PROGRESS},
        S.IN_PROGRESS: {S.SUBMITTED},
        S.SUBMITTED: {S.CLOSED, S.IN_PROGRESS},  # back to in progress = staff reopen with a reason
        S.CLOSED: set(),
    }

    application = models.ForeignKey(Application, models.PROTECT, related_name="audits", verbose_name=_("application"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    indicator_set = models.ForeignKey(
        IndicatorSet, models.PROTECT, related_name="audits", verbose_name=_("indicator set")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    onsite_man_days = models.DecimalField(_("on-site man-days"), max_digits=4, decimal_places=1)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices, blank=True)
    submitted_at = models.DateTimeField(_("report submitted"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-planned_start"]
        permissions = [
            ("plan_audit", _("Can plan audits and assign teams")),
            ("conduct_audit", _("Can score audits they are assigned to")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.application.reference}"

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("The end date cannot be before the start date.")})

    def _move(self, new: str, *, by, reason: str = "", extra_fields=()) -> None:
        current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        if new not in self.ALLOWED[current]:
            raise InvalidTransition(self.Status(current).label, self.Status(new).label)
        self.status = new
        record_history(self, by=by, reason=reason)
        self.save(update_fields=["status", *extra_fields])

    @transaction.atomic
    def start(self, *, by) -> None:
        """The team begins scoring on site."""
        self._move(self.Status.IN_PROGRESS, by=by)

    start.alters_data = True

    @transaction.atomic
    def submit(self, *, by, score, grade: str) -> None:
        """The report is submitted with its computed score and grade; the form is locked."""
        self.score, self.grade, self.submitted_at = score, grade, timezone.now()
        self._move(self.Status.SUBMITTED, by=by, extra_fields=["score", "grade", "submitted_at"])

    submit.alters_data = True

    @transaction.atomic
    def reopen(self, *, by, reason: str) -> None:
        """Staff unlock a submitted report for correction."""
        self._move(self.Status.IN_PROGRESS, by=by, reason=require_reason(reason))

    reopen.alters_data = True

    @transaction.atomic
    def close(self, *, by, reason: str = "") -> None:
        """All follow-up on this audit is finished."""
        self._move(self.Status.CLOSED, by=by, reason=reason)

    close.alters_data = True

    @property
    def team_member_ids(self) -> set[int]:
        return set(self.team.values_list("auditor_id", flat=True))


class AuditTeamMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Team leader")
        MEMBER = "member", _("Auditor")
        EXPERT = "expert", _("Technical expert")

    audit = models.ForeignKey(Audit, models.CASCADE, related_name="team", verbose_name=_("audit"))
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="audit_assignments", verbose_name=_("auditor")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("audit team member")
        verbose_name_plural = _("audit team")
        constraints = [
            models.UniqueConstraint(fields=["audit", "auditor"], name="auditor_once_per_audit"),
            models.UniqueConstraint(fields=["audit"], condition=models.Q(role="lead"), name="one_lead_per_audit"),
        ]

    def __str__(self) -> str:
        return f"{self.auditor} ({self.get_role_display()})"


class ItemScore(models.Model):
    """The team's finding on one leaf indicator of an audit."""

    audit = models.ForeignKey(Audit, models.CASCADE, related_name="scores", verbose_name=_("audit"))
    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="+", verbose_name=_("indicator"))
    points = models.DecimalField(
        _("points awarded"), max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    not_applicable = models.BooleanField(_("not applicable (excluded)"), default=False)
    not_applicable_reason = models.TextField(_("reason for exclusion"), blank=True)
    sample_size = models.PositiveIntegerField(_("samples checked"), null=True, blank=True)
    nonconforming_samples = models.PositiveIntegerField(_("nonconforming samples"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        constraints = [models.UniqueConstraint(fields=["audit", "indicator"], name="one_score_per_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.points}"

    def clean(self):
        errors = {}
        if self.points is not None and self.points > self.indicator.max_points:
            errors["points"] = gettext("At most %(max)s points.") % {"max": self.indicator.max_points}
        if self.not_applicable and not self.indicator.excludable:
            errors["not_applicable"] = gettext("This indicator cannot be excluded.")
        if self.not_applicable and not self.not_applicable_reason.strip():
            errors["not_applicable_reason"] = gettext("Please say why the indicator does not apply.")
        if (self.nonconforming_samples or 0) > (self.sample_size or 0) and self.nonconforming_samples:
            errors["nonconforming_samples"] = gettext("Cannot exceed the number of samples checked.")
        if errors:
            raise ValidationError(errors)


class SpecialFinding(models.Model):
    """特别扣分项 (−1, must be corrected) or 特别加分项 (+1, at most one per audit); domain.md §2.4."""

    class Kind(models.TextChoices):
        DEDUCTION = "deduction", _("Special deduction (−1)")
        BONUS = "bonus", _("Special bonus (+1)")

    audit = models.ForeignKey(Audit, models.CASCADE, related_name="special_findings", verbose_name=_("audit"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description / justification"))
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("indicator")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("special finding")
        verbose_name_plural = _("special findings")
        constraints = [
            models.UniqueConstraint(fields=["audit"], condition=models.Q(kind="bonus"), name="one_bonus_per_audit")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"


class NonconformityQuerySet(models.QuerySet):
    def unresolved(self):
        return self.exclude(status=Nonconformity.Status.VERIFIED)


class Nonconformity(models.Model):
    """A finding the applicant must correct; the auditor verifies the correction (design.md §4)."""

    class Severity(models.TextChoices):
        MAJOR = "major", _("Major")
        MINOR = "minor", _("Minor")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESPONDED = "responded", _("Corrective action submitted")
        VERIFIED = "verified", _("Verified")
        REOPENED = "reopened", _("Reopened")

    audit = models.ForeignKey(Audit, models.PROTECT, related_name="nonconformities", verbose_name=_("audit"))
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("indicator")
    )
    special_finding = models.OneToOneField(
        SpecialFinding,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="nonconformity",
        verbose_name=_("special deduction"),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    description = models.TextField(_("description"))
    due_date = models.DateField(_("correct by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("corrective action"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    history = HistoricalRecords()
    objects = NonconformityQuerySet.as_manager()

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.description[:40]}"

    def _move(self, allowed: set, new: str) -> None:
        current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        if current not in allowed:
            raise InvalidTransition(self.Status(current).label, self.Status(new).label)
        self.status = new

    @transaction.atomic
    def respond(self, *, by, response: str) -> None:
        """The applicant describes the corrective action taken."""
        response = require_reason(response)
        self._move({self.Status.OPEN, self.Status.REOPENED}, self.Status.RESPONDED)
        self.response, self.responded_by, self.responded_at = response, by, timezone.now()
        record_history(self, by=by, reason=response)
        self.save(update_fields=["status", "response", "responded_by", "responded_at"])

    respond.alters_data = True

    @transaction.atomic
    def verify(self, *, by) -> None:
        """The auditor accepts the correction as effective."""
        self._move({self.Status.RESPONDED}, self.Status.VERIFIED)
        self.verified_by, self.verified_at = by, timezone.now()
        record_history(self, by=by)
        self.save(update_fields=["status", "verified_by", "verified_at"])

    verify.alters_data = True

    @transaction.atomic
    def reopen(self, *, by, reason: str) -> None:
        """The auditor finds the correction insufficient."""
        reason = require_reason(reason)
        self._move({self.Status.RESPONDED}, self.Status.REOPENED)
        self.reopen_reason = reason
        record_history(self, by=by, reason=reason)
        self.save(update_fields=["status", "reopen_reason"])

    reopen.alters_data = True

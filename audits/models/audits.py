from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

import trail
from accounts import roles
from applications.models import Application, Grade
from certportal.workflow import (
    SYSTEM,
    Actor,
    Transition,
    TransitionError,
    Workflow,
    WorkflowMixin,
    alters_data,
    record_history,
    reviewer,
    role,
    role_names,
)

from .indicators import IndicatorSet


class AuditQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An auditor sees the audits it is on; an applicant sees its organization's once the report is in."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(team__auditor=user)
            | models.Q(application__organization__memberships__user=user, status__in=Audit.REPORTED_STATES)
        ).distinct()

    def assigned_to(self, user):
        return self.filter(team__auditor=user)


class AuditLocked(TransitionError):
    """Scores and findings change only while the audit is in progress."""

    def __init__(self, status_label: str):
        super().__init__(
            gettext("The audit is “%(status)s”: its scores and findings can no longer be changed.")
            % {"status": status_label}
        )


class Audit(WorkflowMixin, models.Model):
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
    REPORTED_STATES = (S.SUBMITTED, S.CLOSED)

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
    report_pdf = models.FileField(_("audit report (PDF)"), max_length=200, blank=True)
    report_pdf_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True)
    report_attempts = models.PositiveSmallIntegerField(_("report render attempts"), default=0)
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
            ("view_original_photo", _("Can download the original (unstripped) audit photos")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.application.reference}"

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("The end date cannot be before the start date.")})

    @property
    def is_in_progress(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def is_reported(self) -> bool:
        return self.status in self.REPORTED_STATES

    @property
    def report_storage_key(self) -> str:
        """Deterministic per submission, so a retried render finds what an interrupted one stored."""
        stamp = f"{self.submitted_at:%Y%m%d%H%M%S}" if self.submitted_at else "draft"
        return f"audit-reports/{self.pk}-{stamp}.pdf"

    def lock_for_editing(self) -> None:
        """Lock the row and check that the form is open (every score, finding and photo goes through here)."""
        current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        if current != self.Status.IN_PROGRESS:
            raise AuditLocked(str(self.Status(current).label))

    @alters_data
    def start(self, *, by) -> None:
        """The team begins scoring on site."""
        self.perform("start", by=by)

    @alters_data
    def submit(self, *, by) -> None:
        """The leader submits the report with its computed score and grade; the form is locked, the application
        moves on, the applicant hears of open nonconformities and the report PDF is rendered (effects below)."""
        from .. import scoresheet

        def update():
            result = scoresheet.build(self).result
            self.score, self.grade, self.submitted_at = result.score, result.grade, timezone.now()
            self.report_pdf, self.report_pdf_sha256, self.report_attempts = "", "", 0
            return ["score", "grade", "submitted_at", "report_pdf", "report_pdf_sha256", "report_attempts"]

        self.perform("submit", by=by, update=update)

    @alters_data
    def reopen(self, *, by, reason: str) -> None:
        """A reviewer unlocks a submitted report for correction before the decision (the earlier report PDF stays
        in the history); the report goes back to the leader."""
        self.perform("reopen", by=by, reason=reason)

    @alters_data
    def close(self, *, by, reason: str = "") -> None:
        """The decision (or the surveillance outcome) this audit rests on is taken: nothing more changes."""
        self.perform("close", by=by, reason=reason)

    @alters_data
    def record_report_pdf(self, name: str, sha256: str) -> bool:
        """Attach the rendered report once per submission; a retried render changes nothing."""
        locked = type(self).objects.select_for_update().get(pk=self.pk)
        if locked.report_pdf or locked.submitted_at != self.submitted_at:
            return False
        self.report_pdf.name, self.report_pdf_sha256 = name, sha256
        record_history(self, by=None, reason="report PDF rendered")
        self.save(update_fields=["report_pdf", "report_pdf_sha256"])
        return True

    @property
    def team_member_ids(self) -> set[int]:
        return set(self.team.values_list("auditor_id", flat=True))

    # --- the team's findings (child rows; every one checks that the form is open) -----------------------------

    @alters_data
    @transaction.atomic
    def record_score(self, item_score, *, by):
        """Save one item's finding (validated by the caller's form) while the audit is in progress."""
        self.lock_for_editing()
        if item_score.pk is None:  # a colleague's first save of the same item may have just landed
            item_score.pk = self.scores.filter(indicator=item_score.indicator).values_list("pk", flat=True).first()
        item_score.audit, item_score.updated_by = self, by
        record_history(item_score, by=by)
        item_score.save()
        trail.append(
            "score",
            item_score,
            {
                "audit": self.pk,
                "indicator": item_score.indicator_id,
                "points": item_score.points,
                "not_applicable": item_score.not_applicable,
                "not_applicable_reason": item_score.not_applicable_reason,
                "sample_size": item_score.sample_size,
                "nonconforming_samples": item_score.nonconforming_samples,
                "notes": item_score.notes,
            },
            by,
        )
        return item_score

    @alters_data
    @transaction.atomic
    def add_special_finding(self, *, by, kind: str, description: str, category: str = "", indicator=None, **nc):
        """Record a special bonus (+1, at most one) or deduction (−1, which becomes a nonconformity)."""
        from .findings import SpecialFinding

        self.lock_for_editing()
        if kind == SpecialFinding.Kind.BONUS and self.special_findings.filter(kind=kind).exists():
            raise ValidationError({"kind": SpecialFinding.one_bonus_message()})
        finding = SpecialFinding(
            audit=self, kind=kind, description=description, category=category, indicator=indicator, created_by=by
        )
        finding.full_clean()
        try:
            with transaction.atomic():
                finding.save()
        except IntegrityError:  # a colleague recorded the bonus a moment ago
            raise ValidationError({"kind": SpecialFinding.one_bonus_message()}) from None
        trail.append(
            "special_finding",
            finding,
            {
                "audit": self.pk,
                "kind": kind,
                "category": category,
                "indicator": finding.indicator_id,
                "description": description,
            },
            by,
        )
        if kind == SpecialFinding.Kind.DEDUCTION:
            blocking = nc.pop("blocking", False) or category in settings.BLOCKING_DEDUCTION_CATEGORIES
            self.raise_nonconformity(
                by=by, description=description, indicator=indicator, special_finding=finding, blocking=blocking, **nc
            )
        return finding

    @alters_data
    @transaction.atomic
    def raise_nonconformity(self, *, by, description: str, severity: str = "", due_date=None, **fields):
        """A finding the applicant must correct (the applicant hears of it when the report is submitted)."""
        from .findings import Nonconformity

        self.lock_for_editing()
        nonconformity = Nonconformity(
            audit=self,
            description=description,
            severity=severity or Nonconformity.Severity.MINOR,
            due_date=due_date or Nonconformity.default_due_date(),
            raised_by=by,
            **fields,
        )
        nonconformity.full_clean()
        record_history(nonconformity, by=by)
        nonconformity.save()
        trail.append(
            "nonconformity",
            nonconformity,
            {
                "audit": self.pk,
                "indicator": nonconformity.indicator_id,
                "special_finding": nonconformity.special_finding_id,
                "description": nonconformity.description,
                "severity": nonconformity.severity,
                "blocking": nonconformity.blocking,
                "due_date": nonconformity.due_date,
            },
            by,
        )
        return nonconformity


# --- an audit's workflow (design.md §3.1) --------------------------------------------------------------------------


def on_team(*, lead: bool = False) -> Actor:
    """An auditor on this audit's team (or its leader); `get_audit(obj)` finds the audit of a finding."""

    def test(user, obj) -> bool:
        audit = getattr(obj, "audit", obj)
        if roles.AUDITOR not in role_names(user):
            return False
        team = audit.team.filter(auditor=user)
        return (team.filter(role=AuditTeamMember.Role.LEAD) if lead else team).exists()

    if lead:
        return Actor("audit_lead", _("the audit team leader"), test)
    return Actor("audit_team", _("the audit team"), test)


def _report_complete(audit, user, **context) -> list[str]:
    from .. import scoresheet

    sheet = scoresheet.build(audit)
    problems = []
    if sheet.unscored:
        count = len(sheet.unscored)
        problems.append(
            ngettext("%(count)d indicator is not scored yet.", "%(count)d indicators are not scored yet.", count)
            % {"count": count}
        )
    return problems + scoresheet.submit_problems(audit)


def _before_decision(audit, user, **context) -> list[str]:
    application = audit.application
    decided = {Application.Status.CERTIFIED, Application.Status.REFUSED, Application.Status.WITHDRAWN}
    if audit.kind != Audit.Kind.SURVEILLANCE and application.status in decided:
        return [
            gettext("The decision on this application is taken (“%(status)s”): its audit can no longer be reopened.")
            % {"status": application.get_status_display()}
        ]
    return []


def _report_submitted(audit, change) -> None:
    from .. import services

    services.after_report(audit, by=change.by)


def _report_reopened(audit, change) -> None:
    from .. import services

    services.tell_lead_of_reopening(audit, reason=change.reason)


_S = Audit.Status
Audit.WORKFLOW = Workflow(
    Transition("start", [_S.PLANNED], _S.IN_PROGRESS, (on_team(),), _("Start the audit")),
    Transition(
        "submit",
        [_S.IN_PROGRESS],
        _S.SUBMITTED,
        (on_team(lead=True),),
        _("Submit the report"),
        guards=(_report_complete,),
        effects=(_report_submitted,),
        style="default",
    ),
    Transition(
        "reopen",
        [_S.SUBMITTED],
        _S.IN_PROGRESS,
        (reviewer(),),
        _("Reopen the report for correction"),
        guards=(_before_decision,),
        effects=(_report_reopened,),
        needs_reason=True,
    ),
    Transition("close", [_S.SUBMITTED], _S.CLOSED, (role(roles.DECISION_MAKER), SYSTEM), _("Close the audit")),
)


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

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import roles
from applications.models import Application, Grade
from certportal.workflow import Transition, Workflow, role


class Decision(models.Model):
    """The certification decision on an application, by someone who was not on its audit team."""

    class Outcome(models.TextChoices):
        GRANT = "grant", _("Grant")
        REFUSE = "refuse", _("Refuse")

    application = models.OneToOneField(
        Application, models.PROTECT, related_name="decision", verbose_name=_("application")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    recommended_grade = models.CharField(
        _("grade computed by the audit"), max_length=20, choices=Grade.choices, blank=True
    )
    grade = models.CharField(_("grade decided"), max_length=20, choices=Grade.choices, blank=True)
    reason = models.TextField(_("reasons"), blank=True)
    # "Stars only after one year at 达标级" (certificates/policy.py): the decision-maker's exception and its grounds.
    outstanding_exception = models.BooleanField(_("“particularly outstanding results” exception"), default=False)
    exception_reason = models.TextField(_("reason for the exception"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        permissions = [("decide_application", _("Can take certification decisions"))]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.get_outcome_display()}"


class CaseFile(Application):
    """An application seen from the decision-maker's desk (a proxy: same rows, the decision admin)."""

    class Meta:
        proxy = True
        # Not "cases for decision": the list also holds the decided ones, and its count must say what it counts.
        verbose_name = _("case file")
        verbose_name_plural = _("case files")


# --- the decision's workflow: the application's last step, taken on the case file (design.md §3.1) ----------------


def _impartial(case, user, **context) -> list[str]:
    from ..impartiality import impartiality_problems

    return impartiality_problems(user, case)


def _certification_audit(case):
    return case.audits.exclude(kind="surveillance").select_related("indicator_set").order_by("-pk").first()


def _report_in_place(case, user, **context) -> list[str]:
    audit = _certification_audit(case)
    if audit is None:
        return [gettext("The application has no audit to decide on.")]
    if not audit.is_reported:
        return [gettext("The audit report was reopened for correction: wait until its leader submits it again.")]
    return []


def real_points(case, user, **context) -> list[str]:
    """A certificate rests on the standard's real points; demo mode alone grants on placeholders (as a specimen)."""
    audit = _certification_audit(case)
    if audit is None or not audit.indicator_set.has_placeholder_points or settings.DEMO_MODE:
        return []
    return [
        gettext(
            "The audit's indicator set “%(name)s” still has placeholder points: no certificate can be granted on it "
            "until an administrator enters the real points of the standard."
        )
        % {"name": audit.indicator_set}
    ]


def _grade_allowed(case, user, *, grade: str = "", decision_reason: str = "", **context) -> list[str]:
    recommended = case.grade
    if not recommended:
        return [gettext("The audit has not produced a grade yet.")]
    grade = grade or recommended
    if grade not in Grade.values:
        return [gettext("Choose one of the grades.")]
    if Grade.rank(grade) > Grade.rank(recommended):
        return [gettext("The grade cannot be higher than the one the audit computed.")]
    if grade != recommended and not decision_reason.strip():
        return [gettext("Give the reason for granting a lower grade than the audit computed.")]
    return []


def _grade_policy(case, user, *, grade: str = "", outstanding_exception=False, exception_reason="", **c) -> list:
    from ..policy import grade_policy_problems

    return grade_policy_problems(
        case, grade or case.grade, exception=outstanding_exception, exception_reason=exception_reason
    )


def _decided(case, change) -> None:
    """The audits the decision rests on are closed; the applicant hears of the decision."""
    from applications.models.applications import tell_applicant

    for audit in case.audits.exclude(kind="surveillance").filter(status="submitted"):
        audit.close(by=change.by, reason=str(change.transition.label))
    tell_applicant(case, change)


_S = Application.Status
_DECIDER = role(roles.DECISION_MAKER)
CaseFile.WORKFLOW = Workflow(
    Transition(
        "grant",
        [_S.AWAITING_DECISION],
        _S.CERTIFIED,
        (_DECIDER,),
        _("Grant certification"),
        guards=(_impartial, _report_in_place, real_points, _grade_allowed, _grade_policy),
        effects=(_decided,),
        style="default",
    ),
    Transition(
        "refuse",
        [_S.AWAITING_DECISION],
        _S.REFUSED,
        (_DECIDER,),
        _("Refuse certification"),
        guards=(_impartial, _report_in_place),
        effects=(_decided,),
        needs_reason=True,
        style="danger",
    ),
)


class DecisionDossier(models.Model):
    """A ZIP of everything the decision rests on, built by Celery with its progress recorded."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    application = models.ForeignKey(Application, models.PROTECT, related_name="dossiers", verbose_name=_("application"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision dossier")
        verbose_name_plural = _("decision dossiers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application.reference} ({self.get_status_display()})"

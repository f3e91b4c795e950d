from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import roles
from audits.models import Audit
from certportal.workflow import SYSTEM, Transition, Workflow, WorkflowMixin, alters_data, reviewer, role

from .certificates import Certificate


class SurveillanceReview(WorkflowMixin, models.Model):
    """One of the surveillance reviews a certificate owes in its cycle, as a row with a due date."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        NOTIFIED = "notified", _("Holder notified")
        SCHEDULED = "scheduled", _("Audit scheduled")
        COMPLETED = "completed", _("Completed")
        OVERDUE = "overdue", _("Overdue")

    S = Status
    OPEN = (S.PLANNED, S.NOTIFIED, S.SCHEDULED)

    certificate = models.ForeignKey(
        Certificate, models.PROTECT, related_name="surveillance_reviews", verbose_name=_("certificate")
    )
    sequence = models.PositiveSmallIntegerField(_("number in cycle"))
    due_date = models.DateField(_("due by"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True)
    audit = models.OneToOneField(
        Audit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="surveillance_review",
        verbose_name=_("surveillance audit"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("surveillance review")
        verbose_name_plural = _("surveillance reviews")
        ordering = ["due_date", "pk"]
        constraints = [models.UniqueConstraint(fields=["certificate", "sequence"], name="one_review_per_sequence")]

    def __str__(self) -> str:
        return f"{self.certificate.number} #{self.sequence} ({self.due_date})"

    @alters_data
    def notify(self, *, by=None) -> None:
        """The holder has been told the review is coming (the daily sweep)."""
        self.perform("notify", by=by)

    @alters_data
    def schedule(self, *, audit: Audit, by) -> None:
        """A surveillance audit is planned for this review."""

        def update():
            self.audit = audit
            return ["audit"]

        self.perform("schedule", by=by, update=update)

    @alters_data
    def complete(self, *, by, outcome: str, reason: str = "", apply=None) -> None:
        """The decision-maker records the outcome of the submitted surveillance audit (`apply` changes the
        certificate accordingly, in the same transaction)."""

        def update():
            if apply is not None:
                apply()
            self.completed_at = timezone.now()
            return ["completed_at"]

        self.perform("complete", by=by, reason=reason, update=update, outcome=outcome)

    @alters_data
    def mark_overdue(self, *, by=None) -> None:
        """The due date passed without a completed review (the daily sweep)."""
        self.perform("mark_overdue", by=by, reason="due date passed")


# --- a surveillance review's workflow (design.md §3.1) -------------------------------------------------------------

# The outcomes a decision-maker may record; the certificate changes accordingly (certificates.services).
MAINTAINED, GRADE_CHANGED, SUSPENDED, WITHDRAWN = "maintained", "grade_changed", "suspended", "withdrawn"
PASSING = (MAINTAINED, GRADE_CHANGED)


def _certificate_live(review, user, **context) -> list[str]:
    certificate = review.certificate
    if certificate.status in Certificate.LIVE:
        return []
    return [
        gettext("The certificate’s status is “%(status)s”: the surveillance cannot change it any more.")
        % {"status": certificate.get_status_display()}
    ]


def _impartial(review, user, **context) -> list[str]:
    from ..impartiality import impartiality_problems

    return impartiality_problems(user, review.certificate.application) if user is not None else []


def _report_submitted(review, user, **context) -> list[str]:
    if review.audit is None or review.audit.status != Audit.Status.SUBMITTED:
        return [gettext("The surveillance audit report has not been submitted yet.")]
    return []


def _findings_closed(review, user, *, outcome: str = "", **context) -> list[str]:
    """The certificate is not maintained (nor its grade changed) while a finding of that audit is open."""
    if outcome not in PASSING or review.audit is None:
        return []
    open_ones = review.audit.nonconformities.unresolved().count()
    if not open_ones:
        return []
    return [
        ngettext(
            "%(count)d nonconformity (special deductions included) of this surveillance audit is not verified yet: "
            "the certificate cannot be maintained until it is.",
            "%(count)d nonconformities (special deductions included) of this surveillance audit are not verified "
            "yet: the certificate cannot be maintained until they are.",
            open_ones,
        )
        % {"count": open_ones}
    ]


def _tell_maintained(review, change) -> None:
    """A maintained certificate changes no status or grade, so its own transitions tell nobody: this does."""
    if change.context.get("outcome") != MAINTAINED:
        return
    from applications.models import Notification
    from applications.notifications import notify_organization

    certificate = review.certificate
    notify_organization(
        certificate.application,
        kind=Notification.Kind.CERTIFICATE_STATUS,
        detail=lambda: (
            gettext("%(number)s: maintained after surveillance review %(sequence)d")
            % {"number": certificate.number, "sequence": review.sequence}
        ),
        reason=change.reason,
    )


_S = SurveillanceReview.Status
SurveillanceReview.WORKFLOW = Workflow(
    Transition("notify", [_S.PLANNED], _S.NOTIFIED, (SYSTEM,), _("Tell the holder")),
    Transition(
        "schedule",
        [_S.PLANNED, _S.NOTIFIED, _S.OVERDUE],
        _S.SCHEDULED,
        (reviewer(),),
        _("Plan the surveillance audit"),
        guards=(_certificate_live,),
        style="default",
    ),
    Transition(
        "complete",
        [_S.SCHEDULED, _S.OVERDUE],
        _S.COMPLETED,
        (role(roles.DECISION_MAKER),),
        _("Record the surveillance outcome"),
        guards=(_certificate_live, _report_submitted, _impartial, _findings_closed),
        effects=(_tell_maintained,),
        style="default",
    ),
    Transition("mark_overdue", list(SurveillanceReview.OPEN), _S.OVERDUE, (SYSTEM,), _("Mark overdue")),
)


class SurveillanceReminder(models.Model):
    """A reminder sent for a review at N days before its due date: the unique row makes it happen once."""

    review = models.ForeignKey(
        SurveillanceReview, models.CASCADE, related_name="reminders", verbose_name=_("surveillance review")
    )
    days_before = models.PositiveSmallIntegerField(_("days before the due date"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("surveillance reminder")
        verbose_name_plural = _("surveillance reminders")
        constraints = [models.UniqueConstraint(fields=["review", "days_before"], name="one_reminder_per_step")]

    def __str__(self) -> str:
        return f"{self.review} −{self.days_before}d"


class RecertificationReminder(models.Model):
    """A re-certification reminder sent N days before expiry, once."""

    certificate = models.ForeignKey(
        Certificate, models.CASCADE, related_name="recertification_reminders", verbose_name=_("certificate")
    )
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("re-certification reminder")
        verbose_name_plural = _("re-certification reminders")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days_before"], name="one_recert_reminder_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} −{self.days_before}d"

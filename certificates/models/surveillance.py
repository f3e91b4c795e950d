from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from audits.models import Audit
from certportal.workflow import InvalidTransition, record_history

from .certificates import Certificate


class SurveillanceReview(models.Model):
    """One of the surveillance reviews a certificate owes in its cycle, as a row with a due date."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        NOTIFIED = "notified", _("Holder notified")
        SCHEDULED = "scheduled", _("Audit scheduled")
        COMPLETED = "completed", _("Completed")
        OVERDUE = "overdue", _("Overdue")

    S = Status
    ALLOWED = {
        S.PLANNED: {S.NOTIFIED, S.SCHEDULED, S.OVERDUE},
        S.NOTIFIED: {S.SCHEDULED, S.OVERDUE},
        S.SCHEDULED: {S.COMPLETED, S.OVERDUE},
        S.OVERDUE: {S.SCHEDULED, S.COMPLETED},
        S.COMPLETED: set(),
    }

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

    def _move(self, new: str, *, by, reason: str = "", extra_fields=()) -> None:
        current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        if new not in self.ALLOWED[current]:
            raise InvalidTransition(self.Status(current).label, self.Status(new).label)
        self.status = new
        record_history(self, by=by, reason=reason)
        self.save(update_fields=["status", *extra_fields])

    @transaction.atomic
    def notify(self, *, by=None) -> None:
        """The holder has been told the review is coming."""
        self._move(self.Status.NOTIFIED, by=by)

    notify.alters_data = True

    @transaction.atomic
    def schedule(self, *, audit: Audit, by) -> None:
        """A surveillance audit is planned for this review."""
        self.audit = audit
        self._move(self.Status.SCHEDULED, by=by, extra_fields=["audit"])

    schedule.alters_data = True

    @transaction.atomic
    def complete(self, *, by) -> None:
        """The surveillance audit is done."""
        self.completed_at = timezone.now()
        self._move(self.Status.COMPLETED, by=by, extra_fields=["completed_at"])

    complete.alters_data = True

    @transaction.atomic
    def mark_overdue(self, *, by=None) -> None:
        """The due date passed without a completed review."""
        self._move(self.Status.OVERDUE, by=by, reason="due date passed")

    mark_overdue.alters_data = True


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

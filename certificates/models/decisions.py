from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application, Grade


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
        verbose_name = _("case for decision")
        verbose_name_plural = _("cases for decision")


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

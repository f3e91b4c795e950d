from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Organization, ServiceCategory


class AuditorProfile(models.Model):
    """What audit planning needs to know about an auditor: competence areas and declared conflicts."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="auditor_profile",
        limit_choices_to={"groups__name": "auditor"},
        verbose_name=_("auditor"),
    )
    registration_number = models.CharField(
        _("registration number"), max_length=40, blank=True, help_text=_("The auditor's CCAA registration, if any.")
    )
    competences = models.ManyToManyField(
        ServiceCategory,
        blank=True,
        related_name="competent_auditors",
        verbose_name=_("competence categories"),
        help_text=_("The auditor may only be assigned to applications whose categories are all listed here."),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[competences])

    class Meta:
        verbose_name = _("auditor profile")
        verbose_name_plural = _("auditor profiles")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)


class ConflictOfInterestQuerySet(models.QuerySet):
    def in_force(self, on=None):
        on = on or timezone.localdate()
        return self.filter(declared_on__lte=on).filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on))


class ConflictOfInterest(models.Model):
    """An auditor's declaration that it must not audit an organization (consulting, family, employment …)."""

    profile = models.ForeignKey(
        AuditorProfile, models.CASCADE, related_name="conflicts", verbose_name=_("auditor profile")
    )
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+", verbose_name=_("organization"))
    reason = models.TextField(_("reason"))
    declared_on = models.DateField(_("declared on"), default=timezone.localdate)
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Leave empty while the conflict lasts.")
    )

    history = HistoricalRecords()
    objects = ConflictOfInterestQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-declared_on", "pk"]

    def __str__(self) -> str:
        return f"{self.profile} ↔ {self.organization}"

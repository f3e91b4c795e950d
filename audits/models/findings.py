import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from certportal.files import StoredFile
from certportal.storage import random_key
from certportal.workflow import Transition, Workflow, WorkflowMixin, alters_data, member_of

from .audits import Audit, on_team
from .indicators import Indicator


class ItemScoreQuerySet(models.QuerySet):
    def scored(self):
        return self.filter(models.Q(not_applicable=True) | models.Q(points__isnull=False) | models.Q(sample_size__gt=0))


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
    objects = ItemScoreQuerySet.as_manager()

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
        if (self.sample_size or self.nonconforming_samples) and not self.indicator.sampled:
            errors["sample_size"] = gettext("This indicator is not scored on samples.")
        elif (self.nonconforming_samples or 0) > (self.sample_size or 0) and self.nonconforming_samples:
            errors["nonconforming_samples"] = gettext("Cannot exceed the number of samples checked.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_scored(self) -> bool:
        return self.not_applicable or self.points is not None or bool(self.sample_size)


class SpecialFinding(models.Model):
    """特别扣分项 (−1, must be corrected) or 特别加分项 (+1, at most one per audit); domain.md §2.4."""

    class Kind(models.TextChoices):
        DEDUCTION = "deduction", _("Special deduction (−1)")
        BONUS = "bonus", _("Special bonus (+1)")

    class Category(models.TextChoices):
        # The four grounds for a special deduction (domain.md §2.4, item 3).
        LAW = "law", _("Breach of laws or regulations")
        OWN_RULES = "own_rules", _("Breach of the company's own service rules")
        INDUSTRY = "industry", _("Breach of industry-specific professional requirements")
        SYSTEM = "system", _("Affects the running of the service system")

    audit = models.ForeignKey(Audit, models.CASCADE, related_name="special_findings", verbose_name=_("audit"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("ground"), max_length=20, choices=Category.choices, blank=True)
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

    def clean(self):
        if self.kind == self.Kind.DEDUCTION and not self.category:
            raise ValidationError({"category": gettext("Say on which ground the special deduction is made.")})

    @staticmethod
    def one_bonus_message() -> str:
        return gettext("This audit already has its special bonus: GB/T 27922 allows at most one per evaluation.")


class NonconformityQuerySet(models.QuerySet):
    def unresolved(self):
        return self.exclude(status=Nonconformity.Status.VERIFIED)

    def visible_to(self, user):
        return self.filter(audit__in=Audit.objects.visible_to(user))


class Nonconformity(WorkflowMixin, models.Model):
    """A finding the applicant must correct; the auditor verifies the correction (design.md §4)."""

    class Severity(models.TextChoices):
        MAJOR = "major", _("Major")
        MINOR = "minor", _("Minor")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("nonconformity status", "Open")
        RESPONDED = "responded", _("Corrective action submitted")
        VERIFIED = "verified", _("Verified")
        REOPENED = "reopened", _("Reopened")

    ANSWERABLE = (Status.OPEN, Status.REOPENED)

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
    blocking = models.BooleanField(
        _("blocking"),
        default=False,
        help_text=_("A blocking finding forbids a positive recommendation whatever the score."),
    )
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
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("raised by")
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    history = HistoricalRecords()
    objects = NonconformityQuerySet.as_manager()

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.description[:40]}"

    @staticmethod
    def default_due_date() -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=settings.NONCONFORMITY_DUE_DAYS)

    @property
    def is_answerable(self) -> bool:
        return self.status in self.ANSWERABLE

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.VERIFIED and self.due_date < timezone.localdate()

    @alters_data
    def respond(self, *, by, response: str, files=()) -> "CorrectiveAction":
        """The applicant describes the corrective action taken, with evidence files (checked by the caller)."""
        answer = {}

        def update():
            self.response, self.responded_by, self.responded_at = response.strip(), by, timezone.now()
            rounds = self.corrective_actions.aggregate(n=Max("round"))["n"] or 0
            action = CorrectiveAction.objects.create(
                nonconformity=self, round=rounds + 1, text=response.strip(), submitted_by=by
            )
            for checked in files:
                action.add_evidence(checked, by=by)
            answer["action"] = action
            return ["response", "responded_by", "responded_at"]

        self.perform("respond", by=by, reason=response, update=update)
        return answer["action"]

    @alters_data
    def verify(self, *, by) -> None:
        """The auditor accepts the correction as effective (the last one sends the case to the decision)."""

        def update():
            self.verified_by, self.verified_at = by, timezone.now()
            return ["verified_by", "verified_at"]

        self.perform("verify", by=by, update=update)

    @alters_data
    def reopen(self, *, by, reason: str) -> None:
        """The auditor finds the correction insufficient; the applicant is told why."""

        def update():
            self.reopen_reason = reason.strip()
            return ["reopen_reason"]

        self.perform("reopen", by=by, reason=reason, update=update)


# --- a nonconformity's workflow (design.md §3.1) -------------------------------------------------------------------


def _audit_reported(nonconformity, user, **context) -> list[str]:
    audit = nonconformity.audit
    if audit.is_reported:
        return []
    return [gettext("The audit report is not submitted yet.")]


def _verified(nonconformity, change) -> None:
    from .. import services

    services.after_verification(nonconformity, by=change.by)


def _reopened(nonconformity, change) -> None:
    from .. import services

    services.tell_applicant_of_reopening(nonconformity)


_S = Nonconformity.Status
_TEAM = on_team()
Nonconformity.WORKFLOW = Workflow(
    Transition(
        "respond",
        [_S.OPEN, _S.REOPENED],
        _S.RESPONDED,
        (member_of(lambda nonconformity: nonconformity.audit.application.organization),),
        _("Send the corrective action"),
        guards=(_audit_reported,),
        needs_reason=True,
    ),
    Transition(
        "verify",
        [_S.RESPONDED],
        _S.VERIFIED,
        (_TEAM,),
        _("Verify the correction"),
        guards=(_audit_reported,),
        effects=(_verified,),
        style="default",
    ),
    Transition(
        "reopen",
        [_S.RESPONDED],
        _S.REOPENED,
        (_TEAM,),
        _("Reopen: the correction is not sufficient"),
        guards=(_audit_reported,),
        effects=(_reopened,),
        needs_reason=True,
    ),
)


class CorrectiveAction(models.Model):
    """One answer of the applicant to a nonconformity; a reopened nonconformity gets a new round."""

    nonconformity = models.ForeignKey(
        Nonconformity, models.PROTECT, related_name="corrective_actions", verbose_name=_("nonconformity")
    )
    round = models.PositiveSmallIntegerField(_("round"))
    text = models.TextField(_("corrective action"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["nonconformity", "round"]
        constraints = [models.UniqueConstraint(fields=["nonconformity", "round"], name="one_answer_per_round")]

    def __str__(self) -> str:
        return f"#{self.round}: {self.text[:40]}"

    @alters_data
    def add_evidence(self, checked, *, by) -> "EvidenceFile":
        """Store one checked upload (applications.uploads.CheckedFile). Evidence is never deleted."""
        evidence = EvidenceFile(
            corrective_action=self,
            original_name=checked.name[:255],
            content_type=checked.content_type,
            sha256=checked.sha256,  # of the file as uploaded; a PDF is stored rewritten (applications/pdfsafe.py)
            uploaded_by=by,
        )
        evidence.keep(checked.file, random_key("nonconformity-evidence", extension=checked.extension))
        return evidence


class EvidenceFile(StoredFile):
    """A file the applicant sent to show a correction."""

    corrective_action = models.ForeignKey(
        CorrectiveAction, models.PROTECT, related_name="evidence", verbose_name=_("corrective action")
    )

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["corrective_action", "pk"]

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certportal.bilingual import bilingual
from certportal.workflow import alters_data


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

    CONTENT_FIELDS = ("name", "standard_edition", "version", "has_placeholder_points")

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
        name = f"{self.standard_edition} v{self.version}: {self.name}"
        if self.has_placeholder_points:
            return gettext("%(name)s (placeholder points, demo only)") % {"name": name}
        return name

    @property
    def is_in_use(self) -> bool:
        return self.pk is not None and self.audits.exists()

    def clean(self):
        # Only the "active" switch may change once audits use the set (IndicatorSet.activate does that).
        if self.is_in_use:
            stored = type(self).objects.get(pk=self.pk)
            if any(getattr(stored, f) != getattr(self, f) for f in self.CONTENT_FIELDS):
                raise ValidationError(in_use_message())

    def leaves(self):
        return self.indicators.filter(children__isnull=True)

    @classmethod
    def next_version(cls, standard_edition: str) -> int:
        return (cls.objects.filter(standard_edition=standard_edition).aggregate(v=Max("version"))["v"] or 0) + 1

    @alters_data
    @transaction.atomic
    def copy_as_new_version(self, *, name: str = "") -> "IndicatorSet":
        """A new, inactive version with the same tree, to edit instead of this one."""
        copy = IndicatorSet.objects.create(
            name=name or self.name,
            standard_edition=self.standard_edition,
            version=IndicatorSet.next_version(self.standard_edition),
            has_placeholder_points=self.has_placeholder_points,
        )
        new_pk: dict[int | None, int] = {}
        for indicator in self.indicators.order_by("level", "order", "pk"):
            old_pk, parent_id = indicator.pk, indicator.parent_id
            indicator.pk, indicator.id, indicator.indicator_set = None, None, copy
            indicator.parent_id = new_pk.get(parent_id)
            indicator.save()
            new_pk[old_pk] = indicator.pk
        return copy

    @alters_data
    @transaction.atomic
    def activate(self) -> None:
        """New audits use this set from now on; audits already planned keep theirs."""
        IndicatorSet.objects.filter(is_active=True).exclude(pk=self.pk).update(is_active=False)
        self.is_active = True
        self.save(update_fields=["is_active"])


def in_use_message() -> str:
    return gettext("Audits were scored against this indicator set, so it cannot change; copy it to a new version.")


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

    def clean(self):
        if self.indicator_set_id and self.indicator_set.is_in_use:
            raise ValidationError(in_use_message())

    @property
    def title(self) -> str:
        return bilingual(self.title_zh, self.title_en)

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import uscc


class CreditCodeField(models.CharField):
    """Stores a 统一社会信用代码 normalised (full-width → ASCII, no spaces, upper case) and validated."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("validators", [uscc.validate_uscc])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return uscc.normalize(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return uscc.normalize(value) if value else value


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Organization(models.Model):
    """An enterprise that applies for certification, identified by its unified social credit code."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = CreditCodeField(_("unified social credit code"), unique=True)
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    employee_count = models.PositiveIntegerField(
        _("number of employees"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    product_categories = models.TextField(_("product / service categories"), blank=True)
    service_outlets = models.TextField(
        _("service outlets"), blank=True, help_text=_("One outlet per line: name and address.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.credit_code:
            self.credit_code = uscc.normalize(self.credit_code)

    @property
    def region_code(self) -> str:
        """The province-level part (first two digits) of the registering authority's division code."""
        return self.credit_code[2:4] if self.credit_code else ""


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    # A user belongs to one organization (design.md §3).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="memberships", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    # Keeps a membership that ended: a past member of an organization must not audit it or decide on it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def clean(self):
        """Staff and auditor accounts never belong to an applicant organization (the admin's member rows too)."""
        super().clean()
        from .members import joining_refusal  # members.py builds on this module

        refusal = joining_refusal(self.user) if self.user_id is not None else ""
        if refusal:
            raise ValidationError({"user": refusal})

from django.db import models
from django.utils.translation import gettext_lazy as _

from .certificates import Certificate


class VerificationLookup(models.Model):
    """Every public lookup: a verification, a register search or a PDF comparison (who asked, what, when)."""

    class Kind(models.TextChoices):
        VERIFY = "verify", _("Verification")
        SEARCH = "search", _("Register search")
        COMPARE = "compare", _("PDF comparison")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    query = models.CharField(_("query"), max_length=200, blank=True)
    certificate = models.ForeignKey(
        Certificate, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("certificate")
    )
    found = models.BooleanField(_("found"), default=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("public lookup")
        verbose_name_plural = _("public lookups")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.query}"

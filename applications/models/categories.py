from django.db import models
from django.utils.translation import gettext_lazy as _

from certportal.bilingual import BilingualName


class ServiceCategory(BilingualName):
    """A product/service category: the scope of an application and an auditor's competence area."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["order", "pk"]

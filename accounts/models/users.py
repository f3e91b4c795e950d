from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import roles


class User(AbstractUser):
    """A person: enterprise applicant, staff member or auditor. Roles are groups (see roles.py)."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Kept by applications.notifications (a new notification adds one; marking read recounts), so the navbar
    # shows it without counting rows on every page.
    unread_notifications = models.PositiveIntegerField(_("unread notifications"), default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def has_role(self, role: str) -> bool:
        return roles.has_role(self, role)

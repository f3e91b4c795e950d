from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trail.models import APPEND_ONLY


class SecurityEventQuerySet(models.QuerySet):
    """Append-only: rows are created, never changed or removed (not even in bulk)."""

    def update(self, **kwargs):
        raise TypeError("Security events are append-only.")

    def delete(self):
        raise TypeError("Security events are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise TypeError("Security events are append-only.")


class SecurityEvent(models.Model):
    """Who did what security-relevant thing, when, and from where (ASVS 5.0 16.2.1, 16.3.1, 16.3.2)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Sign-in refused (too many failures)")
        LOGOUT = "logout", _("Signed out")
        MFA_ADDED = "mfa_added", _("Second factor added")
        MFA_REMOVED = "mfa_removed", _("Second factor removed")
        MFA_RESET = "mfa_reset", _("Recovery codes renewed")
        MFA_USED = "mfa_used", _("Second factor passed")
        MFA_FAILED = "mfa_failed", _("Second factor code wrong")
        DENIED = "denied", _("Access refused")
        DOWNLOAD = "download", _("Document downloaded")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices, db_index=True)
    # PROTECT: an account with security events is deactivated, never deleted (the log must stay whole).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name given"), max_length=150, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    method = models.CharField(_("HTTP method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    object_ref = models.CharField(_("object"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-pk"]
        triggers = [APPEND_ONLY]  # on PostgreSQL the log refuses UPDATE and DELETE

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Security events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Security events are append-only.")

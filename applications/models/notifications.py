from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def mark_read(self, user, pk=None) -> int:
        """Mark the user's unread notifications (or only notification `pk`) as read and recount the navbar's
        counter (User.unread_notifications); returns how many changed.

        The user's row is locked first, so a notification created at the same moment is either counted here or
        adds itself after this commits: the counter stays exact.
        """
        User = get_user_model()
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
            unread = self.filter(user=user, read_at__isnull=True)
            if pk is not None:
                unread = unread.filter(pk=pk)
            changed = unread.update(read_at=timezone.now())
            count = Notification.objects.filter(user=user, read_at__isnull=True).count()
            User.objects.filter(pk=user.pk).update(unread_notifications=count)
        return changed


class Notification(models.Model):
    """Something a user should know about: shown in the portal and sent by e-mail in the user's language."""

    class Kind(models.TextChoices):
        STATUS_CHANGED = "status_changed", _("Application status changed")
        MATERIAL_REJECTED = "material_rejected", _("Material rejected")
        PAYMENT_CONFIRMED = "payment_confirmed", _("Payment confirmed")
        PAYMENT_REJECTED = "payment_rejected", _("Payment receipt rejected")
        INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
        INVOICE_VOIDED = "invoice_voided", _("Invoice voided (red-letter)")
        AUDIT_PLANNED = "audit_planned", _("Audit planned")
        NONCONFORMITY_RAISED = "nonconformity_raised", _("Nonconformity raised")
        CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
        CERTIFICATE_STATUS = "certificate_status", _("Certificate status changed")
        SURVEILLANCE_DUE = "surveillance_due", _("Surveillance due")
        RECERTIFICATION_DUE = "recertification_due", _("Re-certification due")
        INVITATION = "invitation", _("Invitation to an organization")
        ACCESS_REQUEST = "access_request", _("Request to join an organization")
        FEE_QUOTED = "fee_quoted", _("Fee quoted")
        FEE_DUE = "fee_due", _("Fee due soon")
        FEE_OVERDUE = "fee_overdue", _("Fee overdue")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    application = models.ForeignKey(
        "applications.Application",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    status = models.CharField(_("new status"), max_length=20, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject()

    def subject(self) -> str:
        with translation.override(self.user.language):
            application = self.application
            if self.kind == self.Kind.STATUS_CHANGED and application is not None:
                from .applications import Application

                return gettext("Application %(ref)s: %(status)s") % {
                    "ref": application.reference,
                    "status": Application.Status(self.status).label,
                }
            event = str(self.get_kind_display())
            if self.detail:
                event = f"{event}: {self.detail}"
            if application is not None:
                return gettext("Application %(ref)s: %(status)s") % {
                    "ref": application.reference,
                    "status": event,
                }
            return event

    def url(self) -> str:
        """Where the e-mail sends the reader: the application, or the portal's start page, which shows what to
        do about invitations, access requests …"""
        application = self.application
        path = application.get_absolute_url() if application is not None else reverse("applications:dashboard")
        return settings.SITE_URL + path

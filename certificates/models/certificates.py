import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application, Grade, Organization
from certportal.workflow import InvalidTransition, TransitionError, record_history, require_reason

from .decisions import Decision


def _verification_token() -> str:
    return secrets.token_urlsafe(24)


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("Collect in person")
    POST = "post", _("Send by post")


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(organization__memberships__user=user)


class Certificate(models.Model):
    """A certificate with a snapshot of its holder; valid three years, kept honest by surveillance."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", pgettext_lazy("certificate status", "Withdrawn")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    S = Status
    ALLOWED = {
        S.ACTIVE: {S.SUSPENDED, S.EXPIRED, S.CANCELLED, S.WITHDRAWN},
        S.SUSPENDED: {S.ACTIVE, S.WITHDRAWN, S.EXPIRED, S.CANCELLED},
        S.WITHDRAWN: set(),
        S.EXPIRED: set(),
        S.CANCELLED: set(),
    }

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    application = models.OneToOneField(
        Application, models.PROTECT, related_name="certificate", verbose_name=_("application")
    )
    decision = models.OneToOneField(Decision, models.PROTECT, related_name="certificate", verbose_name=_("decision"))
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="certificates", verbose_name=_("organization")
    )
    holder_name = models.CharField(_("holder"), max_length=200, db_index=True)
    holder_credit_code = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    holder_address = models.CharField(_("address"), max_length=300)
    scope = models.TextField(_("scope"))
    standard_edition = models.CharField(_("standard"), max_length=40, default="GB/T 27922-2011")
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)
    verification_token = models.CharField(
        _("verification token"), max_length=64, unique=True, default=_verification_token, editable=False
    )
    pdf = models.FileField(_("PDF"), max_length=200, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    supersedes = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name=_("supersedes")
    )
    pdf_attempts = models.PositiveSmallIntegerField(_("PDF render attempts"), default=0)

    # Delivery of the paper certificate: the holder chooses, staff record the posting.
    delivery_method = models.CharField(_("delivery"), max_length=10, choices=DeliveryMethod.choices, blank=True)
    delivery_address = models.TextField(_("postal address"), blank=True)
    delivery_recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    delivery_phone = models.CharField(_("recipient phone"), max_length=30, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    history = HistoricalRecords()
    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.holder_name}"

    def get_absolute_url(self) -> str:
        try:
            return reverse("certificates:verify", args=[self.verification_token])
        except NoReverseMatch:  # the public pages arrive with their own issue
            return reverse("admin:certificates_certificate_change", args=[self.pk])

    @transaction.atomic
    def suspend(self, *, by, reason: str) -> None:
        """The certificate may not be used until restored (overdue surveillance, serious findings …)."""
        self._change_status(self.Status.SUSPENDED, by=by, reason=require_reason(reason))

    suspend.alters_data = True

    @transaction.atomic
    def restore(self, *, by, reason: str) -> None:
        """The cause of suspension is removed."""
        if self.status != self.Status.SUSPENDED:
            raise InvalidTransition(self.get_status_display(), self.Status.ACTIVE.label)
        self._change_status(self.Status.ACTIVE, by=by, reason=require_reason(reason))

    restore.alters_data = True

    @transaction.atomic
    def withdraw(self, *, by, reason: str) -> None:
        """撤销: the certificate is revoked for good."""
        self._change_status(self.Status.WITHDRAWN, by=by, reason=require_reason(reason))

    withdraw.alters_data = True

    @transaction.atomic
    def expire(self, *, by=None) -> None:
        """The validity period is over."""
        self._change_status(self.Status.EXPIRED, by=by, reason="")

    expire.alters_data = True

    @transaction.atomic
    def cancel(self, *, by, reason: str) -> None:
        """注销: cancelled at the holder's request."""
        self._change_status(self.Status.CANCELLED, by=by, reason=require_reason(reason))

    cancel.alters_data = True

    @property
    def fingerprint(self) -> str:
        """A reference printed on the certificate: SHA-256 of its essential data, shown in groups of four."""
        data = "|".join(
            [
                self.number,
                self.holder_name,
                self.holder_credit_code,
                self.grade,
                self.issued_on.isoformat(),
                self.expires_on.isoformat(),
                self.verification_token,
            ]
        )
        digest = hashlib.sha256(data.encode()).hexdigest().upper()[:20]
        return "-".join(digest[i : i + 4] for i in range(0, 20, 4))

    @property
    def pdf_storage_key(self) -> str:
        """Deterministic, so a retried render finds what an interrupted one stored."""
        return f"certificates/{self.number}-{self.verification_token[:12]}.pdf"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.ACTIVE

    @transaction.atomic
    def record_pdf(self, name: str, sha256: str) -> bool:
        """Attach the rendered PDF once; a second render (a retried task) changes nothing."""
        locked = type(self).objects.select_for_update().get(pk=self.pk)
        if locked.pdf:
            return False
        self.pdf.name, self.pdf_sha256 = name, sha256
        record_history(self, by=None, reason="PDF rendered")
        self.save(update_fields=["pdf", "pdf_sha256"])
        return True

    record_pdf.alters_data = True

    @transaction.atomic
    def change_grade(self, *, by, grade: str, reason: str) -> None:
        """A surveillance audit moved the grade up or down; the reason is kept in the history."""
        reason = require_reason(reason)
        locked = type(self).objects.select_for_update().get(pk=self.pk)
        if locked.status not in (self.Status.ACTIVE, self.Status.SUSPENDED):
            raise InvalidTransition(locked.get_status_display(), str(Grade(grade).label))
        old = locked.grade
        self.grade = grade
        record_history(self, by=by, reason=f"{old} → {grade}: {reason}")
        self.save(update_fields=["grade"])

    change_grade.alters_data = True

    @transaction.atomic
    def choose_delivery(self, *, by, method: str, address: str = "", recipient: str = "", phone: str = "") -> None:
        """The holder says how the paper certificate should reach it (until it is posted)."""
        if self.posted_at:
            raise TransitionError(gettext("The certificate has already been posted."))
        if method == DeliveryMethod.POST and not (address.strip() and recipient.strip() and phone.strip()):
            raise TransitionError(gettext("For delivery by post, give the address, the recipient and a phone number."))
        self.delivery_method, self.delivery_address = method, address.strip()
        self.delivery_recipient, self.delivery_phone = recipient.strip(), phone.strip()
        record_history(self, by=by, reason="delivery")
        self.save(update_fields=["delivery_method", "delivery_address", "delivery_recipient", "delivery_phone"])

    choose_delivery.alters_data = True

    @transaction.atomic
    def mark_posted(self, *, by, tracking_number: str) -> None:
        """Staff posted the paper certificate; the holder is told the tracking number."""
        from applications.models import Notification
        from applications.notifications import notify, organization_users

        tracking_number = require_reason(tracking_number)
        if self.delivery_method != DeliveryMethod.POST:
            raise TransitionError(gettext("The holder did not ask for delivery by post."))
        if self.posted_at:
            raise TransitionError(gettext("The certificate has already been posted."))
        self.tracking_number, self.posted_at = tracking_number, timezone.now()
        record_history(self, by=by, reason="posted")
        self.save(update_fields=["tracking_number", "posted_at"])
        notify(
            organization_users(self.application),
            kind=Notification.Kind.CERTIFICATE_ISSUED,
            application=self.application,
            detail=gettext("posted, tracking number %(n)s") % {"n": tracking_number},
        )

    mark_posted.alters_data = True

    def _change_status(self, new: str, *, by, reason: str) -> None:
        current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        if new not in self.ALLOWED[current]:
            raise InvalidTransition(self.Status(current).label, self.Status(new).label)
        self.status_changes.create(from_status=current, to_status=new, by=by, reason=reason)
        self.status, self.status_changed_at = new, timezone.now()
        record_history(self, by=by, reason=reason)
        self.save(update_fields=["status", "status_changed_at"])

    @property
    def is_specimen(self) -> bool:
        """Granted (in demo mode) on an indicator set whose points are placeholders: no certification value.

        The certificate rests on its application's initial or re-certification audit (surveillance audits of
        the same application come later); one query, reading the flag through the audit's indicator set."""
        from audits.models import Audit

        flags = (
            Audit.objects.filter(application_id=self.application_id)
            .exclude(kind=Audit.Kind.SURVEILLANCE)
            .order_by("-pk")
            .values_list("indicator_set__has_placeholder_points", flat=True)
        )
        return bool(flags.first())


class CertificateStatusChange(models.Model):
    certificate = models.ForeignKey(
        Certificate, models.CASCADE, related_name="status_changes", verbose_name=_("certificate")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Certificate.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Certificate.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )  # empty: the system (daily sweep)
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("certificate status change")
        verbose_name_plural = _("certificate status changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class CertificateNumberSequence(models.Model):
    """Last number used per year; incremented under a row lock so numbers are unique and gap-free."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("certificate number sequence")
        verbose_name_plural = _("certificate number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"

    @classmethod
    def next_value(cls, year: int) -> int:
        """Must run inside the transaction that creates the certificate (a rollback frees the number)."""
        cls.objects.get_or_create(year=year)
        seq = cls.objects.select_for_update().get(year=year)
        seq.last_value += 1
        seq.save(update_fields=["last_value"])
        return seq.last_value

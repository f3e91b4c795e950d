import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import roles
from applications.models import Application, Grade, Organization
from certportal.workflow import (
    SYSTEM,
    Transition,
    TransitionError,
    Workflow,
    WorkflowMixin,
    alters_data,
    member_of,
    record_history,
    reviewer,
    role,
)

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


NUMBER_MAX_LENGTH = 40


class Certificate(WorkflowMixin, models.Model):
    """A certificate with a snapshot of its holder; valid three years, kept honest by surveillance."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", pgettext_lazy("certificate status", "Withdrawn")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        SUPERSEDED = "superseded", _("Superseded")  # 已被替代: by the re-certification's certificate

    S = Status
    LIVE = (S.ACTIVE, S.SUSPENDED)

    number = models.CharField(_("certificate number"), max_length=NUMBER_MAX_LENGTH, unique=True)
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
        return reverse("certificates:verify", args=[self.verification_token])

    # --- transitions (the table is WORKFLOW, below the class) --------------------------------------------------

    @alters_data
    def suspend(self, *, by, reason: str) -> None:
        """The certificate may not be used until restored (overdue surveillance, serious findings …)."""
        self.perform("suspend", by=by, reason=reason)

    @alters_data
    def restore(self, *, by, reason: str) -> None:
        """The cause of suspension is removed."""
        self.perform("restore", by=by, reason=reason)

    @alters_data
    def withdraw(self, *, by, reason: str) -> None:
        """撤销: the certificate is revoked for good."""
        self.perform("withdraw", by=by, reason=reason)

    @alters_data
    def expire(self, *, by=None) -> None:
        """The validity period is over (the daily sweep)."""
        self.perform("expire", by=by, reason="")

    @alters_data
    def cancel(self, *, by, reason: str) -> None:
        """注销: cancelled at the holder's request."""
        self.perform("cancel", by=by, reason=reason)

    @alters_data
    def supersede(self, *, by, reason: str) -> None:
        """已被替代: the re-certification's certificate replaces this one from its own issue date."""
        self.perform("supersede", by=by, reason=reason)

    @alters_data
    def change_grade(self, *, by, grade: str, reason: str) -> None:
        """A surveillance audit (or a decision) moved the grade up or down; the reason is kept in the history."""
        if grade not in Grade.values:
            raise TransitionError(gettext("Choose one of the grades."))

        def update():
            self.grade = grade
            return ["grade"]

        self.perform("change_grade", by=by, reason=reason, update=update, grade=grade)

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

    @alters_data
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

    @alters_data
    def choose_delivery(self, *, by, method: str, address: str = "", recipient: str = "", phone: str = "") -> None:
        """The holder says how the paper certificate should reach it (until it is posted)."""
        if method == DeliveryMethod.POST and not (address.strip() and recipient.strip() and phone.strip()):
            raise TransitionError(gettext("For delivery by post, give the address, the recipient and a phone number."))

        def update():
            self.delivery_method, self.delivery_address = method, address.strip()
            self.delivery_recipient, self.delivery_phone = recipient.strip(), phone.strip()
            return ["delivery_method", "delivery_address", "delivery_recipient", "delivery_phone"]

        self.perform("choose_delivery", by=by, update=update)

    @alters_data
    def mark_posted(self, *, by, tracking_number: str) -> None:
        """Staff posted the paper certificate; the holder is told the tracking number."""

        def update():
            self.tracking_number, self.posted_at = tracking_number.strip(), timezone.now()
            return ["tracking_number", "posted_at"]

        self.perform("mark_posted", by=by, reason=tracking_number, update=update)

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


# --- a certificate's workflow (design.md §3.1) ---------------------------------------------------------------------


def _impartial(certificate, user, **context) -> list[str]:
    from ..impartiality import impartiality_problems

    return impartiality_problems(user, certificate.application) if user is not None else []


def _not_posted(certificate, user, **context) -> list[str]:
    return [gettext("The certificate has already been posted.")] if certificate.posted_at else []


def _post_requested(certificate, user, **context) -> list[str]:
    if certificate.delivery_method != DeliveryMethod.POST:
        return [gettext("The holder did not ask for delivery by post.")]
    return _not_posted(certificate, user)


def _recertification_open(certificate, user, **context) -> list[str]:
    """The re-certification window (certificates.cycle) has opened."""
    from django.utils.formats import date_format

    from ..cycle import recertification_opens_on

    opens_on = recertification_opens_on(certificate.expires_on)
    if timezone.localdate() >= opens_on:
        return []
    return [
        gettext("Re-certification opens on %(date)s, %(months)d months before the certificate expires.")
        % {"date": date_format(opens_on), "months": settings.RECERTIFICATION_OPENS_MONTHS}
    ]


def _another_grade(certificate, user, *, grade: str = "", **context) -> list[str]:
    from ..policy import grade_raise_problems

    if grade and grade == certificate.grade:
        return [gettext("The certificate already has this grade.")]
    return grade_raise_problems(certificate, grade) if grade else []


def tell_holder(certificate, change) -> None:
    """The holder's people hear of every status or grade change, once, in their language (portal and e-mail)."""
    from applications.models import Notification
    from applications.notifications import notify, organization_users

    label = certificate.get_grade_display() if change.target == change.source else certificate.get_status_display()
    notify(
        organization_users(certificate.application),
        kind=Notification.Kind.CERTIFICATE_STATUS,
        application=certificate.application,
        status=certificate.status,
        detail=f"{certificate.number}: {label}",
        reason=change.reason,
    )


def _tell_posting(certificate, change) -> None:
    from applications.models import Notification
    from applications.notifications import notify_organization

    notify_organization(
        certificate.application,
        kind=Notification.Kind.CERTIFICATE_ISSUED,
        detail=lambda: gettext("posted, tracking number %(n)s") % {"n": certificate.tracking_number},
    )


_S = Certificate.Status
_DECIDER = role(roles.DECISION_MAKER)
_LIVE = Certificate.LIVE
Certificate.WORKFLOW = Workflow(
    Transition(
        "suspend",
        [_S.ACTIVE],
        _S.SUSPENDED,
        (_DECIDER, SYSTEM),
        _("Suspend"),
        guards=(_impartial,),
        effects=(tell_holder,),
        needs_reason=True,
        style="danger",
    ),
    Transition(
        "restore",
        [_S.SUSPENDED],
        _S.ACTIVE,
        (_DECIDER,),
        _("Restore"),
        guards=(_impartial,),
        effects=(tell_holder,),
        needs_reason=True,
        style="default",
    ),
    Transition(
        "withdraw",
        _LIVE,
        _S.WITHDRAWN,
        (_DECIDER, SYSTEM),
        _("Withdraw (revoke)"),
        guards=(_impartial,),
        effects=(tell_holder,),
        needs_reason=True,
        style="danger",
    ),
    Transition(
        "cancel",
        _LIVE,
        _S.CANCELLED,
        (_DECIDER,),
        _("Cancel at the holder's request"),
        guards=(_impartial,),
        effects=(tell_holder,),
        needs_reason=True,
    ),
    Transition(
        "change_grade",
        _LIVE,
        None,
        (_DECIDER,),
        _("Change the grade"),
        guards=(_impartial, _another_grade),
        effects=(tell_holder,),
        needs_reason=True,
    ),
    Transition("expire", _LIVE, _S.EXPIRED, (SYSTEM,), _("Expire"), effects=(tell_holder,)),
    # The grant of the re-certification (by an impartial decision-maker, checked there) supersedes the old one.
    Transition(
        "supersede",
        _LIVE,
        _S.SUPERSEDED,
        (_DECIDER, SYSTEM),
        _("Supersede by the re-certification's certificate"),
        effects=(tell_holder,),
        needs_reason=True,
    ),
    Transition(
        "choose_delivery",
        _LIVE,
        None,
        (member_of(lambda certificate: certificate.organization, owner=True),),
        _("Choose how the paper certificate is delivered"),
        guards=(_not_posted,),
    ),
    # The holder's owner applies to renew (certificates.services.start_recertification makes the draft).
    Transition(
        "request_recertification",
        _LIVE,
        None,
        (member_of(lambda certificate: certificate.organization, owner=True),),
        _("Apply for re-certification"),
        guards=(_recertification_open,),
    ),
    Transition(
        "mark_posted",
        _LIVE,
        None,
        (reviewer(),),
        _("Record posting"),
        guards=(_post_requested,),
        effects=(_tell_posting,),
        needs_reason=True,
    ),
)


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

"""Joining an organization: the owner invites by e-mail, or a newcomer asks the owner for access.

Nobody ever joins silently: an invitation is accepted by the invited person, an access request is approved by
an owner. A user belongs to at most one organization (Membership is one-to-one on the user), and the certification
body's own people (staff, auditors) never belong to one (design.md §3.1): every way in checks `joining_refusal`.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import roles
from certportal.queue import enqueue_on_commit
from certportal.workflow import Transition, TransitionError, Workflow, WorkflowMixin, alters_data, member_of

from .. import uscc
from .notifications import Notification
from .organizations import Membership, Organization


def _token() -> str:
    return secrets.token_urlsafe(32)


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)


def _already_member_error() -> TransitionError:
    return TransitionError(gettext("This account already belongs to an organization."))


def joining_refusal(user) -> str:
    """Why `user` may not create or join an applicant organization, or "" when it may."""
    if roles.works_for_the_body(user):
        return gettext(
            "%(user)s is a staff or auditor account of the certification body; such accounts cannot create or join "
            "an applicant organization (impartiality)."
        ) % {"user": user}
    return ""


def check_may_join(user) -> None:
    refusal = joining_refusal(user)
    if refusal:
        raise TransitionError(refusal)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def for_email(self, email: str):
        return self.filter(email__iexact=email)


class Invitation(models.Model):
    """An owner's invitation for a colleague to join the organization as a member."""

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="invitations", verbose_name=_("organization")
    )
    email = models.EmailField(_("e-mail address"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=_expiry)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("accepted by")
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    @transaction.atomic
    def send(cls, *, organization: Organization, email: str, by) -> "Invitation":
        """Invite `email`; the e-mail (or, for an existing account, a notification) goes out after commit."""
        from ..notifications import notify
        from ..tasks import send_invitation_email

        email = email.strip()
        if organization.memberships.filter(user__email__iexact=email).exists():
            raise TransitionError(gettext("%(email)s is already a member.") % {"email": email})
        if cls.objects.pending().filter(organization=organization).for_email(email).exists():
            raise TransitionError(gettext("%(email)s has already been invited.") % {"email": email})
        invitation = cls.objects.create(organization=organization, email=email, invited_by=by)
        enqueue_on_commit(send_invitation_email, invitation.pk)  # a broker outage: the outbox sweep sends it later
        invitee = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if invitee is not None:
            notify([invitee], kind=Notification.Kind.INVITATION, detail=organization.name)
        return invitation

    @alters_data
    @transaction.atomic
    def accept(self, *, user) -> Membership:
        """The invited person joins as a member (signed in with the invited e-mail address)."""
        invitation = type(self).objects.select_for_update().get(pk=self.pk)
        if not invitation.is_pending:
            raise TransitionError(gettext("This invitation is no longer valid. Ask the owner for a new one."))
        if user.email.lower() != invitation.email.lower():
            raise TransitionError(
                gettext("This invitation is for %(email)s. Sign in with that address to accept it.")
                % {"email": invitation.email}
            )
        check_may_join(user)
        if Membership.objects.filter(user=user).exists():
            raise _already_member_error()
        membership = Membership.objects.create(user=user, organization=self.organization, role=Membership.Role.MEMBER)
        self.accepted_by, self.accepted_at = user, timezone.now()
        self.save(update_fields=["accepted_by", "accepted_at"])
        return membership

    @alters_data
    @transaction.atomic
    def revoke(self, *, by) -> None:
        """The owner takes the invitation back; the link stops working."""
        invitation = type(self).objects.select_for_update().get(pk=self.pk)
        if not invitation.is_pending:
            raise TransitionError(gettext("This invitation is no longer pending."))
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class AccessRequest(WorkflowMixin, models.Model):
    """Someone whose organization is already registered asks its owner to let them in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the owner")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="access_requests", verbose_name=_("organization")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="access_requests", verbose_name=_("requested by")
    )
    message = models.TextField(_("message to the owner"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_access_request_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization} ({self.get_status_display()})"

    @classmethod
    @transaction.atomic
    def ask(cls, *, user, credit_code: str, message: str = "") -> "AccessRequest":
        """Ask the owners of the organization registered under `credit_code` to let `user` in."""
        from ..notifications import notify

        check_may_join(user)
        organization = Organization.objects.filter(credit_code=uscc.normalize(credit_code)).first()
        if organization is None:
            raise TransitionError(gettext("No organization is registered with this credit code."))
        if Membership.objects.filter(user=user).exists():
            raise _already_member_error()
        if cls.objects.filter(user=user, status=cls.Status.PENDING).exists():
            raise TransitionError(gettext("You already have a request waiting for an owner's answer."))
        access_request = cls.objects.create(organization=organization, user=user, message=message.strip())
        owners = [m.user for m in organization.memberships.filter(role=Membership.Role.OWNER).select_related("user")]
        notify(
            owners,
            kind=Notification.Kind.ACCESS_REQUEST,
            detail=f"{user} <{user.email}>",
            reason=access_request.message,
        )
        return access_request

    @alters_data
    def approve(self, *, by) -> Membership:
        """An owner lets the person in as a member."""
        made = {}

        def update():
            made["membership"] = Membership.objects.create(
                user=self.user, organization=self.organization, role=Membership.Role.MEMBER
            )
            return self._decided(by)

        self.perform("approve", by=by, update=update)
        return made["membership"]

    @alters_data
    def decline(self, *, by) -> None:
        """An owner turns the request down; the person is told."""
        self.perform("decline", by=by, update=lambda: self._decided(by))

    def _decided(self, by) -> list[str]:
        self.decided_by, self.decided_at = by, timezone.now()
        return ["decided_by", "decided_at"]


# --- an access request's workflow --------------------------------------------------------------------------------


def _may_join(access_request, user, **context) -> list[str]:
    """The person may have become staff or an auditor, or joined elsewhere, since asking."""
    refusal = joining_refusal(access_request.user)
    if refusal:
        return [refusal]
    if Membership.objects.filter(user=access_request.user).exists():
        return [_already_member_error().message]
    return []


def _tell_requester(access_request, change) -> None:
    from ..notifications import notify

    with translation.override(access_request.user.language):
        detail = f"{access_request.organization.name}: {access_request.get_status_display()}"
    notify([access_request.user], kind=Notification.Kind.ACCESS_REQUEST, detail=detail)


_OWNER = member_of(lambda access_request: access_request.organization, owner=True)
AccessRequest.WORKFLOW = Workflow(
    Transition(
        "approve",
        [AccessRequest.Status.PENDING],
        AccessRequest.Status.APPROVED,
        (_OWNER,),
        _("Let in as a member"),
        guards=(_may_join,),
        effects=(_tell_requester,),
    ),
    Transition(
        "decline",
        [AccessRequest.Status.PENDING],
        AccessRequest.Status.DECLINED,
        (_OWNER,),
        _("Decline"),
        effects=(_tell_requester,),
    ),
)

"""One-time enrolment links for accounts an administrator creates.

The administrator never types a password: the account starts with an unusable one and the person receives a
signed link, valid for ENROLMENT_LINK_HOURS, to set their own. The link carries a fingerprint of the account's
password field, so it stops working once used (the password becomes usable) and when a new link is sent (every
link gives the account a fresh unusable password). Staff then bind their own second factor before anything else
(accounts.middleware.RequireSecondFactorMiddleware).
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from certportal import mail

SALT = "accounts.enrolment"


class EnrolmentError(Exception):
    """A link that cannot be used, or an account that cannot be sent one; the message says why (translated)."""


def link_hours() -> int:
    return settings.ENROLMENT_LINK_HOURS


def _fingerprint(user) -> str:
    # The password field changes on enrolment and on every new link, which retires the older links.
    return salted_hmac(SALT, user.password).hexdigest()[:20]


def make_token(user) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT, compress=True)


def user_for_token(token: str):
    """The account the link `token` enrols; EnrolmentError when it is forged, expired or already used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(hours=link_hours()))
    except signing.SignatureExpired:
        raise EnrolmentError(gettext("This enrolment link has expired. Ask an administrator for a new one.")) from None
    except signing.BadSignature:
        raise EnrolmentError(gettext("This enrolment link is not valid.")) from None
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.has_usable_password() or not constant_time_compare(data.get("f", ""), _fingerprint(user)):
        raise EnrolmentError(
            gettext(
                "This enrolment link has already been used or replaced by a newer one. Sign in, or ask an "
                "administrator for a new link."
            )
        )
    return user


@transaction.atomic
def send_link(user) -> None:
    """Retire any earlier link and e-mail a new one, in the person's language, once the transaction commits."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():
        raise EnrolmentError(gettext("%(user)s has already set a password.") % {"user": user})
    if not user.email:
        raise EnrolmentError(gettext("%(user)s has no e-mail address to send the link to.") % {"user": user})
    user.set_unusable_password()
    user.save(update_fields=["password"])
    context = {
        "user": user,
        "url": settings.SITE_URL + reverse("accounts:enrol", args=[make_token(user)]),
        "hours": link_hours(),
    }
    message = mail.message("accounts/email/enrolment", [user.email], context, user.language)
    transaction.on_commit(message.send)


@transaction.atomic
def enrol(user, password: str):
    """Set the person's own password; the address the link reached counts as verified. Returns the account as
    saved (signing in with an older copy would record the unusable password's session hash)."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():  # two tabs posting the same link: only the first one counts
        raise EnrolmentError(gettext("This enrolment link has already been used. Sign in with your password."))
    user.set_password(password)
    user.save(update_fields=["password"])
    if user.email:
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        else:
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
    return user

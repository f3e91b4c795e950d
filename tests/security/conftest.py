"""Helpers for the security tests: TOTP codes, users with an authenticator (tests/conftest.py clears the cache)."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as _counters

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(_counters())))


def with_totp(user, secret: str | None = None) -> str:
    """Give `user` a TOTP authenticator (and recovery codes); return the secret."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def recovery_code(user) -> str:
    return RecoveryCodes(
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()[0]


def staff_user(role: str, **kwargs):
    """A user of `role` whose e-mail is verified (allauth's portal sign-in requires it)."""
    user = UserFactory(role=role, **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user

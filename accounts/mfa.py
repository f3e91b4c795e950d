"""Two-factor authentication (allauth.mfa, TOTP + recovery codes): who must use it, and whether this session has.

Reviewers, auditors, decision-makers and administrators (and every staff or superuser account) must pass a TOTP
code: at sign-in when they have an authenticator, otherwise they are sent to set one up before anything else
(accounts.middleware.RequireSecondFactorMiddleware; the admin checks it again in accounts.admin_site).
Applicants may turn it on in their account settings.
"""

import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from . import roles

ROLES_REQUIRING_MFA = (roles.REVIEWER, roles.AUDITOR, roles.DECISION_MAKER, roles.ADMINISTRATOR)
# The role check is remembered in the session for a minute, so applicants' pages cost no extra query; a role
# given to a signed-in user therefore applies within a minute (staff flags apply at once).
SESSION_KEY = "accounts_mfa_required"
REMEMBER_SECONDS = 60


def required_for(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=ROLES_REQUIRING_MFA).exists()


def required_in(request) -> bool:
    """required_for(request.user), remembered in the session for REMEMBER_SECONDS."""
    user = request.user
    if user.is_staff or user.is_superuser:
        return True
    remembered = request.session.get(SESSION_KEY)
    if remembered and remembered[0] == user.pk and time.time() - remembered[2] < REMEMBER_SECONDS:
        return remembered[1]
    required = required_for(user)
    request.session[SESSION_KEY] = [user.pk, required, time.time()]
    return required


def second_factor_done(request) -> bool:
    """Whether this session passed a TOTP or recovery code (at sign-in, re-authentication or set-up)."""
    user = request.user
    if not user.is_authenticated:
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def has_passkey(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()


def second_factor_step(request, next_url: str):
    """Where someone who owes a second factor goes: the code prompt, the passkey prompt, or the set-up."""
    if has_totp(request.user):
        name = "mfa_reauthenticate"
    elif has_passkey(request.user):
        name = "mfa_reauthenticate_webauthn"
    else:
        name = "mfa_activate_totp"
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP means typing a valid code from the new secret, adding a passkey means using it: either is
    this session's second factor."""
    from allauth.account.internal.flows.login import record_authentication

    second_factors = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    if authenticator.type not in second_factors or request is None or request.user.pk != user.pk:
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)


# --- Wrong codes lock the second factor. The password is already known to whoever reaches the code
# step, so MFA_LOCK_AFTER wrong codes in a row refuse every code, right ones included, for MFA_LOCK_MINUTES, and
# the account holder and the administrators are told. The count lives in the shared cache (Redis in production,
# which `check --deploy` requires), so it holds across processes; only a right code resets it, so after a lock
# each further wrong code locks again.
def _failures_key(user) -> str:
    return f"accounts.mfa.wrong_codes:{user.pk}"


def _lock_key(user) -> str:
    return f"accounts.mfa.locked_until:{user.pk}"


def locked_until(user):
    """The end of the current lock (an aware datetime), or None."""
    timestamp = cache.get(_lock_key(user))
    if timestamp is None or timestamp <= time.time():
        return None
    return datetime.fromtimestamp(timestamp, tz=UTC)


def count_wrong_code(request, user) -> None:
    key = _failures_key(user)
    cache.add(key, 0, timeout=None)
    try:
        failures = cache.incr(key)
    except ValueError:  # evicted between add and incr
        failures = 1
        cache.set(key, failures, timeout=None)
    if failures >= settings.MFA_LOCK_AFTER:
        _lock(request, user, failures)


def reset_wrong_codes(user) -> None:
    cache.delete_many([_failures_key(user), _lock_key(user)])


def _lock(request, user, failures: int) -> None:
    from certportal.ratelimit import client_ip

    from . import security_log, tasks
    from .models import SecurityEvent

    seconds = settings.MFA_LOCK_MINUTES * 60
    until = time.time() + seconds
    cache.set(_lock_key(user), until, timeout=seconds)
    security_log.record(
        SecurityEvent.Kind.LOCKED_OUT,
        request,
        user=user,
        detail=f"second factor locked for {settings.MFA_LOCK_MINUTES} minutes after {failures} wrong codes in a row",
    )
    address = (client_ip(request) or "") if request is not None else ""
    transaction.on_commit(lambda: tasks.send_mfa_locked_emails.delay(user.pk, until, address))

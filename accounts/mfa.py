"""Two-factor authentication (allauth.mfa, TOTP + recovery codes): who must use it, and whether this session has.

Reviewers, auditors, decision-makers and administrators (and every staff or superuser account) must pass a TOTP
code: at sign-in when they have an authenticator, otherwise they are sent to set one up before anything else
(accounts.middleware.RequireSecondFactorMiddleware; the admin checks it again in accounts.admin_site).
Applicants may turn it on in their account settings.
"""

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
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


def second_factor_step(request, next_url: str):
    """Where someone who owes a second factor goes: the code prompt, or the authenticator set-up."""
    name = "mfa_reauthenticate" if has_totp(request.user) else "mfa_activate_totp"
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP means typing a valid code from the new secret: that is this session's second factor."""
    from allauth.account.internal.flows.login import record_authentication

    if authenticator.type != Authenticator.Type.TOTP or request is None or request.user.pk != user.pk:
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)

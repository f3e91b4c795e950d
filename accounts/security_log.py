"""Writing the security event log: sign-ins and failures, lockouts, MFA changes (from Django's, axes' and
allauth's signals: this is logging, not workflow), authorization denials and downloads (from the middleware)."""

import logging

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from axes.signals import user_locked_out
from django.contrib.auth import signals as auth_signals

from certportal.ratelimit import client_ip

from .models import SecurityEvent

logger = logging.getLogger("certportal.security")
Kind = SecurityEvent.Kind


def record(kind: str, request=None, *, user=None, username: str = "", object_ref: str = "", detail: str = ""):
    """Append one event; the request gives the address, browser, method and path."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if user is not None and not username:
        username = user.get_username()
    meta = getattr(request, "META", {}) if request is not None else {}
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or "")[:150],
        ip_address=(client_ip(request) or None) if request is not None else None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        method=getattr(request, "method", "") or "",
        path=(getattr(request, "path", "") or "")[:500],
        object_ref=object_ref[:200],
        detail=detail[:300],
    )
    logger.info("security event %s user=%s ip=%s path=%s", kind, event.username, event.ip_address, event.path)
    return event


def record_denied(request, reason: str):
    """A refusal by role answered with a message (so the person knows why) instead of a 403: the same DENIED row
    the PermissionDenied handler writes (accounts.middleware), with the view and the reason."""
    match = getattr(request, "resolver_match", None)
    target = ""
    if match is not None:
        arguments = " ".join(f"{key}={value}" for key, value in match.kwargs.items())
        target = f"{match.view_name} {arguments}".strip()
    return record(Kind.DENIED, request, object_ref=target, detail=f"403 {reason}")


def _typed_username(credentials) -> str:
    for field in ("username", "email", "login"):
        value = (credentials or {}).get(field)
        if isinstance(value, str) and value:
            return value
    return ""


def on_logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    locked = getattr(request, "axes_locked_out", False)
    record(
        Kind.LOGIN_FAILED,
        request,
        user=None,
        username=_typed_username(credentials),
        detail="refused while locked out" if locked else "",
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    ceiling = getattr(request, "account_ceiling_reached", False)
    detail = "per-account hourly ceiling" if ceiling else "account and address locked for the cool-off"
    record(Kind.LOCKED_OUT, request, user=None, username=username or "", detail=detail)


def _mfa_ref(authenticator: Authenticator) -> str:
    return f"mfa.authenticator:{authenticator.pk} {authenticator.type}"


def on_mfa_added(sender, request, user, authenticator, **kwargs):
    record(Kind.MFA_ADDED, request, user=user, object_ref=_mfa_ref(authenticator))


def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    record(Kind.MFA_REMOVED, request, user=user, object_ref=_mfa_ref(authenticator))


def on_mfa_reset(sender, request, user, authenticator, **kwargs):
    record(Kind.MFA_RESET, request, user=user, object_ref=_mfa_ref(authenticator))


def on_mfa_used(sender, request, user, authenticator, reauthenticated=False, **kwargs):
    detail = "re-authentication" if reauthenticated else "sign-in"
    record(Kind.MFA_USED, request, user=user, object_ref=_mfa_ref(authenticator), detail=detail)


def on_mfa_failed(sender, request, user, authenticator=None, **kwargs):
    ref = _mfa_ref(authenticator) if authenticator is not None else ""
    record(Kind.MFA_FAILED, request, user=user, object_ref=ref)


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="accounts.security.logged_in")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="accounts.security.logged_out")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="accounts.security.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="accounts.security.locked_out")
    mfa_signals.authenticator_added.connect(on_mfa_added, dispatch_uid="accounts.security.mfa_added")
    mfa_signals.authenticator_removed.connect(on_mfa_removed, dispatch_uid="accounts.security.mfa_removed")
    mfa_signals.authenticator_reset.connect(on_mfa_reset, dispatch_uid="accounts.security.mfa_reset")
    mfa_signals.authenticator_used.connect(on_mfa_used, dispatch_uid="accounts.security.mfa_used")
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid="accounts.security.mfa_failed")

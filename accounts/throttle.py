"""Login throttling that cannot be turned into a lockout weapon (ASVS 5.0 6.1.1, 6.3.1; 4.0.3 2.2.1).

Two rules, for the portal's sign-in (allauth) and the admin's alike, since both go through authenticate():

1. django-axes counts failures per account *and* client address: after AXES_FAILURE_LIMIT (10) failures that
   pair is refused for AXES_COOLOFF_TIME (15 minutes), counted from the lockout; a success resets the pair.
   Someone guessing from elsewhere never locks the owner out of their own network.
2. A ceiling per account across all addresses: once LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR (100) password checks
   failed within the last hour, the account refuses password checks until the oldest of them is an hour old.
   axes cannot key on the account alone and on account+address at once, so this counts axes' own failure log
   (AccessFailureLog, one row per failed password check; refused attempts are not checked, so not counted).
   It can block an account for at most an hour, and only after 100 guesses from 10 or more addresses.

Accounts are keyed by their user name whether people type it (admin) or their e-mail (portal), so switching
between the two forms, or changing letter case, does not give a fresh counter.
"""

import datetime

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

TYPED_FIELDS = ("username", "email", "login")


def account_key(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account's user name, or what was typed (folded) when no account matches."""
    typed = _typed(request, credentials)
    if not typed:
        return None
    keys = request.__dict__.setdefault("_account_keys", {}) if request is not None else {}
    if typed not in keys:
        username = (
            get_user_model()
            .objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
            .order_by("pk")
            .values_list("username", flat=True)
            .first()
        )
        keys[typed] = username or typed.casefold()[:255]
    return keys[typed]


def _typed(request, credentials) -> str:
    for source in (credentials or {}, getattr(request, "POST", None) or {}):
        for field in TYPED_FIELDS:
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def failures_last_hour(key: str) -> int:
    since = timezone.now() - datetime.timedelta(hours=1)
    return AccessFailureLog.objects.filter(username=key, attempt_time__gte=since).count()


class LoginThrottleBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses locked attempts before any password is checked; never signs in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        super().authenticate(request, username=username, password=password, **kwargs)
        key = account_key(request, {"username": username, **kwargs})
        if key and failures_last_hour(key) >= settings.LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR:
            # axes' middleware turns the flag into the lockout page; its failure handler then skips the
            # attempt (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False) and sends user_locked_out.
            request.axes_locked_out = True
            request.account_ceiling_reached = True
            raise AxesBackendPermissionDenied("too many failed sign-ins for this account in the last hour")
        return None


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a translated page (JSON for scripts) that says how long to wait, never whether the
    account exists."""
    context = {
        "account_ceiling": getattr(request, "account_ceiling_reached", False),
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"ok": False, "locked_out": True, **context}, status=429)
    return render(request, "accounts/locked_out.html", context, status=429)

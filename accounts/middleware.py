"""Request-level security: the second-factor requirement, staff session limits, sandboxed downloads, logging
denials and downloads."""

import logging
import time

from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from . import mfa, security_log
from .models import SecurityEvent

logger = logging.getLogger("certportal.security")

# Pages someone who owes a second factor may still open: allauth's account and MFA pages (set-up, code prompt,
# e-mail, password, sign-out), the language switch and the admin's sign-out.
EXEMPT_PREFIXES = ("account_", "mfa_")
EXEMPT_NAMES = {"set_language", "admin:logout"}


class RequireSecondFactorMiddleware:
    """Reviewers, auditors, decision-makers and administrators pass a TOTP code before anything else: those
    with an authenticator are asked for a code, those without are sent to set one up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or mfa.second_factor_done(request):
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in EXEMPT_NAMES or (match and (match.url_name or "").startswith(EXEMPT_PREFIXES)):
            return None
        if not mfa.required_in(request):
            return None
        return mfa.second_factor_step(request, request.get_full_path())


DOWNLOAD_POLICY = "default-src 'none'; sandbox"


class SandboxDownloadsMiddleware:
    """Every file served as a download (generated PDFs and exports included, not only stored uploads) gets the
    headers certportal.downloads.attachment_response gives: never sniffed, and sandboxed if opened anyway."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Disposition", "").startswith("attachment"):
            response["Content-Security-Policy"] = DOWNLOAD_POLICY
            response["X-Content-Type-Options"] = "nosniff"
        return response


class SecurityEventMiddleware:
    """Logs refusals seen by signed-in users (PermissionDenied, and the 404 of another organization's object)
    and every file served as an attachment: who, what, when, from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        # certportal.downloads marks its responses: on S3 they are redirects to a presigned URL (never logged:
        # it is a credential), which the browser then downloads from the bucket
        filename = getattr(response, "download_filename", None)
        if disposition.startswith("attachment") or filename is not None:
            security_log.record(
                SecurityEvent.Kind.DOWNLOAD,
                request,
                object_ref=_target(request),
                detail=disposition if disposition.startswith("attachment") else f"redirect to storage: {filename}",
            )
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied | Http404) and request.user.is_authenticated:
            status = "403" if isinstance(exception, PermissionDenied) else "404"
            security_log.record(SecurityEvent.Kind.DENIED, request, object_ref=_target(request), detail=status)
        return None


def _target(request) -> str:
    """The view and its arguments, e.g. "applications:material_file pk=12"."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    arguments = " ".join(f"{key}={value}" for key, value in match.kwargs.items())
    return f"{match.view_name} {arguments}".strip()


SESSION_STARTED = "accounts_staff_session_started"
SESSION_SEEN = "accounts_staff_session_seen"
SEEN_PRECISION = 60  # seconds: the last-seen time is rewritten at most once a minute, not on every request


class StaffSessionLimitMiddleware:
    """The certification body's people (staff, auditors: everyone accounts.mfa requires a second factor of) are
    signed out after STAFF_SESSION_IDLE_MINUTES without a request and STAFF_SESSION_MAX_HOURS in all. Applicants
    keep Django's session length."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and mfa.required_in(request):
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        now = time.time()
        session = request.session
        started = session.setdefault(SESSION_STARTED, now)
        seen = session.get(SESSION_SEEN, now)
        idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
        if now - seen >= idle or now - started >= settings.STAFF_SESSION_MAX_HOURS * 3600:
            reason = "idle" if now - seen >= idle else "too long"
            auth.logout(request)  # flushes the session; the view then sees an anonymous visitor
            messages.info(request, _("Your session has ended: please sign in again."))
            logger.info("staff session ended (%s)", reason)
            return
        if now - seen >= SEEN_PRECISION or SESSION_SEEN not in session:
            session[SESSION_SEEN] = now
            session.set_expiry(idle)  # the session row and cookie also lapse after the idle time

"""A fixed-window rate limit on the Django cache (Redis in production, per-process memory locally)."""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

logger = logging.getLogger("certportal.security")


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT proxies, the address the outermost of
    them saw (X-Forwarded-For counted from the right, where our proxies append; anything further left was
    written by the client and is ignored). Used by the login throttling, the rate limits and the logs."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    address = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        address = forwarded[-proxies] if len(forwarded) >= proxies else ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit for `key`; False once more than `limit` hits fall in the current `window` seconds."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # the key expired between add() and incr()
        cache.add(cache_key, 1, timeout=window)
        return True


class ForwardedForRequiredMiddleware:
    """With TRUSTED_PROXY_COUNT set, a request that did not come through that many proxies is refused (400) and
    logged: otherwise every such visitor would share one address, so one rate-limit bucket and one lockout key per
    account. A wrong setting must be loud, never pooled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(settings, "TRUSTED_PROXY_COUNT", 0) and not client_ip(request):
            logger.error(
                "refused %s %s: TRUSTED_PROXY_COUNT=%d but X-Forwarded-For is %r (REMOTE_ADDR %s)",
                request.method,
                request.path,
                settings.TRUSTED_PROXY_COUNT,
                request.META.get("HTTP_X_FORWARDED_FOR", ""),
                request.META.get("REMOTE_ADDR", ""),
            )
            return HttpResponseBadRequest(
                _("This request did not come through the expected proxy; the site is misconfigured."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

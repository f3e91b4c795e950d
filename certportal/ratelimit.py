"""A fixed-window rate limit on the Django cache (Redis in production, per-process memory locally)."""

import ipaddress

from django.conf import settings
from django.core.cache import cache


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

"""A fixed-window rate limit on the Django cache (Redis in production, per-process memory locally)."""

from django.core.cache import cache


def client_ip(request) -> str:
    # REMOTE_ADDR only: behind a proxy the deployment sets it from a trusted header (see README).
    return request.META.get("REMOTE_ADDR", "")


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

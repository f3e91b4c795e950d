"""Shared start-up for benchmarks: a throwaway SQLite database (or BENCH_DATABASE_URL) with migrations applied."""

import os
import socket
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(*, migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="certportal-bench-")
    os.environ.setdefault("CERTPORTAL_VAR_DIR", tmp)
    os.makedirs(os.path.join(tmp, "staticfiles"), exist_ok=True)
    os.environ.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"))
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(name: str, value: float, unit: str) -> None:
    print(f"bench: {name} = {value:.1f} {unit}" if isinstance(value, float) else f"bench: {name} = {value} {unit}")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def signed_in_client(user):
    """A test client signed in as `user`, second factor included for staff (as a completed TOTP sign-in)."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client

"""Shared start-up for benchmarks: a throwaway SQLite database (or BENCH_DATABASE_URL) with migrations applied.

BENCH_SMOKE=1 (`make bench-smoke`, CI) runs every benchmark on a tiny size through the same code, so a broken
benchmark fails the build; its figures are printed but mean nothing.
"""

import os
import shutil
import socket
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = os.environ.get("BENCH_SMOKE") == "1"


def sized(full, smoke):
    """The benchmark's size, or its tiny smoke-test size under BENCH_SMOKE=1."""
    return smoke if SMOKE else full


def django_setup(*, migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="certportal-bench-")
    os.environ.setdefault("CERTPORTAL_VAR_DIR", tmp)
    os.makedirs(os.path.join(tmp, "staticfiles"), exist_ok=True)
    if "BENCH_DATABASE_URL" in os.environ:
        os.environ.setdefault("DATABASE_URL", os.environ["BENCH_DATABASE_URL"])
    else:
        database = os.path.join(tmp, "bench.sqlite3")
        if migrated := os.environ.get("BENCH_MIGRATED_DATABASE"):  # `make bench` migrated one for all scripts
            shutil.copy(migrated, database)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings")
    # The test client speaks plain HTTP: the HTTPS-only defaults of DEBUG off are turned off, as on loopback.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        os.environ.setdefault(name, "false")
    import django

    django.setup()
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:  # stored PDFs are signed: a development key in the throwaway var/
        call_command("create_dev_signing_key", stdout=quiet)
    if migrate:
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


def signed_in_client(user, backend=None):
    """A test client signed in as `user` as after a completed sign-in: someone who must use a second factor has a
    TOTP authenticator, as a real one has set up, and this session has passed its code."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    from accounts import mfa

    if mfa.required_for(user) and not mfa.has_totp(user):
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user, backend=backend)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client

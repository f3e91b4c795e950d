"""Load on loopback: gunicorn (one sync worker) + PostgreSQL, concurrent users driven by wrk.

Creates a throwaway PostgreSQL database (dropped at the end), migrates and seeds it (2,000 organizations with 10
applications each; the measured applicant's organization has 20 applications, one certificate), collects the
static files, starts gunicorn pinned to CPU 0 and runs wrk pinned to CPU 1 against three pages: the applicant
dashboard (its first page: the open application as a card, nine closed ones as lines) and an application page,
with the session cookie of a sign-in through the portal's backend, and the public verification page (anonymous
visitors, each from its own address behind one trusted proxy, so the per-address rate limit is counted but not
what is measured). As in production, the cache (rate limits) is Redis when it runs on 127.0.0.1:6379 (db 14).
Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and `wrk` (Debian: apt-get install wrk).
"""

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _setup import ROOT, django_setup, free_port, report, sized

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", sized(10, 1)))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", 4))
ORGANIZATIONS, PER_ORGANIZATION, OWN_APPLICATIONS = sized(2000, 20), 10, 20
WARM_UP_SECONDS = sized(2, 1)

REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""
# The signed-in applicant's address as the trusted proxy (gunicorn runs with TRUSTED_PROXY_COUNT=1) reports it.
APPLICANT_ADDRESS = "198.18.0.1"
# Every anonymous request comes from another (documentation-range) address, as seen by the trusted proxy.
VISITORS_LUA = """
counter = 0
request = function()
  counter = counter + 1
  local ip = string.format("198.18.%d.%d", math.floor(counter / 256) % 256, counter % 256)
  return wrk.format(nil, nil, {["X-Forwarded-For"] = ip})
end
"""


def main() -> None:
    if not shutil.which("wrk"):
        print(
            "bench_load: skipped, wrk is not installed (make system-deps, or apt-get install -y wrk)", file=sys.stderr
        )
        return
    import psycopg

    try:
        admin = psycopg.connect(f"{PG_URL}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"bench_load: skipped, PostgreSQL is not reachable at {PG_URL} ({error})", file=sys.stderr)
        return
    name = f"certportal_load_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ["BENCH_DATABASE_URL"] = f"{PG_URL}/{name}"
        os.environ.pop("DATABASE_URL", None)
        run()
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run() -> None:
    started = time.perf_counter()
    django_setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    cookie, urls = seed()
    print(f"bench_load: migrated and seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    port = free_port()
    server = start_gunicorn(port)
    try:
        base = f"http://127.0.0.1:{port}"
        check(base + urls["dashboard"], cookie, "bench-org-own")
        results = {}
        for page, path in urls.items():
            headers = (
                [] if page == "verify" else ["-H", f"Cookie: {cookie}", "-H", f"X-Forwarded-For: {APPLICANT_ADDRESS}"]
            )
            script = REPORT_LUA + (VISITORS_LUA if page == "verify" else "")
            wrk(base + path, headers, script, seconds=WARM_UP_SECONDS)  # warm-up: templates, translations, connections
            results[page] = wrk(base + path, headers, script, seconds=SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    requests, duration, errors, _p50, p95 = results["dashboard"]
    report("dashboard_rps_per_worker", requests / (duration / 1e6), "req/s")
    report("dashboard_p95", p95, "ms")
    report("application_page_p95", results["application"][4], "ms")
    report("verify_page_p95", results["verify"][4], "ms")
    for page, (requests, duration, errors, p50, _p95) in results.items():
        print(
            f"bench_load: {page}: {requests / (duration / 1e6):.1f} req/s, p50 {p50:.1f} ms, {errors} errors",
            file=sys.stderr,
        )
        assert errors == 0, f"{page}: {errors} failed requests"


def seed() -> tuple[str, dict]:
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from applications import uscc
    from applications.models import Application, Membership, Organization
    from audits.models import Audit, IndicatorSet
    from certificates.services import grant_certification

    rng = random.Random(9)
    organizations = []
    for n in range(ORGANIZATIONS + 1):
        body = f"91{rng.choice(['11', '31', '44', '51'])}0100{n:09d}"
        name = "bench-org-own" if n == ORGANIZATIONS else f"测试企业{n}有限公司"
        organizations.append(Organization(name=name, credit_code=body + uscc.check_character(body)))
    organizations = Organization.objects.bulk_create(organizations, batch_size=2000)
    own = organizations[-1]
    applicant = User.objects.create(username="bench-applicant", email="applicant@bench.localhost", full_name="王小明")
    applicant.groups.add(Group.objects.get(name="applicant"))
    Membership.objects.create(user=applicant, organization=own, role=Membership.Role.OWNER)
    closed = ["certified", "withdrawn", "refused", "certified", "certified"]
    batch = [
        Application(organization=o, status=rng.choice(closed), created_by=applicant, org_name=o.name,
                    credit_code=o.credit_code, scope="家用电器的安装与维修")
        for o in organizations[:-1] for _ in range(PER_ORGANIZATION)
    ] + [
        Application(organization=own, status=closed[i % len(closed)], created_by=applicant, org_name=own.name,
                     credit_code=own.credit_code, scope="家用电器的安装与维修")
        for i in range(OWN_APPLICATIONS - 2)
    ]  # fmt: skip
    Application.objects.bulk_create(batch, batch_size=5000)
    current = Application.start(organization=own, by=applicant)
    current.ensure_material_items()
    deciding = Application.objects.create(
        organization=own, status=Application.Status.AWAITING_DECISION, created_by=applicant, org_name=own.name,
        credit_code=own.credit_code, address="北京市海淀区中关村大街 1 号", scope="家用电器的安装与维修",
        grade="four_star", score=Decimal("91.5"),
    )  # fmt: skip
    decider = User.objects.create(username="bench-decider", email="decider@bench.localhost", is_staff=True)
    decider.groups.add(Group.objects.get(name="decision_maker"))
    # The decision rests on a submitted audit scored on the body's real points (setup shortcut).
    indicator_set = IndicatorSet.objects.get(is_active=True)
    IndicatorSet.objects.filter(pk=indicator_set.pk).update(has_placeholder_points=False)
    Audit.objects.create(
        application=deciding, indicator_set=indicator_set, status=Audit.Status.SUBMITTED, score=Decimal("91.5"),
        grade="four_star", planned_start="2026-11-02", planned_end="2026-11-03", onsite_man_days=2, created_by=decider,
    )  # fmt: skip
    certificate = grant_certification(application=deciding, by=decider)
    with connection_cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(applicant, backend="applications.backends.PortalAuthenticationBackend")  # as the sign-in page
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    urls = {
        "dashboard": reverse("applications:dashboard"),
        "application": reverse("applications:detail", args=[current.pk]),
        "verify": reverse("certificates:verify", args=[certificate.verification_token]),
    }
    return cookie, urls


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def redis_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def pinned(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["BENCH_DATABASE_URL"],
        "DEBUG": "false",
        # plain HTTP on loopback: the HTTPS-only defaults of DEBUG off are turned off explicitly
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
        "TRUSTED_PROXY_COUNT": "1",
    }
    if redis_running():
        env["CACHE_URL"] = "redis://127.0.0.1:6379/14"
    command = [str(Path(sys.executable).parent / "gunicorn"), "certportal.wsgi", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(pinned(0) + command + ["--workers", "1"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("bench_load: gunicorn did not start")


def check(url: str, cookie: str, expected: str) -> None:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "X-Forwarded-For": APPLICANT_ADDRESS})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        assert response.status == 200 and expected in response.read().decode(), "the session cookie did not work"


def wrk(url: str, headers: list[str], script: str, *, seconds: int) -> tuple[int, int, int, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", f.name, *headers, url]
        output = subprocess.run(pinned(1) + command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, duration, errors, p50, p95 = line.split()[1:]
    return int(requests), int(duration), int(errors), float(p50), float(p95)


if __name__ == "__main__":
    main()

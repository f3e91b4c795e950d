"""Application changelist in the admin with 100k applications: p50 server time and queries, as a reviewer.

Seeds a throwaway SQLite database (bench/_setup.py) with bulk_create, then requests the list through the test
client, unfiltered and filtered. When PostgreSQL answers on 127.0.0.1:5432 the same run repeats there, in a
database created for the purpose and dropped afterwards (names end in _postgresql); not in a smoke run.
"""

import os
import random
import subprocess
import sys
import time
from datetime import timedelta

from _setup import SMOKE, django_setup, median, report, signed_in_client, sized

ROWS = int(os.environ.get("BENCH_ROWS", sized(100_000, 200)))
REQUESTS = sized(25, 3)
PG_URL = "postgresql://postgres@127.0.0.1:5432"
SUFFIX = os.environ.get("BENCH_SUFFIX", "")


def main() -> None:
    django_setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    started = time.perf_counter()
    reviewer = seed(ROWS)
    print(f"seeded {ROWS} applications in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    measure(reviewer)


def seed(rows: int):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from applications import uscc
    from applications.models import Application, Organization

    rng = random.Random(4)
    reviewer = User.objects.create(username="bench-reviewer", email="r@bench.localhost", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    applicant = User.objects.create(username="bench-applicant", email="a@bench.localhost")
    provinces = ["11", "31", "32", "33", "35", "37", "44", "51", "42", "61"]
    organizations = []
    for n in range(max(rows // 20, 1)):
        body = f"91{rng.choice(provinces)}0100{n:09d}"
        organizations.append(Organization(name=f"测试企业{n}有限公司", credit_code=body + uscc.check_character(body)))
    organizations = Organization.objects.bulk_create(organizations, batch_size=5000)
    weights = {
        "certified": 40, "submitted": 8, "returned": 4, "accepted": 6, "paid": 4, "audit_planned": 6,
        "audit_reported": 3, "awaiting_decision": 3, "refused": 4, "withdrawn": 4, "draft": 18,
    }  # fmt: skip
    statuses, cumulative = list(weights), list(weights.values())
    now = timezone.now()
    batch = []
    for n in range(rows):
        organization = organizations[n % len(organizations)]
        status = rng.choices(statuses, cumulative)[0]
        submitted = None if status == "draft" else now - timedelta(days=rng.randint(1, 720))
        batch.append(
            Application(
                organization=organization,
                kind="recertification" if n % 7 == 0 else "initial",
                status=status,
                status_changed_at=now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
                created_by=applicant,
                submitted_at=submitted,
                org_name=organization.name,
                credit_code=organization.credit_code,
                employee_count=rng.randint(5, 800),
                grade="four_star" if status == "certified" else "",
            )
        )
        if len(batch) == 5000:
            Application.objects.bulk_create(batch)
            batch = []
    Application.objects.bulk_create(batch)
    return reviewer


def measure(reviewer) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client(reviewer)
    url = "/admin/applications/application/"
    filtered = {"status__exact": "submitted", "region": "44"}
    for params in ({}, filtered, {"q": "测试企业123"}):  # warm-up: templates, translations, caches
        for _ in range(3):
            assert client.get(url, params).status_code == 200
    results = {}
    for name, params in (("", {}), ("_filtered", filtered)):
        samples = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(url, params)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        results[name] = median(samples)
    queries = []
    for params in ({}, filtered):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        queries.append(len(ctx.captured_queries))
    size = f"{ROWS // 1000}k" if ROWS < 1_000_000 else f"{ROWS // 1_000_000}m"
    report(f"admin_changelist_{size}_p50{SUFFIX}", results[""], "ms")
    report(f"admin_changelist_{size}_filtered_p50{SUFFIX}", results["_filtered"], "ms")
    report(f"admin_changelist_queries{SUFFIX}", max(queries), "queries")


def on_postgresql() -> None:
    """Repeat the run in a throwaway PostgreSQL database, if a server answers."""
    try:
        import psycopg

        admin = psycopg.connect(f"{PG_URL}/postgres", autocommit=True, connect_timeout=3)
    except Exception as error:  # no server here: SQLite figures only
        print(f"PostgreSQL not reachable ({error.__class__.__name__}); skipped", file=sys.stderr)
        return
    name = f"certportal_bench_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "BENCH_DATABASE_URL": f"{PG_URL}/{name}", "BENCH_SUFFIX": "_postgresql"}
        env.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, __file__], env=env, check=True)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
    if SMOKE:
        print("bench_admin_changelist: smoke run, on SQLite only", file=sys.stderr)
    elif not SUFFIX and os.environ.get("BENCH_SKIP_POSTGRESQL") != "1":
        on_postgresql()

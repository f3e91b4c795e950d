"""The daily sweep over 100,000 certificates with realistic dates: wall time and queries per 1,000 certificates.

Certificates were issued uniformly over the last three years; past surveillance reviews are completed except
for 1 % that were missed. The sweep then runs for "today" as the daily beat job would.
"""

import datetime
import random
import time

from _setup import django_setup, report, sized

django_setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from applications import uscc  # noqa: E402
from applications.models import Application, Organization  # noqa: E402
from certificates import surveillance  # noqa: E402
from certificates.models import Certificate, Decision, SurveillanceReview  # noqa: E402
from certportal.dates import add_months  # noqa: E402

N = sized(100_000, 500)
CHUNK = min(N, 5_000)


def code(n: int) -> str:
    body = "91110000" + f"{n:09d}"
    return body + uscc.check_character(body)


def seed(today: datetime.date) -> None:
    rng = random.Random(27922)
    user = User.objects.create(username="bench-decider", email="d@bench.localhost")
    for start in range(0, N, CHUNK):
        with transaction.atomic():
            orgs = Organization.objects.bulk_create(
                Organization(name=f"企业{n}", credit_code=code(n), address="北京") for n in range(start, start + CHUNK)
            )
            apps = Application.objects.bulk_create(
                Application(
                    organization=o,
                    created_by=user,
                    status="certified",
                    org_name=o.name,
                    credit_code=o.credit_code,
                    grade="three_star",
                )
                for o in orgs
            )
            decisions = Decision.objects.bulk_create(
                Decision(application=a, outcome="grant", grade="three_star", decided_by=user) for a in apps
            )
            issued = [today - datetime.timedelta(days=rng.randrange(0, 3 * 365)) for _ in apps]
            certs = Certificate.objects.bulk_create(
                Certificate(
                    number=f"CP-B-{a.pk:07d}",
                    application=a,
                    decision=d,
                    organization=a.organization,
                    holder_name=a.org_name,
                    holder_credit_code=a.credit_code,
                    holder_address="北京",
                    scope="家电",
                    grade="three_star",
                    issued_on=i,
                    expires_on=add_months(i, 36),
                )
                for a, d, i in zip(apps, decisions, issued, strict=True)
            )
            reviews = []
            for c in certs:
                for seq, months in ((1, 12), (2, 24)):
                    due = add_months(c.issued_on, months)
                    done = due < today and rng.random() > 0.01
                    reviews.append(
                        SurveillanceReview(
                            certificate=c,
                            sequence=seq,
                            due_date=due,
                            status="completed" if done else "planned",
                            completed_at=timezone.now() if done else None,
                        )
                    )
            SurveillanceReview.objects.bulk_create(reviews)


def main():
    today = timezone.localdate()
    started = time.perf_counter()
    seed(today)
    print(f"(seeded {N} certificates in {time.perf_counter() - started:.0f} s)")
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        counts = surveillance.run(today - datetime.timedelta(days=1))  # yesterday: catches up on three years
        print(f"(catch-up sweep: {counts}, {time.perf_counter() - started:.1f} s, {len(queries)} queries)")
        queries.clear()
        started = time.perf_counter()
        counts = surveillance.run(today)
        elapsed = time.perf_counter() - started
    moved = sum(counts.values())
    print(f"(daily sweep moved: {counts})")
    report("surveillance_sweep_100k", elapsed, "s")
    report("surveillance_sweep_queries_per_1000", round(len(queries) / (N / 1000), 1), "queries")
    report("surveillance_sweep_queries_per_moved_row", round(len(queries) / max(moved, 1), 1), "queries")
    report("surveillance_sweep_rows_moved", moved, "rows")


main()

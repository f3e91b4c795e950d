"""The certification record: verify_trail over 1,000,000 entries, and what an append adds to a transition (p50).

The entries are bulk-created with valid hashes first (transition-like payloads over 1,000 subjects). The append's
cost is measured side by side: the same transition (an application withdrawn) with the append and with it left out,
in pairs whose order is drawn at random (on a loaded machine a fixed alternation lines up with the scheduler's time
slices and favours one side), plus the append alone and the statements each side runs. The transition enqueues its
notification e-mail on the embedded broker, as it does when the portal runs, instead of sending it inline (Celery's
eager mode): sending it is not part of the transition, and its variance would swamp a millisecond.
BENCH_SMOKE=1: 10,000 entries.
"""

import datetime
import os
import random
import time

from _setup import django_setup, median, report, sized

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

import trail  # noqa: E402
from accounts.models import User  # noqa: E402
from applications import uscc  # noqa: E402
from applications.models import Application, Membership, Organization  # noqa: E402
from trail import chain  # noqa: E402
from trail.models import TrailEntry, TrailHead  # noqa: E402

N = sized(1_000_000, 10_000)
CHUNK = 10_000
TRANSITIONS = sized(300, 30)


def seed_entries() -> None:
    prev = chain.GENESIS
    start = timezone.now() - datetime.timedelta(days=365)
    for first in range(1, N + 1, CHUNK):
        rows = []
        for seq in range(first, min(first + CHUNK, N + 1)):
            entry = TrailEntry(
                seq=seq,
                at=start + datetime.timedelta(seconds=seq),
                kind="transition",
                subject_type="applications.application",
                subject_id=str(seq % 1000 + 1),
                actor_id=seq % 50 + 1,
                payload={
                    "transition": "submit",
                    "from": "draft",
                    "to": "submitted",
                    "reason": "",
                    "fields": {"status": "submitted", "submitted_at": "2026-12-06T00:00:00+00:00"},
                    "context": {},
                },
                prev_hash=prev,
            )
            entry.hash = prev = entry.computed_hash()
            rows.append(entry)
        with transaction.atomic():
            TrailEntry.objects.bulk_create(rows)
    TrailHead.objects.update_or_create(pk=1, defaults={"seq": N, "hash": prev})


def submitted_applications(count: int) -> tuple[list[Application], User]:
    owner = User.objects.create(username="bench-owner", email="owner@bench.localhost")
    body = "91110000" + "000000001"
    organization = Organization.objects.create(
        name="基准企业", credit_code=body + uscc.check_character(body), address="北京"
    )
    Membership.objects.create(user=owner, organization=organization, role="owner")
    applications = Application.objects.bulk_create(
        Application(
            organization=organization,
            created_by=owner,
            status="submitted",
            org_name=organization.name,
            credit_code=organization.credit_code,
        )
        for _ in range(count)
    )
    return applications, owner


def statements(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def transition_times() -> tuple[float, float, float, int, int]:
    """p50 of a withdrawal with the append, without it, and of the append alone (ms); statements with and without."""
    applications, owner = submitted_applications(2 * TRANSITIONS + 2)
    append = trail.append
    skip = lambda *args, **kwargs: None  # noqa: E731
    with_append, without_append, append_alone = [], [], []
    order = random.Random(27922)
    pairs = zip(applications[0 : 2 * TRANSITIONS : 2], applications[1 : 2 * TRANSITIONS : 2], strict=True)
    for first, second in pairs:
        for application, recording in zip((first, second), order.sample((True, False), 2), strict=True):
            trail.append = append if recording else skip
            started = time.perf_counter()
            application.withdraw(by=owner, reason="基准")
            (with_append if recording else without_append).append((time.perf_counter() - started) * 1000)
    trail.append = skip
    without_statements = statements(lambda: applications[-1].withdraw(by=owner, reason="基准"))
    trail.append = append
    with_statements = statements(lambda: applications[-2].withdraw(by=owner, reason="基准"))
    for application in applications[:TRANSITIONS]:
        started = time.perf_counter()
        with transaction.atomic():
            trail.append("bench", application, {"n": 1}, owner)
        append_alone.append((time.perf_counter() - started) * 1000)
    return median(with_append), median(without_append), median(append_alone), with_statements, without_statements


def main() -> None:
    started = time.perf_counter()
    seed_entries()
    print(f"(seeded {N} entries in {time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    call_command("verify_trail")
    report(f"verify_trail_{N}_entries", time.perf_counter() - started, "s")
    with_append, without_append, append_alone, with_statements, without_statements = transition_times()
    report("transition_p50_with_append", with_append, "ms")
    report("transition_p50_without_append", without_append, "ms")
    report("append_adds_to_transition_p50", with_append - without_append, "ms")
    report("append_alone_p50", append_alone, "ms")
    report("transition_statements_with_append", with_statements, "statements")
    report("transition_statements_without_append", without_statements, "statements")
    report("load_average_1min", os.getloadavg()[0], "")


main()

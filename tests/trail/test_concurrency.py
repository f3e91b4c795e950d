"""Appends at the same moment, on a real PostgreSQL: each thread has its own connection, the head row's lock
serialises them, and the record comes out as one unbroken chain (SQLite serialises its writers anyway)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection, transaction

import trail
from tests.factories import UserFactory
from trail import chain
from trail.models import TrailEntry, TrailHead

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency is tested on PostgreSQL"),
]

THREADS, APPENDS = 4, 50


def _append_many(user_id: int, thread: int, barrier: threading.Barrier) -> list[int]:
    """One thread's appends, each in its own transaction on the thread's own connection; the numbers it got."""
    from accounts.models import User

    try:
        user = User.objects.get(pk=user_id)
        barrier.wait(timeout=30)  # all threads start together, the first appends racing for the head row itself
        numbers = []
        for n in range(APPENDS):
            with transaction.atomic():
                numbers.append(trail.append("test", user, {"thread": thread, "n": n}, user).seq)
        return numbers
    finally:
        connection.close()


def test_concurrent_appends_make_one_unbroken_chain():
    user = UserFactory()
    TrailHead.objects.all().delete()  # as in a new record: the first appends also race to create the head row
    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_append_many, user.pk, thread, barrier) for thread in range(THREADS)]
        results = [future.result() for future in futures]  # an exception in any thread is raised here
    total = THREADS * APPENDS
    assert sorted(seq for numbers in results for seq in numbers) == list(range(1, total + 1))
    entries = list(TrailEntry.objects.order_by("seq"))
    assert [entry.seq for entry in entries] == list(range(1, total + 1))  # gap-free, no number twice
    previous = chain.GENESIS
    for entry in entries:
        assert entry.prev_hash == previous
        assert entry.hash == chain.entry_hash(previous, entry.content())
        previous = entry.hash
    for thread, numbers in enumerate(results):  # each thread's entries in the order it appended them
        payloads = TrailEntry.objects.filter(seq__in=numbers).order_by("seq").values_list("payload", flat=True)
        assert list(payloads) == [{"thread": thread, "n": n} for n in range(APPENDS)]
    assert TrailHead.objects.values_list("seq", "hash").get() == (total, previous)
    call_command("verify_trail")

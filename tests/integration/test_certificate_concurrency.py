"""Decisions taken at the same moment, on a real PostgreSQL (row locks; SQLite serialises writers anyway)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from applications.models import Application
from certificates import services
from certificates.models import Certificate
from certportal.workflow import TransitionError
from tests.factories import UserFactory, ready_for_decision


@pytest.fixture(autouse=True)
def _no_pdf_rendering(monkeypatch):
    """The PDF is not what these tests are about; rendering 40–50 of them would only slow them down."""
    from certificates import tasks

    monkeypatch.setattr(tasks.render_certificate_pdf, "delay", lambda *args, **kwargs: None)


pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency is tested on PostgreSQL"),
]


def _grant(application_id, user_id, barrier=None):
    from accounts.models import User

    try:
        if barrier:
            barrier.wait(timeout=10)
        application = Application.objects.get(pk=application_id)
        return services.grant_certification(application=application, by=User.objects.get(pk=user_id)).number
    except TransitionError as error:
        return error
    finally:
        connection.close()


def _awaiting():
    return ready_for_decision(grade="four_star", score=Decimal("91"))


def test_two_grants_at_once_make_one_certificate():
    decider = UserFactory(role="decision_maker")
    application = _awaiting()
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _grant(application.pk, decider.pk, barrier), range(2)))
    assert Certificate.objects.count() == 1
    assert sum(isinstance(r, TransitionError) for r in results) == 1
    assert Application.objects.get(pk=application.pk).status_changes.filter(to_status="certified").count() == 1


def test_fifty_parallel_decisions_get_fifty_sequential_numbers():
    decider = UserFactory(role="decision_maker")
    ids = [_awaiting().pk for _ in range(50)]
    with ThreadPoolExecutor(10) as pool:
        numbers = list(pool.map(lambda pk: _grant(pk, decider.pk), ids))
    assert all(isinstance(n, str) for n in numbers), numbers
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(1, 51))  # unique and gap-free

"""Two daily sweeps at the same moment on PostgreSQL: nothing twice, nothing missed."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from applications.models import Notification
from certificates import services, surveillance
from certificates.models import CertificateStatusChange, SurveillanceReminder, SurveillanceReview
from tests.factories import MembershipFactory, UserFactory, ready_for_decision


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


def test_two_sweeps_at_once_do_each_thing_once(monkeypatch):
    monkeypatch.setattr(surveillance, "BATCH", 7)  # several batches per step, so the sweeps interleave
    decider = UserFactory(role="decision_maker")
    UserFactory(role="reviewer")
    with time_machine.travel(datetime.datetime(2026, 1, 10, 4, tzinfo=datetime.UTC), tick=False):
        for _ in range(40):
            owner = MembershipFactory()
            application = ready_for_decision(grade="three_star", score=Decimal("85"), organization=owner.organization)
            services.grant_certification(application=application, by=decider)
    today = datetime.date(2027, 1, 5)  # 5 days before every first review is due: one reminder each
    barrier = threading.Barrier(2)

    def run(_):
        try:
            barrier.wait(timeout=10)
            return surveillance.run(today)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    assert sum(r["surveillance_reminders"] for r in results) == 40
    assert SurveillanceReminder.objects.count() == 40
    assert Notification.objects.filter(kind="surveillance_due").count() == 40 * 2  # owner + reviewer, once

    late = datetime.date(2027, 2, 20)  # 41 days overdue: overdue and suspended, once each
    barrier = threading.Barrier(2)

    def run_late(_):
        try:
            barrier.wait(timeout=10)
            return surveillance.run(late)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run_late, range(2)))
    assert sum(r["overdue"] for r in results) == 40
    assert sum(r["suspended"] for r in results) == 40
    assert SurveillanceReview.objects.filter(status="overdue").count() == 40
    assert CertificateStatusChange.objects.filter(to_status="suspended").count() == 40

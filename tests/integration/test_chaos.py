"""Chaos on the Redis broker (CEL-1, CEL-4, the outbox): a worker killed mid-render, the broker down while an
applicant submits, the object storage down during a render. Nothing is lost and nothing is done twice."""

import os
import re
import signal
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from applications.models import Application, MaterialItem, Notification, ServiceCategory
from certificates.models import Certificate
from certificates.services import grant_certification
from certificates.tasks import redeliver_pending
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory, ready_for_decision

from .conftest import wait_for, worker_logs

pytestmark = pytest.mark.integration

# An unacknowledged message comes back 10 s after its delivery (production: 600 s), looked for every second.
FAST_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "10", "CELERY_UNACKED_RESTORE_INTERVAL": "1"}


def _grant(decider) -> Certificate:
    application = ready_for_decision(grade="four_star", score=Decimal("91"))
    return grant_certification(application=application, by=decider)  # enqueues its render on commit


def _rendered(ids) -> list[Certificate]:
    return list(Certificate.objects.filter(pk__in=ids).exclude(pdf="").order_by("pk"))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the test stops the worker mid-render by holding a row lock; SQLite locks the whole database",
)
@pytest.mark.parametrize("victim", ["main process", "pool child"])
def test_a_worker_killed_mid_render_leaves_exactly_one_pdf_per_certificate(victim, s3_server, start_worker, tmp_path):
    decider = UserFactory(role="decision_maker")
    certificates = [_grant(decider) for _ in range(20)]
    ids = [c.pk for c in certificates]
    target = certificates[4]
    worker = start_worker(env={**s3_server.env, **FAST_REDELIVERY})

    # Catch the fifth render in flight: once it has counted its start, hold its row so that the worker, having
    # rendered and stored the PDF, waits in record_pdf. Kill it there: stored, not recorded, not acknowledged.
    started = wait_for(lambda: Certificate.objects.filter(pk=target.pk, pdf_attempts=1).exists(), 90, 0.005)
    assert started, worker.log.read_text()[-3000:]
    with transaction.atomic():
        assert not Certificate.objects.select_for_update().get(pk=target.pk).pdf
        assert wait_for(lambda: target.pdf_storage_key in s3_server.keys("certificates/"), 30, 0.02)
        if victim == "main process":
            worker.kill()
        else:
            [child] = worker.pool_children()
            os.kill(child, signal.SIGKILL)
    if victim == "main process":
        start_worker(env={**s3_server.env, **FAST_REDELIVERY})  # the main process replaces a lost child itself

    done = wait_for(lambda: len(_rendered(ids)) == 20, timeout=120, interval=0.5)
    assert done, worker_logs(tmp_path)[-4000:]
    logs = worker_logs(tmp_path)
    renders = Counter(re.findall(r"Certificate (\d+): PDF rendered", logs))  # certportal.pdf.render_once's lines
    assert renders == Counter({str(c.pk): 1 for c in certificates})
    assert f"Certificate {target.pk}: PDF found in storage, not rendered again" in logs
    assert s3_server.keys("certificates/") == sorted(c.pdf_storage_key for c in certificates)
    for certificate in _rendered(ids):
        assert certificate.pdf.name == certificate.pdf_storage_key
        assert certificate.pdf_attempts == (2 if certificate.pk == target.pk else 1)


def test_broker_down_while_an_applicant_submits(own_redis, redis_broker, start_worker, client):
    redis_broker.point_at(own_redis.url)
    applicant = MembershipFactory().user
    organization = applicant.membership.organization
    application = ApplicationFactory(
        organization=organization, created_by=applicant, materials=MaterialItem.Status.UPLOADED
    )
    application.categories.set(ServiceCategory.objects.all()[:1])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(applicant)

    own_redis.stop()
    response = client.post(reverse("applications:submit", args=[application.pk]), {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    assert "Your application is submitted" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    notifications = Notification.objects.filter(application=application)
    assert notifications.exists()
    assert not notifications.filter(emailed_at__isnull=False).exists()

    own_redis.start()
    worker = start_worker()
    # The sweep leaves work younger than two minutes to the normal path; the outage "lasted" that long.
    notifications.update(created_at=F("created_at") - timedelta(minutes=3))
    redeliver_pending.delay()  # what beat sends every five minutes
    sent = wait_for(lambda: not notifications.filter(emailed_at__isnull=True).exists(), timeout=60)
    assert sent, worker.log.read_text()[-3000:]
    redeliver_pending.delay()  # the next sweep finds nothing left to send
    swept = re.compile(r"redeliver_pending\[\S+\] succeeded")
    assert wait_for(lambda: len(swept.findall(worker.log.read_text())) == 2, timeout=30), worker.log.read_text()
    mail = "".join(path.read_text() for path in worker.mail_dir.glob("*.log"))
    recipients = re.findall(r"^To: (\S+)$", mail, flags=re.MULTILINE)
    assert sorted(recipients) == sorted(n.user.email for n in notifications)


def test_storage_down_during_a_render_is_retried_with_backoff(s3_server, start_worker):
    worker = start_worker(env=s3_server.env)
    worker.wait_ready()
    s3_server.stop()
    certificate = _grant(UserFactory(role="decision_maker"))

    retried = r"render_certificate_pdf\[\S+\] retry: Retry in \d+s: StorageUnavailable"
    assert wait_for(lambda: re.search(retried, worker.log.read_text()), timeout=60), worker.log.read_text()[-3000:]
    s3_server.start()

    rendered = wait_for(lambda: _rendered([certificate.pk]), timeout=60)
    assert rendered, worker.log.read_text()[-3000:]
    [certificate] = rendered
    assert certificate.pdf.name == certificate.pdf_storage_key
    assert s3_server.keys("certificates/") == [certificate.pdf_storage_key]
    assert certificate.pdf_attempts == 1  # the failed attempts gave their count back: they were not crashes

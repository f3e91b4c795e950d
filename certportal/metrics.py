"""Prometheus metrics at /metrics/, for OPS_INTERNAL_NETWORKS or Bearer OPS_TOKEN (certportal.ops).

- requests and database: django-prometheus (its middleware at both ends of MIDDLEWARE, its database engines);
- Celery: tasks by name and outcome, their durations (recorded in the worker by the signal handlers below) and the
  length of each queue (asked of the broker at scrape time);
- what an operator watches: applications and certificates by status, overdue surveillance reviews and the outbox
  (rows whose background work has not been done yet), counted at scrape time in six queries.

Several processes (gunicorn workers, Celery workers) on one machine share PROMETHEUS_MULTIPROC_DIR, an empty folder
created before they start (scripts/run-prod.sh): each writes its counters there and any web process serves the
sum. Without it each process serves its own.
"""

import os
import time
from typing import Any

import prometheus_client
from celery.signals import task_failure, task_postrun, task_prerun, task_retry
from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from .ops import may_see_details

TASKS = prometheus_client.Counter(
    "certportal_celery_tasks", "Celery tasks finished, by task name and outcome", ["task", "outcome"]
)
TASK_SECONDS = prometheus_client.Histogram(
    "certportal_celery_task_duration_seconds",
    "Time a Celery task ran, by task name",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_SECONDS.labels(task.name).observe(time.monotonic() - started)
    if state == "SUCCESS":
        TASKS.labels(task.name, "succeeded").inc()


@task_failure.connect
def _task_failed(sender=None, **kwargs):
    TASKS.labels(sender.name, "failed").inc()


@task_retry.connect
def _task_retried(sender=None, **kwargs):
    TASKS.labels(sender.name, "retried").inc()


class BusinessCollector:
    """Gauges computed from the database when Prometheus scrapes."""

    def collect(self):
        from applications.models import Application, Notification
        from certificates.models import Certificate, DecisionDossier, SurveillanceReview
        from certportal.pdf import MAX_RENDER_ATTEMPTS

        applications = GaugeMetricFamily("certportal_applications", "Applications by status", labels=["status"])
        counts = dict(Application.objects.order_by().values_list("status").annotate(n=Count("pk")))
        for status in Application.Status.values:
            applications.add_metric([status], counts.get(status, 0))
        yield applications

        certificates = GaugeMetricFamily("certportal_certificates", "Certificates by status", labels=["status"])
        counts = dict(Certificate.objects.order_by().values_list("status").annotate(n=Count("pk")))
        for status in Certificate.Status.values:
            certificates.add_metric([status], counts.get(status, 0))
        yield certificates

        overdue = SurveillanceReview.objects.filter(
            Q(status=SurveillanceReview.Status.OVERDUE)
            | Q(status__in=SurveillanceReview.OPEN, due_date__lt=timezone.localdate()),
            certificate__status__in=Certificate.LIVE,
        )
        yield GaugeMetricFamily(
            "certportal_surveillance_reviews_overdue",
            "Surveillance reviews past their due date on live certificates",
            value=overdue.count(),
        )

        outbox = GaugeMetricFamily(
            "certportal_outbox_undelivered", "Rows whose background work is not done yet", labels=["kind"]
        )
        outbox.add_metric(["notification_email"], Notification.objects.filter(emailed_at__isnull=True).count())
        outbox.add_metric(
            ["certificate_pdf"],
            Certificate.objects.filter(pdf="", pdf_attempts__lt=MAX_RENDER_ATTEMPTS).count(),
        )
        outbox.add_metric(
            ["decision_dossier"], DecisionDossier.objects.filter(status=DecisionDossier.Status.QUEUED).count()
        )
        yield outbox


class QueueCollector:
    """Messages waiting in each Celery queue, asked of the broker (passive declare: nothing is created)."""

    def collect(self):
        from .celery import app

        queues = {app.conf.task_default_queue, *(queue.name for queue in app.conf.task_queues or ())}
        lengths = GaugeMetricFamily("certportal_celery_queue_length", "Messages waiting in a queue", labels=["queue"])
        up = 1
        try:
            with app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
                # the transport's channel (py-amqp's, Redis's or the in-memory one), each with queue_declare
                channel: Any = connection.default_channel
                for name in sorted(queues):
                    try:
                        waiting = channel.queue_declare(queue=name, passive=True).message_count
                    except connection.channel_errors:
                        waiting = 0  # no such queue yet: nothing was ever sent to it
                        channel = connection.channel()
                    lengths.add_metric([name], waiting)
        except Exception:  # the broker is down: say so, without the lengths
            up = 0
        yield GaugeMetricFamily("certportal_celery_broker_up", "The broker answered the scrape", value=up)
        if up:
            yield lengths


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = prometheus_client.REGISTRY
    scraped = prometheus_client.CollectorRegistry(auto_describe=False)
    scraped.register(BusinessCollector())
    scraped.register(QueueCollector())
    return prometheus_client.generate_latest(processes) + prometheus_client.generate_latest(scraped)


def metrics(request):
    if not may_see_details(request):
        return HttpResponse(status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=prometheus_client.CONTENT_TYPE_LATEST)

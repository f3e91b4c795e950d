"""Prometheus metrics: protected, the exposition parses, and each family counts what it says."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from applications.models import Application, Notification
from certificates import services
from certificates.models import Certificate, SurveillanceReview
from certificates.tasks import redeliver_pending
from certportal.celery import app as celery_app
from tests.factories import in_state, ready_for_decision

pytestmark = pytest.mark.django_db

OUTSIDER = "203.0.113.7"


def scrape(client, **extra) -> dict:
    """{(name, labels as a sorted tuple): value} of every sample."""
    response = client.get("/metrics/", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def test_outsiders_are_refused_and_the_token_lets_a_scraper_in(client, settings):
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDER).status_code == 403
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDER).content == b""
    settings.OPS_TOKEN = "scrape-token-0123456789"
    assert client.get("/metrics/", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer nope").status_code == 403
    samples = scrape(client, REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer scrape-token-0123456789")
    assert ("certportal_celery_broker_up", ()) in samples


def test_a_prometheus_on_the_nodes_address_is_not_refused_by_the_host_check(client):
    assert client.get("/metrics/", HTTP_HOST="10.0.0.11:8000").status_code == 200


def test_applications_and_certificates_by_status(client, decision_maker):
    in_state(Application.Status.DRAFT)
    in_state(Application.Status.DRAFT)
    in_state(Application.Status.SUBMITTED)
    granted = services.grant_certification(application=ready_for_decision(), by=decision_maker)
    suspended = services.grant_certification(application=ready_for_decision(), by=decision_maker)
    suspended.suspend(by=decision_maker, reason="test")

    samples = scrape(client)
    assert value(samples, "certportal_applications", status="draft") == 2
    assert value(samples, "certportal_applications", status="submitted") == 1
    assert value(samples, "certportal_applications", status="certified") == 2
    assert ("certportal_applications", (("status", "withdrawn"),)) in samples  # every status, zeros included
    assert value(samples, "certportal_certificates", status=granted.status) == 1
    assert value(samples, "certportal_certificates", status=Certificate.Status.SUSPENDED) == 1


def test_overdue_surveillance_reviews_on_live_certificates(client, decision_maker):
    certificate = services.grant_certification(application=ready_for_decision(), by=decision_maker)
    assert value(scrape(client), "certportal_surveillance_reviews_overdue") == 0
    first = certificate.surveillance_reviews.order_by("sequence").first()
    SurveillanceReview.objects.filter(pk=first.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    assert value(scrape(client), "certportal_surveillance_reviews_overdue") == 1  # past due, not yet marked
    SurveillanceReview.objects.filter(pk=first.pk).update(status=SurveillanceReview.Status.OVERDUE)
    assert value(scrape(client), "certportal_surveillance_reviews_overdue") == 1
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.WITHDRAWN)
    assert value(scrape(client), "certportal_surveillance_reviews_overdue") == 0


def test_the_outbox_counts_work_not_done(client, decision_maker):
    # on_commit callbacks do not run inside the test's transaction: the PDF granted here is not rendered
    services.grant_certification(application=ready_for_decision(), by=decision_maker)
    application = in_state(Application.Status.SUBMITTED)
    for _ in range(3):
        Notification.objects.create(user=decision_maker, application=application, kind=Notification.Kind.STATUS_CHANGED)
    unsent = Notification.objects.filter(emailed_at__isnull=True)
    assert unsent.count() >= 3
    samples = scrape(client)
    assert value(samples, "certportal_outbox_undelivered", kind="notification_email") == unsent.count()
    assert value(samples, "certportal_outbox_undelivered", kind="certificate_pdf") == 1
    assert value(samples, "certportal_outbox_undelivered", kind="decision_dossier") == 0

    unsent.filter(pk=unsent.first().pk).update(emailed_at=timezone.now())
    after = scrape(client)
    assert value(after, "certportal_outbox_undelivered", kind="notification_email") == unsent.count()
    assert (
        value(after, "certportal_outbox_undelivered", kind="notification_email")
        == value(samples, "certportal_outbox_undelivered", kind="notification_email") - 1
    )


def test_the_business_gauges_take_six_queries_whatever_the_data(client, decision_maker):
    for _ in range(3):
        services.grant_certification(application=ready_for_decision(), by=decision_maker)
    with CaptureQueriesContext(connection) as queries:
        scrape(client)
    assert len(queries) == 6, [q["sql"] for q in queries]


def test_requests_and_database_queries_are_counted(client):
    name = "django_http_requests_total_by_view_transport_method_total"
    before = scrape(client)
    client.get("/")
    client.get("/")
    after = scrape(client)
    labels = {"view": "home", "transport": "http", "method": "GET"}
    assert value(after, name, **labels) == value(before, name, **labels) + 2
    assert value(after, "django_db_execute_total", alias="default", vendor=connection.vendor) > value(
        before, "django_db_execute_total", alias="default", vendor=connection.vendor
    )


def test_celery_tasks_are_counted_by_outcome_with_their_durations(client):
    name = "certportal_celery_tasks_total"
    task = redeliver_pending.name
    before = scrape(client)
    redeliver_pending.apply()
    redeliver_pending.apply()
    after = scrape(client)
    assert value(after, name, task=task, outcome="succeeded") == value(before, name, task=task, outcome="succeeded") + 2
    assert value(after, "certportal_celery_task_duration_seconds_count", task=task) == (
        value(before, "certportal_celery_task_duration_seconds_count", task=task) + 2
    )

    @celery_app.task(name="tests.ops.always_fails")
    def always_fails():
        raise RuntimeError("boom")

    failed = value(scrape(client), name, task=always_fails.name, outcome="failed")
    always_fails.apply(throw=False)
    assert value(scrape(client), name, task=always_fails.name, outcome="failed") == failed + 1


def test_queue_length_from_the_broker_and_its_absence_when_the_broker_is_down(client):
    samples = scrape(client)
    assert value(samples, "certportal_celery_broker_up") == 1
    assert ("certportal_celery_queue_length", (("queue", celery_app.conf.task_default_queue),)) in samples

    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        samples = scrape(client)
    finally:
        celery_app.conf.broker_url = saved
    assert value(samples, "certportal_celery_broker_up") == 0
    assert not [key for key in samples if key[0] == "certportal_celery_queue_length"]


def test_the_grafana_dashboard_and_alerts_use_metrics_that_exist(client):
    """Every metric family deploy/grafana-dashboard.json and deploy/prometheus.yml query is exposed."""
    import json
    import re
    from pathlib import Path

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    dashboard = json.loads((deploy / "grafana-dashboard.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queries += re.findall(r"^#\s+(\S.*?)\s{2,}", (deploy / "prometheus.yml").read_text().split("Alerts worth")[1], re.M)
    used = {name for query in queries for name in re.findall(r"\b(?:django|certportal)_[a-z_]+", query)}
    exposed = set(re.findall(r"^# TYPE (\S+) (\S+)", client.get("/metrics/").content.decode(), re.M))
    names = set()
    for family, kind in exposed:
        names.add(family)
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(kind, [])
        names.update(family + suffix for suffix in suffixes)
    assert len(used) >= 10
    assert used <= names, sorted(used - names)

"""Health and metrics scraped from a running stack: gunicorn with two workers and a Celery
worker on Redis, sharing one PROMETHEUS_MULTIPROC_DIR as in `make run-prod`; the answers are parsed as a load
balancer and Prometheus would."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from prometheus_client.parser import text_string_to_metric_families

from applications.models import MaterialItem, Notification
from tests.factories import ApplicationFactory, MembershipFactory

from .conftest import ROOT, database_url, free_port, wait_for

pytestmark = pytest.mark.integration

TOKEN = "integration-ops-token-0123456789"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer looked at, not followed


OPENER = urllib.request.build_opener(_NoRedirect)


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    try:
        with OPENER.open(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def stack(start_worker, redis_broker, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "OPS_TOKEN": TOKEN,
        "OPS_INTERNAL_NETWORKS": "10.255.0.0/16",  # loopback is an outsider here: only the token opens the details
    }
    worker = start_worker(env=env)
    worker.wait_ready()
    port = free_port()
    web_env = {
        **os.environ,
        **env,
        "DJANGO_SETTINGS_MODULE": "certportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "integration-test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_broker.url,
        "CELERY_TASK_DEFAULT_QUEUE": redis_broker.queue,
        "CERTPORTAL_VAR_DIR": str(tmp_path / "var"),
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "certportal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=web_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return get(base + "/health/live/")[0] == 200
        except OSError:
            return False

    assert wait_for(up, timeout=60), (tmp_path / "gunicorn.log").read_text()[-3000:]
    yield base, worker
    web.terminate()
    web.wait(timeout=20)
    log.close()


def samples_of(body: bytes) -> dict:
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = samples.get(key, 0) + sample.value
    return samples


def total(samples, name, **labels) -> float:
    """The sum over every sample of `name` whose labels include `labels` (e.g. over gunicorn's processes)."""
    wanted = set(labels.items())
    return sum(v for (n, items), v in samples.items() if n == name and wanted <= set(items))


def test_health_and_metrics_of_a_running_stack(stack, redis_broker):
    base, worker = stack
    PeriodicTask.objects.update(last_run_at=timezone.now())  # the beat has run (none runs in this test)

    applicant = MembershipFactory().user
    application = ApplicationFactory(
        organization=applicant.membership.organization, materials=MaterialItem.Status.UPLOADED
    )
    application.submit(by=applicant)  # the notification e-mail is a task for the worker
    assert wait_for(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists()), worker.log.read_text()
    for _ in range(6):  # spread over both gunicorn workers
        assert get(base + "/portal/")[0] == 302  # anonymous: to the sign-in (no template, no static files)

    # readiness: the load balancer's view (status only) and the operator's (every check named)
    assert get(base + "/health/ready/") == (200, b"")
    status, body = get(base + "/health/ready/", token=TOKEN)
    assert status == 200, body
    checks = json.loads(body)["checks"]
    assert checks == dict.fromkeys(("Database", "Cache", "Broker", "Storage", "BeatSchedule", "Ping"), "ok")

    # metrics: refused without the token; with it, the exposition format with every family
    assert get(base + "/metrics/")[0] == 403
    status, body = get(base + "/metrics/", token=TOKEN)
    assert status == 200
    samples = samples_of(body)
    requests = "django_http_requests_total_by_view_transport_method_total"
    assert total(samples, requests, view="applications:dashboard", method="GET") == 6
    assert total(samples, "django_db_execute_total") > 0
    task = "applications.tasks.send_notification_email"
    assert total(samples, "certportal_celery_tasks_total", task=task, outcome="succeeded") >= 1  # from the worker
    assert total(samples, "certportal_celery_task_duration_seconds_count", task=task) >= 1
    assert total(samples, "certportal_celery_broker_up") == 1
    assert ("certportal_celery_queue_length", (("queue", redis_broker.queue),)) in samples
    assert total(samples, "certportal_applications", status="submitted") == 1
    assert total(samples, "certportal_outbox_undelivered", kind="notification_email") == 0

"""Liveness and readiness: each dependency up and down, details for insiders only."""

import datetime
import json
from unittest import mock

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from health_check.checks import Cache, Database, Storage
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable

from certportal import health
from certportal.celery import app as celery_app

pytestmark = pytest.mark.django_db

OUTSIDER = "203.0.113.7"


@pytest.fixture(autouse=True)
def beat_on_time():
    """The beat ran every periodic task just now (the test database may be older than the redelivery interval)."""
    PeriodicTask.objects.update(last_run_at=timezone.now())


def details(response) -> dict:
    return json.loads(response.content)["checks"]


def test_liveness_answers_without_asking_anything(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # a probe straight to the node has no X-Forwarded-For: not refused
    with mock.patch.object(Database, "run", side_effect=ServiceUnavailable("down")) as database:
        response = client.get("/health/live/", HTTP_HOST="10.0.0.11:8000")  # the node's address, not a site host
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    database.assert_not_called()


def test_readiness_is_200_with_every_check_named_for_an_internal_address(client):
    response = client.get("/health/ready/")  # the test client comes from 127.0.0.1
    assert response.status_code == 200, response.content
    assert details(response) == {
        "Database": "ok",
        "Cache": "ok",
        "Broker": "ok",
        "Storage": "ok",
        "BeatSchedule": "ok",
    }


@pytest.mark.parametrize("check", [Database, Cache, Storage, health.Broker, health.BeatSchedule])
def test_readiness_is_503_and_names_the_dependency_that_is_down(client, check):
    with mock.patch.object(check, "run", side_effect=ServiceUnavailable("pretend outage")):
        response = client.get("/health/ready/")
    assert response.status_code == 503
    checks = details(response)
    assert checks.pop(check.__name__) == "Unavailable: pretend outage"
    assert set(checks.values()) == {"ok"}


def test_a_celery_worker_must_answer_when_the_broker_has_remote_control(client, settings):
    settings.CELERY_WORKER_ENABLE_REMOTE_CONTROL = True
    with mock.patch.object(celery_app.control, "ping", return_value=[]) as ping:
        response = client.get("/health/ready/")
    assert ping.called
    assert response.status_code == 503
    assert details(response)["Ping"] == "Unavailable: Celery workers unavailable"

    with mock.patch.object(Ping, "run", return_value=None):
        assert client.get("/health/ready/").status_code == 200


def test_the_embedded_broker_has_no_worker_ping(settings):
    settings.CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    assert Ping not in [check for check, _options in health.readiness_checks()]


def test_an_unreachable_broker_fails_readiness(client):
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/health/ready/")
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 503
    assert details(response)["Broker"].startswith("Unavailable: broker unreachable")


def test_a_late_beat_fails_readiness_once_past_the_grace(client, settings):
    settings.BEAT_GRACE_MINUTES = 10
    sweep = PeriodicTask.objects.get(task="certificates.tasks.redeliver_pending")  # every 5 minutes
    sweep.last_run_at = timezone.now() - datetime.timedelta(minutes=14)  # due 9 minutes ago: within the grace
    sweep.save()
    assert client.get("/health/ready/").status_code == 200

    sweep.last_run_at = timezone.now() - datetime.timedelta(minutes=16)  # due 11 minutes ago
    sweep.save()
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert details(response)["BeatSchedule"] == f"Unavailable: beat late for: {sweep.name}"

    sweep.enabled = False  # a task switched off is not waited for
    sweep.save()
    assert client.get("/health/ready/").status_code == 200


def test_a_beat_that_never_ran_is_late_once_its_first_run_is_due(client):
    sweep = PeriodicTask.objects.get(task="certificates.tasks.redeliver_pending")
    PeriodicTask.objects.filter(pk=sweep.pk).update(
        last_run_at=None, start_time=None, date_changed=timezone.now() - datetime.timedelta(hours=1)
    )
    assert details(client.get("/health/ready/"))["BeatSchedule"].startswith("Unavailable: beat late for")


def test_outsiders_get_the_status_code_only(client):
    response = client.get("/health/ready/", REMOTE_ADDR=OUTSIDER)
    assert response.status_code == 200
    assert response.content == b""
    with mock.patch.object(Database, "run", side_effect=ServiceUnavailable("pretend outage")):
        response = client.get("/health/ready/", REMOTE_ADDR=OUTSIDER)
    assert response.status_code == 503
    assert response.content == b""


def test_the_token_shows_the_details_from_anywhere(client, settings):
    settings.OPS_TOKEN = "ops-token-for-tests-0123456789"
    with mock.patch.object(Database, "run", side_effect=ServiceUnavailable("pretend outage")):
        shown = client.get("/health/ready/", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {settings.OPS_TOKEN}")
        wrong = client.get("/health/ready/", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer guess")
        other_scheme = client.get(
            "/health/ready/", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Basic {settings.OPS_TOKEN}"
        )
    assert shown.status_code == 503
    assert details(shown)["Database"] == "Unavailable: pretend outage"
    assert (wrong.status_code, wrong.content) == (503, b"")
    assert (other_scheme.status_code, other_scheme.content) == (503, b"")


def test_no_token_configured_accepts_none(client, settings):
    settings.OPS_TOKEN = ""
    response = client.get("/health/ready/", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer ")
    assert response.content == b""


def test_behind_a_proxy_the_client_address_counts_not_the_proxys(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = client.get("/health/ready/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)
    assert (proxied.status_code, proxied.content) == (200, b"")
    settings.OPS_INTERNAL_NETWORKS = ["10.0.0.0/8"]
    monitor = client.get("/health/ready/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert details(monitor)["Database"] == "ok"

"""Fixtures that start real services' clients: Redis as the broker and a live Celery worker process.

Locally these tests skip when Redis is not reachable; with CI=true they fail instead (.ci/run starts Redis).
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.db import connection

from certportal.celery import app as celery_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def require_service(url: str, what: str) -> None:
    if _reachable(url):
        return
    message = f"{what} is not reachable at {url}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: integration tests must run; .ci/run starts the services)")
    pytest.skip(message)


def database_url() -> str:
    """The URL of the test database this process uses, for the worker process to share it."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis_broker():
    require_service(REDIS_URL, "Redis")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = {
        k: celery_app.conf[k]
        for k in ("broker_url", "task_always_eager", "broker_transport_options", "task_default_queue")
    }
    celery_app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        broker_transport_options={"visibility_timeout": 600},
        task_default_queue=queue,
    )
    _reset_producer_pool()  # eager calls in earlier tests made one for the filesystem broker
    yield queue
    celery_app.conf.update(saved)
    _reset_producer_pool()


def _reset_producer_pool():
    # Drop our references only: kombu keeps producer pools in a global registry keyed by broker URL, so
    # closing them here would also close the pool the eager tests of the embedded broker go on using.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def live_worker(redis_broker, django_db_serialized_rollback, transactional_db, tmp_path):
    """A real `celery worker` process (prefork, one child) consuming the test queue on Redis."""
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certportal.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CERTPORTAL_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "integration-test",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "certportal",
            "worker",
            "-Q",
            redis_broker,
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield {"process": process, "mail_dir": mail_dir, "log": tmp_path / "worker.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(predicate, timeout=60, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None

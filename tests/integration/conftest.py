"""Fixtures that start real services: Redis as the broker, live Celery worker processes and an S3 API server.

Locally these tests skip when Redis (or redis-server) is not there; with CI=true they fail instead (.ci/run starts
Redis). The S3 API is moto's server, run in a thread of the test process on a free loopback port.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
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
    _missing(f"{what} is not reachable at {url}")


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: integration tests must run; .ci/run starts the services)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The URL of the test database this process uses, for the worker process to share it."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(predicate, timeout=60, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None


# --- the broker -----------------------------------------------------------------------------------------------


@dataclass
class Broker:
    url: str
    queue: str

    def point_at(self, url: str) -> None:
        """Send this process's messages to another Redis (workers started afterwards consume from it too)."""
        self.url = url
        celery_app.conf.broker_url = url
        _reset_producer_pool()


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
    yield Broker(REDIS_URL, queue)
    celery_app.conf.update(saved)
    _reset_producer_pool()


def _reset_producer_pool():
    # Drop our references only: kombu keeps producer pools in a global registry keyed by broker URL, so
    # closing them here would also close the pool the eager tests of the embedded broker go on using.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@dataclass
class RedisServer:
    """A redis-server of the test's own, so a test can stop its broker without touching the machine's Redis."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: _reachable(self.url), timeout=10), "redis-server did not start"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        _missing("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


# --- workers --------------------------------------------------------------------------------------------------


@dataclass
class LiveWorker:
    process: subprocess.Popen
    log: Path
    mail_dir: Path

    def pool_children(self) -> list[int]:
        """The prefork pool's child processes (read from /proc: their parent is the worker's main process)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def wait_ready(self, timeout=60) -> None:
        assert wait_for(lambda: "ready." in self.log.read_text(), timeout=timeout), self.log.read_text()[-3000:]

    def kill(self) -> None:
        """SIGKILL the main process; its pool children die with it (Celery sets their parent-death signal)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def start_worker(redis_broker, django_db_serialized_rollback, transactional_db, tmp_path):
    """Start real `celery worker` processes (prefork, one child) sharing the test database; all stopped after."""
    started: list[LiveWorker] = []
    mail_dir = tmp_path / "mail"

    def start(*, env: dict | None = None) -> LiveWorker:
        number = len(started) + 1
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "certportal.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis_broker.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": redis_broker.queue,  # what the worker's tasks enqueue stays in the test
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "CERTPORTAL_VAR_DIR": str(tmp_path / "var"),
            "SIGNING_PKCS12_PATH": settings.SIGNING_PKCS12_PATH,  # the test run's key (tests/conftest.py)
            "SECRET_KEY": "integration-test",
            **(env or {}),
        }
        log_path = tmp_path / f"worker-{number}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "certportal", "worker", "-Q", redis_broker.queue]
                + ["-n", f"w{number}-{redis_broker.queue}@%h", "-c", "1", "--without-gossip", "--without-mingle"]
                + ["-l", "info"],
                cwd=ROOT,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(LiveWorker(process, log_path, mail_dir))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def live_worker(start_worker):
    """One real worker consuming the test queue on Redis."""
    return start_worker()


def worker_logs(tmp_path) -> str:
    return "".join(path.read_text() for path in sorted(tmp_path.glob("worker-*.log")))


# --- S3 -------------------------------------------------------------------------------------------------------


class S3Server:
    """moto's S3 API on a free loopback port, in a thread of the test process.

    Its objects live in this process's memory, so stop() (which closes the port: clients get "connection refused")
    and start() again keep them, like an object store that was unreachable for a while."""

    region = "us-east-1"
    access_key, secret_key = "integration-key", "integration-secret"

    def __init__(self):
        self.port = free_port()
        self.bucket = f"certportal-{uuid.uuid4().hex[:8]}"
        self._server = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args, **kwargs):
                pass

        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=QuietHandler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    @property
    def env(self) -> dict[str, str]:
        """The environment a worker (or any certportal process) needs to store its files here."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }


@pytest.fixture
def s3_server():
    server = S3Server()
    server.start()
    server.client().create_bucket(Bucket=server.bucket)
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    """This test process stores its files on the S3 server too (as the web process does in production)."""
    for name, value in s3_server.env.items():
        setattr(settings, name, value)
    settings.AWS_QUERYSTRING_EXPIRE = 300
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    return s3_server

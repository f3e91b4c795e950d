"""Public home page: server time and queries per request (in-process, test client)."""

import time

from _setup import django_setup, median, percentile, report, sized

django_setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
client = Client()
for _ in range(5):  # warm-up: template loading, translations
    assert client.get("/").status_code == 200
samples = []
for _ in range(sized(100, 10)):
    start = time.perf_counter()
    client.get("/")
    samples.append((time.perf_counter() - start) * 1000)
with CaptureQueriesContext(connection) as ctx:
    client.get("/")
report("home_p50", median(samples), "ms")
report("home_p95", percentile(samples, 95), "ms")
report("home_queries", len(ctx.captured_queries), "queries")

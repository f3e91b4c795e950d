"""Health endpoints for load balancers and operators, built on django-health-check.

/health/live/   liveness: the process answers. Nothing else is asked, so a database outage does not get every
                web process restarted.
/health/ready/  readiness: database, cache, broker, private storage, a Celery worker answering a ping (when the
                broker supports remote control: not the embedded filesystem broker of `make run`) and the beat
                having run every periodic task on time. 200 when all pass, 503 otherwise. Which check failed,
                and why, only for an internal address or the operations token (certportal.ops); others get the
                status code with an empty body.
"""

import asyncio
import dataclasses
import datetime

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.contrib.celery import Ping
from health_check.exceptions import ServiceUnavailable

from .ops import may_see_details


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection."""

    def run(self):
        from .celery import app

        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
        except Exception as error:  # kombu raises OperationalError, OSError, redis errors … by transport
            raise ServiceUnavailable(f"broker unreachable ({type(error).__name__})") from error


@dataclasses.dataclass
class BeatSchedule(HealthCheck):
    """Every enabled periodic task ran when its schedule said, give or take BEAT_GRACE_MINUTES.

    django-celery-beat writes last_run_at back every few minutes, hence the grace. A task that never ran is
    measured from when it was created or changed (a beat that never started fails once the first run is due)."""

    async def run(self):
        try:
            late = await sync_to_async(late_periodic_tasks)()  # in the request's thread, on its connection
        except DatabaseError as error:
            raise ServiceUnavailable("the beat schedule cannot be read") from error
        if late:
            raise ServiceUnavailable(f"beat late for: {', '.join(late)}")


def late_periodic_tasks() -> list[str]:
    from django_celery_beat.models import PeriodicTask

    grace = datetime.timedelta(minutes=settings.BEAT_GRACE_MINUTES)
    late = []
    tasks = PeriodicTask.objects.filter(enabled=True, one_off=False).select_related(
        "interval", "crontab", "solar", "clocked"
    )
    for task in tasks.order_by("name"):
        since = task.last_run_at or task.start_time or task.date_changed
        if task.schedule.remaining_estimate(since) < -grace:
            late.append(task.name)
    return late


def readiness_checks() -> list[tuple[type[HealthCheck], dict[str, object]]]:
    """(check class, options) pairs."""
    checks: list[tuple[type[HealthCheck], dict[str, object]]] = [
        (Database, {}),
        (Cache, {}),
        (Broker, {}),
        (Storage, {}),
        (BeatSchedule, {}),
    ]
    if getattr(settings, "CELERY_WORKER_ENABLE_REMOTE_CONTROL", True):
        checks.append((Ping, {"timeout": datetime.timedelta(seconds=settings.HEALTH_WORKER_PING_SECONDS)}))
    return checks


def run_checks() -> list:
    """Run the readiness checks concurrently (django-health-check runs the synchronous ones in threads)."""

    async def gather():
        return await asyncio.gather(*(check(**options).get_result() for check, options in readiness_checks()))

    return async_to_sync(gather)()


def live(request):
    return HttpResponse("ok\n", content_type="text/plain")


def ready(request):
    results = run_checks()
    status = 503 if any(result.error for result in results) else 200
    if not may_see_details(request):
        return HttpResponse(status=status, content_type="text/plain")
    checks = {type(result.check).__name__: str(result.error) if result.error else "ok" for result in results}
    return JsonResponse({"status": "ok" if status == 200 else "unavailable", "checks": checks}, status=status)


def _metrics(request):
    from .metrics import metrics

    return metrics(request)


PROBES = {"/health/live/": live, "/health/ready/": ready, "/metrics/": _metrics}


class HealthProbeMiddleware:
    """Near the top of MIDDLEWARE: a load balancer probes, and Prometheus scrapes, a web node by its address (a Host
    that is not in ALLOWED_HOSTS) without the proxies' X-Forwarded-For, which the middleware further down would
    refuse with a 400. The probes and /metrics/ use neither, so they are answered here (and not counted in the
    request metrics); every other request goes on as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        add_never_cache_headers(response)
        return response

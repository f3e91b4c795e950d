import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings")

app = Celery("certportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from . import metrics  # noqa: E402, F401  (task counters and durations: signal handlers)


@worker_init.connect
def refuse_to_start_without_pdf_support(**kwargs):
    """A worker renders certificates: it must not start if the fast font subsetter is missing (PDF-3)."""
    from django.core.checks import run_checks

    errors = run_checks(tags=["pdf"])
    if errors:
        raise SystemExit("certportal worker refuses to start:\n" + "\n".join(str(e) for e in errors))

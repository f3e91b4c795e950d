import os
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning
from celery.signals import celeryd_init, worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings")

app = Celery("certportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_to_start_without_pdf_support(**kwargs):
    """A worker renders certificates: it must not start if the fast font subsetter is missing (PDF-3)."""
    from django.core.checks import run_checks

    errors = run_checks(tags=["pdf"])
    if errors:
        raise SystemExit("certportal worker refuses to start:\n" + "\n".join(str(e) for e in errors))


@worker_process_init.connect
def leave_the_process_group(**kwargs):
    """Each pool process leaves the worker's process group, so a stop signal sent to the group (honcho in `make run`,
    `kill -- -PGID`) reaches the worker's main process only: it lets the running tasks finish and then stops its pool
    itself (warm shutdown), instead of seeing its pool processes killed under it (an ERROR line for each, and a late
    task lost). Celery makes each pool process die with the main one (PR_SET_PDEATHSIG), so none is left behind."""
    os.setpgid(0, 0)


@celeryd_init.connect
def no_superuser_warning_for_the_local_demo(conf, **kwargs):
    """`make run` as root (a bare machine, a container) would print Celery's superuser warning on every start. The
    danger it stands for is pickle: a message on the broker that runs code as root. This worker accepts JSON only,
    and in demo mode its broker is a folder in var/ that only the same user can write to, so the warning adds nothing
    there and is left out. Elsewhere (a Redis broker, production) it stays, and C_FORCE_ROOT is never set: Celery
    still refuses to run as root if pickle is ever accepted."""
    from django.conf import settings

    local_demo = settings.DEMO_MODE and conf.broker_url.startswith("filesystem://")
    if local_demo and set(conf.accept_content) == {"json"}:
        warnings.filterwarnings("ignore", category=SecurityWarning)

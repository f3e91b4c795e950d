"""The periodic jobs are declared once (certportal.jobs) and written to django-celery-beat by migrate and sync_jobs."""

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from certportal.jobs import PERIODIC_JOBS, sync_periodic_jobs

pytestmark = pytest.mark.django_db

OLD_AUDITS_SWEEP = "certportal: redeliver audit photos and reports"  # once created by audits' migration 0005


def ours():
    return {task.name: task.task for task in PeriodicTask.objects.filter(name__startswith="certportal: ")}


def test_migrate_leaves_exactly_the_declared_jobs():
    assert ours() == {job.name: job.task for job in PERIODIC_JOBS}
    assert ours() == {
        "certportal: daily certification sweep": "certificates.tasks.daily_sweep",
        "certportal: redeliver pending work (outbox)": "certificates.tasks.redeliver_pending",
        "certportal: daily record checkpoint": "trail.tasks.daily_checkpoint",
        "certportal: query unanswered online payment orders": "applications.tasks.query_open_orders",
    }
    assert all(task.enabled for task in PeriodicTask.objects.filter(name__startswith="certportal: "))


def test_sync_creates_the_declared_jobs_with_their_schedules():
    PeriodicTask.objects.all().delete()
    changes = sync_periodic_jobs()
    assert sorted(changes["created"]) == sorted(job.name for job in PERIODIC_JOBS)
    sweep = PeriodicTask.objects.get(task="certificates.tasks.daily_sweep")
    assert (sweep.crontab.minute, sweep.crontab.hour, str(sweep.crontab.timezone)) == ("30", "2", "Asia/Shanghai")
    outbox = PeriodicTask.objects.get(task="certificates.tasks.redeliver_pending")
    assert (outbox.interval.every, outbox.interval.period, outbox.crontab) == (5, IntervalSchedule.MINUTES, None)


def test_sync_is_idempotent():
    sync_periodic_jobs()
    before = {task.name: task.date_changed for task in PeriodicTask.objects.all()}
    assert sync_periodic_jobs() == {"created": [], "updated": [], "deleted": []}
    assert {task.name: task.date_changed for task in PeriodicTask.objects.all()} == before  # the beat not disturbed


def test_sync_sets_back_a_changed_job_and_removes_the_obsolete_one():
    every_5, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name=OLD_AUDITS_SWEEP, task="audits.tasks.redeliver_pending", interval=every_5)
    PeriodicTask.objects.filter(task="certificates.tasks.redeliver_pending").update(enabled=False)
    someone_elses = PeriodicTask.objects.create(name="celery.backend_cleanup", task="x", interval=every_5)

    changes = sync_periodic_jobs()
    assert changes["deleted"] == [OLD_AUDITS_SWEEP]
    assert changes["updated"] == ["certportal: redeliver pending work (outbox)"]
    assert not PeriodicTask.objects.filter(task="audits.tasks.redeliver_pending").exists()
    assert PeriodicTask.objects.get(task="certificates.tasks.redeliver_pending").enabled
    assert PeriodicTask.objects.filter(pk=someone_elses.pk).exists()  # not ours: left alone


def test_the_command_reports_what_it_did():
    PeriodicTask.objects.filter(task="certificates.tasks.daily_sweep").delete()
    out = io.StringIO()
    call_command("sync_jobs", stdout=out)
    assert out.getvalue() == "created: certportal: daily certification sweep\n"
    out = io.StringIO()
    call_command("sync_jobs", stdout=out)
    assert out.getvalue() == "periodic jobs up to date\n"

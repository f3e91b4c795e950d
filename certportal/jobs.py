"""The periodic jobs, declared here and nowhere else; `sync_periodic_jobs` writes them to django-celery-beat.

It runs after every `migrate` (certportal.apps) and as `manage.py sync_jobs`. The list is the truth: a job's task,
schedule or description changed in the admin is set back at the next sync, and a job of ours (its name starts with
JOB_PREFIX) that is no longer declared here is deleted. Jobs named otherwise are left alone.
"""

import dataclasses

JOB_PREFIX = "certportal: "


@dataclasses.dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    description: str
    every_minutes: int | None = None  # an interval schedule, or
    crontab: dict[str, str] | None = None  # a crontab schedule (CrontabSchedule's fields)


PERIODIC_JOBS = [
    PeriodicJob(
        name=JOB_PREFIX + "daily certification sweep",
        task="certificates.tasks.daily_sweep",
        crontab={"minute": "30", "hour": "2", "timezone": "Asia/Shanghai"},
        description="Surveillance reminders, overdue reviews, suspension, withdrawal, expiry and re-certification "
        "reminders.",
    ),
    PeriodicJob(
        name=JOB_PREFIX + "redeliver pending work (outbox)",
        task="certificates.tasks.redeliver_pending",
        every_minutes=5,
        description="Re-enqueue notifications, invitations, audit photo derivatives, audit report PDFs, certificate "
        "PDFs and dossiers whose message may have been lost while the broker was down.",
    ),
    PeriodicJob(
        name=JOB_PREFIX + "daily record checkpoint",
        task="trail.tasks.daily_checkpoint",
        crontab={"minute": "5", "hour": "0", "timezone": "Asia/Shanghai"},
        description="Sign the certification record's last entry (number, hash, date) and publish it at "
        "/trail/checkpoints/.",
    ),
    PeriodicJob(
        name=JOB_PREFIX + "query unanswered online payment orders",
        task="applications.tasks.query_open_orders",
        every_minutes=5,
        description="Ask WeChat Pay / Alipay about orders still open ONLINE_ORDER_QUERY_AFTER_MINUTES after they were "
        "made: paid ones confirm their payment, closed or expired ones are closed.",
    ),
]


def sync_periodic_jobs() -> dict[str, list[str]]:
    """Create or update the declared jobs and delete our undeclared ones; returns the names of each."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    changes: dict[str, list[str]] = {"created": [], "updated": [], "deleted": []}
    for job in PERIODIC_JOBS:
        if job.crontab is not None:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                **{"day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **job.crontab}
            )
            wanted = {"crontab": crontab, "interval": None}
        else:
            interval, _ = IntervalSchedule.objects.get_or_create(every=job.every_minutes, period="minutes")
            wanted = {"interval": interval, "crontab": None}
        wanted.update(task=job.task, description=job.description, enabled=True, solar=None, clocked=None)
        task = PeriodicTask.objects.filter(name=job.name).first()
        if task is None:
            PeriodicTask.objects.create(name=job.name, **wanted)
            changes["created"].append(job.name)
        elif any(getattr(task, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(task, field, value)
            task.save()  # also tells a running beat to reload its schedule
            changes["updated"].append(job.name)
    declared = [job.name for job in PERIODIC_JOBS]
    for task in PeriodicTask.objects.filter(name__startswith=JOB_PREFIX).exclude(name__in=declared):
        task.delete()  # one by one: the model's delete tells the beat
        changes["deleted"].append(task.name)
    return changes

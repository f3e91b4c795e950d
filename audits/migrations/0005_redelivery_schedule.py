"""Every 5 minutes, re-enqueue photo derivatives and report PDFs whose message may have been lost."""

from django.db import migrations

TASK_NAME = "certportal: redeliver audit photos and reports"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "audits.tasks.redeliver_pending", "interval": every, "enabled": True,
                                  "description": "Re-enqueue audit photo derivatives and audit report PDFs whose "
                                                 "message may have been lost while the broker was down."})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0004_onsite_scoring_photos_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]

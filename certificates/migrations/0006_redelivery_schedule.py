"""The outbox sweep every 5 minutes (django-celery-beat, editable in the admin)."""

from django.db import migrations

TASK_NAME = "certportal: redeliver pending work (outbox)"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "certificates.tasks.redeliver_pending", "interval": every, "enabled": True,
                                  "description": "Re-enqueue notifications, certificate PDFs and dossiers whose "
                                                 "message may have been lost while the broker was down."})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("certificates", "0005_daily_sweep_schedule")]
    operations = [migrations.RunPython(create, remove)]

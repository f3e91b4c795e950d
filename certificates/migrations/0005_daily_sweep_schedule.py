"""The one periodic job: the daily sweep at 02:30 Asia/Shanghai, editable in the admin (django-celery-beat)."""

from django.db import migrations

TASK_NAME = "certportal: daily certification sweep"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": "certificates.tasks.daily_sweep", "crontab": schedule, "enabled": True,
                                  "description": "Surveillance reminders, overdue reviews, suspension, withdrawal, "
                                                 "expiry and re-certification reminders."})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0004_surveillance_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]

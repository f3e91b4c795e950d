"""`manage.py sync_jobs`: write the periodic jobs of certportal/jobs.py to django-celery-beat (migrate does too)."""

from django.core.management.base import BaseCommand

from certportal.jobs import sync_periodic_jobs


class Command(BaseCommand):
    help = (
        "Create or update the periodic jobs declared in certportal/jobs.py in django-celery-beat, and delete the "
        "ones certportal created earlier that are no longer declared."
    )

    def handle(self, *args, **options):
        changes = sync_periodic_jobs()
        for change, names in changes.items():
            for name in names:
                self.stdout.write(f"{change}: {name}")
        if not any(changes.values()):
            self.stdout.write("periodic jobs up to date")

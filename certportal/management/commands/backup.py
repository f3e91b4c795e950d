"""`manage.py backup` (`make backup`): the database and every private file, with a manifest (certportal/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from certportal.backup import create_backup


class Command(BaseCommand):
    help = (
        "Write a backup: one snapshot of the database (pg_dump custom format, or SQLite's online backup), every "
        "private file (orphans and missing files reported) and manifest.json with their sizes and SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="A new folder (default: var/backups/<timestamp>).")

    def handle(self, *args, **options):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = Path(options["output"] or settings.VAR_DIR / "backups" / stamp)
        create_backup(target, log=self.stdout.write)

"""`manage.py restore` (`make restore`): rebuild the configured database and storage from a backup."""

from pathlib import Path

from django.core.management.base import BaseCommand

from certportal.backup import restore_backup


class Command(BaseCommand):
    help = (
        "Verify a backup against its manifest, then restore its database into DATABASE_URL's database (created "
        "when absent) and its files into the private storage. Both must be empty unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", help="The folder `manage.py backup` wrote.")
        parser.add_argument("--force", action="store_true", help="Replace a database and files that are already there.")

    def handle(self, *args, **options):
        restore_backup(Path(options["backup_dir"]), force=options["force"], log=self.stdout.write)

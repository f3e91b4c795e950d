"""manage.py import_indicators scoring-sheet.csv --name "…" [--edition "GB/T 27922-2011"] [--activate] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from audits.indicator_import import create_set, parse, read


class Command(BaseCommand):
    help = (
        "Create a new version of an indicator set from the body's scoring sheet (.csv or .json). "
        "Columns: code, title_zh, title_en, max_points [, parent, level, excludable, sampled, placeholder]. "
        "The whole file is checked first; nothing is created if any line is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--name", default="", help="Name of the new version (default: the file name).")
        parser.add_argument("--edition", default="GB/T 27922-2011", help="Standard edition the set belongs to.")
        parser.add_argument("--activate", action="store_true", help="Use the new version for audits planned from now.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file only.")

    def handle(self, *args, file, name, edition, activate, dry_run, **options):
        try:
            roots = parse(read(file))
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            problems = getattr(error, "problems", None) or [f"The file cannot be read: {error}"]
            raise CommandError(
                f"{file}: {len(problems)} problem(s), nothing imported:\n  " + "\n  ".join(problems)
            ) from None
        leaves = _leaves(roots)
        total = sum(leaf.max_points for leaf in leaves)
        summary = f"{len(roots)} first-level indicators, {len(leaves)} scored items, {total} points in all"
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"{file} is valid: {summary}."))
            return
        indicator_set = create_set(
            roots, name=name or file.rsplit("/", 1)[-1], standard_edition=edition, activate=activate
        )
        state = "active for new audits" if indicator_set.is_active else "not active (activate it in the admin)"
        self.stdout.write(self.style.SUCCESS(f"Created {indicator_set} ({summary}); {state}."))
        if indicator_set.has_placeholder_points:
            self.stdout.write(self.style.WARNING("Some items are marked as placeholder points."))


def _leaves(rows):
    return [leaf for row in rows for leaf in (_leaves(row.children) if row.children else [row])]

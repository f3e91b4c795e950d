"""Walk the certification record and name the first entry that does not match (exit status 1), or check an export."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trail import chain, export
from trail.models import TrailEntry, TrailHead

CHUNK = 5000
FIELDS = ("seq", "at", "kind", "subject_type", "subject_id", "actor_id", "payload", "prev_hash", "hash")


def first_mismatch() -> tuple[int, str] | None:
    """The number of the first entry that breaks the chain and why; None when the whole chain holds."""
    expected_prev, expected_seq = chain.GENESIS, 1
    rows = TrailEntry.objects.order_by("seq").values_list(*FIELDS)
    for seq, at, kind, subject_type, subject_id, actor_id, payload, prev_hash, hash_ in rows.iterator(CHUNK):
        if seq != expected_seq:
            return expected_seq, f"entry #{expected_seq} is missing (next is #{seq})"
        if prev_hash != expected_prev:
            return seq, "its previous hash is not the hash of the entry before it"
        content = chain.content(
            seq=seq,
            at=at,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_id=actor_id,
            payload=payload,
        )
        if chain.entry_hash(prev_hash, content) != hash_:
            return seq, "its content does not match its hash"
        expected_prev, expected_seq = hash_, seq + 1
    head = TrailHead.objects.filter(pk=1).values_list("seq", "hash").first()
    if head is not None and head != (expected_seq - 1, expected_prev):
        return head[0], f"the head names entry #{head[0]}, the chain ends at #{expected_seq - 1}"
    return None


class Command(BaseCommand):
    help = "Check the certification record's hash chain, or (--export FILE) a case's exported record, offline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--export", metavar="FILE", help="check this exported ZIP instead of the database")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["export"]:
            self._check_export(options["export"])
            return
        found = first_mismatch()
        if found is not None:
            seq, why = found
            raise CommandError(f"Entry #{seq} does not match: {why}.", returncode=1)
        self.stdout.write("The record holds: every entry chains correctly.")

    def _check_export(self, path: str) -> None:
        with open(path, "rb") as fileobj:
            problems, signer = export.verify(fileobj)
        if problems:
            raise CommandError("The export does not hold: " + "; ".join(problems) + ".", returncode=1)
        self.stdout.write(f"The export holds: signed by {signer}, every member and entry matches.")

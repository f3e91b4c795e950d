"""The certification record: an append-only, hash-chained log of every act on a case (docs/record.md).

At the bottom of the layers: it imports no other app of the project, and every app may call `append`.
"""

import datetime
import decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

_PLAIN = (type(None), bool, int, str, decimal.Decimal, datetime.date)


def plain(value: Any) -> Any:
    """A field or context value as an entry holds it: JSON's own types, decimals and dates as they are, else text."""
    return value if isinstance(value, _PLAIN) else str(value)


def subject_key(subject: models.Model) -> tuple[str, str]:
    """How an entry names its subject: the concrete model's label and the primary key, as text."""
    model = subject._meta.concrete_model or type(subject)
    return model._meta.label_lower, str(subject.pk)


_READ_HEAD = "SELECT seq, hash FROM trail_trailhead WHERE id = 1"
_MOVE_HEAD = "UPDATE trail_trailhead SET seq = %s, hash = %s WHERE id = 1"


def _locked_head() -> tuple[int, str]:
    """The head's number and hash, its row locked until the caller's transaction ends (FOR UPDATE on PostgreSQL;
    SQLite's writers are serialised by their IMMEDIATE transactions). Plain SQL: the two statements on the head run
    in every transition, and building them through the ORM took longer than running them."""
    from . import chain
    from .models import TrailHead

    read = _READ_HEAD + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    with connection.cursor() as cursor:
        cursor.execute(read)
        row = cursor.fetchone()
        if row is None:  # the first append of a new (or emptied) record: get_or_create settles a race for the row
            if TrailHead.objects.get_or_create(pk=1)[1]:
                return 0, chain.GENESIS  # created in this transaction, so locked by it
            cursor.execute(read)
            row = cursor.fetchone()
    return row[0], row[1]


def append(kind: str, subject: models.Model, payload: dict[str, Any], by: Any = None) -> Any:
    """Append one entry in the caller's transaction, after the head row is locked (appends are serialised).
    Three statements: the head read under its lock, the entry inserted, the head moved to it."""
    from . import chain
    from .models import TrailEntry

    with transaction.atomic(savepoint=False):  # the caller's transaction (one is begun if there is none)
        seq, prev_hash = _locked_head()
        subject_type, subject_id = subject_key(subject)
        entry = TrailEntry(
            seq=seq + 1,
            at=timezone.now(),
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_id=getattr(by, "pk", None),
            # Stored exactly as hashed: decimals and dates become text here.
            payload=chain.json_copy(payload),
            prev_hash=prev_hash,
        )
        entry.hash = entry.computed_hash()
        entry.save(force_insert=True)
        with connection.cursor() as cursor:
            cursor.execute(_MOVE_HEAD, [entry.seq, entry.hash])
        return entry

"""The certification record: an append-only, hash-chained log of every act on a case (docs/record.md).

At the bottom of the layers: it imports no other app of the project, and every app may call `append`.
"""

import datetime
import decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

_PLAIN = (type(None), bool, int, str, decimal.Decimal, datetime.date)


def plain(value: Any) -> Any:
    """A field or context value as an entry holds it: JSON's own types, decimals and dates as they are, else text."""
    return value if isinstance(value, _PLAIN) else str(value)


def subject_key(subject: models.Model) -> tuple[str, str]:
    """How an entry names its subject: the concrete model's label and the primary key, as text."""
    model = subject._meta.concrete_model or type(subject)
    return model._meta.label_lower, str(subject.pk)


def append(kind: str, subject: models.Model, payload: dict[str, Any], by: Any = None) -> Any:
    """Append one entry in the caller's transaction, after the head row is locked (appends are serialised)."""
    from . import chain
    from .models import TrailEntry, TrailHead

    with transaction.atomic(savepoint=False):  # the caller's transaction (one is begun if there is none)
        head, _ = TrailHead.objects.select_for_update().get_or_create(pk=1)
        subject_type, subject_id = subject_key(subject)
        entry = TrailEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_id=getattr(by, "pk", None),
            # Stored exactly as hashed: decimals and dates become text here.
            payload=chain.json_copy(payload),
            prev_hash=head.hash,
        )
        entry.hash = entry.computed_hash()
        entry.save()
        TrailHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
        return entry

"""How an entry of the certification record is hashed (docs/record.md says the same, for checking it elsewhere).

An entry's content is a JSON object with the keys at, kind, subject_type, subject_id, actor_id, payload and seq. Its
canonical form is that object with sorted keys, no spaces, UTF-8 without escaping, times in UTC as ISO 8601 with
microseconds, dates as ISO 8601 and decimals as their plain text. Its hash is the hex SHA-256 of the previous entry's
hex hash (GENESIS for the first) followed by the canonical form.
"""

import datetime
import decimal
import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def _plain(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date | decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no canonical form in the record")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain).encode()


def content(
    *,
    seq: int,
    at: datetime.datetime,
    kind: str,
    subject_type: str,
    subject_id: str,
    actor_id: int | None,
    payload: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": _plain(at),
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "actor_id": actor_id,
        "payload": payload,
    }


def entry_hash(prev_hash: str, entry_content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(entry_content)).hexdigest()


def json_copy(value: Any) -> Any:
    """`value` as it reads back from JSON (decimals and dates as text), which is what is stored and hashed."""
    return json.loads(canonical(value))

"""Storage keys: random, server-generated, never derived from a user's file name."""

import uuid
from pathlib import PurePosixPath


def random_key(prefix: str, original_name: str = "", extension: str | None = None) -> str:
    ext = extension if extension is not None else PurePosixPath(original_name or "").suffix.lower()[:10]
    if ext and not ext.startswith("."):
        ext = "." + ext
    if not ext[1:].isalnum():
        ext = ""
    return f"{prefix}/{uuid.uuid4().hex}{ext}"

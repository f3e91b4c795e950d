"""A case's record as a signed ZIP for assessors, and its offline check (docs/record.md describes the format).

Members: entries.jsonl (the case's entries, each with its content, prev_hash and hash), links.jsonl (seq, prev_hash and
hash of every entry from the case's first one to the head when exported, so the case's entries can be seen in place
in the one chain and compared with a published checkpoint), files.json (the kept files' names, sizes and SHA-256, from
the entries), documents/… (the PDFs), manifest.json (the SHA-256 of every other member) and manifest.sig (a detached
CMS signature of manifest.json, DER, with the signer's certificate chain).
"""

import asyncio
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import chain
from .models import TrailEntry

CHUNK = 2000


def _line(value: Any) -> bytes:
    return chain.canonical(value) + b"\n"


def entries_of(subjects: Iterable[tuple[str, Iterable[Any]]]) -> "QuerySet[TrailEntry]":
    """The entries about any of `subjects` ((subject type, ids) pairs), in chain order."""
    where = Q(pk__in=[])
    for subject_type, ids in subjects:
        where |= Q(subject_type=subject_type, subject_id__in=[str(i) for i in ids])
    return TrailEntry.objects.filter(where).order_by("seq")


def build(label: str, entries: list[TrailEntry], documents: dict[str, bytes]) -> bytes:
    """The ZIP of `entries` (a case's, in order) and `documents` (member name under documents/ → content)."""
    from certportal.signing import sign_detached

    members: dict[str, bytes] = {}
    members["entries.jsonl"] = b"".join(
        _line({**entry.content(), "prev_hash": entry.prev_hash, "hash": entry.hash}) for entry in entries
    )
    links = b""
    if entries:
        rows = (
            TrailEntry.objects.filter(seq__gte=entries[0].seq).order_by("seq").values_list("seq", "prev_hash", "hash")
        )
        links = b"".join(
            _line({"seq": seq, "prev_hash": prev, "hash": hash_}) for seq, prev, hash_ in rows.iterator(CHUNK)
        )
    members["links.jsonl"] = links
    files = [{"subject": f"{e.subject_type}:{e.subject_id}", **e.payload} for e in entries if e.kind == "file"]
    members["files.json"] = chain.canonical(files)
    for name, content in documents.items():
        members[f"documents/{name}"] = content
    manifest = chain.canonical(
        {
            "case": label,
            "exported_at": timezone.now(),
            "members": {name: hashlib.sha256(content).hexdigest() for name, content in members.items()},
        }
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sig", sign_detached(manifest))
    return buffer.getvalue()


def _signature_problems(manifest: bytes, signature: bytes) -> tuple[list[str], str]:
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        # Offline: the chain is the one the signature carries; its root is named so it can be compared with the
        # body's published CA certificate.
        roots = [c.chosen for c in signed_data["certificates"] if c.chosen.self_signed]
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = asyncio.run(async_validate_detached_cms(manifest, signed_data, signer_validation_context=context))
    except Exception as error:  # a damaged signature is a finding to report, whatever the parser says
        return [f"manifest.sig cannot be read: {error}"], ""
    root = roots[0].subject.human_friendly if roots else "no root certificate"
    signer = f"{status.signing_cert.subject.human_friendly} (issued under {root})"
    if not (status.intact and status.valid):
        return ["manifest.sig does not match manifest.json"], signer
    return [], signer


def verify(fileobj: "IO[bytes]") -> tuple[list[str], str]:
    """Check an export offline: the signature, every member's hash, each entry's hash and the links. Returns the
    problems found (empty when it holds) and the signer's name."""
    with zipfile.ZipFile(fileobj) as archive:
        names = set(archive.namelist())
        for required in ("manifest.json", "manifest.sig", "entries.jsonl", "links.jsonl"):
            if required not in names:
                return [f"{required} is missing"], ""
        manifest_bytes = archive.read("manifest.json")
        problems, signer = _signature_problems(manifest_bytes, archive.read("manifest.sig"))
        manifest = json.loads(manifest_bytes)
        listed = manifest["members"]
        for name in sorted(names - {"manifest.json", "manifest.sig"} - set(listed)):
            problems.append(f"{name} is not in the manifest")
        for name, expected in sorted(listed.items()):
            if name not in names:
                problems.append(f"{name} is missing")
            elif hashlib.sha256(archive.read(name)).hexdigest() != expected:
                problems.append(f"{name} does not match its hash in the manifest")
        links = [json.loads(line) for line in archive.read("links.jsonl").splitlines()]
        entries = [json.loads(line) for line in archive.read("entries.jsonl").splitlines()]
    problems += _link_problems(links)
    hashes = {link["seq"]: link["hash"] for link in links}
    for entry in entries:
        prev_hash, hash_ = entry.pop("prev_hash"), entry.pop("hash")
        if chain.entry_hash(prev_hash, entry) != hash_:
            problems.append(f"entry #{entry['seq']} does not match its hash")
        elif hashes.get(entry["seq"]) != hash_:
            problems.append(f"entry #{entry['seq']} is not in the chain's links")
    return problems, signer


def _link_problems(links: list[dict[str, Any]]) -> list[str]:
    for previous, link in zip(links, links[1:], strict=False):
        if link["seq"] != previous["seq"] + 1 or link["prev_hash"] != previous["hash"]:
            return [f"the links break at entry #{link['seq']}"]
    return []

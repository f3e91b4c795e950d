"""Re-sign the stored documents with the current signing key, after a key rotation, when the operator wants that.

Key rotation: configure the new PKCS#12 (SIGNING_PKCS12_PATH) and add the former CA certificate to
SIGNING_EXTRA_TRUST_ROOTS; documents signed with the old key keep validating. This command is optional: it
replaces each document's signature by one made with the current key. The signed content is kept byte for byte
(the file as it was before its first signature), the new file is stored under a new key, the row records its
SHA-256 (so the public comparison still matches) and the row's history keeps the previous SHA-256. Each re-signed
document is written to the certification record (trail, kind "document_resigned"): the previous and the new
SHA-256 of the stored file and the signing certificate that signed it anew."""

import hashlib
import io
import logging
import zipfile
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Model, QuerySet
from pyhanko.pdf_utils.reader import PdfFileReader

import trail
from audits.models import Audit
from certificates.models import Certificate, DecisionDossier
from certportal import signing
from certportal.storage import random_key
from certportal.workflow import record_history

logger = logging.getLogger(__name__)

# The dossier's members that the body signed (the others are the applicant's own files).
DOSSIER_SIGNED_MEMBERS = ("00-case-summary.pdf", "audit-")


def unsigned_original(data: bytes) -> bytes:
    """The file as it was before its first signature: the bytes up to the end of the revision it signed over."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return data
    previous = reader.xrefs.get_xref_container_info(signatures[0].signed_revision - 1)
    end = data.index(b"%%EOF", previous.end_location) + len(b"%%EOF")
    while data[end : end + 1] in (b"\r", b"\n"):
        end += 1
    return data[:end]


def signed_with_current_key(data: bytes) -> bool:
    signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    return bool(signatures) and signatures[0].signer_cert.dump() == signing.signer_certificate_chain()[0].dump()


def resign(data: bytes, *, seal: bool) -> bytes:
    return signing.sign_pdf(unsigned_original(data), seal=seal)


def record_resigned(row: Model, document: str, previous_sha256: str, sha256: str) -> None:
    """The certification record's entry for one re-signed document (`document`: which of the row's files)."""
    cert = signing.signer_certificate_chain()[0]
    key = {
        "subject": cert.subject.human_friendly,
        "serial": format(cert.serial_number, "x"),
        "sha256": cert.sha256.hex(),
    }
    trail.append(
        "document_resigned",
        row,
        {"document": document, "previous_sha256": previous_sha256, "sha256": sha256, "signing_certificate": key},
    )


class Command(BaseCommand):
    help = "Re-sign stored certificates, audit reports and decision dossiers with the current signing key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--certificates", action="store_true", help="certificate PDFs")
        parser.add_argument("--reports", action="store_true", help="audit report PDFs")
        parser.add_argument("--dossiers", action="store_true", help="decision dossiers (the PDFs we signed in them)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be re-signed, change nothing")

    def handle(self, *args: object, **options: bool) -> None:
        everything = not (options["certificates"] or options["reports"] or options["dossiers"])
        self.dry_run = options["dry_run"]
        counts = []
        if everything or options["certificates"]:
            certificates = Certificate.objects.exclude(pdf="").order_by("pk")
            counts.append(("certificates", self._pdfs(certificates, "pdf", "pdf_sha256", "certificates", seal=True)))
        if everything or options["reports"]:
            reports = Audit.objects.exclude(report_pdf="").order_by("pk")
            counts.append(("reports", self._pdfs(reports, "report_pdf", "report_pdf_sha256", "audit-reports")))
        if everything or options["dossiers"]:
            counts.append(("dossiers", self._dossiers()))
        verb = "would re-sign" if self.dry_run else "re-signed"
        for kind, (done, current) in counts:
            self.stdout.write(f"{kind}: {verb} {done}, already signed with the current key {current}")

    def _pdfs(
        self, rows: QuerySet[Any], field: str, hash_field: str, prefix: str, *, seal: bool = False
    ) -> tuple[int, int]:
        """Re-sign each row's PDF in `field`; `hash_field` records the new SHA-256. Returns (re-signed, current)."""
        done = current = 0
        for row in rows.iterator(chunk_size=100):
            with getattr(row, field).open("rb") as f:
                data = f.read()
            if signed_with_current_key(data):
                current += 1
                continue
            done += 1
            if self.dry_run:
                continue
            new = resign(data, seal=seal)
            name = default_storage.save(random_key(prefix, extension=".pdf"), ContentFile(new))
            self._record(row, field, hash_field, name, hashlib.sha256(new).hexdigest())
        return done, current

    @transaction.atomic
    def _record(self, row: Model, field: str, hash_field: str, name: str, sha256: str) -> None:
        previous = getattr(row, hash_field)
        setattr(row, field, name)
        setattr(row, hash_field, sha256)
        record_history(row, by=None, reason=f"re-signed, was SHA-256 {previous}")
        row.save(update_fields=[field, hash_field])
        record_resigned(row, field, previous, sha256)
        logger.info("%s %s re-signed: SHA-256 %s, previously %s", type(row).__name__, row.pk, sha256, previous)

    def _dossiers(self) -> tuple[int, int]:
        done = current = 0
        for dossier in DecisionDossier.objects.exclude(file="").order_by("pk").iterator(chunk_size=100):
            with dossier.file.open("rb") as f:
                stored = f.read()
            old_sha256 = hashlib.sha256(stored).hexdigest()
            with zipfile.ZipFile(io.BytesIO(stored)) as archive:
                members = [(info, archive.read(info)) for info in archive.infolist()]
            ours = {info.filename for info, _data in members if info.filename.startswith(DOSSIER_SIGNED_MEMBERS)}
            if all(signed_with_current_key(data) for info, data in members if info.filename in ours):
                current += 1
                continue
            done += 1
            if self.dry_run:
                continue
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for info, data in members:
                    archive.writestr(info, resign(data, seal=False) if info.filename in ours else data)
            previous = dossier.file.name
            key = random_key("dossiers", extension=".zip")
            new = out.getvalue()
            name = default_storage.save(key, ContentFile(new))
            with transaction.atomic():  # the row and its record entry together
                dossier.file.name = name
                dossier.size = len(new)
                dossier.save(update_fields=["file", "size"])
                record_resigned(dossier, "file", old_sha256, hashlib.sha256(new).hexdigest())
            logger.info("DecisionDossier %s re-signed: %s, previously %s", dossier.pk, dossier.file.name, previous)
        return done, current

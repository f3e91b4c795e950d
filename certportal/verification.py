"""What an uploaded PDF proves: who signed it (and the chain up to the body's CA), whether it is unchanged since
signing (or what changed), when it was signed, and whether it is the file the portal issued.

Revocation: when the file embeds revocation data (PAdES B-LT: OCSP responses or CRLs in its document security
store), the signer's certificate is checked against that data alone, at the signing time (the timestamp's, or else
the time the signer gave); nothing is fetched. A file without it (B-B, B-T) says so: its revocation is not checked.

Trusted roots: the self-signed certificates of the current signing chain (certportal.signing) and the files named
by SIGNING_EXTRA_TRUST_ROOTS. After a key rotation the former CA certificate is listed there, so documents signed
with the old key keep validating."""

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certportal import signing

logger = logging.getLogger(__name__)

# What happened to the file after it was signed ("" when nothing did).
CHANGED_BYTES = "changed-bytes"
INCREMENTAL_UPDATE = "incremental-update"
APPENDED_BYTES = "appended-bytes"

CHANGE_TEXT: dict[str, Promise] = {
    CHANGED_BYTES: _("the file was changed after signing"),
    INCREMENTAL_UPDATE: _("pages or content were added after signing (incremental update)"),
    APPENDED_BYTES: _("data was appended to the file after signing (the signed content itself is unchanged)"),
}


# What the file's embedded revocation data says of the signing certificate ("" when the signature is not ours).
REVOCATION_GOOD = "good"  # checked against the embedded OCSP responses or CRLs: not revoked
REVOCATION_REVOKED = "revoked"  # the embedded data says the certificate was revoked
REVOCATION_INCOMPLETE = "incomplete"  # data is embedded, but not enough to decide about every certificate
REVOCATION_NOT_EMBEDDED = "not-embedded"  # the file carries none (PAdES B-B or B-T): not checked

REVOCATION_TEXT: dict[str, Promise] = {
    REVOCATION_GOOD: _("Checked from the revocation data embedded in the file: good (not revoked when it was signed)."),
    REVOCATION_REVOKED: _(
        "Checked from the revocation data embedded in the file: the signing certificate was revoked."
    ),
    REVOCATION_INCOMPLETE: _(
        "Not fully checked: the file embeds revocation data, but not for every certificate of the chain."
    ),
    REVOCATION_NOT_EMBEDDED: _("Not checked: the file carries no revocation data of its own."),
}


class UnreadablePdf(ValueError):
    """The data is not a PDF that can be read (garbage, truncated or damaged beyond its signature)."""


@dataclass(frozen=True)
class CertificateName:
    """Who a certificate in the chain names."""

    common_name: str
    organization: str

    def __str__(self) -> str:
        return " · ".join(part for part in (self.organization, self.common_name) if part)


@dataclass(frozen=True)
class PdfVerification:
    sha256: str
    signed: bool
    signer: CertificateName | None = None
    # The signer first, up to the trusted root; empty when the signer's certificate leads to none of our roots.
    chain: list[CertificateName] = field(default_factory=list)
    trusted: bool = False
    intact: bool = False  # the signed bytes are the ones signed and the signature matches them
    coverage: str = ""  # pyHanko's SignatureCoverageLevel name
    modification_level: str = ""  # pyHanko's ModificationLevel name
    change: str = ""  # CHANGED_BYTES, INCREMENTAL_UPDATE, APPENDED_BYTES or ""
    signed_at: datetime | None = None  # the time the signer's computer reported
    timestamped_at: datetime | None = None  # the time of a timestamp authority's token, when there is one
    matches_issued: bool | None = None  # None when no issued SHA-256 was given
    revocation: str = ""  # REVOCATION_*, for a signature by our chain

    @property
    def unchanged(self) -> bool:
        return self.signed and self.intact and not self.change

    @property
    def change_text(self) -> Promise | str:
        return CHANGE_TEXT.get(self.change, "")

    @property
    def revocation_text(self) -> Promise | str:
        return REVOCATION_TEXT.get(self.revocation, "")


def verify_pdf(data: bytes, *, issued_sha256: str = "") -> PdfVerification:
    """Validate the first signature of a PDF (the body's; a later one would come with an incremental update).

    Raises UnreadablePdf when the data cannot be read as a PDF."""
    sha256 = hashlib.sha256(data).hexdigest()
    matches_issued = sha256 == issued_sha256 if issued_sha256 else None
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise UnreadablePdf(str(exc)) from exc
    if not any(filled for _name, filled, _ref in fields):
        return PdfVerification(sha256=sha256, signed=False, matches_issued=matches_issued)
    try:
        signature = reader.embedded_signatures[0]
        status = validate_pdf_signature(signature, trust_context())
        stamp = status.timestamp_validity
        if not status.trusted and stamp is not None and stamp.valid and stamp.trusted:
            # The signing certificate may have expired since: a trusted timestamp proves the signature existed at
            # its time, when the certificate was valid.
            status = validate_pdf_signature(signature, trust_context(at=stamp.timestamp))
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        # The signature or the bytes it covers no longer parse: the file was changed after signing.
        logger.info("signature could not be validated: %s", exc)
        return PdfVerification(sha256=sha256, signed=True, change=CHANGED_BYTES, matches_issued=matches_issued)
    intact = status.intact and status.valid
    level = status.modification_level
    if not intact:
        change = CHANGED_BYTES
    elif status.coverage == SignatureCoverageLevel.ENTIRE_FILE or level == ModificationLevel.LTA_UPDATES:
        change = ""  # nothing after the signature, or only validation data (certificates, revocation, timestamps)
    elif status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level == ModificationLevel.NONE:
        change = APPENDED_BYTES
    elif status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        change = INCREMENTAL_UPDATE
    else:
        change = CHANGED_BYTES
    path = status.validation_path if status.trusted else None
    timestamp = status.timestamp_validity
    signed_at = timestamp.timestamp if timestamp is not None and timestamp.valid else status.signer_reported_dt
    revocation = embedded_revocation(signature, at=signed_at) if status.trusted and intact else ""
    return PdfVerification(
        sha256=sha256,
        signed=True,
        signer=_name(status.signing_cert),
        chain=[_name(cert) for cert in reversed(list(path))] if path is not None else [],
        trusted=bool(status.trusted),
        intact=intact,
        coverage=status.coverage.name if status.coverage is not None else "",
        modification_level=level.name if level is not None else "",
        change=change,
        signed_at=status.signer_reported_dt,
        timestamped_at=timestamp.timestamp if timestamp is not None and timestamp.valid else None,
        matches_issued=matches_issued,
        revocation=revocation,
    )


def embedded_revocation(signature: EmbeddedPdfSignature, *, at: datetime | None) -> str:
    """What the revocation data embedded in the file (its document security store) says of the signer's chain at
    `at`, the signing time: REVOCATION_GOOD, _REVOKED, _INCOMPLETE, or _NOT_EMBEDDED when it carries none."""
    try:
        dss = DocumentSecurityStore.read_dss(signature.reader)
        if not dss.ocsps and not dss.crls:
            return REVOCATION_NOT_EMBEDDED
        status = validate_pdf_signature(signature, trust_context(at=at, embedded=dss))
    except NoDSSFoundError:
        return REVOCATION_NOT_EMBEDDED
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:  # the embedded data does not parse
        logger.info("embedded revocation data could not be read: %s", exc)
        return REVOCATION_INCOMPLETE
    if status.revoked:
        return REVOCATION_REVOKED
    return REVOCATION_GOOD if status.trusted else REVOCATION_INCOMPLETE


def trust_context(at: datetime | None = None, embedded: DocumentSecurityStore | None = None) -> ValidationContext:
    """The body's roots (signing.trust_roots: the current chain's root and SIGNING_EXTRA_TRUST_ROOTS, former CAs)
    and the current chain's intermediate certificates, validating at `at` (now by default); nothing is fetched
    from the network. With `embedded` (a file's document security store), its certificates, OCSP responses and
    CRLs are all the revocation data there is, and every certificate of the chain must be shown not revoked."""
    roots = signing.trust_roots()
    others = [cert for cert in signing.signer_certificate_chain() if cert not in roots]
    if embedded is None:
        return ValidationContext(trust_roots=roots, other_certs=others, allow_fetching=False, moment=at)
    return embedded.as_validation_context(
        {
            "trust_roots": roots,
            "other_certs": others,
            "allow_fetching": False,
            "moment": at,
            "revocation_mode": "hard-fail",
        }
    )


def _name(cert: asn1_x509.Certificate) -> CertificateName:
    subject = cert.subject.native
    return CertificateName(
        common_name=subject.get("common_name", ""), organization=subject.get("organization_name", "")
    )

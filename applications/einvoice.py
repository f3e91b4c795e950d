"""Checking an e-invoice file (电子发票) by what it contains: PDF, OFD or XML, the three forms a Chinese e-invoice
(including the fully digital 数电票) is delivered in.

- PDF (starts with %PDF-): rewritten without its active content like every uploaded PDF (applications/pdfsafe.py).
- OFD (GB/T 33190, China's fixed-layout format): a ZIP archive with `OFD.xml` at its root whose root element is
  `OFD`. The archive's directory is read, never extracted; it may hold at most MAX_OFD_MEMBERS members declaring
  at most MAX_OFD_INFLATED bytes, and `OFD.xml` is read (decompressed in chunks) up to MAX_OFD_XML bytes.
- XML (the e-invoice data file): well-formed, parsed in chunks by the standard library's expat parser with every
  document type declaration refused, so no entity (internal, external or parameter) can be declared, expanded or
  fetched (what defusedxml does; the project does not depend on it). An (X)HTML page is not an invoice.

Anything else is refused, whatever its name says (a "PDF" that is really an HTML page, say). The size limit is
the one of every upload (MAX_UPLOAD_SIZE). Every refusal is a ValidationError with a translated message naming the
file; nothing is stored before the file has passed.
"""

import zipfile
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from certportal.files import CHUNK_SIZE, sha256_of

from .pdfsafe import sanitise_pdf
from .uploads import MAX_NAME_LENGTH, PDF_MAGIC, CheckedFile, check_name, check_size, display_name

ZIP_MAGIC = b"PK\x03\x04"
MAX_OFD_MEMBERS = 10_000
MAX_OFD_INFLATED = 200 * 1024 * 1024
MAX_OFD_XML = 1024 * 1024
KINDS = {
    # kind: (content type, storage extension)
    "pdf": ("application/pdf", ".pdf"),
    "ofd": ("application/ofd", ".ofd"),
    "xml": ("application/xml", ".xml"),
}
ACCEPT_ATTRIBUTE = ".pdf,.ofd,.xml,application/pdf,application/ofd,application/xml,text/xml"


class _Refused(Exception):
    """Raised inside the expat handlers: the document declares something it must not."""


def check_invoice_file(uploaded) -> CheckedFile:
    """Check one e-invoice upload completely; return what the storage layer needs (as applications.uploads)."""
    name = check_name(uploaded.name or "")
    check_size(uploaded)
    sha256 = sha256_of(uploaded)
    stored = uploaded
    try:
        kind = _sniff(uploaded)
        if kind == "pdf":
            stored = sanitise_pdf(uploaded)
        elif kind == "ofd":
            _check_ofd(uploaded)
        elif kind == "xml":
            _check_xml(uploaded)
        else:
            raise ValidationError(
                _("it is not a PDF, OFD or XML e-invoice (its content was checked, not its name)."), code="type"
            )
    except ValidationError as error:
        raise ValidationError(
            _("The file “%(name)s” was refused: %(problem)s") % {"name": display_name(name), "problem": error.message},
            code=error.code,
        ) from None
    finally:
        uploaded.seek(0)
    content_type, extension = KINDS[kind]
    if not name.lower().endswith(extension):  # "invoice" holding an OFD is shown and saved as "invoice.ofd"
        name = name[: MAX_NAME_LENGTH - len(extension)] + extension
    return CheckedFile(stored, name, content_type, extension, stored.size, sha256)


def _sniff(uploaded) -> str | None:
    uploaded.seek(0)
    head = uploaded.read(64)
    uploaded.seek(0)
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "ofd"
    if head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return "xml"
    return None


def _check_ofd(uploaded) -> None:
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            if len(members) > MAX_OFD_MEMBERS:
                raise ValidationError(_("the OFD archive has too many parts."), code="ofd")
            if sum(member.file_size for member in members) > MAX_OFD_INFLATED:
                raise ValidationError(_("the OFD archive would unpack to too much data."), code="ofd")
            if "OFD.xml" not in {member.filename for member in members}:
                raise ValidationError(
                    _("it is a ZIP archive without OFD.xml at its root, not an OFD file."), code="ofd"
                )
            with archive.open("OFD.xml") as entry:
                root = _parse_xml(entry, limit=MAX_OFD_XML)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        # damaged, truncated, encrypted, or compressed in a way zipfile cannot read
        raise ValidationError(_("the OFD archive is damaged or cannot be read."), code="damaged") from None
    if _local_name(root) != "OFD":
        raise ValidationError(_("its OFD.xml is not an OFD document."), code="ofd")


def _check_xml(uploaded) -> None:
    uploaded.seek(0)
    head = uploaded.read(256).removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    uploaded.seek(0)
    if head.startswith((b"<!doctype html", b"<html")):
        raise ValidationError(_("it is a web page, not an e-invoice."), code="type")
    root = _parse_xml(uploaded)
    if _local_name(root).lower() == "html":
        raise ValidationError(_("it is a web page, not an e-invoice."), code="type")


def _parse_xml(stream, limit: int | None = None) -> str:
    """Parse `stream` in chunks, refusing any document type declaration; return the root element's name (with its
    namespace URI, `uri local`). Reads at most `limit` bytes when given (more is refused)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    root: list[str] = []

    def refuse(*args) -> int:  # expat's handler signatures; none returns
        raise _Refused

    def start(name, attributes) -> None:
        if not root:
            root.append(name)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    read = 0
    try:
        while chunk := stream.read(CHUNK_SIZE):
            read += len(chunk)
            if limit is not None and read > limit:
                raise ValidationError(_("its XML part is too large."), code="xml")
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused:
        raise ValidationError(
            _("the XML declares a document type or entities, which an e-invoice never needs."), code="xml"
        ) from None
    except expat.ExpatError:
        raise ValidationError(_("the XML is not well-formed."), code="xml") from None
    if not root:
        raise ValidationError(_("the XML has no content."), code="xml")
    return root[0]


def _local_name(name: str) -> str:
    return name.rsplit(" ", 1)[-1]

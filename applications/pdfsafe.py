"""Rewriting an uploaded PDF without its active content, with pikepdf (qpdf).

A blocklist that refuses "bad" PDFs misses whatever it does not list, so every PDF is rewritten instead: actions
of every kind (JavaScript, URI, GoTo/GoToR/GoToE, Launch, ImportData, SubmitForm, ResetForm, RichMedia …), the
keys that trigger them (/OpenAction, /AA, /A), JavaScript and embedded files (name trees and file specs), XFA
and rich-media or file-attachment annotations are removed; page content, fonts and images are copied as they are.
qpdf writes only the objects still reachable from the document, so what was cut off is not in the result.

Before qpdf parses anything inside a stream, every stream's inflated size is counted in small chunks, so a
decompression bomb (a content stream or an object stream that inflates to gigabytes) is refused without
being held in memory; a stream this module does not decode (an image, say) is counted by its length, unread.

Memory: the upload is read from its file as qpdf needs it and the rewrite goes to a temporary file, so a 50 MB
scan costs a few MB (bench/bench_upload.py). qpdf holds one stream at a time while writing it: a PDF made of a
single huge image holds that image once.
"""

import base64
import binascii
import tempfile
import zlib

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pikepdf import Array, Dictionary, Name, Stream

MAX_INFLATED = 200 * 1024 * 1024  # all streams of one PDF together, decoded
# qpdf decodes the cross-reference and object streams it needs while opening, before the count below can
# run: each such stream is capped here (a bigger one makes the file unreadable, so it is refused as damaged).
# qpdf never decodes page content or images here: they are copied as they are.
MAX_STRUCTURE_STREAM = 32 * 1024 * 1024
MAX_OBJECTS = 100_000
CHUNK = 1024 * 1024
# Keys that run or trigger something, or carry a script, a form program or a file.
ACTIVE_KEYS = {
    "/OpenAction",
    "/AA",
    "/A",
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EF",
    "/RF",
    "/XFA",
    "/NeedsRendering",
    "/URI",
    "/Launch",
    "/RichMediaContent",
    "/RichMediaSettings",
}
# Values of an action dictionary's /S: any such dictionary left anywhere is emptied.
ACTION_TYPES = {
    "/GoTo",
    "/GoToR",
    "/GoToE",
    "/GoToDp",
    "/GoTo3DView",
    "/Launch",
    "/Thread",
    "/URI",
    "/Sound",
    "/Movie",
    "/Hide",
    "/Named",
    "/SubmitForm",
    "/ResetForm",
    "/ImportData",
    "/JavaScript",
    "/SetOCGState",
    "/Rendition",
    "/Trans",
    "/RichMediaExecute",
}
REMOVED_ANNOTATIONS = {"/RichMedia", "/Screen", "/Movie", "/Sound", "/FileAttachment", "/3D"}
# Filters decoded here to count a stream's size; any other (images, LZW …) is counted as it stands, since
# nothing on the server decodes it further. Object streams, which qpdf must decode, may use only these.
COUNTED_FILTERS = {"/FlateDecode", "/Fl", "/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"}

pikepdf.settings.set_qpdf_limits(flate_max_memory=MAX_STRUCTURE_STREAM)  # process-wide; nothing else uses qpdf


class TooLarge(Exception):
    pass


def sanitise_pdf(source) -> File:
    """The PDF in `source` (a file object, read in pieces) rewritten without active content into an unnamed
    temporary file, gone once closed; ValidationError when it cannot or must not be."""
    temporary = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115 (returned open)
    out = File(temporary, name="sanitised.pdf")
    try:
        _rewrite(source, out.file)
    except BaseException:
        out.close()
        raise
    out.size = out.tell()
    out.seek(0)
    return out


def _rewrite(source, out) -> None:
    try:
        source.seek(0)
        with pikepdf.open(source, access_mode=pikepdf.AccessMode.stream) as pdf:
            if pdf.is_encrypted:
                raise pikepdf.PasswordError
            _check_size(pdf)
            if len(pdf.pages) == 0:
                raise ValidationError(_("the PDF has no pages."), code="damaged")
            _remove_active_content(pdf)
            pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, deterministic_id=True)
    except pikepdf.PasswordError:
        raise ValidationError(_("the PDF is encrypted or password-protected."), code="encrypted") from None
    except TooLarge:
        raise ValidationError(
            _("the PDF would unpack to more than %(limit)s (a compression bomb).")
            % {"limit": filesizeformat(MAX_INFLATED)},
            code="bomb",
        ) from None
    except ValidationError:
        raise
    except Exception:  # qpdf raises several kinds of error on damaged input
        raise ValidationError(_("the PDF is damaged or cannot be read by our PDF checker."), code="damaged") from None


def _check_size(pdf: pikepdf.Pdf) -> None:
    """Count the decoded size of every stream stored directly in the file (object streams included)."""
    table = pdf.get_xref_table()
    if len(table) > MAX_OBJECTS:
        raise ValidationError(_("the PDF has too many objects to be checked."), code="too_complex")
    total = 0
    for objgen, entry in table.items():
        if entry.type != 1:  # free, or inside an object stream (counted with that stream)
            continue
        obj = pdf.get_object(objgen)
        if not isinstance(obj, Stream):
            continue
        filters = _filters(obj)
        if _name(obj, "/Type") in ("/ObjStm", "/XRef") and not set(filters) <= COUNTED_FILTERS:
            raise ValidationError(_("the PDF uses an unusual compression for its structure."), code="damaged")
        if filters and filters[0] in COUNTED_FILTERS:
            total += _decoded_size(obj.read_raw_bytes(), filters, MAX_INFLATED - total)
        else:  # counted as it stands, from its length: a big image or padding is not read into memory
            total += int(obj.get("/Length", 0))
            if total > MAX_INFLATED:
                raise TooLarge


def _filters(stream: Stream) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    return [str(f) for f in value] if isinstance(value, Array) else [str(value)]


def _decoded_size(raw: bytes, filters: list[str], budget: int) -> int:
    """The stream's size after the filters this module decodes; TooLarge beyond budget, holding one chunk."""
    chunks = iter([raw])
    for position, name in enumerate(filters):
        if name in ("/FlateDecode", "/Fl"):
            chunks = _inflate(chunks, budget)
        elif name in ("/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85") and position == 0:
            chunks = iter([_ascii_decode(raw, name)])  # never larger than the raw bytes
        else:
            break
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > budget:
            raise TooLarge
    return size


def _inflate(chunks, budget: int):
    decompressor, produced = zlib.decompressobj(), 0
    for chunk in chunks:
        while chunk and not decompressor.eof:
            try:
                out = decompressor.decompress(chunk, CHUNK)
            except zlib.error:  # damaged data: qpdf stops there too
                return
            produced += len(out)
            if produced > budget:
                raise TooLarge
            yield out
            chunk = decompressor.unconsumed_tail


def _ascii_decode(raw: bytes, name: str) -> bytes:
    text = bytes(b for b in raw if b not in b" \t\r\n\f\0")
    try:
        if name in ("/ASCIIHexDecode", "/AHx"):
            text = text.split(b">")[0]
            return binascii.unhexlify(text + b"0" * (len(text) % 2))
        return base64.a85decode(text.split(b"~>")[0])
    except ValueError:
        return b""


def _remove_active_content(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, Array):
            kept = [a for a in annotations if _name(a, "/Subtype") not in REMOVED_ANNOTATIONS]
            page.obj.Annots = Array(kept)
    for obj in pdf.objects:
        _clean(obj)


def _clean(obj) -> None:
    """Remove active keys from obj and every dictionary written inside it (indirect ones are visited alone)."""
    stack = [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, Dictionary) and (
            _name(current, "/S") in ACTION_TYPES or _name(current, "/Type") == "/Action"
        ):
            for key in list(current.keys()):
                del current[key]
        elif isinstance(current, (Dictionary, Stream)):
            for key in list(current.keys()):
                if key in ACTIVE_KEYS:
                    del current[key]
                else:
                    stack.extend(_direct_containers([current[key]]))
        elif isinstance(current, Array):
            stack.extend(_direct_containers(current))


def _direct_containers(values) -> list:
    return [v for v in values if isinstance(v, (Dictionary, Array)) and not v.is_indirect]


def _name(obj, key: str) -> str | None:
    """The value of a name entry as text (None when obj is no dictionary or the entry is no name)."""
    if not isinstance(obj, (Dictionary, Stream)):
        return None
    value = obj.get(key)
    return str(value) if isinstance(value, Name) else None

"""The hostile upload corpus (targets.md SEC-5), generated at test time: nothing big is committed.

Each case is a file name and its bytes, plus what must become of it: "refused" (a clear error, nothing stored)
or "attachment" (a harmless file that may be kept, but is only ever served as a download with nosniff and a
sandboxing CSP). The largest things here are claims, not bytes: the 30,000 × 30,000 PNG is ~100 bytes, the
zip bomb ~50 KB (50 MB unpacked).
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

from tests.applications import samples

REFUSED, ATTACHMENT = "refused", "attachment"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@dataclass(frozen=True)
class Case:
    key: str
    name: str
    data: bytes
    outcome: str
    what: str


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def html_after_png() -> bytes:
    """A valid PNG with an HTML page after its end: Pillow reads it, a sniffing browser may render it."""
    return samples.png() + HTML


def html_in_png_text_chunk() -> bytes:
    """A valid PNG whose tEXt chunk is an HTML page (the polyglot Django's security guide warns about)."""
    png = samples.png()
    head, tail = png[:33], png[33:]  # signature + IHDR, then the rest
    return head + _chunk(b"tEXt", b"Comment\x00" + HTML) + tail


def svg_with_script() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def tiff() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(out, "TIFF")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def fits() -> bytes:
    header = "".join(
        card.ljust(80)
        for card in ("SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =  0", "END")
    )
    return header.ljust(2880).encode()


def zip_bomb(unpacked: int = 50 * 1024 * 1024) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.pdf", b"\0" * unpacked)
    return out.getvalue()


def cases() -> list[Case]:
    pdf = samples.pdf()
    return [
        Case("png_then_html", "scan.png", html_after_png(), ATTACHMENT, "HTML after a valid PNG (polyglot)"),
        Case("png_html_chunk", "scan.png", html_in_png_text_chunk(), ATTACHMENT, "HTML inside a PNG text chunk"),
        Case("svg_script", "logo.svg", svg_with_script(), REFUSED, "SVG with a script"),
        Case("svg_as_png", "logo.png", svg_with_script(), REFUSED, "SVG renamed .png"),
        Case("pdf_open_action_js", "form.pdf", samples.pdf_with_open_action_js(), REFUSED, "PDF /OpenAction JS"),
        Case("pdf_escaped_js", "form.pdf", samples.pdf_with_escaped_js_name(), REFUSED, "PDF /J#53 (escaped /JS)"),
        Case("pdf_js_objstm", "form.pdf", samples.pdf_with_js_in_object_stream(), REFUSED, "PDF JS in object stream"),
        Case("pdf_launch", "form.pdf", samples.pdf_with_launch(), REFUSED, "PDF /Launch action"),
        Case("pdf_embedded", "form.pdf", samples.pdf_with_embedded_file(), REFUSED, "PDF with an embedded file"),
        Case("pdf_encrypted", "form.pdf", samples.encrypted_pdf(), REFUSED, "encrypted PDF"),
        Case("pdf_then_html", "form.pdf", b"%PDF-1.4\n" + HTML, REFUSED, "PDF header on an HTML page"),
        Case("exe_as_pdf", "licence.pdf", samples.EXE, REFUSED, ".exe renamed .pdf"),
        Case("html_double_ext", "report.pdf.html", HTML, REFUSED, "report.pdf.html (HTML)"),
        Case("pdf_double_ext", "report.pdf.html", pdf, ATTACHMENT, "report.pdf.html holding a real PDF"),
        Case("html_as_jpg", "photo.jpg", HTML, REFUSED, "HTML renamed .jpg"),
        Case("huge_png", "big.png", samples.huge_png(30_000, 30_000), REFUSED, "30,000 × 30,000 PNG"),
        Case("tiff", "scan.tif", tiff(), REFUSED, "TIFF"),
        Case("tiff_as_png", "scan.png", tiff(), REFUSED, "TIFF renamed .png"),
        Case("gif", "scan.gif", gif(), REFUSED, "GIF"),
        Case("fits", "scan.fits", fits(), REFUSED, "FITS image"),
        Case("zip_bomb", "report.pdf", zip_bomb(), REFUSED, "zip bomb renamed .pdf"),
        # Django's multipart parser already drops the path and the invisible characters of such names (and
        # uploads.check_name refuses any that reach it another way): the PDF is kept under a harmless name.
        Case("traversal", "../../etc/passwd.pdf", pdf, ATTACHMENT, "path traversal (../)"),
        Case("traversal_windows", "..\\..\\boot.pdf", pdf, ATTACHMENT, "path traversal (..\\)"),
        Case("rlo", "invoice\u202efdp.exe", pdf, ATTACHMENT, "Unicode right-to-left override in the name"),
        Case("nul", "licence.pdf\x00.exe", pdf, ATTACHMENT, "NUL in the name"),
        Case("empty", "empty.pdf", b"", REFUSED, "empty file"),
    ]


# Cases that need settings or many files rather than bytes: exercised in test_upload_corpus.py.
REQUEST_CASES = ["oversize", "too_many_files", "too_many_files_for_django"]

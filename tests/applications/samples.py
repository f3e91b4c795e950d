"""Small files for upload tests, built by hand so each hostile trait is exactly what the test says."""

import io
import struct
import zlib

from PIL import Image

PAGE_OBJECTS = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def pdf(catalog_extra: bytes = b"", extra_objects: tuple[bytes, ...] = (), padding: int = 0) -> bytes:
    """A one-page PDF; objects 4, 5 … are `extra_objects`, which `catalog_extra` may reference."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>", *PAGE_OBJECTS, *extra_objects]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    if padding:  # a big, harmless stream (not referenced) to reach a given file size
        offsets.append(len(out))
        out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (len(objects) + 1, padding)
        out += b"\0" * padding + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(out)


def pdf_with_open_action_js() -> bytes:
    return pdf(b"/OpenAction 4 0 R", (b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",))


def pdf_with_escaped_js_name() -> bytes:
    # "/J#53" is the name /JS written with a hex escape, which a byte search would miss.
    return pdf(b"/OpenAction 4 0 R", (b"<< /S /JavaScript /J#53 (app.alert\\(1\\)) >>",))


def pdf_with_launch() -> bytes:
    return pdf(b"/OpenAction 4 0 R", (b"<< /S /Launch /F (cmd.exe) >>",))


def pdf_with_embedded_file() -> bytes:
    return pdf(
        b"/Names << /EmbeddedFiles 4 0 R >>",
        (
            b"<< /Names [(a.exe) 5 0 R] >>",
            b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
        ),
    )


def pdf_with_js_in_object_stream(action: bytes = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>") -> bytes:
    """A PDF 1.5 file whose objects (the open action included) are all inside a compressed object stream."""
    members = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *PAGE_OBJECTS,
        action,
    ]
    header, body = b"", b""
    for number, member in enumerate(members, start=1):
        header += b"%d %d " % (number, len(body))
        body += member + b"\n"
    data = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.5\n")
    objstm_offset = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(members),
        len(header),
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [(0, 0, 255)] + [(2, 5, i) for i in range(len(members))] + [(1, objstm_offset, 0), (1, xref_offset, 0)]
    table = b"".join(struct.pack(">BHB", *row) for row in rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 2 1] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG header that claims width × height pixels, with one tiny data chunk: a few dozen bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\0" * 64
    + b"This program cannot be run in DOS mode."
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

"""Content checks of uploaded files (applications/uploads.py), file by file."""

import hashlib
import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from applications import uploads

from . import samples


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (zh-hans is the default language)."""
    with translation.override("en"):
        yield


def _check(name: str, data: bytes):
    return uploads.check_upload(SimpleUploadedFile(name, data))


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("licence.pdf", samples.pdf(), "application/pdf"),
        ("scan.JPG", samples.jpeg(), "image/jpeg"),
        ("scan.png", samples.png(), "image/png"),
        ("licence.png", samples.pdf(), "application/pdf"),  # the content decides, not the name
    ],
)
def test_pdf_jpeg_and_png_are_accepted_by_content(name, data, kind):
    checked = _check(name, data)
    assert checked.content_type == kind and checked.size > 0
    assert checked.name == (name if name != "licence.png" else "licence.png.pdf")
    assert checked.extension in (".pdf", ".jpg", ".png")


HOSTILE = {
    "exe renamed .pdf": ("setup.pdf", samples.EXE, "not a PDF, JPEG or PNG"),
    "html in a .png": ("photo.png", samples.HTML, "not a PDF, JPEG or PNG"),
    "docx": ("form.docx", b"PK\x03\x04" + b"\0" * 100, "not a PDF, JPEG or PNG"),
    "empty": ("empty.pdf", b"", "empty"),
    "truncated pdf": ("cut.pdf", samples.pdf()[:60], "damaged"),
    "encrypted pdf": ("secret.pdf", samples.encrypted_pdf(), "encrypted"),
    "not a pdf after the header": ("fake.pdf", b"%PDF-1.4\n" + samples.HTML, "cannot be read"),
    "30000x30000 png": ("bomb.png", samples.huge_png(), "pixels"),
    "7000x7000 png": ("big.png", samples.huge_png(7000, 7000), "pixels"),
    "damaged png": ("bad.png", samples.png()[:40], "damaged"),
    "jpeg named png, broken": ("x.png", samples.jpeg()[:20], "damaged"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_files_are_refused_with_a_clear_message(case):
    name, data, words = HOSTILE[case]
    with pytest.raises(ValidationError) as error:
        _check(name, data)
    message = " ".join(error.value.messages)
    assert words in message
    assert name in message  # the applicant knows which file


ACTIVE = {
    "open action js": samples.pdf_with_open_action_js(),
    "hex-escaped /JS": samples.pdf_with_escaped_js_name(),
    "launch action": samples.pdf_with_launch(),
    "embedded file": samples.pdf_with_embedded_file(),
    "js in object stream": samples.pdf_with_js_in_object_stream(),
}


@pytest.mark.parametrize("case", ACTIVE, ids=list(ACTIVE))
def test_active_content_is_removed_and_the_original_hash_kept(case):
    data = ACTIVE[case]
    checked = _check("form.pdf", data)
    stored = checked.file.read()
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.size == len(stored) and stored != data
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1
        text = repr([repr(obj) for obj in pdf.objects])
    for word in ("/OpenAction", "/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EF", "cmd.exe", "a.exe"):
        assert word not in text, word


def test_a_plain_pdf_keeps_its_page_and_an_image_is_stored_as_it_came():
    checked = _check("fine.pdf", samples.pdf())
    with pikepdf.open(checked.file) as pdf:
        assert list(pdf.pages[0].MediaBox) == [0, 0, 595, 842]
    image = samples.png()
    checked = _check("scan.png", image)
    assert checked.file.read() == image and checked.sha256 == hashlib.sha256(image).hexdigest()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../../etc/passwd.pdf", "contains a path"),
        ("..\\..\\boot.ini.pdf", "contains a path"),
        ("invoice\u202efdp.exe", "control characters"),  # right-to-left override: shows as invoiceexe.pdf
        ("a\x00b.pdf", "control characters"),
        ("tab\there.pdf", "control characters"),
        ("", "no usable name"),
        ("..", "no usable name"),
        ("x" * 300 + ".pdf", "too long"),
    ],
)
def test_unsafe_file_names_are_refused(name, words):
    with pytest.raises(ValidationError) as error:
        uploads.check_name(name)
    assert words in " ".join(error.value.messages)
    assert "\u202e" not in " ".join(error.value.messages)  # never echoed back


def test_ordinary_names_in_any_script_are_fine():
    assert uploads.check_name("营业执照 (2026) 副本.pdf") == "营业执照 (2026) 副本.pdf"


def test_oversized_file_is_refused_before_its_content_is_read(settings):
    settings.MAX_UPLOAD_SIZE = 100
    with pytest.raises(ValidationError) as error:
        _check("big.pdf", samples.pdf(padding=200))
    assert "at most 100" in " ".join(error.value.messages)


def test_batch_limits(settings):
    settings.MAX_FILES_PER_UPLOAD = 2
    files = [SimpleUploadedFile(f"{i}.pdf", samples.pdf()) for i in range(3)]
    with pytest.raises(ValidationError) as error:
        uploads.check_batch(files, stored_total=0)
    assert "at most 2" in " ".join(error.value.messages)

    settings.MAX_APPLICATION_UPLOAD_TOTAL = 1000
    with pytest.raises(ValidationError) as error:
        uploads.check_batch(files[:1], stored_total=900)
    assert "add up to" in " ".join(error.value.messages)

    with pytest.raises(ValidationError):
        uploads.check_batch([], stored_total=0)


def test_every_bad_file_of_a_batch_is_reported():
    files = [
        SimpleUploadedFile("good.pdf", samples.pdf()),
        SimpleUploadedFile("evil.pdf", samples.EXE),
        SimpleUploadedFile("empty.png", b""),
    ]
    with pytest.raises(ValidationError) as error:
        uploads.check_batch(files, stored_total=0)
    assert len(error.value.messages) == 2


def test_messages_are_translated():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        _check("setup.pdf", samples.EXE)
    assert "setup.pdf" in error.value.messages[0]
    assert "not a PDF" not in error.value.messages[0]


# --- the record keeps both hashes: of the file as uploaded, and of the (rewritten) file stored -------------------


@pytest.mark.django_db
def test_a_material_pdf_records_the_uploaded_and_the_stored_hash(applicant_client, applicant):
    from .portal import draft_of, item_of, pdf_file, upload

    item = item_of(draft_of(applicant))
    hostile = samples.pdf_with_open_action_js()
    assert upload(applicant_client, item, pdf_file("form.pdf", hostile)).status_code == 302
    record = item.files.get()
    with record.file.open("rb") as f:
        stored = f.read()
    assert record.sha256 == hashlib.sha256(hostile).hexdigest()
    assert record.stored_sha256 == hashlib.sha256(stored).hexdigest()
    assert record.sha256 != record.stored_sha256 and record.size == len(stored)


@pytest.mark.django_db
def test_a_material_image_has_one_hash_for_both(applicant_client, applicant):
    from .portal import draft_of, item_of, upload

    item = item_of(draft_of(applicant))
    image = samples.png()
    assert upload(applicant_client, item, SimpleUploadedFile("scan.png", image)).status_code == 302
    record = item.files.get()
    assert record.sha256 == record.stored_sha256 == hashlib.sha256(image).hexdigest()


@pytest.mark.django_db
def test_a_refused_pdf_records_nothing(applicant_client, applicant):
    from .portal import draft_of, item_of, pdf_file, upload

    item = item_of(draft_of(applicant))
    upload(applicant_client, item, pdf_file("cut.pdf", samples.pdf()[:60]))
    assert not item.files.exists()


@pytest.mark.django_db
def test_files_stored_as_they_came_have_one_hash_for_both(applicant):
    from tests.factories import store_file

    from .portal import draft_of, item_of

    record = store_file(item_of(draft_of(applicant)), by=applicant, content=b"%PDF-1.4 test")
    assert record.sha256 == record.stored_sha256 == hashlib.sha256(b"%PDF-1.4 test").hexdigest()


# --- files are read in pieces: a 50 MB upload is never held in memory at once ------------------------------------


class PiecesOnly(io.BytesIO):
    """A file that refuses to be read whole (read(), read(-1), read(None))."""

    def read(self, size=-1):
        assert size is not None and size >= 0, "the whole file was read at once"
        return super().read(size)


def _uploaded(name: str, data: bytes):
    """As an upload above FILE_UPLOAD_MAX_MEMORY_SIZE, which waits in a temporary file (read in chunks)."""
    from django.core.files import File

    return File(PiecesOnly(data), name=name)


@pytest.mark.parametrize(
    ("name", "data"), [("licence.pdf", samples.pdf(padding=3 * 1024 * 1024)), ("scan.png", samples.png())]
)
def test_checking_an_upload_reads_it_in_pieces(name, data):
    checked = uploads.check_upload(_uploaded(name, data))
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_a_pdf_is_rewritten_into_a_temporary_file_not_into_memory():
    checked = uploads.check_upload(_uploaded("licence.pdf", samples.pdf_with_open_action_js()))
    assert checked.file.file.fileno()  # a file on disk (io.BytesIO has no file descriptor)
    stored = b"".join(checked.file.chunks())
    assert stored.startswith(b"%PDF") and b"/OpenAction" not in stored and checked.size == len(stored)


@pytest.mark.django_db
def test_storing_a_checked_upload_reads_it_in_pieces(applicant):
    from .portal import draft_of, item_of

    item = item_of(draft_of(applicant))
    image = samples.jpeg()
    checked = uploads.check_upload(_uploaded("scan.jpg", image))
    record = item.add_file(
        checked.file, by=applicant, original_name=checked.name, content_type=checked.content_type, extension=".jpg"
    )
    assert record.stored_sha256 == hashlib.sha256(image).hexdigest() and record.size == len(image)

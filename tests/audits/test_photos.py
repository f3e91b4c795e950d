"""Photos: checked by content, original kept restricted, only stripped derivatives shown (SEC-5)."""

import hashlib
import io

import pytest
from django.urls import reverse
from PIL import Image

from audits.models import Audit, AuditPhoto, Indicator
from audits.tasks import make_photo_derivatives
from tests.audits.conftest import png_header, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def leaf(audit):
    return Indicator.objects.get(indicator_set=audit.indicator_set, code="5.2.4")


def post_photo(client, audit, data: bytes, name="IMG_0001.jpg", content_type="image/jpeg", **extra):
    payload = {"photo": upload(name, data, content_type), "indicator": leaf(audit).pk, "caption": "维修记录", **extra}
    return client.post(reverse("audits:upload_photo", args=[audit.pk]), payload, **XHR)


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_photo_is_stored_and_its_stripped_derivatives_are_made(
    client, audit, lead, photo_bytes, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, audit, photo_bytes)
    assert response.status_code == 200
    photo = AuditPhoto.objects.get()
    assert (photo.status, photo.indicator, photo.caption, photo.uploaded_by) == ("ready", leaf(audit), "维修记录", lead)
    assert response.json()["photo"]["status"] == "processing"  # the task ran after the response here
    status = client.get(reverse("audits:photo_status", args=[photo.pk])).json()["photo"]
    assert (status["status"], status["thumb"]) == ("ready", reverse("audits:photo", args=[photo.pk, "thumb"]))
    # The original is kept as uploaded, GPS and all, as evidence.
    with photo.file.open("rb") as f:
        assert f.read() == photo_bytes
    assert photo.file.name.startswith("audit-photos/originals/")
    assert photo.sha256 == photo.stored_sha256 == hashlib.sha256(photo_bytes).hexdigest()
    assert photo.size == len(photo_bytes)

    served = client.get(reverse("audits:photo", args=[photo.pk, "picture"]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(read(served)))
    assert image.format == "JPEG"
    assert not image.getexif()  # no EXIF at all …
    assert not image.getexif().get_ifd(0x8825)  # … so no GPS IFD
    assert "exif" not in image.info
    # Orientation 6 (camera held upright): the 2400×1800 sensor image is shown 1200×1600, long side 1600.
    assert image.size == (1200, 1600)

    thumb = Image.open(io.BytesIO(read(client.get(reverse("audits:photo", args=[photo.pk, "thumb"])))))
    assert max(thumb.size) == 320 and not thumb.getexif()


def test_the_derivative_task_is_idempotent(audit, lead, photo_bytes, django_capture_on_commit_callbacks):
    from applications.uploads import check_upload

    with django_capture_on_commit_callbacks(execute=True):
        photo = AuditPhoto.take(audit=audit, checked=check_upload(upload("a.jpg", photo_bytes)), by=lead)
    photo.refresh_from_db()
    first = (photo.derivative.name, photo.thumbnail.name)
    assert make_photo_derivatives(photo.pk) == "exists"
    photo.refresh_from_db()
    assert (photo.derivative.name, photo.thumbnail.name) == first


def test_a_png_with_transparency_becomes_a_white_jpeg(client, audit, lead, django_capture_on_commit_callbacks):
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_photo(client, audit, out.getvalue(), "scan.png", "image/png").status_code == 200
    photo = AuditPhoto.objects.get()
    shown = Image.open(photo.derivative.open("rb"))
    assert shown.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "words"),
    [
        ("notes.jpg", b"just text, not a picture", "image/jpeg", ("JPEG", "PNG")),
        ("huge.png", png_header(30_000, 30_000), "image/png", ("40",)),  # "at most 40 million pixels"
        ("report.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf", ()),
        ("empty.jpg", b"", "image/jpeg", ()),
    ],
)
def test_non_images_and_image_bombs_are_refused(client, audit, lead, name, data, content_type, words):
    client.force_login(lead)
    response = post_photo(client, audit, data, name, content_type)
    assert response.status_code == 400
    errors = " ".join(response.json()["errors"])
    assert errors
    for word in words:
        assert word in errors
    assert not AuditPhoto.objects.exists()


def test_a_real_pdf_is_not_a_photo(client, audit, lead):
    from weasyprint import HTML

    client.force_login(lead)
    response = post_photo(client, audit, HTML(string="<p>x</p>").write_pdf(), "scan.pdf", "application/pdf")
    assert response.status_code == 400
    assert "JPEG" in response.json()["errors"][0]
    assert not AuditPhoto.objects.exists()


def test_photos_only_while_in_progress(client, make_audit, lead, photo_bytes):
    audit = make_audit(Audit.Status.SUBMITTED)
    client.force_login(lead)
    response = post_photo(client, audit, photo_bytes)
    assert response.status_code == 409
    assert not AuditPhoto.objects.exists()


def test_an_outsider_can_neither_upload_nor_see_photos(
    client, audit, lead, photo_bytes, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, audit, photo_bytes)
    photo = AuditPhoto.objects.get()
    client.force_login(UserFactory(role="auditor"))
    assert post_photo(client, audit, photo_bytes).status_code == 404
    assert client.get(reverse("audits:photo", args=[photo.pk, "picture"])).status_code == 404
    assert client.get(reverse("audits:photo_status", args=[photo.pk])).status_code == 404


def test_the_applicant_never_gets_a_photo_file(
    client, audit, lead, applicant, photo_bytes, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, audit, photo_bytes)
    photo = AuditPhoto.objects.get()
    client.force_login(applicant)
    assert client.get(reverse("audits:photo", args=[photo.pk, "picture"])).status_code == 404
    assert client.get(reverse("audits:photo_original", args=[photo.pk])).status_code == 404


def test_the_original_only_for_staff_with_the_permission(
    client, audit, lead, reviewer, administrator, photo_bytes, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, audit, photo_bytes)
    photo = AuditPhoto.objects.get()
    url = reverse("audits:photo_original", args=[photo.pk])
    assert client.get(url).status_code == 404  # the team sees the derivative only
    client.force_login(reviewer)
    assert client.get(url).status_code == 404  # may see audits, not originals
    assert client.get(reverse("audits:photo", args=[photo.pk, "picture"])).status_code == 200
    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert read(response) == photo_bytes


def test_choosing_photos_for_the_report(client, audit, lead, photo_bytes, django_capture_on_commit_callbacks):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, audit, photo_bytes)
    photo = AuditPhoto.objects.get()
    assert photo.in_report
    client.post(reverse("audits:photo_in_report", args=[photo.pk]), {"in_report": "0"})
    photo.refresh_from_db()
    assert not photo.in_report


def test_a_photo_that_cannot_be_processed_is_marked_failed(audit, lead, photo_bytes):
    from django.core.files.base import ContentFile

    photo = AuditPhoto(
        audit=audit, original_name="x.jpg", content_type="image/jpeg", size=3, sha256="0" * 64, uploaded_by=lead
    )
    photo.file.save(photo.storage_key("original", ".jpg"), ContentFile(b"\xff\xd8\xffbroken"), save=False)
    photo.save()
    assert make_photo_derivatives(photo.pk) == "failed"
    photo.refresh_from_db()
    assert photo.status == AuditPhoto.Status.FAILED


def test_the_form_shows_the_thumbnail(client, audit, lead, photo_bytes, django_capture_on_commit_callbacks):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(client, audit, photo_bytes)
    photo = AuditPhoto.objects.get()
    page = client.get(reverse("audits:form", args=[audit.pk])).content.decode()
    assert reverse("audits:photo", args=[photo.pk, "thumb"]) in page
    assert reverse("audits:photo_original", args=[photo.pk]) not in page


# --- images at the pixel limit (settings.MAX_IMAGE_PIXELS, 40 million by default) reaching the worker -------------


def test_a_photo_exactly_at_the_pixel_limit_is_accepted_and_processed(
    client, audit, lead, settings, django_capture_on_commit_callbacks
):
    import resource

    width, height = 8000, 5000
    assert width * height == settings.MAX_IMAGE_PIXELS  # the default limit, exactly
    image = Image.new("1", (width, height), 1)  # a real picture of every pixel, compressed to a few kB
    out = io.BytesIO()
    image.save(out, "PNG")
    del image
    client.force_login(lead)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(client, audit, out.getvalue(), "wall.png", "image/png")
    assert response.status_code == 200
    photo = AuditPhoto.objects.get()
    assert photo.status == AuditPhoto.Status.READY
    assert (photo.width, photo.height) == (1600, 1000)
    # Decoding 40 million pixels and turning them into RGB costs about 200 MB; far from a machine's worth.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 512 * 1024


def test_one_pixel_over_the_limit_is_refused_at_upload_with_the_limit_named(client, audit, lead, settings):
    client.force_login(lead)
    response = post_photo(client, audit, png_header(settings.MAX_IMAGE_PIXELS + 1, 1), "wide.png", "image/png")
    assert response.status_code == 400
    errors = " ".join(response.json()["errors"])
    assert "wide.png" in errors and "40000001" in errors.replace(",", "") and "40" in errors
    assert not AuditPhoto.objects.exists()


def test_a_photo_over_the_limit_that_reaches_the_worker_fails_without_decoding(audit, lead):
    """Kept under an earlier, higher limit (or put in storage by hand): the worker reads the header only."""
    from django.core.files.base import ContentFile

    photo = AuditPhoto(
        audit=audit, original_name="x.png", content_type="image/png", size=3, sha256="0" * 64, uploaded_by=lead
    )
    data = png_header(30_000, 30_000)  # 900 million pixels claimed: decoding would need gigabytes
    photo.file.save(photo.storage_key("original", ".png"), ContentFile(data), save=False)
    photo.save()
    assert make_photo_derivatives(photo.pk) == "failed"
    photo.refresh_from_db()
    assert photo.status == AuditPhoto.Status.FAILED and not photo.derivative


def test_at_the_limit_the_worker_decodes_one_pixel_over_it_refuses(audit, lead, settings):
    from audits.imaging import make_derivatives

    settings.MAX_IMAGE_PIXELS = 60 * 50
    image = io.BytesIO()
    Image.new("RGB", (60, 50), "red").save(image, "PNG")
    assert make_derivatives(io.BytesIO(image.getvalue())).width == 60
    settings.MAX_IMAGE_PIXELS -= 1
    with pytest.raises(ValueError, match="exceeds MAX_IMAGE_PIXELS"):
        make_derivatives(io.BytesIO(image.getvalue()))


# --- evidence of a corrective action keeps the hash of the file as uploaded and of the stored file ---------------


def _answer_with(audit, lead, applicant, data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications import uploads
    from audits import services
    from tests.audits.conftest import score_all

    score_all(audit, by=lead, points=lambda i: 0 if i.code == "5.3.2" else i.max_points)
    nc = audit.raise_nonconformity(by=lead, description="回访记录不完整", indicator=leaf_532(audit))
    services.submit_audit_report(audit=audit, by=lead)
    checked = uploads.check_batch([SimpleUploadedFile(name, data)], stored_total=0)
    nc.refresh_from_db()
    return nc.respond(by=applicant, response="已补充回访记录。", files=checked).evidence.get()


def leaf_532(audit):
    return Indicator.objects.get(indicator_set=audit.indicator_set, code="5.3.2")


def test_hostile_pdf_evidence_records_the_uploaded_and_the_stored_hash(audit, lead, applicant):
    import hashlib

    from tests.applications import samples

    hostile = samples.pdf_with_open_action_js()
    evidence = _answer_with(audit, lead, applicant, hostile, "整改.pdf")
    with evidence.file.open("rb") as f:
        stored = f.read()
    assert evidence.sha256 == hashlib.sha256(hostile).hexdigest()
    assert evidence.stored_sha256 == hashlib.sha256(stored).hexdigest()
    assert evidence.sha256 != evidence.stored_sha256 and b"/OpenAction" not in stored


def test_image_evidence_has_one_hash_for_both(audit, lead, applicant):
    import hashlib

    from tests.applications import samples

    image = samples.png()
    evidence = _answer_with(audit, lead, applicant, image, "现场.png")
    assert evidence.sha256 == evidence.stored_sha256 == hashlib.sha256(image).hexdigest()


def test_the_admin_shows_both_hashes_of_evidence(client, administrator, audit, lead, applicant):
    from tests.applications import samples

    evidence = _answer_with(audit, lead, applicant, samples.pdf_with_open_action_js(), "整改.pdf")
    client.force_login(administrator)
    url = reverse("admin:audits_nonconformity_change", args=[evidence.corrective_action.nonconformity_id])
    page = client.get(url).content.decode()
    assert evidence.sha256 in page and evidence.stored_sha256 in page

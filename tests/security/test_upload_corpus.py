"""The hostile upload corpus (tests/security/corpus.py) against every upload of the project: materials, the
bank receipt, the auditor's photos and the applicant's nonconformity evidence. Each file is refused with a
message, or kept but only ever served as an attachment (nosniff, sandboxing CSP); no photo served to anyone
carries EXIF or GPS."""

import io

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from applications.models import MaterialFile
from audits.models import AuditPhoto, EvidenceFile, Nonconformity
from tests.applications import samples
from tests.audits.conftest import jpeg_with_gps

from . import corpus
from .world import build

pytestmark = pytest.mark.django_db
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
SANDBOX = "default-src 'none'; sandbox"


@pytest.fixture
def world():
    return build()


def upload_file(case: corpus.Case) -> SimpleUploadedFile:
    return SimpleUploadedFile(case.name, case.data, content_type="application/octet-stream")


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_served_as_attachment(response):
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert not any(c in disposition for c in ("/", "\\", "\u202e", "\x00")), disposition
    assert not disposition.lower().split("filename", 1)[-1].rstrip('"').endswith((".html", ".svg", ".exe"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == SANDBOX


ACTION_TYPES = {"/URI", "/SubmitForm", "/GoToR", "/ImportData", "/JavaScript", "/Launch", "/ResetForm"}
ACTIVE_KEYS = {"/OpenAction", "/AA", "/A", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA"}


def assert_no_active_content(stored: bytes, case: corpus.Case) -> None:
    """Walk every object of the stored PDF: no active key or action is left, and the page still is."""
    assert b"evilhost" not in stored and b"cmd.exe" not in stored, case.key
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1, case.key
        if b"/Contents 4 0 R" in case.data:
            assert pdf.pages[0].Contents.read_bytes() == corpus.PAGE_CONTENT, case.key
        stack = list(pdf.objects)
        while stack:
            obj = stack.pop()
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                assert not ACTIVE_KEYS & set(obj.keys()), (case.key, repr(obj))
                assert str(obj.get("/S")) not in ACTION_TYPES, (case.key, repr(obj))
                assert str(obj.get("/Type")) != "/EmbeddedFile", case.key
                stack.extend(direct_containers(obj[key] for key in obj.keys()))  # noqa: SIM118 (a pikepdf object)
            elif isinstance(obj, pikepdf.Array):
                stack.extend(direct_containers(obj))


def direct_containers(values) -> list:
    """Nested dictionaries and arrays; indirect objects are walked on their own (pdf.objects lists them)."""
    return [v for v in values if isinstance(v, (pikepdf.Dictionary, pikepdf.Array)) and not v.is_indirect]


def run_corpus(send, stored, download) -> dict:
    """send(case) → refused?; stored() → count; download(case) → the response serving what was kept."""
    outcomes, wrong = {}, []
    for case in corpus.cases():
        before = stored()
        refused = send(case)
        kept = stored() - before
        if refused:
            outcomes[case.key] = corpus.REFUSED
            if kept:
                wrong.append(f"{case.key}: refused but {kept} file(s) stored")
            continue
        outcomes[case.key] = corpus.ATTACHMENT
        if case.outcome == corpus.REFUSED:
            wrong.append(f"{case.key} ({case.what}) was accepted")
            continue
        response = download(case)
        assert_served_as_attachment(response)
        if case.outcome == corpus.SANITISED:
            outcomes[case.key] = corpus.SANITISED
            assert_no_active_content(b"".join(response.streaming_content), case)
    assert not wrong, "\n".join(wrong)
    return outcomes


def test_material_uploads(client, world):
    client.force_login(world.a.owner)
    item = world.a.material_file.item
    url = reverse("applications:upload_material", args=[item.pk])

    def send(case):
        response = client.post(url, {"files": [upload_file(case)]}, **XHR)
        if response.status_code == 400:
            assert response.json()["errors"], case.key  # a message says why
            return True
        assert response.status_code == 200, (case.key, response.status_code)
        return False

    def download(case):
        latest = item.files.order_by("-version").first()
        assert not latest.file.name.endswith((".html", ".svg", ".exe")), latest.file.name
        return client.get(reverse("applications:material_file", args=[latest.pk]))

    outcomes = run_corpus(send, lambda: MaterialFile.objects.filter(item=item).count(), download)
    assert outcomes["pdf_double_ext"] == corpus.ATTACHMENT
    assert outcomes["pdf_gotor_unc"] == corpus.SANITISED
    assert item.files.order_by("-version").first().content_type == "application/pdf"


def test_receipt_uploads(client, world):
    client.force_login(world.a.owner)
    payment = world.a.payment
    url = reverse("applications:upload_receipt", args=[payment.pk])

    def stored():  # each receipt kept is a new version of the payment (simple-history)
        return type(payment).history.filter(id=payment.pk).count()

    def send(case):
        response = client.post(url, {"receipt": upload_file(case)}, follow=True)
        errors = [m for m in response.context["messages"] if m.level_tag == "error"]
        return bool(errors)

    def download(case):
        return client.get(reverse("applications:payment_receipt", args=[payment.pk]))

    run_corpus(send, stored, download)


def test_nonconformity_evidence_uploads(client, world):
    client.force_login(world.a.owner)
    audit = world.a.reported
    evidence_of_audit = EvidenceFile.objects.filter(corrective_action__nonconformity__audit=audit)

    def send(case):
        nc = Nonconformity.objects.create(
            audit=audit, description="记录不全", due_date=world.a.nonconformity.due_date, raised_by=world.a.lead
        )
        response = client.post(
            reverse("audits:respond", args=[nc.pk]), {"response": "已整改", "files": [upload_file(case)]}
        )
        if response.status_code == 400:
            assert response.context["respond_form"].errors["files"], case.key
            return True
        return False

    def download(case):
        return client.get(reverse("audits:evidence", args=[evidence_of_audit.order_by("-pk").first().pk]))

    run_corpus(send, evidence_of_audit.count, download)


def test_photo_uploads(client, world, django_capture_on_commit_callbacks):
    lead, audit = world.a.lead, world.a.audit
    client.force_login(lead)
    url = reverse("audits:upload_photo", args=[audit.pk])
    photos = AuditPhoto.objects.filter(audit=audit)

    def send(case):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"photo": upload_file(case), "caption": case.key}, **XHR)
        if response.status_code == 400:
            assert response.json()["errors"], case.key
            return True
        return False

    def download(case):
        # the kept photo is never served itself: the team sees our re-encoded JPEG, staff get the original as a
        # download
        photo = photos.order_by("-pk").first()
        shown = client.get(reverse("audits:photo", args=[photo.pk, "picture"]))
        assert shown["Content-Type"] == "image/jpeg" and shown["X-Content-Type-Options"] == "nosniff"
        assert shown["Content-Security-Policy"] == SANDBOX
        body = b"".join(shown.streaming_content)
        assert body.startswith(b"\xff\xd8") and b"<script" not in body
        staff = type(client)()
        staff.force_login(world.administrator)
        return staff.get(reverse("audits:photo_original", args=[photo.pk]))

    outcomes = run_corpus(send, photos.count, download)
    assert outcomes["pdf_double_ext"] == corpus.REFUSED  # a PDF is not a photo


def test_no_photo_served_carries_gps(client, world, django_capture_on_commit_callbacks):
    lead, audit = world.a.lead, world.a.audit
    client.force_login(lead)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does have a position
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("audits:upload_photo", args=[audit.pk]),
            {"photo": SimpleUploadedFile("site.jpg", original, content_type="image/jpeg")},
            **XHR,
        )
    photo = AuditPhoto.objects.get(pk=response.json()["photo"]["id"])
    assert photo.status == AuditPhoto.Status.READY
    for variant in ("picture", "thumb"):
        served = client.get(reverse("audits:photo", args=[photo.pk, variant]))
        image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        exif = image.getexif()
        assert not exif.get_ifd(0x8825), variant  # no GPS
        assert not exif, variant  # no EXIF at all
        assert "exif" not in image.info


def test_an_oversize_file_is_refused_everywhere(client, world, settings):
    settings.MAX_UPLOAD_SIZE = 64 * 1024
    big = samples.pdf(padding=70 * 1024)
    client.force_login(world.a.owner)
    item = world.a.material_file.item
    response = client.post(
        reverse("applications:upload_material", args=[item.pk]),
        {"files": [SimpleUploadedFile("big.pdf", big)]},
        **XHR,
    )
    assert response.status_code == 400 and "files may be at most" in " ".join(response.json()["errors"])
    response = client.post(
        reverse("applications:upload_receipt", args=[world.a.payment.pk]),
        {"receipt": SimpleUploadedFile("big.pdf", big)},
        follow=True,
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    world.a.payment.refresh_from_db()
    assert world.a.payment.receipt_name == "receipt.pdf"


def test_too_many_files_in_one_request(client, world, settings):
    client.force_login(world.a.owner)
    item = world.a.material_file.item
    url = reverse("applications:upload_material", args=[item.pk])
    before = item.files.count()
    eleven = [SimpleUploadedFile(f"p{n}.pdf", samples.pdf()) for n in range(settings.MAX_FILES_PER_UPLOAD + 1)]
    response = client.post(url, {"files": eleven}, **XHR)
    assert response.status_code == 400 and "at most" in response.json()["errors"][0]
    # beyond Django's own ceiling the request is refused before any view runs
    many = [SimpleUploadedFile(f"p{n}.pdf", samples.pdf()) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post(url, {"files": many}, **XHR)
    assert response.status_code == 400
    assert item.files.count() == before


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "invoice\u202efdp.exe", "licence.pdf\x00.exe", ".."]
)
def test_names_that_reach_the_checks_unsanitised_are_refused(name):
    """Defence in depth behind Django's parser: the content checks refuse such names themselves."""
    from django.core.exceptions import ValidationError

    from applications import uploads

    upload = SimpleUploadedFile("x.pdf", samples.pdf())
    upload._name = name  # past UploadedFile's own basename() on assignment
    with pytest.raises(ValidationError):
        uploads.check_upload(upload)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (corpus.stream_bomb, "compression bomb"),
        # qpdf stops inflating the object stream at pdfsafe.MAX_STRUCTURE_STREAM, and cannot read the file
        (corpus.object_stream_bomb, "cannot be read"),
    ],
)
def test_pdf_decompression_bombs_are_refused_with_a_message(client, world, build, words):
    client.force_login(world.a.owner)
    item = world.a.material_file.item
    before = item.files.count()
    response = client.post(
        reverse("applications:upload_material", args=[item.pk]),
        {"files": [SimpleUploadedFile("bomb.pdf", build())]},
        **XHR,
    )
    assert response.status_code == 400
    assert words in " ".join(response.json()["errors"])
    assert item.files.count() == before


def test_the_stored_pdf_is_the_sanitised_one_and_the_download_matches(client, world):
    client.force_login(world.a.owner)
    item = world.a.material_file.item
    data = corpus.HOSTILE_PDFS["pdf_open_action_uri"][1]()
    response = client.post(
        reverse("applications:upload_material", args=[item.pk]),
        {"files": [SimpleUploadedFile("form.pdf", data)]},
        **XHR,
    )
    assert response.status_code == 200
    latest = item.files.order_by("-version").first()
    served = b"".join(client.get(reverse("applications:material_file", args=[latest.pk])).streaming_content)
    assert served != data and b"/OpenAction" not in served
    assert latest.size == len(served)


def test_the_corpus_is_large_enough(capsys):
    cases = corpus.cases()
    assert len(cases) + len(corpus.REQUEST_CASES) >= 13  # targets.md SEC-5 asks for at least 12
    assert len({case.key for case in cases}) == len(cases)
    with capsys.disabled():
        refused = sum(1 for case in cases if case.outcome == corpus.REFUSED)
        print(
            f"\nupload corpus: {len(cases)} files + {len(corpus.REQUEST_CASES)} request cases; "
            f"{refused} must be refused, {len(cases) - refused} may be kept as attachments"
        )

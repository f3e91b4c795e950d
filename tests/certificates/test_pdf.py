import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.pdf import certificate_context, render_certificate
from certificates.tasks import render_certificate_pdf
from certportal.pdf import safe_fetcher

pytestmark = pytest.mark.django_db
HOSTILE = (
    '<img src="http://127.0.0.1:9/x"><link rel=attachment href="file:///etc/passwd">'
    "<style>@import url(file:///etc/passwd)</style>"
)


def _stored_files(certificate) -> int:
    prefix = certificate.pdf_storage_key.split("/")[1][:-4]
    return sum(1 for name in default_storage.listdir("certificates")[1] if name.startswith(prefix))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "https://example.com/a.png",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "static:/../certportal/settings.py",
        "../manage.py",
        "/etc/passwd",
        "gopher://x",
    ],
)
def test_the_fetcher_refuses_everything_but_data_and_our_static_files(url):
    fetcher = safe_fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_our_static_files_and_data_uris():
    fetcher = safe_fetcher()
    assert fetcher.fetch("static:/img/logo.svg").headers["Content-Type"] == "image/svg+xml"
    fetcher.fetch("data:text/plain;base64,aGk=")
    assert fetcher.refused == []


def test_the_render_task_stores_one_pdf_with_its_fingerprint(certificate):
    assert render_certificate_pdf(certificate.pk) == "rendered"
    assert render_certificate_pdf(certificate.pk) == "exists"  # a redelivered task changes nothing
    certificate.refresh_from_db()
    data = default_storage.open(certificate.pdf.name).read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
    assert _stored_files(certificate) == 1


def test_a_render_interrupted_after_storing_reuses_the_stored_file(certificate):
    render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    stored = certificate.pdf.name
    Certificate.objects.filter(pk=certificate.pk).update(pdf="", pdf_sha256="")  # as if the DB write was lost
    assert render_certificate_pdf(certificate.pk) == "rendered"
    certificate.refresh_from_db()
    assert certificate.pdf.name == stored == certificate.pdf_storage_key
    assert _stored_files(certificate) == 1


def test_the_task_gives_up_after_three_starts(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(pdf="", pdf_attempts=3)
    assert render_certificate_pdf(certificate.pk) == "gave-up"


def test_the_pdf_has_every_field_and_a_qr_code(certificate):
    context = certificate_context(certificate)
    assert context["verification_url"].endswith(f"/verify/{certificate.verification_token}/")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_certificate(certificate))).pages)
    for expected in (
        certificate.number,
        certificate.holder_name,
        certificate.holder_credit_code,
        "GB/T 27922-2011",
        "四星级",
        "2026-05-06",
        "2029-05-06",
        certificate.fingerprint,
    ):
        assert expected in text


def test_a_hostile_company_name_is_printed_as_text_and_nothing_is_fetched(make_certificate, organization):
    organization.name = HOSTILE
    organization.save()
    certificate = make_certificate(organization, org_name=HOSTILE)
    fetcher = safe_fetcher()
    pdf = render_certificate(certificate, fetcher=fetcher)
    assert fetcher.refused == []
    reader = PdfReader(io.BytesIO(pdf))
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get_object())
    assert "attachment" in reader.pages[0].extract_text()  # the markup is visible text
    assert "127.0.0.1:9" in reader.pages[0].extract_text()


def test_one_landscape_a4_page_with_subset_fonts(certificate):
    reader = PdfReader(io.BytesIO(render_certificate(certificate)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [fonts[key].get_object()["/BaseFont"] for key in fonts]
    assert names and all("+" in str(name) for name in names)  # subset fonts carry a XXXXXX+ prefix


def test_the_render_is_enqueued_when_the_grant_commits(decision_maker, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from certificates import services
    from tests.factories import ready_for_decision

    application = ready_for_decision(grade="three_star", score=Decimal("85"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        certificate = services.grant_certification(application=application, by=decision_maker)
    assert any(getattr(c, "args", ())[:1] == (render_certificate_pdf,) for c in callbacks)
    certificate.refresh_from_db()
    assert certificate.pdf and certificate.pdf_sha256

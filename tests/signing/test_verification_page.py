"""The public verification page checks an uploaded PDF's signature and says what it found, in both languages."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates import services
from certificates.models import Certificate, VerificationLookup
from certificates.views.public import MAX_UPLOAD
from certportal import signing
from tests.factories import ready_for_decision
from tests.signing.test_verification import BodyKey, blank_pdf, with_incremental_update, with_one_byte_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(tmp_path, settings, decision_maker):
    """A certificate whose issued PDF is a document signed with the body's key; returns (certificate, pdf)."""
    BodyKey(tmp_path, "body").configure(settings)
    certificate = services.grant_certification(application=ready_for_decision(), by=decision_maker)
    pdf = signing.sign_pdf(blank_pdf())
    Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256=hashlib.sha256(pdf).hexdigest())
    certificate.refresh_from_db()
    return certificate, pdf


def _check(client, certificate, data, language="zh-hans"):
    url = reverse("certificates:compare", args=[certificate.verification_token])
    upload = SimpleUploadedFile("certificate.pdf", data, "application/pdf")
    return client.post(url, {"pdf": upload}, HTTP_ACCEPT_LANGUAGE=language)


def test_the_issued_pdf_is_signed_by_the_body_and_unchanged(client, issued):
    certificate, pdf = issued
    response = _check(client, certificate, pdf, "en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试认证中心 · body signing, with our certification body's key." in html
    assert "测试认证中心 · body signing → 测试认证中心 · body CA" in html
    assert "Unchanged: the file is exactly as it was signed." in html
    assert "(time given by the signer)" in html
    assert "Yes: identical to the certificate we issued." in html
    assert "Valid" in html.split("Status today")[1]
    lookup = VerificationLookup.objects.get(kind="compare")
    assert (lookup.certificate, lookup.query) == (certificate, certificate.pdf_sha256)


def test_the_page_answers_in_chinese_first(client, issued):
    certificate, pdf = issued
    html = _check(client, certificate, pdf).content.decode()
    for expected in ("签名者", "未改动：文件与签名时完全一致。", "是：与我们颁发的证书完全一致。", "今日状态"):
        assert expected in html


def test_one_changed_byte_is_reported_as_modified(client, issued):
    certificate, pdf = issued
    changed = with_one_byte_changed(pdf)
    en = _check(client, certificate, changed, "en")
    assert en.status_code == 200
    html = en.content.decode()
    assert "Modified: the file was changed after signing." in html
    assert "No: the file differs from the certificate we issued." in html
    zh = _check(client, certificate, changed).content.decode()
    assert "已被改动：文件在签名后被改动。" in zh


def test_an_incremental_update_is_reported(client, issued):
    certificate, pdf = issued
    html = _check(client, certificate, with_incremental_update(pdf), "en").content.decode()
    assert "Modified: pages or content were added after signing (incremental update)." in html


def test_a_signature_by_someone_else_is_not_ours(client, issued, tmp_path, settings):
    certificate, _pdf = issued
    body = settings.SIGNING_PKCS12_PATH
    BodyKey(tmp_path, "outsider", organization="冒名认证中心").configure(settings)
    forged = signing.sign_pdf(blank_pdf())
    settings.SIGNING_PKCS12_PATH = body
    html = _check(client, certificate, forged, "en").content.decode()
    assert "冒名认证中心 · outsider signing, whose certificate does not lead to our certification body" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not a pdf", "This file is not a PDF."),
        (b"%PDF-1.7\n\x00\xff garbage", "This file cannot be read as a PDF"),
        (blank_pdf(), "This PDF carries no electronic signature and is not the file we issued"),
    ],
    ids=["not-a-pdf", "garbage", "unsigned"],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_logged(client, issued, data, message):
    certificate, _pdf = issued
    response = _check(client, certificate, data, "en")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not VerificationLookup.objects.filter(kind="compare").exists()


def test_a_file_over_10_mb_is_refused(client, issued):
    certificate, pdf = issued
    response = _check(client, certificate, pdf + b"\n" * MAX_UPLOAD, "en")
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()


def test_an_unsigned_issued_pdf_is_still_recognised(client, issued):
    """A certificate issued before PDFs were signed: its copy is recognised by the SHA-256 alone."""
    certificate, _pdf = issued
    unsigned = blank_pdf()
    Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256=hashlib.sha256(unsigned).hexdigest())
    response = _check(client, certificate, unsigned, "en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "the file carries no electronic signature" in html
    assert "Yes: identical to the certificate we issued." in html


def test_checks_share_the_verification_rate_limit(client, issued):
    certificate, pdf = issued
    for _ in range(30):
        assert _check(client, certificate, pdf).status_code == 200
    assert _check(client, certificate, pdf).status_code == 429

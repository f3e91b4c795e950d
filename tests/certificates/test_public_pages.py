import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import Certificate, VerificationLookup
from certificates.tasks import render_certificate_pdf
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def _verify(client, certificate):
    return client.get(reverse("certificates:verify", args=[certificate.verification_token]))


def test_verification_shows_the_certificate_without_login(client, certificate):
    response = _verify(client, certificate)
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        certificate.number,
        certificate.holder_name,
        certificate.holder_credit_code,
        "2029年5月6日",  # the language's date format (certportal/formats)
        certificate.fingerprint,
    ):
        assert expected in html
    lookup = VerificationLookup.objects.get()
    assert (lookup.kind, lookup.certificate, lookup.found) == ("verify", certificate, True)


@pytest.mark.parametrize(
    ("action", "status", "text"),
    [
        (None, "active", "valid"),
        ("suspend", "suspended", "suspended"),
        ("withdraw", "withdrawn", "withdrawn"),
        ("cancel", "cancelled", "cancelled"),
        ("expire", "expired", "expired"),
    ],
)
def test_the_page_tells_the_current_status_at_once(client, certificate, decision_maker, action, status, text, settings):
    settings.LANGUAGE_CODE = "en"
    if action == "expire":
        certificate.expire()
    elif action:
        getattr(certificate, action)(by=decision_maker, reason="reason")
    response = client.get(
        reverse("certificates:verify", args=[certificate.verification_token]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200  # never a 404 for a certificate that exists
    assert (
        f"This certificate {'is' if status in ('active', 'suspended') else 'has'}" in response.content.decode()
        or f"was {text}" in response.content.decode()
    )
    assert Certificate.objects.get().status == status


def test_a_random_token_says_only_that_there_is_no_such_certificate(client, certificate):
    response = client.get(reverse("certificates:verify", args=["not-a-real-token-1234567890"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert certificate.number not in html and certificate.holder_name not in html
    assert VerificationLookup.objects.get().found is False


def test_verification_page_query_budget(client, make_certificate, django_assert_max_num_queries):
    certificates = [make_certificate(OrganizationFactory()) for _ in range(3)]
    for certificate in (certificates[0], certificates[-1]):
        with django_assert_max_num_queries(4):  # certificate (+renewal links), last surveillance, lookup log
            assert _verify(client, certificate).status_code == 200


def test_register_search_by_number_name_and_credit_code(client, certificate):
    for q in (
        certificate.number,
        certificate.number[:7],
        certificate.holder_name[:4],
        certificate.holder_credit_code.lower(),
    ):
        response = client.get(reverse("certificates:register"), {"q": q})
        assert response.status_code == 200
        assert certificate.number in response.content.decode(), q
    response = client.get(reverse("certificates:register"), {"q": "不存在的企业"})
    assert certificate.number not in response.content.decode()
    assert VerificationLookup.objects.filter(kind="search").count() == 5


def test_register_refuses_a_too_short_query(client):
    response = client.get(reverse("certificates:register"), {"q": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not VerificationLookup.objects.exists()


def test_lookups_are_rate_limited_per_address(client, certificate):
    for _ in range(30):
        assert _verify(client, certificate).status_code == 200
    assert _verify(client, certificate).status_code == 429
    other = client.get(reverse("certificates:verify", args=[certificate.verification_token]), REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200


def test_comparing_the_issued_pdf_and_an_altered_copy(client, certificate):
    render_certificate_pdf(certificate.pk)
    certificate.refresh_from_db()
    original = certificate.pdf.open("rb").read()
    url = reverse("certificates:compare", args=[certificate.verification_token])
    same = client.post(url, {"pdf": SimpleUploadedFile("c.pdf", original, "application/pdf")})
    assert same.status_code == 200 and "identical" in same.content.decode().lower() or "一致" in same.content.decode()
    altered = client.post(url, {"pdf": SimpleUploadedFile("c.pdf", original + b"%%", "application/pdf")})
    assert altered.status_code == 200
    assert certificate.pdf_sha256 not in altered.content.decode().split("SHA-256: <code>")[-1][:70]


def test_comparing_a_file_that_is_not_a_pdf_is_refused(client, certificate):
    render_certificate_pdf(certificate.pk)
    url = reverse("certificates:compare", args=[certificate.verification_token])
    response = client.post(url, {"pdf": SimpleUploadedFile("c.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert response.status_code == 400
    assert not VerificationLookup.objects.filter(kind="compare").exists()


def test_compare_needs_post(client, certificate):
    assert client.get(reverse("certificates:compare", args=[certificate.verification_token])).status_code == 405

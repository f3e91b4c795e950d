"""The public register: ended certificates without their tokens, no short searches, limits on result pages
."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.models import VerificationLookup

pytestmark = pytest.mark.django_db
REGISTER = reverse("certificates:register")


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def search(client, q, **extra):
    return client.get(REGISTER, {"q": q}, HTTP_ACCEPT_LANGUAGE="en", **extra)


@pytest.mark.parametrize("action", ["withdraw", "cancel", "expire"])
def test_an_ended_certificate_is_listed_with_its_status_but_not_its_token(client, certificate, decision_maker, action):
    if action == "expire":
        certificate.expire()
    else:
        getattr(certificate, action)(by=decision_maker, reason="reason")
    html = search(client, certificate.number).content.decode()
    assert certificate.number in html
    assert certificate.get_status_display() in html
    assert certificate.verification_token not in html


def test_a_live_certificate_links_to_its_verification_page(client, certificate):
    html = search(client, certificate.number).content.decode()
    assert reverse("certificates:verify", args=[certificate.verification_token]) in html


def test_a_search_needs_four_characters(client, certificate):
    response = search(client, certificate.holder_name[:3])
    html = response.content.decode()
    assert "Type at least 4 characters, or a whole certificate number or credit code." in html
    assert certificate.number not in html
    assert not VerificationLookup.objects.exists()


def test_result_pages_are_limited_per_address(client, certificate, settings):
    settings.REGISTER_PAGES_PER_MINUTE_PER_ADDRESS = 3
    for _ in range(3):
        assert search(client, certificate.number).status_code == 200
    assert search(client, certificate.number).status_code == 429
    assert search(client, certificate.number, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_result_pages_are_limited_for_everybody_together(client, certificate, settings):
    settings.REGISTER_PAGES_PER_MINUTE = 4
    for number in range(4):
        assert search(client, certificate.number, REMOTE_ADDR=f"10.0.0.{number}").status_code == 200
    assert search(client, certificate.number, REMOTE_ADDR="10.0.0.99").status_code == 429


def test_the_empty_search_page_is_not_counted(client, settings):
    settings.REGISTER_PAGES_PER_MINUTE_PER_ADDRESS = 1
    for _ in range(3):
        assert client.get(REGISTER).status_code == 200

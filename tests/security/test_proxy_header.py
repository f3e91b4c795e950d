"""TRUSTED_PROXY_COUNT set but no X-Forwarded-For: refused with 400 and logged, never pooled."""

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_without_the_proxy_header_the_request_is_refused_and_logged(client, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.ERROR, logger="certportal.security"):
        response = client.get(reverse("certificates:register"))
    assert response.status_code == 400
    assert any("TRUSTED_PROXY_COUNT=1" in record.getMessage() for record in caplog.records)


def test_too_few_addresses_for_the_proxies_is_refused_too(client, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    response = client.get(reverse("certificates:register"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 400


def test_through_the_proxy_the_request_is_served(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get(reverse("certificates:register"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 200


def test_without_proxies_the_header_is_not_needed(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client.get(reverse("certificates:register")).status_code == 200

import pytest
from django.conf import settings


@pytest.fixture
def en_client(client):
    """The test client with English chosen, so tests can read the messages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def applicant_client(en_client, applicant):
    en_client.force_login(applicant)
    return en_client

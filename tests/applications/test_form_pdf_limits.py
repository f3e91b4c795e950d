"""The application-form PDF: rendered once per version of the form, and limited per user."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from applications.views import drafting
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def application(applicant):
    return ApplicationFactory(organization=applicant.membership.organization, scope="家电安装")


@pytest.fixture
def renders():
    """Count WeasyPrint renders without running WeasyPrint (the PDF itself is tested in test_portal_drafting)."""
    with mock.patch.object(drafting, "render_pdf", autospec=True, return_value=b"%PDF-1.7 test") as render:
        yield render


def test_one_render_per_version_of_the_form(applicant_client, application, renders):
    url = reverse("applications:form_pdf", args=[application.pk])
    for _ in range(3):
        response = applicant_client.get(url)
        assert response.status_code == 200
        assert response.content == b"%PDF-1.7 test"
    assert renders.call_count == 1
    application.scope = "家电维修"  # a new version of the form: a new PDF
    application.save(update_fields=["scope"])
    assert applicant_client.get(url).status_code == 200
    assert renders.call_count == 2


def test_each_user_is_limited(applicant_client, application, renders, settings):
    settings.FORM_PDF_DOWNLOADS_PER_MINUTE = 2
    url = reverse("applications:form_pdf", args=[application.pk])
    assert [applicant_client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert "too many times" in applicant_client.get(url).content.decode()


def test_an_outsider_gets_nothing_and_renders_nothing(client, other_applicant, application, renders):
    client.force_login(other_applicant)
    assert client.get(reverse("applications:form_pdf", args=[application.pk])).status_code == 404
    assert renders.call_count == 0

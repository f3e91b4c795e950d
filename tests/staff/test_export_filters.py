"""A bad filter in the application export's query string: 400 with a message, never a 500."""

import pytest
from django.urls import reverse

from applications.models import Application
from tests.factories import in_state

pytestmark = pytest.mark.django_db
CSV = reverse("admin:applications_application_export_csv")
XLSX = reverse("admin:applications_application_export_xlsx")
BAD = [
    {"submitted": "9999-12"},  # no month after December 9999: an OverflowError (a 500 before)
    {"q": "a\x00b"},  # PostgreSQL refuses NUL in a string literal, and would fail while the CSV streams
    {"status_changed_at__gte": "not a date"},
    {"employee_count__gt": "many"},
    {"nonexistent_field": "1"},
]


@pytest.mark.parametrize("url", [CSV, XLSX])
@pytest.mark.parametrize("query", BAD)
def test_a_bad_filter_is_a_400_with_a_message(reviewer_client, url, query):
    in_state(Application.Status.SUBMITTED)
    response = reviewer_client.get(url, query)
    assert response.status_code == 400
    assert "cannot apply, so nothing was exported" in response.content.decode()
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("url", [CSV, XLSX])
def test_a_good_filter_still_exports(reviewer_client, url):
    in_state(Application.Status.SUBMITTED)
    response = reviewer_client.get(url, {"submitted": "2026-05", "status__exact": "submitted"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_applicant_cannot_export(client, applicant):
    client.force_login(applicant)
    response = client.get(CSV, {"submitted": "9999-12"})
    assert response.status_code == 302  # the admin's sign-in; nothing is exported
    assert "Content-Disposition" not in response

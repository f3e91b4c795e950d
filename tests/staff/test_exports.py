"""CSV and XLSX of the application list, exactly as filtered and searched."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.models import Application
from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory, in_state

pytestmark = pytest.mark.django_db
S = Application.Status
CSV = reverse("admin:applications_application_export_csv")
XLSX = reverse("admin:applications_application_export_xlsx")


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def applications():
    return {
        "submitted": in_state(S.SUBMITTED),
        "paid": in_state(S.PAID),
        "hostile": ApplicationFactory(
            organization=OrganizationFactory(name='=HYPERLINK("http://evil.example","点我")'), status=S.SUBMITTED
        ),
    }


def test_csv_follows_the_filters_and_search(reviewer_client, applications):
    response = reviewer_client.get(CSV, {"status__exact": "submitted"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    header, *rows = read_csv(response)
    assert header[0] == "Reference" and len(header) == 16
    assert {row[0] for row in rows} == {applications["submitted"].reference, applications["hostile"].reference}
    assert all(row[5] == "Submitted" for row in rows)
    _header, *rows = read_csv(reviewer_client.get(CSV, {"q": applications["paid"].credit_code}))
    assert [row[0] for row in rows] == [applications["paid"].reference]
    assert rows[0][3] == "Fujian"  # region from the credit code


def test_xlsx_follows_the_filters_too(reviewer_client, applications):
    response = reviewer_client.get(XLSX, {"status__exact": "paid"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = read_xlsx(response)
    assert header[:2] == ["Reference", "Organization"]
    assert [row[0] for row in rows] == [applications["paid"].reference]


def test_applicant_text_never_becomes_a_formula(reviewer_client, applications):
    _header, *rows = read_csv(reviewer_client.get(CSV, {"q": "HYPERLINK"}))
    assert rows[0][1].startswith("'=")
    _header, *rows = read_xlsx(reviewer_client.get(XLSX, {"q": "HYPERLINK"}))
    assert rows[0][1].startswith("'=")


def test_the_xlsx_is_capped(reviewer_client, applications, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 2
    response = reviewer_client.get(XLSX, follow=True)
    assert response.redirect_chain and "CSV" in str(list(response.context["messages"])[0])
    assert read_csv(reviewer_client.get(CSV))[1:]  # the CSV has no cap


def test_exports_need_staff_with_the_view_permission(client, applicant, applications):
    assert client.get(CSV).status_code == 302
    client.force_login(applicant)
    assert client.get(XLSX).status_code == 302
    client.force_login(UserFactory(is_staff=True))
    assert client.get(CSV).status_code == 403
    assert client.get(XLSX).status_code == 403


def test_the_list_links_to_both_exports_with_its_filters(reviewer_client, applications):
    html = reviewer_client.get("/admin/applications/application/", {"status__exact": "paid"}).content.decode()
    assert f"{CSV}?status__exact=paid" in html and f"{XLSX}?status__exact=paid" in html


@pytest.mark.parametrize("size", [2, 30])
def test_the_csv_query_count_does_not_grow(reviewer_client, size, django_assert_max_num_queries):
    for _ in range(size):
        in_state(S.SUBMITTED)
    # 8: the download's security log record also names the user's organization (certportal/logs.py, once).
    with django_assert_max_num_queries(8):
        rows = read_csv(reviewer_client.get(CSV))
    assert len(rows) == size + 1


def test_a_hand_made_filter_is_a_bad_request(reviewer_client, applications):
    assert reviewer_client.get(CSV, {"status__exact": "nonsense", "organization__bogus": "1"}).status_code == 400

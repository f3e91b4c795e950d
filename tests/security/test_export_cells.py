"""Every CSV/XLSX cell goes through certportal.text.spreadsheet_cell, and rows saved before the
text check existed (a name with a vertical tab) still export."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from applications.models import Application, Organization
from certificates import services
from certificates.models import Certificate
from certportal.text import XLSX_ILLEGAL, spreadsheet_cell
from tests.factories import in_state, ready_for_decision

pytestmark = pytest.mark.django_db

APPLICATIONS_CSV = reverse("admin:applications_application_export_csv")
APPLICATIONS_XLSX = reverse("admin:applications_application_export_xlsx")
REGISTER_CSV = reverse("admin:certificates_certificate_export", args=["csv"])
REGISTER_XLSX = reverse("admin:certificates_certificate_export", args=["xlsx"])

# What a name holds → what the cell shows. Each formula start gets an apostrophe; the vertical tab is dropped.
CASES = [
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("|calc", "'|calc"),
    ("＝1+1", "'＝1+1"),
    ("＋1", "'＋1"),
    ("－1", "'－1"),
    ("＠SUM(A1)", "'＠SUM(A1)"),
    ("Acme\x0bLtd", "AcmeLtd"),
    ("\x0b=1+1", "'=1+1"),
    ("厦门海湾电器", "厦门海湾电器"),
]


def test_the_xlsx_check_is_openpyxls():
    for code in range(0x10000):
        char = chr(code)
        if not 0xD800 <= code < 0xE000:
            assert bool(XLSX_ILLEGAL.search(char)) == bool(ILLEGAL_CHARACTERS_RE.search(char)), hex(code)


@pytest.mark.parametrize(("name", "cell"), CASES)
def test_spreadsheet_cell(name, cell):
    assert spreadsheet_cell(name) == cell
    assert spreadsheet_cell(12) == 12 and spreadsheet_cell(None) is None


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(content: bytes, sheet: str | None = None) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in (book[sheet] if sheet else book.active).iter_rows(values_only=True)]


@pytest.fixture
def named_application(organization):
    """An application whose organization name was saved before the text check existed."""

    def make(name: str) -> Application:
        application = in_state(Application.Status.SUBMITTED, organization=organization)
        Organization.objects.filter(pk=organization.pk).update(name=name)  # bypasses the forms, as old rows did
        Application.objects.filter(pk=application.pk).update(org_name=name)
        return application

    return make


@pytest.mark.parametrize(("name", "cell"), CASES)
def test_the_application_exports_neutralise_each_name(client, reviewer, named_application, name, cell):
    application = named_application(name)
    client.force_login(reviewer)
    response = client.get(APPLICATIONS_XLSX)
    assert response.status_code == 200
    _header, row = read_xlsx(b"".join(response.streaming_content))
    assert row[0] == application.reference and row[1] == cell
    _header, row = read_csv(client.get(APPLICATIONS_CSV))
    assert row[1] == cell


@pytest.fixture
def named_certificate(decision_maker):
    def make(name: str) -> Certificate:
        certificate = services.grant_certification(application=ready_for_decision(), by=decision_maker)
        Certificate.objects.filter(pk=certificate.pk).update(holder_name=name, holder_address=name)
        return certificate

    return make


@pytest.mark.parametrize(("name", "cell"), CASES)
def test_the_register_exports_neutralise_each_name(client, administrator, named_certificate, name, cell):
    certificate = named_certificate(name)
    client.force_login(administrator)
    response = client.get(REGISTER_XLSX)
    assert response.status_code == 200  # a vertical tab in a holder name used to give a 500 for every staff member
    _header, row = read_xlsx(response.content, "certificates")
    assert (row[0], row[1], row[3]) == (certificate.number, cell, cell)
    _header, row = read_csv(client.get(REGISTER_CSV))
    assert (row[0], row[1], row[3]) == (certificate.number, cell, cell)


def test_a_status_change_reason_is_neutralised_too(client, administrator, named_certificate, decision_maker):
    certificate = named_certificate("Acme")
    certificate.suspend(by=decision_maker, reason="=cmd|' /C calc'!A0")
    client.force_login(administrator)
    _header, row = read_xlsx(client.get(REGISTER_XLSX).content, "status changes")
    assert row[5] == "'=cmd|' /C calc'!A0"
    _header, row = read_csv(client.get(REGISTER_CSV))
    assert row[-2] == "'=cmd|' /C calc'!A0"

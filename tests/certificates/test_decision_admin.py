import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application, MaterialItem
from audits.models import AuditTeamMember
from certificates.models import Certificate, DecisionDossier
from certificates.tasks import build_decision_dossier
from tests.factories import AuditFactory, in_state, ready_for_decision, store_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(applicant):
    application = ready_for_decision(
        grade="four_star", score=Decimal("92.00"), organization=applicant.membership.organization
    )
    item = application.material_items.get(material_type__code="business_licence")
    store_file(item, by=applicant, content=b"%PDF-1.4 licence", name="执照.pdf", status=MaterialItem.Status.ACCEPTED)
    return application


def _url(name, *args):
    return reverse(f"admin:certificates_casefile_{name}", args=args)


def test_the_case_file_shows_what_the_decision_rests_on(client, decision_maker, case):
    client.force_login(decision_maker)
    response = client.get(_url("change", case.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html and case.org_name in html and "执照.pdf" in html
    assert 'name="outcome"' in html


def test_grant_from_the_case_file(client, decision_maker, case):
    client.force_login(decision_maker)
    response = client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "four_star", "reason": ""})
    assert response.status_code == 302
    certificate = Certificate.objects.get(application=case)
    assert certificate.grade == "four_star"
    # a double click: the second post is refused with a message and creates nothing
    client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "four_star"})
    assert Certificate.objects.count() == 1


def test_the_grade_can_only_be_lowered_with_a_reason(client, decision_maker, case):
    client.force_login(decision_maker)
    client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "five_star"})  # not offered: invalid
    client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "three_star", "reason": ""})
    assert not Certificate.objects.exists()
    client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "three_star", "reason": "投诉记录不全"})
    assert Certificate.objects.get().grade == "three_star"


def test_refusal_needs_reasons(client, decision_maker, case):
    client.force_login(decision_maker)
    client.post(_url("decide", case.pk), {"outcome": "refuse", "reason": ""})
    case.refresh_from_db()
    assert case.status == Application.Status.AWAITING_DECISION
    client.post(_url("decide", case.pk), {"outcome": "refuse", "reason": "得分不足"})
    case.refresh_from_db()
    assert case.status == Application.Status.REFUSED


def test_an_audit_team_member_is_refused(client, decision_maker, case):
    audit = AuditFactory(application=case)
    AuditTeamMember.objects.create(audit=audit, auditor=decision_maker, role="member")
    client.force_login(decision_maker)
    page = client.get(_url("change", case.pk)).content.decode()
    assert 'name="outcome"' not in page  # no decision form for a team member
    client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "four_star"})
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer", "auditor", "applicant"])
def test_other_roles_cannot_open_or_decide(client, request, persona, case):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(_url("change", case.pk)).status_code == 403
    assert client.post(_url("decide", case.pk), {"outcome": "grant", "grade": "four_star"}).status_code == 403
    assert not Certificate.objects.exists()


def test_a_case_in_the_wrong_state_is_not_found(client, decision_maker):
    draft = in_state(Application.Status.SUBMITTED)
    client.force_login(decision_maker)
    assert client.get(_url("change", draft.pk)).status_code == 404


def test_the_dossier_zip_is_built_by_a_task(client, decision_maker, case, django_capture_on_commit_callbacks):
    client.force_login(decision_maker)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("dossier", case.pk))
    dossier = DecisionDossier.objects.get()
    assert (dossier.status, dossier.progress) == (DecisionDossier.Status.READY, 100)
    assert build_decision_dossier(dossier.pk) == "ready"  # a redelivery does nothing
    response = client.get(_url("dossier_download", case.pk, dossier.pk))
    assert response["Content-Disposition"].startswith("attachment")
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names[0] == "00-case-summary.pdf"
    assert any(n.startswith("materials/") and "business_licence" in n for n in names)


def test_register_export_csv_and_xlsx(client, administrator, make_certificate, decision_maker):
    certificate = make_certificate()
    certificate.suspend(by=decision_maker, reason="监督逾期")
    client.force_login(administrator)
    csv_response = client.get(reverse("admin:certificates_certificate_export", args=["csv"]))
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert certificate.number in text and "监督逾期" in text
    xlsx = client.get(reverse("admin:certificates_certificate_export", args=["xlsx"]))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["certificates", "status changes"]
    assert book["certificates"].max_row == 2 and book["status changes"].max_row == 2


def test_certificate_transitions_from_the_admin(client, administrator, make_certificate, decision_maker):
    certificate = make_certificate()
    url = reverse("admin:certificates_certificate_act", args=[certificate.pk, "suspend"])
    client.force_login(administrator)  # administrators manage; they do not decide (design.md §3.1)
    assert client.post(url, {"reason": "严重投诉"}).status_code == 403
    client.force_login(decision_maker)
    assert client.post(url, {"reason": ""}).status_code == 200  # the form asks for a reason
    client.post(url, {"reason": "严重投诉"})
    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert certificate.status_changes.get().by == decision_maker
    client.post(reverse("admin:certificates_certificate_act", args=[certificate.pk, "suspend"]), {"reason": "again"})
    assert certificate.status_changes.count() == 1

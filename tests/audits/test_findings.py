"""Special deductions and bonus, nonconformities raised on site, blocking findings."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, Indicator, Nonconformity, SpecialFinding
from audits.services import compute_result
from tests.audits.conftest import score_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def leaf(audit, code="5.1.4"):
    return Indicator.objects.get(indicator_set=audit.indicator_set, code=code)


def add_finding(client, audit, **data):
    return client.post(reverse("audits:add_special_finding", args=[audit.pk]), data)


def test_a_special_deduction_becomes_a_nonconformity_to_correct(client, audit, lead):
    client.force_login(lead)
    response = add_finding(
        client,
        audit,
        kind="deduction",
        category="law",
        indicator=leaf(audit).pk,
        description="维修记录未按《消费者权益保护法》保存",
        severity="major",
        due_date="2027-03-01",
    )
    assert response.status_code == 302
    finding = SpecialFinding.objects.get(audit=audit)
    nc = finding.nonconformity
    assert (nc.severity, nc.status, nc.due_date, nc.indicator) == (
        "major",
        "open",
        datetime.date(2027, 3, 1),
        leaf(audit),
    )
    assert nc.raised_by == lead and nc.description == finding.description
    assert not nc.blocking


def test_a_deduction_needs_its_ground(client, audit, lead):
    client.force_login(lead)
    response = add_finding(client, audit, kind="deduction", description="x", severity="minor", due_date="2027-01-01")
    assert response.status_code == 400
    assert "category" in response.context["finding_form"].errors
    assert not SpecialFinding.objects.exists() and not Nonconformity.objects.exists()


def test_at_most_one_special_bonus(client, audit, lead, member):
    client.force_login(lead)
    assert add_finding(client, audit, kind="bonus", description="行业领先的 24 小时响应").status_code == 302
    client.force_login(member)
    response = add_finding(client, audit, kind="bonus", description="再加一分", severity="minor")
    assert response.status_code == 400
    errors = response.context["finding_form"].errors["kind"]
    assert "at most one" in errors[0] or "至多" in errors[0]
    assert SpecialFinding.objects.filter(kind="bonus").count() == 1


def test_the_database_refuses_a_second_bonus_too(audit, lead):
    from django.core.exceptions import ValidationError

    audit.add_special_finding(by=lead, kind="bonus", description="a")
    with pytest.raises(ValidationError):
        audit.add_special_finding(by=lead, kind="bonus", description="b")


def test_a_bonus_needs_its_justification(client, audit, lead):
    client.force_login(lead)
    response = add_finding(client, audit, kind="bonus", description="")
    assert response.status_code == 400
    assert not SpecialFinding.objects.exists()


def test_specials_enter_the_score(audit, lead):
    score_all(audit, by=lead, points=lambda i: i.max_points * 94 / 100)  # 94
    audit.add_special_finding(by=lead, kind="bonus", description="领先")
    assert compute_result(audit).score == 95
    audit.add_special_finding(by=lead, kind="deduction", category="own_rules", description="未执行回访制度")
    result = compute_result(audit)
    assert (result.score, result.grade) == (94, "four_star")


def test_raising_a_nonconformity_with_the_default_due_date(client, audit, lead, settings):
    settings.NONCONFORMITY_DUE_DAYS = 60
    client.force_login(lead)
    form = client.get(reverse("audits:form", args=[audit.pk])).context["nc_form"]
    due = timezone.localdate() + datetime.timedelta(days=60)
    assert form.initial["due_date"] == due
    response = client.post(
        reverse("audits:add_nonconformity", args=[audit.pk]),
        {"indicator": leaf(audit).pk, "severity": "minor", "description": "投诉台账缺 3 月记录", "due_date": due},
    )
    assert response.status_code == 302
    nc = Nonconformity.objects.get()
    assert (nc.due_date, nc.severity, nc.status, nc.raised_by) == (due, "minor", "open", lead)
    assert nc.history.first().history_user == lead


def test_a_nonconformity_needs_description_and_indicator(client, audit, lead):
    client.force_login(lead)
    response = client.post(reverse("audits:add_nonconformity", args=[audit.pk]), {"severity": "minor"})
    assert response.status_code == 400
    assert {"description", "indicator"} <= set(response.context["nc_form"].errors)
    assert not Nonconformity.objects.exists()


@pytest.mark.parametrize("status", [Audit.Status.PLANNED, Audit.Status.SUBMITTED])
def test_findings_cannot_be_added_unless_in_progress(client, make_audit, lead, status):
    audit = make_audit(status)
    client.force_login(lead)
    add_finding(client, audit, kind="bonus", description="x")
    client.post(
        reverse("audits:add_nonconformity", args=[audit.pk]),
        {"indicator": leaf(audit).pk, "severity": "minor", "description": "x", "due_date": "2027-01-01"},
    )
    assert not SpecialFinding.objects.exists() and not Nonconformity.objects.exists()


def test_an_outsider_cannot_add_findings(client, audit):
    client.force_login(UserFactory(role="auditor"))
    assert add_finding(client, audit, kind="bonus", description="x").status_code == 404
    assert not SpecialFinding.objects.exists()


def test_a_blocking_finding_vetoes_the_recommendation(audit, lead):
    score_all(audit, by=lead)
    audit.raise_nonconformity(by=lead, description="无营业执照经营", indicator=leaf(audit), blocking=True)
    result = compute_result(audit)
    # 5.1.4 (6 points) loses its full points to the nonconformity: 94, four-star by the score alone
    assert (result.score, result.score_grade, result.grade, result.blocked) == (94, "four_star", "", True)


def test_deduction_categories_from_settings_block(audit, lead, settings):
    settings.BLOCKING_DEDUCTION_CATEGORIES = ["law"]
    audit.add_special_finding(by=lead, kind="deduction", category="law", description="违法", severity="major")
    audit.add_special_finding(by=lead, kind="deduction", category="system", description="影响体系运行")
    assert list(Nonconformity.objects.order_by("pk").values_list("blocking", flat=True)) == [True, False]

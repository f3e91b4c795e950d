"""The audit's generic admin form re-plans only while the audit is planned: once in progress, submitted or closed
it is read-only for everyone, administrators and superusers included; a submitted report changes only through
"reopen with a reason", which reviewers keep. Scores and findings are never edited in the admin."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Application
from audits.models import Audit, AuditTeamMember, ItemScore, Nonconformity, SpecialFinding
from tests.factories import AuditFactory, UserFactory, in_state

pytestmark = pytest.mark.django_db
S = Audit.Status

START, END, MAN_DAYS = datetime.date(2026, 12, 1), datetime.date(2026, 12, 2), Decimal("2.0")
NEW = {"planned_start": "2027-01-10", "planned_end": "2027-01-12", "onsite_man_days": "9.5"}


@pytest.fixture
def lead(db):
    return UserFactory(role="auditor")


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def make_audit(status: str, lead) -> Audit:
    app_status = Application.Status.AUDIT_PLANNED if status in (S.PLANNED, S.IN_PROGRESS) else "audit_reported"
    audit = AuditFactory(
        application=in_state(app_status),
        status=status,
        planned_start=START,
        planned_end=END,
        onsite_man_days=MAN_DAYS,
        score=Decimal("91.00") if status in Audit.REPORTED_STATES else None,
    )
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    return audit


def change_url(audit: Audit) -> str:
    return reverse("admin:audits_audit_change", args=[audit.pk])


def post_change(client, audit: Audit):
    """The change form as the admin would send it, with new dates and man-days."""
    data = {
        **NEW,
        "created_at": "2026-11-01",
        "team-TOTAL_FORMS": "1",
        "team-INITIAL_FORMS": "1",
        "team-0-id": audit.team.get().pk,
        "team-0-audit": audit.pk,
    }
    return client.post(change_url(audit), data)


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.SUBMITTED, S.CLOSED])
@pytest.mark.parametrize("who", ["reviewer", "administrator", "superuser"])
def test_a_started_submitted_or_closed_audit_cannot_be_changed_in_the_admin(request, client, lead, status, who):
    audit = make_audit(status, lead)
    client.force_login(request.getfixturevalue(who))
    response = post_change(client, audit)
    assert response.status_code == 403
    audit.refresh_from_db()
    assert (audit.planned_start, audit.planned_end, audit.onsite_man_days) == (START, END, MAN_DAYS)
    assert audit.status == status and audit.indicator_set.is_active
    assert [(m.auditor, m.role) for m in audit.team.all()] == [(lead, "lead")]


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_the_form_of_a_submitted_audit_shows_every_field_read_only(request, client, lead, who):
    audit = make_audit(S.SUBMITTED, lead)
    client.force_login(request.getfixturevalue(who))
    response = client.get(change_url(audit), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    page = response.content.decode()
    for field in ("planned_start", "planned_end", "onsite_man_days"):
        assert f'name="{field}"' not in page
    assert "1 Dec 2026" in page  # the values are shown, as text
    assert 'name="_save"' not in page
    # the one way to change it stays on the page
    assert reverse("admin:audits_audit_reopen", args=[audit.pk]) in page


def test_the_reviewer_still_reopens_a_submitted_report_with_a_reason(client, reviewer, lead):
    audit = make_audit(S.SUBMITTED, lead)
    client.force_login(reviewer)
    response = client.post(reverse("admin:audits_audit_reopen", args=[audit.pk]), {"reason": "得分录入错误"})
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == S.IN_PROGRESS
    assert (audit.planned_start, audit.onsite_man_days) == (START, MAN_DAYS)  # reopening re-plans nothing


def test_a_planned_audit_is_re_planned_by_the_reviewer(client, reviewer, lead):
    audit = make_audit(S.PLANNED, lead)
    client.force_login(reviewer)
    assert client.get(change_url(audit)).context["has_change_permission"]
    response = post_change(client, audit)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert (audit.planned_start, audit.planned_end, audit.onsite_man_days) == (
        datetime.date(2027, 1, 10),
        datetime.date(2027, 1, 12),
        Decimal("9.5"),
    )
    assert audit.history.first().history_user == reviewer


def test_the_decision_maker_does_not_re_plan(client, decision_maker, lead):
    audit = make_audit(S.PLANNED, lead)
    client.force_login(decision_maker)
    assert post_change(client, audit).status_code == 403
    audit.refresh_from_db()
    assert audit.planned_start == START


def test_scores_and_findings_are_read_only_in_the_admin_even_for_a_superuser(client, superuser, lead):
    audit = make_audit(S.SUBMITTED, lead)
    indicator = audit.indicator_set.leaves().order_by("order").first()
    score = ItemScore.objects.create(audit=audit, indicator=indicator, points=indicator.max_points, updated_by=lead)
    finding = SpecialFinding.objects.create(
        audit=audit, kind=SpecialFinding.Kind.BONUS, description="服务创新", created_by=lead
    )
    nonconformity = Nonconformity.objects.create(
        audit=audit, description="投诉记录不全", due_date=datetime.date(2027, 2, 1), raised_by=lead
    )
    client.force_login(superuser)
    for obj, data in [
        (score, {"audit": audit.pk, "indicator": indicator.pk, "points": "0"}),
        (finding, {"audit": audit.pk, "kind": "bonus", "description": "改掉"}),
        (nonconformity, {"audit": audit.pk, "description": "改掉", "severity": "minor", "due_date": "2030-01-01"}),
    ]:
        url = reverse(f"admin:audits_{obj._meta.model_name}_change", args=[obj.pk])
        assert not client.get(url).context["has_change_permission"]
        assert client.post(url, data).status_code == 403
        name = obj._meta.model_name
        assert client.get(reverse(f"admin:audits_{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:audits_{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    score.refresh_from_db()
    finding.refresh_from_db()
    nonconformity.refresh_from_db()
    assert score.points == indicator.max_points
    assert finding.description == "服务创新"
    assert (nonconformity.description, nonconformity.due_date) == ("投诉记录不全", datetime.date(2027, 2, 1))

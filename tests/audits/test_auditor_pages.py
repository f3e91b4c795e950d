"""The auditor's pages: my audits, the scoring form, starting an audit; who may see them."""

import pytest
from django.urls import reverse

from audits.models import Audit, AuditTeamMember
from tests.audits.conftest import score_all
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
S = Audit.Status


def test_my_audits_lists_only_the_audits_the_user_is_on(client, make_audit, lead, member):
    mine = make_audit(S.PLANNED)
    other_lead = UserFactory(role="auditor")
    not_mine = make_audit(S.IN_PROGRESS)
    AuditTeamMember.objects.filter(audit=not_mine).update(auditor=other_lead)
    client.force_login(lead)
    response = client.get(reverse("audits:list"))
    assert response.status_code == 200
    shown = [a.pk for a in response.context["active"]]
    assert shown == [mine.pk]
    assert mine.application.org_name in response.content.decode()


@pytest.mark.parametrize("count", [1, 12])
def test_my_audits_query_count_is_fixed(client, make_audit, lead, django_assert_max_num_queries, count):
    for n in range(count):
        audit = make_audit([S.PLANNED, S.IN_PROGRESS, S.SUBMITTED][n % 3])
        audit.nonconformities.create(description="x", due_date="2027-01-01")
    client.force_login(lead)
    # session, user, the permission check (user and group permissions), the audits with their counts
    with django_assert_max_num_queries(6):
        response = client.get(reverse("audits:list"))
    assert len(response.context["active"]) + len(response.context["reported"]) == count


def test_applicant_cannot_open_my_audits(client, applicant):
    client.force_login(applicant)
    assert client.get(reverse("audits:list")).status_code == 403


def test_the_form_groups_items_by_first_and_second_level(client, audit, lead):
    client.force_login(lead)
    response = client.get(reverse("audits:form", args=[audit.pk]))
    assert response.status_code == 200
    sheet = response.context["sheet"]
    assert [g.indicator.code for g in sheet.groups] == ["5.1", "5.2", "5.3"]
    assert [n.indicator.code for n in sheet.groups[0].children][:3] == ["5.1.1", "5.1.2", "5.1.3"]
    assert len(sheet.rows) == 18
    page = response.content.decode()
    assert "Placeholder points" in page or "占位" in page
    assert 'capture="environment"' in page
    assert "<script>" not in page and "onclick" not in page  # no inline scripts (CSP)
    assert 'src="/static/js/audit-form.js"' in page


def test_a_team_member_sees_the_form(client, audit, member):
    client.force_login(member)
    assert client.get(reverse("audits:form", args=[audit.pk])).status_code == 200


def test_an_auditor_not_on_the_team_gets_404(client, audit):
    client.force_login(UserFactory(role="auditor"))
    assert client.get(reverse("audits:form", args=[audit.pk])).status_code == 404
    assert client.get(reverse("audits:submit", args=[audit.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["applicant", "reviewer", "other_applicant"])
def test_other_roles_get_404_on_the_form(client, audit, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audits:form", args=[audit.pk])).status_code == 404


def test_a_team_member_without_the_auditor_role_is_refused(client, audit):
    outsider = UserFactory()  # no role: no audits.conduct_audit
    AuditTeamMember.objects.create(audit=audit, auditor=outsider, role=AuditTeamMember.Role.EXPERT)
    client.force_login(outsider)
    assert client.get(reverse("audits:form", args=[audit.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, audit):
    response = client.get(reverse("audits:form", args=[audit.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_starting_the_audit_from_the_page(client, make_audit, lead):
    audit = make_audit(S.PLANNED)
    client.force_login(lead)
    page = client.get(reverse("audits:form", args=[audit.pk])).content.decode()
    assert reverse("audits:start", args=[audit.pk]) in page
    response = client.post(reverse("audits:start", args=[audit.pk]))
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == S.IN_PROGRESS
    assert audit.history.first().history_user == lead


def test_starting_twice_changes_nothing(client, audit, lead):
    client.force_login(lead)
    before = audit.history.count()
    response = client.post(reverse("audits:start", args=[audit.pk]), follow=True)
    assert response.status_code == 200
    assert audit.history.count() == before
    assert len(list(response.context["messages"])) == 1


def test_start_is_post_only(client, make_audit, lead):
    audit = make_audit(S.PLANNED)
    client.force_login(lead)
    assert client.get(reverse("audits:start", args=[audit.pk])).status_code == 405


def test_a_planned_audit_shows_a_read_only_form(client, make_audit, lead):
    audit = make_audit(S.PLANNED)
    client.force_login(lead)
    response = client.get(reverse("audits:form", args=[audit.pk]))
    assert response.context["editable"] is False
    assert "<fieldset disabled>" in response.content.decode()


def test_the_header_shows_running_total_and_progress(client, audit, lead):
    score_all(audit, by=lead, skip=10)
    client.force_login(lead)
    response = client.get(reverse("audits:form", args=[audit.pk]))
    assert response.context["sheet"].scored_count == 8
    assert response.context["running"].score == 100
    assert 'aria-valuenow="8"' in response.content.decode()

"""A refusal by role is a 403 and a DENIED security event, never a message and a redirect."""

import pytest
from django.urls import reverse

from accounts.models import SecurityEvent
from applications.models import Application
from audits.models import Audit, AuditTeamMember
from tests.factories import AuditFactory, UserFactory, in_state

pytestmark = pytest.mark.django_db


def denied(path: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DENIED, path=path))


def test_staff_without_a_role_cannot_export_the_certificate_register(client):
    clerk = UserFactory(is_staff=True)  # admin access, but no role and so no "view certificate"
    client.force_login(clerk)
    url = reverse("admin:certificates_certificate_export", args=["csv"])
    response = client.get(url)
    assert response.status_code == 403
    assert "Content-Disposition" not in response
    assert [event.user for event in denied(url)] == [clerk]


def test_a_reviewer_still_exports_the_certificate_register(client, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:certificates_certificate_export", args=["csv"])
    assert client.get(url).status_code == 200
    assert not denied(url)


@pytest.fixture
def audit_in_progress(organization):
    audit = AuditFactory(
        application=in_state(Application.Status.AUDIT_PLANNED, organization=organization),
        status=Audit.Status.IN_PROGRESS,
    )
    lead, member = UserFactory(role="auditor"), UserFactory(role="auditor")
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    AuditTeamMember.objects.create(audit=audit, auditor=member, role=AuditTeamMember.Role.MEMBER)
    return audit, lead, member


def test_a_team_member_who_is_not_the_leader_cannot_submit_the_report(client, audit_in_progress):
    audit, _lead, member = audit_in_progress
    client.force_login(member)
    url = reverse("audits:submit", args=[audit.pk])
    for method in (client.get, client.post):
        assert method(url).status_code == 403
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS
    assert len(denied(url)) == 2


def test_the_leader_is_not_refused(client, audit_in_progress):
    audit, lead, _member = audit_in_progress
    client.force_login(lead)
    url = reverse("audits:submit", args=[audit.pk])
    assert client.get(url).status_code == 200
    assert not denied(url)


def test_a_state_refusal_of_the_leader_keeps_its_message(client, audit_in_progress):
    """Starting an audit already in progress: the right person at the wrong time, told why (no DENIED event)."""
    audit, lead, _member = audit_in_progress
    client.force_login(lead)
    url = reverse("audits:start", args=[audit.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert not denied(url)

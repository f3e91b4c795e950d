"""Scores, findings and kept files are written to the record, each with what was recorded."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from applications.models import Application
from audits.models import Audit, AuditTeamMember, ItemScore
from certificates import services
from tests.factories import UserFactory, ready_for_decision
from tests.factories.applications import in_state
from tests.factories.audits import AuditFactory, AuditTeamMemberFactory, first_leaf
from trail.models import TrailEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(role="auditor")


@pytest.fixture
def audit(lead):
    application = in_state(Application.Status.AUDIT_PLANNED)
    audit = AuditFactory(application=application, status=Audit.Status.IN_PROGRESS)
    AuditTeamMemberFactory(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    return audit


def last_entry() -> TrailEntry:
    return TrailEntry.objects.order_by("-seq").first()


def test_a_score_is_written_with_its_points(audit, lead):
    indicator = first_leaf(audit)
    audit.record_score(ItemScore(indicator=indicator, points=Decimal("1.50"), notes="抽查两份"), by=lead)
    entry = last_entry()
    score = audit.scores.get()
    assert (entry.kind, entry.subject_type, entry.subject_id) == ("score", "audits.itemscore", str(score.pk))
    assert entry.actor_id == lead.pk
    assert entry.payload["points"] == "1.50"
    assert (entry.payload["audit"], entry.payload["indicator"], entry.payload["notes"]) == (
        audit.pk,
        indicator.pk,
        "抽查两份",
    )
    score.points = Decimal("0.50")
    audit.record_score(score, by=lead)
    assert last_entry().payload["points"] == "0.50"
    assert last_entry().subject_id == str(score.pk)
    call_command("verify_trail")


def test_a_deduction_writes_the_finding_and_its_nonconformity(audit, lead):
    finding = audit.add_special_finding(by=lead, kind="deduction", description="未公示收费标准", category="own_rules")
    nonconformity = finding.nonconformity
    kinds = list(TrailEntry.objects.order_by("seq").values_list("kind", "subject_id"))[-2:]
    assert kinds == [("special_finding", str(finding.pk)), ("nonconformity", str(nonconformity.pk))]
    payload = last_entry().payload
    assert (payload["description"], payload["due_date"]) == ("未公示收费标准", nonconformity.due_date.isoformat())


def test_a_decision_and_a_certificate_status_change_are_written():
    decider = UserFactory(role="decision_maker")
    application = ready_for_decision(grade="four_star")
    certificate = services.grant_certification(application=application, by=decider)
    (grant,) = TrailEntry.objects.filter(subject_type="applications.application", payload__transition="grant")
    assert (grant.subject_id, grant.actor_id) == (str(application.pk), decider.pk)
    assert (grant.payload["to"], grant.payload["context"]["grade"]) == ("certified", "four_star")
    certificate.suspend(by=decider, reason="监督审核逾期")
    entry = last_entry()
    assert (entry.subject_type, entry.subject_id) == ("certificates.certificate", str(certificate.pk))
    assert (entry.payload["transition"], entry.payload["from"], entry.payload["to"]) == (
        "suspend",
        "active",
        "suspended",
    )
    assert entry.payload["reason"] == "监督审核逾期"
    call_command("verify_trail")

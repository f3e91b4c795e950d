import datetime
from decimal import Decimal

import pytest
import time_machine

from applications.models import Application
from audits.models import AuditTeamMember
from certificates import services
from certificates.models import Certificate, Decision
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import AuditFactory, ready_for_decision

pytestmark = pytest.mark.django_db


def _awaiting(grade="four_star", score="91.00"):
    return ready_for_decision(grade=grade, score=Decimal(score))


def test_grant_issues_a_numbered_certificate_with_surveillance_dates(decision_maker):
    application = _awaiting()
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)):
        certificate = services.grant_certification(application=application, by=decision_maker)
    assert certificate.number == "CP-2026-000001"
    assert certificate.grade == "four_star"
    assert certificate.holder_credit_code == application.credit_code
    assert certificate.expires_on == datetime.date(2029, 3, 10)
    assert [r.due_date for r in certificate.surveillance_reviews.all()] == [
        datetime.date(2027, 3, 10),
        datetime.date(2028, 3, 10),
    ]
    assert application.decision.outcome == Decision.Outcome.GRANT
    assert len(certificate.verification_token) >= 32


def test_numbers_are_sequential_per_year(decision_maker):
    numbers = [services.grant_certification(application=_awaiting(), by=decision_maker).number for _ in range(3)]
    assert numbers == ["CP-2026-000001", "CP-2026-000002", "CP-2026-000003"] or numbers[0].endswith("000001")


def test_a_certificate_issued_on_29_february(decision_maker):
    application = _awaiting()
    application.audits.update(planned_start=datetime.date(2028, 2, 28), planned_end=datetime.date(2028, 2, 29))
    with time_machine.travel(datetime.datetime(2028, 2, 29, 4, tzinfo=datetime.UTC)):
        certificate = services.grant_certification(application=application, by=decision_maker)
    assert certificate.issued_on == datetime.date(2028, 2, 29)
    assert certificate.expires_on == datetime.date(2031, 2, 28)
    assert certificate.surveillance_reviews.first().due_date == datetime.date(2029, 2, 28)


def test_granting_twice_gives_one_certificate(decision_maker):
    application = _awaiting()
    services.grant_certification(application=application, by=decision_maker)
    with pytest.raises(InvalidTransition):
        services.grant_certification(application=Application.objects.get(pk=application.pk), by=decision_maker)
    assert Certificate.objects.count() == 1


def test_an_audit_team_member_cannot_decide(decision_maker, auditor):
    application = _awaiting()

    audit = AuditFactory(application=application)
    AuditTeamMember.objects.create(audit=audit, auditor=decision_maker, role="member")
    with pytest.raises(TransitionError):
        services.grant_certification(application=application, by=decision_maker)
    application.refresh_from_db()
    assert application.status == Application.Status.AWAITING_DECISION


def test_the_grade_can_be_lowered_with_a_reason_but_never_raised(decision_maker):
    with pytest.raises(TransitionError):
        services.grant_certification(application=_awaiting(), by=decision_maker, grade="five_star")
    with pytest.raises(TransitionError):
        services.grant_certification(application=_awaiting(), by=decision_maker, grade="three_star")
    certificate = services.grant_certification(
        application=_awaiting(), by=decision_maker, grade="three_star", reason="投诉处理记录不完整"
    )
    assert certificate.grade == "three_star"
    assert certificate.decision.recommended_grade == "four_star"
    assert Certificate.objects.count() == 1


def test_certificate_status_changes_are_recorded(decision_maker):
    certificate = services.grant_certification(application=_awaiting(), by=decision_maker)
    certificate.suspend(by=None, reason="监督审核逾期")
    certificate.restore(by=decision_maker, reason="监督审核已完成")
    certificate.withdraw(by=decision_maker, reason="严重违规")
    with pytest.raises(InvalidTransition):
        certificate.restore(by=decision_maker, reason="x")
    changes = list(certificate.status_changes.values_list("from_status", "to_status", "by"))
    assert changes == [
        ("active", "suspended", None),
        ("suspended", "active", decision_maker.pk),
        ("active", "withdrawn", decision_maker.pk),
    ]


def test_refusal_needs_a_reason(decision_maker):
    application = _awaiting()
    with pytest.raises(TransitionError):
        services.refuse_certification(application=application, by=decision_maker, reason="")
    decision = services.refuse_certification(application=application, by=decision_maker, reason="得分低于 70")
    assert decision.outcome == Decision.Outcome.REFUSE
    application.refresh_from_db()
    assert application.status == Application.Status.REFUSED

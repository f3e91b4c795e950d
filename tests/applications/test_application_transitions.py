from decimal import Decimal

import pytest
from django.core import mail

from applications.models import Application, ApplicationStatusChange, MaterialItem
from audits.models import AuditTeamMember
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import ApplicationFactory, AuditFactory, MembershipFactory, UserFactory, in_state

pytestmark = pytest.mark.django_db
S = Application.Status

NAMES = [t.name for t in Application.WORKFLOW]
PAIRS = [(old, name) for old in S for name in NAMES]


def actor_for(application, name):
    """A person the transition's table entry names, for this application (audit team members on its audit)."""
    keys = {actor.key for actor in Application.WORKFLOW[name].actors}
    if "applicant" in keys:
        return MembershipFactory(organization=application.organization).user
    if "reviewer" in keys:
        return UserFactory(role="reviewer")
    lead = UserFactory(role="auditor")
    audit = AuditFactory(application=application)
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    return lead


@pytest.mark.parametrize(("old", "name"), PAIRS, ids=[f"{o.value}-{n}" for o, n in PAIRS])
def test_transition_map(old, name):
    """From each state, each transition of the table either moves (recording who and from where) or is refused
    with nothing changed, exactly as its from-states say."""
    application = in_state(old)
    transition = Application.WORKFLOW[name]
    by = actor_for(application, name)
    if old in transition.sources:
        application.perform(name, by=by, reason="理由")
        application.refresh_from_db()
        assert application.status == transition.target
        change = application.status_changes.get()
        assert (change.from_status, change.to_status, change.by) == (old, transition.target, by)
    else:
        with pytest.raises(InvalidTransition):
            application.perform(name, by=by, reason="理由")
        application.refresh_from_db()
        assert application.status == old
        assert not application.status_changes.exists()


def test_every_state_but_the_decided_ones_has_a_way_out():
    decided = {S.CERTIFIED, S.REFUSED, S.WITHDRAWN}
    for status in set(S) - decided:
        assert Application.WORKFLOW.targets_from(status), status
    for status in decided:
        assert not Application.WORKFLOW.targets_from(status), status


def test_status_change_records_who_when_and_why(reviewer):
    application = in_state(S.SUBMITTED)
    application.return_for_corrections(by=reviewer, reason="营业执照模糊")
    change = ApplicationStatusChange.objects.get(application=application)
    assert change.reason == "营业执照模糊"
    assert change.at is not None
    assert application.history.first().history_user == reviewer
    assert application.history.first().history_change_reason == "营业执照模糊"


@pytest.mark.parametrize("method", ["return_for_corrections", "refuse", "withdraw"])
def test_reason_is_required(method, reviewer, applicant):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    with pytest.raises(TransitionError):
        getattr(application, method)(by=applicant if method == "withdraw" else reviewer, reason="  ")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_submit_lists_what_is_missing_and_changes_nothing(applicant):
    application = ApplicationFactory(organization=applicant.membership.organization, scope="")
    with pytest.raises(TransitionError) as exc:
        application.submit(by=applicant)
    assert "scope" in exc.value.message or "范围" in exc.value.message
    assert "business licence" in exc.value.message.lower() or "营业执照" in exc.value.message
    application.refresh_from_db()
    assert application.status == S.DRAFT
    assert application.submitted_at is None


def test_submitting_twice_is_refused(applicant):
    application = ApplicationFactory(
        organization=applicant.membership.organization, materials=MaterialItem.Status.UPLOADED
    )
    application.submit(by=applicant)
    with pytest.raises(InvalidTransition):
        application.submit(by=applicant)
    assert application.status_changes.count() == 1


def test_a_stale_copy_cannot_move_the_application_twice(reviewer):
    application = in_state(S.SUBMITTED)
    stale = Application.objects.get(pk=application.pk)
    application.return_for_corrections(by=reviewer, reason="第一次")
    with pytest.raises(InvalidTransition):
        stale.return_for_corrections(by=reviewer, reason="第二次")
    assert application.status_changes.count() == 1


def test_accept_needs_every_required_material_accepted(reviewer):
    application = in_state(S.SUBMITTED)
    item = application.material_items.filter(material_type__required=True).first()
    item.status = MaterialItem.Status.REJECTED
    item.save()
    with pytest.raises(TransitionError) as exc:
        application.accept(by=reviewer)
    assert item.material_type.name in exc.value.message
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.acceptance_quote is None and not Application.objects.filter(quotes__isnull=False).exists()


def test_accept_issues_the_quote_and_opens_a_payment(reviewer):
    application = in_state(S.SUBMITTED)
    application.accept(by=reviewer)
    assert application.acceptance_quote.total == Decimal("4800.00")
    payment = application.payments.get()
    assert payment.amount == Decimal("4800.00")
    assert payment.status == payment.Status.PENDING


def test_applicant_members_are_notified_by_email_after_commit(applicant, reviewer, django_capture_on_commit_callbacks):
    colleague = MembershipFactory(organization=applicant.membership.organization, role="member").user
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application.return_for_corrections(by=reviewer, reason="请补充网点清单")
    assert len(mail.outbox) == 0  # nothing is sent before the transaction commits
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([applicant.email, colleague.email])
    assert all("请补充网点清单" in m.body for m in mail.outbox)


def test_a_rolled_back_transition_enqueues_nothing(applicant, django_capture_on_commit_callbacks):
    application = ApplicationFactory(organization=applicant.membership.organization, scope="")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TransitionError):
        application.submit(by=applicant)
    assert callbacks == []

import itertools
from decimal import Decimal

import pytest
from django.core import mail

from applications.models import Application, ApplicationStatusChange, MaterialItem
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import ApplicationFactory, MembershipFactory, in_state

pytestmark = pytest.mark.django_db
S = Application.Status

CALLS = {
    S.SUBMITTED: lambda a, u: a.submit(by=u),
    S.RETURNED: lambda a, u: a.return_for_corrections(by=u, reason="请补充材料"),
    S.ACCEPTED: lambda a, u: a.accept(by=u),
    S.PAID: lambda a, u: a.mark_paid(by=u),
    S.AUDIT_PLANNED: lambda a, u: a.plan_audit(by=u),
    S.AUDIT_REPORTED: lambda a, u: a.report_audit(by=u, score=Decimal("91.5"), grade="four_star"),
    S.CORRECTIVE_ACTION: lambda a, u: a.require_corrective_action(by=u),
    S.AWAITING_DECISION: lambda a, u: a.await_decision(by=u),
    S.CERTIFIED: lambda a, u: a.certify(by=u, grade="four_star"),
    S.REFUSED: lambda a, u: a.refuse(by=u, reason="不符合要求"),
    S.WITHDRAWN: lambda a, u: a.withdraw(by=u, reason="暂不申请"),
}
PAIRS = [(old, new) for old, new in itertools.product(S, S) if new != S.DRAFT]


def test_every_target_state_has_a_named_method():
    assert set(CALLS) == set(S) - {S.DRAFT}


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{o.value}->{n.value}" for o, n in PAIRS])
def test_transition_map(old, new, reviewer):
    application = in_state(old)
    if new in Application.ALLOWED[old]:
        CALLS[new](application, reviewer)
        application.refresh_from_db()
        assert application.status == new
        change = application.status_changes.get()
        assert (change.from_status, change.to_status, change.by) == (old, new, reviewer)
    else:
        with pytest.raises(InvalidTransition):
            CALLS[new](application, reviewer)
        application.refresh_from_db()
        assert application.status == old
        assert not application.status_changes.exists()


def test_status_change_records_who_when_and_why(reviewer):
    application = in_state(S.SUBMITTED)
    application.return_for_corrections(by=reviewer, reason="营业执照模糊")
    change = ApplicationStatusChange.objects.get(application=application)
    assert change.reason == "营业执照模糊"
    assert change.at is not None
    assert application.history.first().history_user == reviewer
    assert application.history.first().history_change_reason == "营业执照模糊"


@pytest.mark.parametrize("method", ["return_for_corrections", "refuse", "withdraw"])
def test_reason_is_required(method, reviewer):
    application = in_state(S.SUBMITTED)
    with pytest.raises(TransitionError):
        getattr(application, method)(by=reviewer, reason="  ")
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
    application = ApplicationFactory(materials=MaterialItem.Status.UPLOADED)
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
    assert not hasattr(application, "quote") or not Application.objects.filter(quote__isnull=False).exists()


def test_accept_issues_the_quote_and_opens_a_payment(reviewer):
    application = in_state(S.SUBMITTED)
    application.accept(by=reviewer)
    assert application.quote.total == Decimal("4800.00")
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

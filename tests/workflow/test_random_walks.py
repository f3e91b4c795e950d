"""Property: random sequences of transitions by random people never reach a state the tables do not allow, and the
recorded history replays to the current status.

Each example starts from a fresh object (a savepoint is rolled back after it), then tries a random list of
(transition, person) steps through the named model methods and services, the ways the pages call them. A refused
step must change nothing; an accepted one must be a move its table declares. At the end, the object's
django-simple-history records, read in order, must step only along declared moves and end at the current status.
"""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application, MaterialItem, Payment
from audits.models import Audit, Nonconformity
from certificates import services as certificate_services
from certificates.models import CaseFile, Certificate
from certportal.workflow import TransitionError
from tests.workflow.scene import Scene

pytestmark = pytest.mark.django_db
PEOPLE = ["owner", "reviewer", "auditor_on_team", "decider", "decider_on_team", "administrator", "system"]
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def steps(names):
    return st.lists(st.tuples(st.sampled_from(sorted(names)), st.sampled_from(PEOPLE)), max_size=14)


def walk(scene, obj, moves, calls, plan):
    """Try each step; check every status change against `moves`; then replay the history."""
    for name, person in plan:
        before = type(obj)._base_manager.get(pk=obj.pk).status
        try:
            with transaction.atomic():
                calls[name](obj, scene.persona(person))
        except TransitionError:
            pass
        obj.refresh_from_db()
        after = obj.status
        assert after == before or (before, after) in moves, f"{name} by {person}: {before} → {after}"
    statuses = list(obj.history.order_by("history_date", "history_id").values_list("status", flat=True))
    for before, after in zip(statuses, statuses[1:], strict=False):
        assert before == after or (before, after) in moves, f"history: {before} → {after}"
    assert statuses[-1] == obj.status


@contextmanager
def rolled_back():
    """Each example starts from the same database: its rows are rolled back after it."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def scene(db):
    return Scene()


APPLICATION_CALLS = {
    "submit": lambda a, u: a.submit(by=u),
    "accept": lambda a, u: a.accept(by=u),
    "return": lambda a, u: a.return_for_corrections(by=u, reason="请补充"),
    "refuse": lambda a, u: a.refuse(by=u, reason="不符合条件"),
    "mark_paid": lambda a, u: a.mark_paid(by=u),
    "plan_audit": lambda a, u: a.plan_audit(by=u),
    "report_audit": lambda a, u: a.report_audit(by=u, score=Decimal("92"), grade="four_star"),
    "require_corrective_action": lambda a, u: a.require_corrective_action(by=u),
    "await_decision": lambda a, u: a.await_decision(by=u),
    "withdraw": lambda a, u: a.withdraw(by=u, reason="暂不申请"),
    "grant": lambda a, u: certificate_services.grant_certification(application=a, by=u),
    "decide_refuse": lambda a, u: certificate_services.refuse_certification(application=a, by=u, reason="得分不足"),
}


@EXAMPLES
@given(plan=steps(APPLICATION_CALLS))
def test_applications(scene, plan):
    with rolled_back():
        _applications(scene, plan)


def _applications(scene, plan):
    application = scene.application(Application.Status.DRAFT, materials=MaterialItem.Status.ACCEPTED)
    scene.audit(Audit.Status.SUBMITTED, application=application)  # its team may report; a decision may rest on it
    Application.objects.filter(pk=application.pk).update(grade="four_star", score=Decimal("92"))
    moves = Application.WORKFLOW.moves() | CaseFile.WORKFLOW.moves()
    walk(scene, application, moves, APPLICATION_CALLS, plan)


CERTIFICATE_CALLS = {
    "suspend": lambda c, u: c.suspend(by=u, reason="逾期"),
    "restore": lambda c, u: c.restore(by=u, reason="已整改"),
    "withdraw": lambda c, u: c.withdraw(by=u, reason="暂停超期"),
    "cancel": lambda c, u: c.cancel(by=u, reason="持证人申请"),
    "change_grade": lambda c, u: c.change_grade(by=u, grade="three_star", reason="监督审核"),
    "expire": lambda c, u: c.expire(by=u),
    "supersede": lambda c, u: c.supersede(by=u, reason="再认证"),
}


@EXAMPLES
@given(plan=steps(CERTIFICATE_CALLS))
def test_certificates(scene, plan):
    with rolled_back():
        walk(scene, scene.certificate(), Certificate.WORKFLOW.moves(), CERTIFICATE_CALLS, plan)


PAYMENT_CALLS = {
    "confirm": lambda p, u: p.confirm(by=u),
    "reject": lambda p, u: p.reject(by=u, reason="金额不符"),
    "refund": lambda p, u: p.refund(by=u, reason="撤回"),
}


@EXAMPLES
@given(plan=steps(PAYMENT_CALLS))
def test_payments(scene, plan):
    with rolled_back():
        walk(scene, scene.payment(Payment.Status.RECEIPT_UPLOADED), Payment.WORKFLOW.moves(), PAYMENT_CALLS, plan)


FINDING_CALLS = {
    "respond": lambda n, u: n.respond(by=u, response="已整改"),
    "verify": lambda n, u: n.verify(by=u),
    "reopen": lambda n, u: n.reopen(by=u, reason="证据不足"),
}


@EXAMPLES
@given(plan=steps(FINDING_CALLS))
def test_nonconformities(scene, plan):
    with rolled_back():
        walk(scene, scene.nonconformity(), Nonconformity.WORKFLOW.moves(), FINDING_CALLS, plan)


AUDIT_CALLS = {
    "start": lambda a, u: a.start(by=u),
    "submit": lambda a, u: a.submit(by=u),
    "reopen": lambda a, u: a.reopen(by=u, reason="分数有误"),
    "close": lambda a, u: a.close(by=u),
}


@EXAMPLES
@given(plan=steps(AUDIT_CALLS))
def test_audits(scene, plan):
    with rolled_back():
        walk(scene, scene.audit(Audit.Status.PLANNED), Audit.WORKFLOW.moves(), AUDIT_CALLS, plan)


def test_a_status_written_around_the_table_is_caught_by_the_replay(scene):
    """The control: a status set without a transition breaks the replay (so the property can fail)."""
    certificate = scene.certificate()
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.EXPIRED)
    certificate.refresh_from_db()
    statuses = list(certificate.history.order_by("history_date", "history_id").values_list("status", flat=True))
    assert statuses[-1] != certificate.status

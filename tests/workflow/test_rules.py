"""One test per rule of the workflow layer (docs/workflow.md) that the matrix and the property test do not show by themselves. Each failed on
the code before the workflow layer (the issue's "Why" list says how it could be bypassed).

Elsewhere: a nonconformity costs the item's points (tests/audits/test_scoring_findings.py), submitted audits are
read-only in the admin (tests/staff/test_audit_admin_readonly.py), staff and auditors never join an organization
and tied auditors are never planned (tests/applications/test_staff_cannot_join.py, tests/audits/test_ties.py), the
lifecycle rules (tests/certificates/test_lifecycle_rules.py), the certificate's content and specimens
(tests/certificates/test_certificate_content.py), who may perform what (test_role_matrix.py).
"""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from applications.models import Membership, Notification
from audits.models import Audit, ConflictOfInterest, ItemScore, Nonconformity
from certificates import services, surveillance
from certificates.models import Certificate, SurveillanceReview
from certportal.workflow import NotPermitted, TransitionError
from tests.factories import AuditorProfileFactory
from tests.workflow.scene import Scene

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scene(db):
    return Scene()


# --- 1. scoring follows the findings: the report cannot go in with points on a nonconforming item --------------


def test_a_report_with_points_on_an_item_with_a_nonconformity_is_refused(scene, client):
    audit = scene.audit(Audit.Status.IN_PROGRESS)
    score = ItemScore.objects.filter(audit=audit).select_related("indicator").first()
    Nonconformity.objects.create(
        audit=audit, indicator=score.indicator, description="无服务记录", due_date=datetime.date(2027, 3, 1)
    )
    client.force_login(scene.auditor_on_team)
    client.post(reverse("audits:submit", args=[audit.pk]))
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS  # refused: the item still carries its points
    assert audit.refusals("submit", scene.auditor_on_team)  # the guard's own words, shown on the page
    ItemScore.objects.filter(pk=score.pk).update(points=0)
    client.post(reverse("audits:submit", args=[audit.pk]))
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED


# --- 2. surveillance outcomes: impartial, and never "maintained" over an open finding ----------------------------


def test_the_certificate_is_not_maintained_while_a_finding_of_its_surveillance_audit_is_open(scene):
    review = scene.review(SurveillanceReview.Status.SCHEDULED, audit_status=Audit.Status.SUBMITTED)
    finding = scene.nonconformity(Nonconformity.Status.RESPONDED, audit=review.audit)
    with pytest.raises(TransitionError, match="不符合项|nonconformit"):
        services.complete_surveillance(review=review, by=scene.decider, outcome="maintained")
    review.refresh_from_db()
    assert review.status == SurveillanceReview.Status.SCHEDULED
    finding.verify(by=scene.auditor_on_team)
    services.complete_surveillance(review=review, by=scene.decider, outcome="maintained")
    review.refresh_from_db()
    assert review.status == SurveillanceReview.Status.COMPLETED


def test_a_suspension_may_be_recorded_over_an_open_finding(scene):
    review = scene.review(SurveillanceReview.Status.SCHEDULED, audit_status=Audit.Status.SUBMITTED)
    scene.nonconformity(Nonconformity.Status.OPEN, audit=review.audit)
    services.complete_surveillance(review=review, by=scene.decider, outcome="suspended", reason="整改未完成")
    assert Certificate.objects.get(pk=review.certificate_id).status == Certificate.Status.SUSPENDED


def test_a_decision_maker_tied_to_the_organization_cannot_decide(scene):
    """Impartiality is more than the audit team: a declared conflict (or a past membership) refuses too."""
    ConflictOfInterest.objects.create(
        profile=AuditorProfileFactory(user=scene.decider), organization=scene.organization, reason="曾任顾问"
    )
    application = scene.awaiting_decision()
    with pytest.raises(TransitionError, match="曾任顾问"):
        services.grant_certification(application=application, by=scene.decider)


def test_a_former_member_cannot_decide(scene):
    former = scene.decider
    membership = Membership.objects.create(user=former, organization=scene.organization)
    membership.delete()  # the history keeps it
    with pytest.raises(TransitionError):
        services.refuse_certification(application=scene.awaiting_decision(), by=former, reason="x")


# --- 5. decisions rest on real points; demo mode makes specimens ------------------------------------------------


def test_a_grant_on_placeholder_points_is_refused_outside_demo_mode(scene, settings):
    application = scene.awaiting_decision()
    application.audits.get().indicator_set.__class__.objects.filter(is_active=True).update(has_placeholder_points=True)
    settings.DEMO_MODE = False
    with pytest.raises(TransitionError, match="占位|placeholder"):
        services.grant_certification(application=application, by=scene.decider)
    assert not Certificate.objects.exists()
    settings.DEMO_MODE = True
    certificate = services.grant_certification(application=application, by=scene.decider)
    assert certificate.is_specimen


# --- 6 and 7. the holder hears of every certificate change, however it happened, exactly once -------------------


def holder_messages(scene):
    return Notification.objects.filter(user=scene.owner, kind=Notification.Kind.CERTIFICATE_STATUS)


@pytest.mark.parametrize(
    "change",
    [
        lambda s, c: c.suspend(by=s.decider, reason="严重投诉"),
        lambda s, c: c.withdraw(by=s.decider, reason="严重违规"),
        lambda s, c: c.cancel(by=s.decider, reason="持证人申请注销"),
        lambda s, c: c.change_grade(by=s.decider, grade="three_star", reason="监督审核"),
    ],
    ids=["suspend", "withdraw", "cancel", "change_grade"],
)
def test_the_holder_hears_of_a_staff_decision_once(scene, change, django_capture_on_commit_callbacks):
    certificate = scene.certificate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change(scene, certificate)
    messages = holder_messages(scene)
    assert messages.count() == 1
    assert certificate.number in messages.get().detail
    assert len([m for m in mail.outbox if scene.owner.email in m.to]) == 1


def test_the_holder_hears_of_a_surveillance_outcome(scene):
    review = scene.review(SurveillanceReview.Status.SCHEDULED, audit_status=Audit.Status.SUBMITTED)
    services.complete_surveillance(review=review, by=scene.decider, outcome="maintained", reason="持续符合")
    assert holder_messages(scene).count() == 1


def test_the_holder_hears_of_the_sweeps_suspension_once(scene):
    certificate = scene.certificate()
    review = certificate.surveillance_reviews.order_by("sequence").first()
    SurveillanceReview.objects.filter(pk=review.pk).update(status=SurveillanceReview.Status.OVERDUE)
    later = datetime.datetime.combine(
        review.due_date + datetime.timedelta(days=60), datetime.time(3), tzinfo=datetime.UTC
    )
    with time_machine.travel(later, tick=False):
        surveillance.run()
        surveillance.run()  # a second sweep the same day tells nobody again
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert holder_messages(scene).count() == 1


# --- 7. the root: one way to change a status ---------------------------------------------------------------------

# Job progress, not certification workflow: a photo's thumbnailing and a dossier's build.
JOB_STATUS_FILES = {"audits/models/photos.py", "audits/tasks.py", "certificates/dossier.py", "certificates/tasks.py"}
STATUS_WRITE = re.compile(r"\.status\s*(,[^=\n]*)?=[^=]|update\(\s*status\s*=|\"status\"\s*[,\]].*update_fields")


def test_no_code_writes_a_status_around_the_workflow_layer():
    offenders = []
    for app in ("accounts", "applications", "audits", "certificates", "certportal"):
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in JOB_STATUS_FILES or relative == "certportal/workflow.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if STATUS_WRITE.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_the_sweep_and_the_pages_use_the_same_transitions(scene):
    """The daily sweep is the table's SYSTEM actor: it cannot make a move the table gives only to people."""
    certificate = scene.certificate()
    certificate.suspend(by=None, reason="监督审核逾期")  # the sweep may suspend …
    with pytest.raises(NotPermitted):
        certificate.restore(by=None, reason="x")  # … but only a decision-maker restores
    assert {a.key for a in Certificate.WORKFLOW["expire"].actors} == {"system"}


def test_the_case_file_says_why_a_grant_is_not_possible(scene, client, settings):
    settings.DEMO_MODE = False
    application = scene.awaiting_decision()
    application.audits.get().indicator_set.__class__.objects.filter(is_active=True).update(has_placeholder_points=True)
    client.force_login(scene.decider)
    page = client.get(reverse("admin:certificates_casefile_change", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "placeholder points" in page.content.decode()
    client.force_login(scene.decider_on_team)
    page = client.get(reverse("admin:certificates_casefile_change", args=[application.pk])).content.decode()
    assert 'name="outcome"' not in page  # nothing is offered that would be refused: the team member may not decide


def test_the_holder_page_offers_the_owner_s_moves_to_the_owner_only(scene, client):
    certificate = scene.certificate(expires_on=datetime.date.today() + datetime.timedelta(days=150))
    url = reverse("certificates:detail", args=[certificate.pk])
    recertify = reverse("certificates:recertify", args=[certificate.pk])
    delivery = reverse("certificates:delivery", args=[certificate.pk])
    client.force_login(scene.owner)
    page = client.get(url).content.decode()
    assert recertify in page and delivery in page
    client.force_login(scene.member)
    page = client.get(url).content.decode()
    assert recertify not in page and delivery not in page


def test_an_auditor_opening_the_portal_is_sent_to_its_audits_not_offered_an_organization(scene, client):
    client.force_login(scene.auditor_off_team)
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("audits:list")

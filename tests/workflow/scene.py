"""One organization with its people and the staff around it, and an object of each workflow model in each state a
transition starts from, built through the real transitions where a shortcut would skip a guard's data.

Personas (design.md §3.1): the organization's owner and member, another organization's user, a
reviewer, the auditor leading the audit ("auditor on the team"), an auditor not on it, a decision-maker who sat on
the audit team (also an auditor), an impartial decision-maker, an administrator (superuser), and the system
(`None`: the daily sweep, a provider callback).
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from applications.models import Application, MaterialItem, Membership, Payment, ServiceCategory
from audits.models import Audit, AuditTeamMember, IndicatorSet, Nonconformity
from certificates import services as certificate_services
from certificates.models import Certificate, SurveillanceReview
from tests.applications import samples
from tests.factories import (
    ApplicationFactory,
    AuditFactory,
    AuditorProfileFactory,
    AuditTeamMemberFactory,
    ItemScoreFactory,
    MembershipFactory,
    NonconformityFactory,
    UserFactory,
)

PERSONAS = [
    "owner",
    "member",
    "outsider",
    "reviewer",
    "auditor_on_team",
    "auditor_off_team",
    "decider_on_team",
    "decider",
    "administrator",
    "system",
]
A = Application.Status
REPORTED = (Audit.Status.SUBMITTED, Audit.Status.CLOSED)


class Scene:
    def __init__(self):
        owner = MembershipFactory()
        self.organization = owner.organization
        self.owner = owner.user
        self.member = MembershipFactory(organization=self.organization, role=Membership.Role.MEMBER).user
        self.outsider = MembershipFactory().user
        self.reviewer = UserFactory(role="reviewer")
        self.auditor_on_team = AuditorProfileFactory().user
        self.auditor_off_team = AuditorProfileFactory().user
        self.decider = UserFactory(role="decision_maker")
        self.decider_on_team = UserFactory(role="decision_maker")
        self.decider_on_team.groups.add(Group.objects.get(name="auditor"))
        self.administrator = UserFactory(role="administrator", is_superuser=True)
        self.system = None
        # The decisions rest on the real points of the standard, not placeholders (see test_rules for those).
        IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)

    def persona(self, name):
        return getattr(self, name)

    # --- applications ---

    def application(self, status=A.DRAFT, materials=MaterialItem.Status.ACCEPTED, **kwargs):
        application = ApplicationFactory(organization=self.organization, status=status, materials=materials, **kwargs)
        application.categories.set(self.organization_categories())
        return application

    def organization_categories(self):
        return ServiceCategory.objects.all()[:1]

    def accepted(self):
        application = self.application(A.SUBMITTED)
        application.accept(by=self.reviewer)
        return application

    def paid(self):
        application = self.accepted()
        application.payments.get().confirm(by=self.reviewer)
        return application

    # --- audits ---

    def audit(self, status=Audit.Status.IN_PROGRESS, *, application=None, kind=Audit.Kind.INITIAL, scored=True):
        if application is None:
            app_status = (
                A.AUDIT_PLANNED if status in (Audit.Status.PLANNED, Audit.Status.IN_PROGRESS) else A.AUDIT_REPORTED
            )
            application = self.application(app_status, grade="four_star", score=Decimal("92.00"))
        result = {"score": Decimal("92.00"), "grade": "four_star"} if status in REPORTED else {}
        audit = AuditFactory(application=application, status=status, kind=kind, created_by=self.reviewer, **result)
        AuditTeamMemberFactory(audit=audit, auditor=self.auditor_on_team, role=AuditTeamMember.Role.LEAD)
        AuditTeamMemberFactory(audit=audit, auditor=self.decider_on_team, role=AuditTeamMember.Role.MEMBER)
        if scored:
            for indicator in audit.indicator_set.leaves():
                ItemScoreFactory(audit=audit, indicator=indicator, updated_by=self.auditor_on_team)
        return audit

    def nonconformity(self, status=Nonconformity.Status.OPEN, *, audit=None):
        audit = audit or self.audit(Audit.Status.SUBMITTED)
        return NonconformityFactory(
            audit=audit, status=status, due_date=datetime.date(2027, 3, 1), raised_by=self.auditor_on_team
        )

    def awaiting_decision(self):
        application = self.application(A.AWAITING_DECISION, grade="four_star", score=Decimal("92.00"))
        self.audit(Audit.Status.SUBMITTED, application=application)
        return application

    # --- certificates ---

    def certificate(self, status=Certificate.Status.ACTIVE, **kwargs):
        certificate = certificate_services.grant_certification(application=self.awaiting_decision(), by=self.decider)
        if status != Certificate.Status.ACTIVE or kwargs:
            Certificate.objects.filter(pk=certificate.pk).update(status=status, **kwargs)
            certificate.refresh_from_db()
        return certificate

    def review(self, status=SurveillanceReview.Status.PLANNED, *, audit_status=None):
        certificate = self.certificate()
        review = certificate.surveillance_reviews.order_by("sequence").first()
        if audit_status is not None:
            audit = self.audit(audit_status, application=certificate.application, kind=Audit.Kind.SURVEILLANCE)
            SurveillanceReview.objects.filter(pk=review.pk).update(audit=audit)
        SurveillanceReview.objects.filter(pk=review.pk).update(status=status)
        review.refresh_from_db()
        return review

    # --- payments ---

    def payment(self, status=Payment.Status.PENDING):
        payment = self.accepted().payments.get()
        if status != Payment.Status.PENDING:
            Payment.objects.filter(pk=payment.pk).update(status=status)
            payment.refresh_from_db()
        if status == Payment.Status.RECEIPT_UPLOADED:
            payment.receipt.save("receipt.pdf", ContentFile(samples.pdf()), save=True)
        return payment

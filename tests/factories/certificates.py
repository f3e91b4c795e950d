"""Factories for certificates: decisions, dossiers, certificates with their surveillance cycle and reminders, and
the public register's lookups. A certificate as the decision issues it: `services.grant_certification` (see
`ready_for_decision`)."""

import datetime
from decimal import Decimal

import factory

from applications.models import Application
from audits.models import Audit, IndicatorSet
from certificates.models import (
    Certificate,
    CertificateNumberSequence,
    CertificateStatusChange,
    Decision,
    DecisionDossier,
    RecertificationReminder,
    SurveillanceReminder,
    SurveillanceReview,
    VerificationLookup,
)

from .accounts import UserFactory
from .applications import ApplicationFactory, in_state
from .audits import AuditFactory


def ready_for_decision(*, grade: str = "four_star", score=Decimal("92.00"), real_points: bool = True, **kwargs):
    """An application awaiting the decision, with the submitted audit the decision rests on (setup shortcut). The
    active indicator set gets real points unless `real_points=False` (a grant on placeholders is refused)."""
    if real_points:
        IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    application = in_state(Application.Status.AWAITING_DECISION, grade=grade, score=score, **kwargs)
    AuditFactory(application=application, status=Audit.Status.SUBMITTED, score=score, grade=grade)
    return application


class DecisionFactory(factory.django.DjangoModelFactory):
    """A grant at the recommended grade."""

    class Meta:
        model = Decision

    application = factory.SubFactory(
        ApplicationFactory, status=Application.Status.CERTIFIED, grade="four_star", score=Decimal("92.00")
    )
    outcome = Decision.Outcome.GRANT
    recommended_grade = factory.SelfAttribute("application.grade")
    grade = factory.SelfAttribute("application.grade")
    decided_by = factory.SubFactory(UserFactory, role="decision_maker")


class DecisionDossierFactory(factory.django.DjangoModelFactory):
    """A built dossier (an empty ZIP) of an application awaiting the decision."""

    class Meta:
        model = DecisionDossier

    application = factory.SubFactory(ApplicationFactory, status=Application.Status.AWAITING_DECISION)
    requested_by = factory.SubFactory(UserFactory, role="decision_maker")
    status = DecisionDossier.Status.READY
    file = factory.django.FileField(data=b"PK\x05\x06" + b"\0" * 18, filename="dossier.zip")


class CertificateFactory(factory.django.DjangoModelFactory):
    """An active certificate with its grant, holder details from the application, valid three years."""

    class Meta:
        model = Certificate

    decision = factory.SubFactory(DecisionFactory)
    application = factory.SelfAttribute("decision.application")
    organization = factory.SelfAttribute("application.organization")
    number = factory.Sequence(lambda n: f"CSC-F-2026-{n:05d}")
    holder_name = factory.SelfAttribute("application.org_name")
    holder_credit_code = factory.SelfAttribute("application.credit_code")
    holder_address = factory.SelfAttribute("application.address")
    scope = factory.SelfAttribute("application.scope")
    grade = factory.SelfAttribute("decision.grade")
    score = factory.SelfAttribute("application.score")
    issued_on = datetime.date(2026, 5, 6)
    expires_on = datetime.date(2029, 5, 5)


class CertificateStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateStatusChange

    certificate = factory.SubFactory(CertificateFactory, status=Certificate.Status.SUSPENDED)
    from_status = Certificate.Status.ACTIVE
    to_status = factory.SelfAttribute("certificate.status")
    by = factory.SubFactory(UserFactory, role="decision_maker")
    reason = "监督审核逾期"


class CertificateNumberSequenceFactory(factory.django.DjangoModelFactory):
    """A year's counter, far in the future so no issued certificate uses it."""

    class Meta:
        model = CertificateNumberSequence

    year = factory.Sequence(lambda n: 2100 + n)


class VerificationLookupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerificationLookup

    kind = VerificationLookup.Kind.VERIFY
    certificate = factory.SubFactory(CertificateFactory)
    query = factory.SelfAttribute("certificate.number")
    found = True


class SurveillanceReviewFactory(factory.django.DjangoModelFactory):
    """The first surveillance review of a certificate, due a year after its issue."""

    class Meta:
        model = SurveillanceReview

    certificate = factory.SubFactory(CertificateFactory)
    sequence = 1
    due_date = factory.LazyAttribute(lambda review: review.certificate.issued_on + datetime.timedelta(days=365))


class SurveillanceReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveillanceReminder

    review = factory.SubFactory(SurveillanceReviewFactory)
    days_before = 30


class RecertificationReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecertificationReminder

    certificate = factory.SubFactory(CertificateFactory)
    days_before = 90

"""Factories for audits: auditors, indicator sets, audits with their team, scores, findings and photos."""

import datetime
import hashlib
from decimal import Decimal

import factory
from django.utils import timezone

from audits.models import (
    Audit,
    AuditorProfile,
    AuditPhoto,
    AuditTeamMember,
    ConflictOfInterest,
    CorrectiveAction,
    EvidenceFile,
    Indicator,
    IndicatorSet,
    ItemScore,
    Nonconformity,
    SpecialFinding,
)
from tests.applications import samples

from .accounts import UserFactory
from .applications import ApplicationFactory, OrganizationFactory, StoredPdfFactory

JPEG = samples.jpeg()


class AuditorProfileFactory(factory.django.DjangoModelFactory):
    """An auditor (user in the auditor group) with a profile; `competences=[...]` sets the categories."""

    class Meta:
        model = AuditorProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role="auditor")

    @factory.post_generation
    def competences(self, create, extracted, **kwargs):
        if extracted:
            self.competences.set(extracted)


class ConflictOfInterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictOfInterest

    profile = factory.SubFactory(AuditorProfileFactory)
    organization = factory.SubFactory(OrganizationFactory)
    reason = "曾为该企业提供咨询服务"


class IndicatorSetFactory(factory.django.DjangoModelFactory):
    """An inactive indicator set (the seeded one is the active set)."""

    class Meta:
        model = IndicatorSet

    name = factory.Sequence(lambda n: f"指标体系 {n}")
    version = factory.Sequence(lambda n: 100 + n)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A top-level item worth 10 points."""

    class Meta:
        model = Indicator

    indicator_set = factory.SubFactory(IndicatorSetFactory)
    level = 1
    code = factory.Sequence(lambda n: f"{n + 1}")
    title_zh = factory.Sequence(lambda n: f"指标{n}")
    title_en = factory.Sequence(lambda n: f"Indicator {n}")
    max_points = Decimal("10")


def first_leaf(audit: Audit) -> Indicator:
    return audit.indicator_set.leaves().order_by("order").first()


class AuditFactory(factory.django.DjangoModelFactory):
    """An audit of an application on the active (seeded) indicator set."""

    class Meta:
        model = Audit

    application = factory.SubFactory(ApplicationFactory)
    indicator_set = factory.LazyFunction(lambda: IndicatorSet.objects.get(is_active=True))
    planned_start = datetime.date(2026, 12, 1)
    planned_end = datetime.date(2026, 12, 2)
    onsite_man_days = Decimal("2")
    created_by = factory.SubFactory(UserFactory)


class AuditTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditTeamMember

    audit = factory.SubFactory(AuditFactory)
    auditor = factory.SubFactory(UserFactory, role="auditor")
    role = AuditTeamMember.Role.LEAD


class ItemScoreFactory(factory.django.DjangoModelFactory):
    """Full points on the audit's first item."""

    class Meta:
        model = ItemScore

    audit = factory.SubFactory(AuditFactory, status=Audit.Status.IN_PROGRESS)
    indicator = factory.LazyAttribute(lambda score: first_leaf(score.audit))
    points = factory.SelfAttribute("indicator.max_points")
    updated_by = factory.SubFactory(UserFactory, role="auditor")


class SpecialFindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecialFinding

    audit = factory.SubFactory(AuditFactory, status=Audit.Status.IN_PROGRESS)
    kind = SpecialFinding.Kind.DEDUCTION
    category = SpecialFinding.Category.LAW
    description = "未按规定公示服务收费标准"
    created_by = factory.SubFactory(UserFactory, role="auditor")


class NonconformityFactory(factory.django.DjangoModelFactory):
    """An open nonconformity against the audit's first item, due in 30 days."""

    class Meta:
        model = Nonconformity

    audit = factory.SubFactory(AuditFactory, status=Audit.Status.SUBMITTED)
    indicator = factory.LazyAttribute(lambda nc: first_leaf(nc.audit))
    description = "备件库存记录不全"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    raised_by = factory.SubFactory(UserFactory, role="auditor")


class CorrectiveActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectiveAction

    nonconformity = factory.SubFactory(NonconformityFactory, status=Nonconformity.Status.RESPONDED)
    round = 1
    text = "已补全记录"
    submitted_by = factory.SubFactory(UserFactory, role="applicant")


class EvidenceFileFactory(StoredPdfFactory):
    """A PDF sent with a corrective action."""

    class Meta:
        model = EvidenceFile

    corrective_action = factory.SubFactory(CorrectiveActionFactory)
    original_name = "evidence.pdf"
    uploaded_by = factory.SelfAttribute("corrective_action.submitted_by")


class AuditPhotoFactory(factory.django.DjangoModelFactory):
    """A processed photo of the audit's first item: original, picture and thumbnail (small JPEGs)."""

    class Meta:
        model = AuditPhoto

    audit = factory.SubFactory(AuditFactory, status=Audit.Status.IN_PROGRESS)
    indicator = factory.LazyAttribute(lambda photo: first_leaf(photo.audit))
    file = factory.django.FileField(data=JPEG, filename="original.jpg")
    derivative = factory.django.FileField(data=JPEG, filename="picture.jpg")
    thumbnail = factory.django.FileField(data=JPEG, filename="thumb.jpg")
    original_name = "site.jpg"
    content_type = "image/jpeg"
    size = len(JPEG)
    sha256 = hashlib.sha256(JPEG).hexdigest()
    uploaded_by = factory.SubFactory(UserFactory, role="auditor")
    status = AuditPhoto.Status.READY

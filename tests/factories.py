"""Factories for every app (kept in one module until it grows past a screen or two)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from applications import uscc
from applications.models import Application, MaterialItem, Membership, Organization
from audits.models import Audit, IndicatorSet


def make_uscc(n: int) -> str:
    """A valid 统一社会信用代码 whose organization-code part is derived from n."""
    body = "91350100" + f"{n:09d}"
    return body + uscc.check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
            self.is_staff = extracted in {"reviewer", "decision_maker", "administrator"}
        self.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(lambda n: make_uscc(n + 1000))
    address = "北京市海淀区中关村大街 1 号"
    legal_representative = "张三"
    contact_name = "李四"
    contact_phone = "010-12345678"
    contact_email = "contact@example.com"
    employee_count = 8
    product_categories = "家用电器售后服务"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role="applicant")
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.OWNER


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete application form with its checklist; `materials=` sets every item's status."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.SubFactory(UserFactory)
    org_name = factory.SelfAttribute("organization.name")
    credit_code = factory.SelfAttribute("organization.credit_code")
    address = factory.SelfAttribute("organization.address")
    legal_representative = "张三"
    employee_count = 8
    scope = "家用电器的安装与维修"
    service_commitments = "三年保修，24 小时上门"
    contact_name = "李四"
    contact_phone = "010-12345678"
    contact_email = "contact@example.com"

    @factory.post_generation
    def materials(self, create, extracted, **kwargs):
        self.ensure_material_items()
        if extracted:
            self.material_items.update(status=extracted)  # test setup only; real changes go through methods


def in_state(status: str, **kwargs) -> Application:
    """An application put straight into `status` (setup shortcut; the transitions are tested separately)."""
    materials = MaterialItem.Status.ACCEPTED if status != Application.Status.DRAFT else MaterialItem.Status.UPLOADED
    return ApplicationFactory(status=status, materials=materials, **kwargs)


class AuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audit

    application = factory.SubFactory(ApplicationFactory)
    indicator_set = factory.LazyFunction(lambda: IndicatorSet.objects.get(is_active=True))
    planned_start = datetime.date(2026, 12, 1)
    planned_end = datetime.date(2026, 12, 2)
    onsite_man_days = Decimal("2")
    created_by = factory.SubFactory(UserFactory)


# --- staff back office (issue 4) -------------------------------------------------------------------------------


class AuditorProfileFactory(factory.django.DjangoModelFactory):
    """An auditor (user in the auditor group) with a profile; `competences=[...]` sets the categories."""

    class Meta:
        model = "audits.AuditorProfile"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role="auditor")

    @factory.post_generation
    def competences(self, create, extracted, **kwargs):
        if extracted:
            self.competences.set(extracted)


class ConflictOfInterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "audits.ConflictOfInterest"

    profile = factory.SubFactory(AuditorProfileFactory)
    organization = factory.SubFactory(OrganizationFactory)
    reason = "曾为该企业提供咨询服务"


def store_file(item, *, by, content: bytes = b"%PDF-1.4 test", name: str = "", status=MaterialItem.Status.UPLOADED):
    """Keep a file version on `item` whatever the application's state (setup shortcut: the upload transition, with
    its guards, is tested in tests/applications and tests/workflow)."""
    from django.core.files.base import ContentFile

    material_file = item._store_version(
        ContentFile(content),
        by=by,
        original_name=name or f"{item.material_type.code}.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )
    MaterialItem.objects.filter(pk=item.pk).update(status=status)
    item.status = status
    return material_file


def ready_for_decision(*, grade: str = "four_star", score=Decimal("92.00"), real_points: bool = True, **kwargs):
    """An application awaiting the decision, with the submitted audit the decision rests on (setup shortcut). The
    active indicator set gets real points unless `real_points=False` (a grant on placeholders is refused)."""
    if real_points:
        IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    application = in_state(Application.Status.AWAITING_DECISION, grade=grade, score=score, **kwargs)
    AuditFactory(application=application, status=Audit.Status.SUBMITTED, score=score, grade=grade)
    return application

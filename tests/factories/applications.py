"""Factories for applications: organizations and their people, applications with their materials, fees and
payments, notifications, invitations and access requests."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from applications import uscc
from applications.models import (
    AccessRequest,
    Application,
    ApplicationStatusChange,
    FeeItem,
    FeeReminder,
    FeeSchedule,
    InvoiceFile,
    InvoiceRequest,
    ManDayRule,
    MaterialFile,
    MaterialItem,
    MaterialType,
    Membership,
    Notification,
    OnlineOrder,
    Organization,
    Payment,
    PaymentEvent,
    Quote,
    QuoteLine,
    ServiceCategory,
)
from tests.applications import samples

from .accounts import UserFactory

PDF = samples.pdf()


def make_uscc(n: int) -> str:
    """A valid 统一社会信用代码 whose organization-code part is derived from n."""
    body = "91350100" + f"{n:09d}"
    return body + uscc.check_character(body)


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


class ApplicationStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationStatusChange

    application = factory.SubFactory(ApplicationFactory, status=Application.Status.SUBMITTED)
    from_status = Application.Status.DRAFT
    to_status = factory.SelfAttribute("application.status")
    by = factory.SelfAttribute("application.created_by")


class ServiceCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCategory

    code = factory.Sequence(lambda n: f"category-{n}")
    name_zh = factory.Sequence(lambda n: f"服务类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ManDayRuleFactory(factory.django.DjangoModelFactory):
    """A band of employee counts far above the seeded ones, so it changes no other application's man-days."""

    class Meta:
        model = ManDayRule

    min_employees = factory.Sequence(lambda n: 1_000_000 + 1000 * n)
    max_employees = factory.LazyAttribute(lambda rule: rule.min_employees + 999)
    initial_total = Decimal("3")
    initial_document_review = Decimal("1")
    initial_onsite = Decimal("2")
    surveillance_total = Decimal("1")
    surveillance_onsite = Decimal("1")


class FeeScheduleFactory(factory.django.DjangoModelFactory):
    """An inactive schedule (one schedule is active: the seeded one)."""

    class Meta:
        model = FeeSchedule

    name = factory.Sequence(lambda n: f"收费标准 {n}")


class FeeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeItem

    schedule = factory.SubFactory(FeeScheduleFactory)
    code = factory.Sequence(lambda n: f"fee-{n}")
    name_zh = "申请费"
    name_en = "Application fee"
    basis = FeeItem.Basis.ONE_OFF
    applies_to = FeeItem.AppliesTo.INITIAL
    amount = Decimal("1000.00")


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    application = factory.SubFactory(ApplicationFactory, status=Application.Status.ACCEPTED)
    event = factory.SelfAttribute("application.kind")  # the acceptance quote
    schedule = factory.SubFactory(FeeScheduleFactory)
    man_days = Decimal("3")
    total = Decimal("12000.00")
    created_by = factory.SubFactory(UserFactory, role="reviewer")


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory)
    fee_item = factory.SubFactory(
        FeeItemFactory, schedule=factory.SelfAttribute("..quote.schedule"), basis=FeeItem.Basis.PER_MAN_DAY
    )
    name_zh = factory.SelfAttribute("fee_item.name_zh")
    name_en = factory.SelfAttribute("fee_item.name_en")
    quantity = factory.SelfAttribute("quote.man_days")
    unit_price = factory.SelfAttribute("fee_item.amount")
    amount = factory.LazyAttribute(lambda line: line.quantity * line.unit_price)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    quote = factory.SubFactory(QuoteFactory)
    application = factory.SelfAttribute("quote.application")
    amount = factory.SelfAttribute("quote.total")


class FeeReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeReminder

    quote = factory.SubFactory(QuoteFactory)
    step = 14


class PaymentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentEvent

    provider = "sandbox"
    event_id = factory.Sequence(lambda n: f"event-{n}")
    payment = factory.SubFactory(PaymentFactory)
    payload = factory.LazyAttribute(lambda event: {"id": event.event_id, "status": "paid"})
    result = PaymentEvent.Result.CONFIRMED


class OnlineOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnlineOrder

    payment = factory.SubFactory(PaymentFactory)
    provider = "wechat"
    out_trade_no = factory.Sequence(lambda n: f"CPTEST{n:010d}")
    amount = factory.SelfAttribute("payment.amount")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))


class InvoiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceRequest

    payment = factory.SubFactory(PaymentFactory)
    title = factory.SelfAttribute("payment.application.org_name")
    taxpayer_id = factory.SelfAttribute("payment.application.credit_code")
    email = "finance@example.com"
    requested_by = factory.SelfAttribute("payment.application.created_by")


class MaterialTypeFactory(factory.django.DjangoModelFactory):
    """An optional material type (a required one would change what every application of the test must upload)."""

    class Meta:
        model = MaterialType

    code = factory.Sequence(lambda n: f"material-{n}")
    name_zh = factory.Sequence(lambda n: f"材料{n}")
    name_en = factory.Sequence(lambda n: f"Material {n}")
    required = False


class MaterialItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialItem

    application = factory.SubFactory(ApplicationFactory)
    material_type = factory.SubFactory(MaterialTypeFactory)


class StoredPdfFactory(factory.django.DjangoModelFactory):
    """The fields of a kept file (certportal.files.StoredFile), for a small PDF."""

    class Meta:
        abstract = True

    file = factory.django.FileField(data=PDF, filename="document.pdf")
    original_name = "document.pdf"
    content_type = "application/pdf"
    size = len(PDF)
    sha256 = hashlib.sha256(PDF).hexdigest()


class InvoiceFileFactory(StoredPdfFactory):
    """The e-invoice of an issued request (setup shortcut: issuing, with its checks, is tested in tests/applications)."""

    class Meta:
        model = InvoiceFile

    invoice = factory.SubFactory(
        InvoiceRequestFactory, status=InvoiceRequest.Status.ISSUED, number=factory.Sequence(lambda n: f"{n:020d}")
    )
    original_name = "fapiao.pdf"
    uploaded_by = factory.SelfAttribute("invoice.requested_by")


class MaterialFileFactory(StoredPdfFactory):
    """Version 1 of a material."""

    class Meta:
        model = MaterialFile

    item = factory.SubFactory(MaterialItemFactory, status=MaterialItem.Status.UPLOADED)
    version = 1
    uploaded_by = factory.SelfAttribute("item.application.created_by")


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


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory, role="applicant")
    kind = Notification.Kind.ACCESS_REQUEST
    detail = "x"


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation as recorded (Invitation.send also e-mails it)."""

    class Meta:
        model = "applications.Invitation"

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.com")
    invited_by = factory.SubFactory(UserFactory, role="applicant")


class AccessRequestFactory(factory.django.DjangoModelFactory):
    """A pending request (AccessRequest.ask also tells the owners)."""

    class Meta:
        model = AccessRequest

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, role="applicant")

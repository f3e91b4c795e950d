from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from applications.models import Application, ManDayRule, Payment
from certportal.workflow import InvalidTransition, TransitionError
from tests.factories import in_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("employees", "kind", "man_days"),
    [
        (1, "initial", "3"),
        (10, "initial", "3"),
        (11, "initial", "4"),
        (26, "initial", "6"),
        (8500, "initial", "24"),
        (20000, "initial", "25"),
        (50, "surveillance", "2"),
        (50, "recertification", "4"),
    ],
)
def test_man_day_table(employees, kind, man_days):
    assert ManDayRule.for_employees(employees).total_for(kind) == Decimal(man_days)


def test_the_table_has_no_recertification_figure_for_the_largest_size():
    with pytest.raises(TransitionError):
        ManDayRule.for_employees(9000).total_for("recertification")


@pytest.mark.parametrize(("employees", "total"), [(8, "4800.00"), (20, "5800.00"), (100, "10300.00")])
def test_initial_quote_from_schedule_and_man_days(employees, total, reviewer):
    application = in_state(Application.Status.SUBMITTED, employee_count=employees)
    application.accept(by=reviewer)
    quote = application.acceptance_quote
    assert quote.total == Decimal(total)
    assert sum(line.amount for line in quote.lines.all()) == quote.total
    assert {line.name_en for line in quote.lines.all()} >= {"Application fee", "Audit fee"}


def _payment(reviewer, organization=None) -> Payment:
    application = in_state(Application.Status.SUBMITTED, **({"organization": organization} if organization else {}))
    application.accept(by=reviewer)
    return application.payments.get()


def test_confirming_a_payment_marks_the_application_paid(reviewer, applicant):
    payment = _payment(reviewer, applicant.membership.organization)
    payment.upload_receipt(ContentFile(b"%PDF-1.4 receipt"), by=applicant, original_name="回单.pdf", extension=".pdf")
    payment.confirm(by=reviewer)
    payment.application.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert payment.application.status == Application.Status.PAID
    assert payment.receipt.name.startswith("receipts/") and "回单" not in payment.receipt.name


def test_confirming_twice_is_refused(reviewer):
    payment = _payment(reviewer)
    payment.confirm(by=reviewer)
    with pytest.raises(InvalidTransition):
        payment.confirm(by=reviewer)
    assert payment.application.status_changes.filter(to_status="paid").count() == 1


def test_rejected_receipt_needs_a_reason_and_can_be_replaced(reviewer, applicant):
    payment = _payment(reviewer, applicant.membership.organization)
    payment.upload_receipt(ContentFile(b"x"), by=applicant, original_name="a.pdf", extension=".pdf")
    with pytest.raises(TransitionError):
        payment.reject(by=reviewer, reason="")
    payment.reject(by=reviewer, reason="金额不符")
    assert payment.status == Payment.Status.REJECTED
    payment.upload_receipt(ContentFile(b"y"), by=applicant, original_name="b.pdf", extension=".pdf")
    assert payment.status == Payment.Status.RECEIPT_UPLOADED


def test_receipt_upload_after_confirmation_is_refused(reviewer, applicant):
    payment = _payment(reviewer)
    payment.confirm(by=reviewer)
    with pytest.raises(InvalidTransition):
        payment.upload_receipt(ContentFile(b"x"), by=applicant, original_name="a.pdf", extension=".pdf")

"""Staff decisions on materials and payments: the model method, then a notification in each recipient's language."""

from django.db import transaction
from django.utils import translation

from .. import notifications
from ..models import Application, MaterialItem, Notification, Payment


def accept_material(item: MaterialItem, *, by) -> None:
    item.accept(by=by)


def reject_material(item: MaterialItem, *, by, reason: str) -> None:
    """Reject the latest file; the applicant is told which material and why."""
    with transaction.atomic():
        item.reject(by=by, reason=reason)
        _notify(item.application, Notification.Kind.MATERIAL_REJECTED, lambda: item.material_type.name, item.reason)


def confirm_payment(payment: Payment, *, by) -> None:
    """The money arrived: the payment is confirmed and the application becomes paid."""
    with transaction.atomic():
        payment.confirm(by=by)
        _notify(payment.application, Notification.Kind.PAYMENT_CONFIRMED, lambda: _payment_detail(payment))


def reject_payment(payment: Payment, *, by, reason: str) -> None:
    """The receipt does not prove the payment; the applicant uploads another one."""
    with transaction.atomic():
        payment.reject(by=by, reason=reason)
        _notify(
            payment.application, Notification.Kind.PAYMENT_REJECTED, lambda: _payment_detail(payment), payment.reason
        )


def _payment_detail(payment: Payment) -> str:
    return f"{payment.reference} ¥{payment.amount}"


def _notify(application: Application, kind: str, detail, reason: str = "") -> None:
    # The detail (e.g. a material's name) is written in each recipient's own language.
    for user in notifications.organization_users(application):
        with translation.override(user.language):
            notifications.notify([user], kind=kind, application=application, detail=str(detail()), reason=reason)

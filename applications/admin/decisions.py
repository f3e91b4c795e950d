"""Staff decisions on materials and payments (the model methods tell the applicant, in each member's language)."""

from ..models import MaterialItem, Payment


def accept_material(item: MaterialItem, *, by) -> None:
    item.accept(by=by)


def reject_material(item: MaterialItem, *, by, reason: str) -> None:
    """Reject the latest file; the applicant is told which material and why."""
    item.reject(by=by, reason=reason)


def confirm_payment(payment: Payment, *, by) -> None:
    """The money arrived: the payment is confirmed and the application becomes paid."""
    payment.confirm(by=by)


def reject_payment(payment: Payment, *, by, reason: str) -> None:
    """The receipt does not prove the payment; the applicant uploads another one."""
    payment.reject(by=by, reason=reason)

from django import template

from ..models import Application, MaterialItem, Payment

register = template.Library()

S = Application.Status
STATUS_CLASSES = {
    S.DRAFT: "text-bg-secondary",
    S.SUBMITTED: "text-bg-info",
    S.RETURNED: "text-bg-warning",
    S.ACCEPTED: "text-bg-primary",
    S.PAID: "text-bg-primary",
    S.AUDIT_PLANNED: "text-bg-primary",
    S.AUDIT_REPORTED: "text-bg-primary",
    S.CORRECTIVE_ACTION: "text-bg-warning",
    S.AWAITING_DECISION: "text-bg-info",
    S.CERTIFIED: "text-bg-success",
    S.REFUSED: "text-bg-danger",
    S.WITHDRAWN: "text-bg-secondary",
    MaterialItem.Status.MISSING: "text-bg-light border",
    MaterialItem.Status.UPLOADED: "text-bg-info",
    MaterialItem.Status.ACCEPTED: "text-bg-success",
    MaterialItem.Status.REJECTED: "text-bg-danger",
    Payment.Status.PENDING: "text-bg-warning",
    Payment.Status.RECEIPT_UPLOADED: "text-bg-info",
    Payment.Status.CONFIRMED: "text-bg-success",
    Payment.Status.REFUNDED: "text-bg-secondary",
}


@register.filter
def status_class(status: str) -> str:
    """Bootstrap badge classes for an application, material item or payment status."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")

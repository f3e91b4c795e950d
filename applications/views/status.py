from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import guidance, permissions, selfcheck
from ..models import Application
from . import get_application

# The main road of an initial certification, for the progress bar (returned/withdrawn/refused are detours).
ROAD = [
    (Application.Status.DRAFT, Application.Status.DRAFT.label),
    (Application.Status.SUBMITTED, Application.Status.SUBMITTED.label),
    (Application.Status.ACCEPTED, Application.Status.ACCEPTED.label),
    (Application.Status.PAID, Application.Status.PAID.label),
    (Application.Status.AUDIT_PLANNED, Application.Status.AUDIT_PLANNED.label),
    (Application.Status.AWAITING_DECISION, Application.Status.AWAITING_DECISION.label),
    (Application.Status.CERTIFIED, Application.Status.CERTIFIED.label),
]
ROAD_POSITION: dict[str, int] = {
    Application.Status.RETURNED: 1,
    Application.Status.AUDIT_REPORTED: 4,
    Application.Status.CORRECTIVE_ACTION: 4,
    **{status: index for index, (status, _label) in enumerate(ROAD)},
}


@login_required
def detail(request, pk):
    """The status page: where the application stands, what happens next, and every change so far."""
    application = get_application(request, pk, "created_by")
    changes = list(application.status_changes.select_related("by").order_by("-at", "-pk"))
    items = list(application.material_items.select_related("material_type"))
    payment = application.payments.order_by("-created_at", "-pk").first()
    returned = next((c for c in changes if c.to_status == Application.Status.RETURNED), None)
    context = {
        "application": application,
        "changes": changes,
        "items": items,
        "rejected_items": [i for i in items if i.status == i.Status.REJECTED],
        "payment": payment,
        "categories": list(application.categories.all()),
        "next_step": guidance.next_step(application, payment_status=payment.status if payment else ""),
        "return_reason": returned.reason if returned and application.status == Application.Status.RETURNED else "",
        "outcome": selfcheck.outcome(application.self_check),
        "road": ROAD,
        "road_position": ROAD_POSITION.get(application.status, -1),
        "can_edit": permissions.can_edit_application(request.user, application),
        "can_submit": permissions.can_submit(request.user, application),
        "can_withdraw": permissions.can_withdraw(request.user, application),
    }
    return render(request, "applications/application_detail.html", context)

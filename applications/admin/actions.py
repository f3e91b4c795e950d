"""The buttons of the application page: POST-only admin views that perform one declared transition each.

What a page offers and what a POST may do both come from the models' WORKFLOW tables (certportal.workflow):
the actor check, the row lock, the state check (including the status the reviewer saw, so a second reviewer
posting from a stale page gets a clear message instead of a second change) and the guards all happen in
`perform`.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from certportal.downloads import attachment_response
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError, offers

from .. import permissions
from ..models import Application, MaterialFile, MaterialItem, OnlineOrder, Payment
from ..payments.orders import refund_order
from ..payments.provider import ProviderError

# The buttons at the top of the application page: transition name → the model's named method. The other moves
# have their own pages or boxes (materials, payments, audit planning) or belong to the applicant's portal.
METHODS = {"accept": "accept", "return": "return_for_corrections", "refuse": "refuse"}
SUCCESS = {
    "accept": gettext_lazy("The application is accepted and the quote was sent to the applicant."),
    "return": gettext_lazy("The application was returned to the applicant for corrections."),
    "refuse": gettext_lazy("The application was refused."),
}


# The decisions on one material or one payment of the application page (the transition and the model's method have
# the decision's name), with what the reviewer is told; every decision but the first of each takes the reason.
MATERIAL_DECISIONS = {
    "accept": gettext_lazy("Material accepted."),
    "reject": gettext_lazy("Material rejected; the applicant was told why."),
}
PAYMENT_DECISIONS = {
    "confirm": gettext_lazy("Payment confirmed; the application is paid."),
    "reject": gettext_lazy("Receipt rejected."),
    "refund": gettext_lazy("Refund recorded."),
}
WITHOUT_REASON = {"accept", "confirm"}


class ActionForm(CheckedTextMixin, forms.Form):
    expected_status = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=2000, widget=forms.Textarea)
    # Accepting an application whose size the man-day table has no figure for (Quote.man_days_missing).
    man_days = forms.DecimalField(
        label=gettext_lazy("Audit man-days"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("999.9"),
        max_digits=4,
        decimal_places=1,
    )


def available_transitions(user, application: Application):
    return offers(application, user, METHODS)


@require_POST
def transition(request, model_admin, object_id, name):
    if name not in METHODS:
        raise Http404
    application = get_object_or_404(Application, pk=object_id)
    if not Application.WORKFLOW[name].permits(request.user, application):
        raise PermissionDenied

    def act():
        form = _valid_form(request)
        extra = {"man_days": form.cleaned_data["man_days"]} if name == "accept" else {}
        getattr(application, METHODS[name])(
            by=request.user, reason=form.cleaned_data["reason"], expected=form.cleaned_data["expected_status"], **extra
        )

    success = SUCCESS.get(name) or _("Done: %(action)s.") % {"action": Application.WORKFLOW[name].label}
    return _perform(request, act, str(success), object_id)


@require_POST
def material_decision(request, model_admin, object_id, item_id, decision):
    item = get_object_or_404(MaterialItem.objects.select_related("material_type"), pk=item_id, application=object_id)
    return _decide(request, item, decision, MATERIAL_DECISIONS, object_id)


@require_POST
def payment_decision(request, model_admin, object_id, payment_id, decision):
    payment = get_object_or_404(Payment.objects.select_related("application"), pk=payment_id, application=object_id)
    order = payment.online_orders.filter(status=OnlineOrder.Status.PAID).first() if decision == "refund" else None
    if order is not None:  # paid through WeChat Pay or Alipay: the money goes back the same way
        return _refund_online(request, order, object_id)
    return _decide(request, payment, decision, PAYMENT_DECISIONS, object_id)


def _refund_online(request, order: OnlineOrder, object_id):
    """The provider pays the whole order back; then the order and the payment are recorded as refunded."""
    if not order.WORKFLOW["refund"].permits(request.user, order):
        raise PermissionDenied

    def act():
        form = _valid_form(request)
        try:
            refund_order(order, by=request.user, amount=order.amount, reason=form.cleaned_data["reason"])
        except ProviderError as error:
            raise TransitionError(
                _("The payment provider refused the refund; nothing was changed. Its answer: %(answer)s")
                % {"answer": error}
            ) from error

    return _perform(request, act, str(PAYMENT_DECISIONS["refund"]), object_id)


def material_file(request, model_admin, file_id):
    """Download one version of a material, as an attachment."""
    if not permissions.can_download_materials(request.user):
        raise PermissionDenied
    material_file = get_object_or_404(MaterialFile, pk=file_id)
    return attachment_response(material_file.file, material_file.original_name, material_file.content_type)


def payment_receipt(request, model_admin, payment_id):
    if not permissions.can_download_receipts(request.user):
        raise PermissionDenied
    payment = get_object_or_404(Payment.objects.exclude(receipt=""), pk=payment_id)
    return attachment_response(payment.receipt, payment.receipt_name or payment.receipt.name)


# --- helpers -------------------------------------------------------------------------------------------------


def _decide(request, obj, decision: str, successes: dict, object_id):
    """A reviewer's decision on one material or payment of the application, with the reason when it takes one."""
    if decision not in successes or not obj.WORKFLOW[decision].permits(request.user, obj):
        raise PermissionDenied

    def act():
        form = _valid_form(request)
        reason = {} if decision in WITHOUT_REASON else {"reason": form.cleaned_data["reason"]}
        getattr(obj, decision)(by=request.user, expected=form.cleaned_data["expected_status"], **reason)

    return _perform(request, act, str(successes[decision]), object_id)


def _valid_form(request) -> ActionForm:
    form = ActionForm(request.POST)
    if not form.is_valid():  # a reason over 2,000 characters, or man-days that are no number of man-days
        raise _FormInvalid(form)
    return form


class _FormInvalid(Exception):
    def __init__(self, form):
        super().__init__()
        self.message = " ".join(str(e) for errors in form.errors.values() for e in errors)


def _perform(request, act, success: str, object_id):
    try:
        with transaction.atomic():
            act()
    except (TransitionError, _FormInvalid) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("admin:applications_application_change", object_id)

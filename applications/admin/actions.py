"""The buttons of the application page: POST-only admin views that call one workflow method each.

Every view checks the permission itself, locks the row, and compares the status the reviewer saw with the
current one, so a second reviewer posting from a stale page gets a clear message instead of a second change.
"""

from collections.abc import Callable
from dataclasses import dataclass

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
from certportal.workflow import InvalidTransition, TransitionError

from ..models import Application, MaterialFile, MaterialItem, Payment
from . import decisions, permissions

S = Application.Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    from_status: str
    target: str
    allowed: Callable
    run: Callable
    success: str
    needs_reason: bool = False
    style: str = ""


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "accept",
            gettext_lazy("Accept and issue the quote"),
            S.SUBMITTED,
            S.ACCEPTED,
            permissions.can_review,
            lambda application, by, reason: application.accept(by=by, reason=reason),
            gettext_lazy("The application is accepted and the quote was sent to the applicant."),
            style="default",
        ),
        Transition(
            "return",
            gettext_lazy("Return for corrections"),
            S.SUBMITTED,
            S.RETURNED,
            permissions.can_review,
            lambda application, by, reason: application.return_for_corrections(by=by, reason=reason),
            gettext_lazy("The application was returned to the applicant for corrections."),
            needs_reason=True,
        ),
        Transition(
            "refuse",
            gettext_lazy("Refuse the application"),
            S.SUBMITTED,  # refusing after the audit is a decision-maker's certification decision
            S.REFUSED,
            permissions.can_review,
            lambda application, by, reason: application.refuse(by=by, reason=reason),
            gettext_lazy("The application was refused."),
            needs_reason=True,
            style="danger",
        ),
    ]
}


class ActionForm(forms.Form):
    expected_status = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=2000, widget=forms.Textarea)


def available_transitions(user, application: Application) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if t.from_status == application.status and t.allowed(user)]


@require_POST
def transition(request, model_admin, object_id, name):
    action = TRANSITIONS.get(name)
    if action is None:
        raise Http404
    if not action.allowed(request.user):
        raise PermissionDenied

    def act():
        form = _valid_form(request)
        application = _lock(Application.objects, pk=object_id)
        _check_status(application.status, form, {action.from_status}, Application.Status, action.target)
        action.run(application, request.user, form.cleaned_data["reason"])

    return _perform(request, act, action.success, object_id)


@require_POST
def material_decision(request, model_admin, object_id, item_id, decision):
    if not permissions.can_review(request.user):
        raise PermissionDenied

    def act():
        form = _valid_form(request)
        application = _lock(Application.objects, pk=object_id)
        if application.status != S.SUBMITTED:
            raise TransitionError(
                _("Materials are reviewed while the application is submitted; its status is “%(status)s”.")
                % {"status": application.get_status_display()}
            )
        item = _lock(MaterialItem.objects.select_related("material_type"), pk=item_id, application=application)
        _check_status(item.status, form, set(MaterialItem.Status), MaterialItem.Status, item.status)
        if decision == "accept":
            decisions.accept_material(item, by=request.user)
        else:
            decisions.reject_material(item, by=request.user, reason=form.cleaned_data["reason"])

    success = _("Material accepted.") if decision == "accept" else _("Material rejected; the applicant was told why.")
    return _perform(request, act, success, object_id)


@require_POST
def payment_decision(request, model_admin, object_id, payment_id, decision):
    if not permissions.can_confirm_payment(request.user):
        raise PermissionDenied

    def act():
        form = _valid_form(request)
        payment = _lock(Payment.objects.select_related("application"), pk=payment_id, application_id=object_id)
        _check_status(payment.status, form, set(Payment.Status), Payment.Status, payment.status)
        if decision == "confirm":
            decisions.confirm_payment(payment, by=request.user)
        else:
            decisions.reject_payment(payment, by=request.user, reason=form.cleaned_data["reason"])

    success = _("Payment confirmed; the application is paid.") if decision == "confirm" else _("Receipt rejected.")
    return _perform(request, act, success, object_id)


def material_file(request, model_admin, file_id):
    """Download one version of a material, as an attachment."""
    if not permissions.can_download_material(request.user):
        raise PermissionDenied
    material_file = get_object_or_404(MaterialFile, pk=file_id)
    return attachment_response(material_file.file, material_file.original_name, material_file.content_type)


def payment_receipt(request, model_admin, payment_id):
    if not permissions.can_download_receipt(request.user):
        raise PermissionDenied
    payment = get_object_or_404(Payment.objects.exclude(receipt=""), pk=payment_id)
    return attachment_response(payment.receipt, payment.receipt_name or payment.receipt.name)


# --- helpers -------------------------------------------------------------------------------------------------


def _valid_form(request) -> ActionForm:
    form = ActionForm(request.POST)
    if not form.is_valid():  # only a reason over 2,000 characters gets here
        raise _FormInvalid(form)
    return form


class _FormInvalid(Exception):
    def __init__(self, form):
        super().__init__()
        self.message = " ".join(str(e) for errors in form.errors.values() for e in errors)


def _lock(queryset, **lookup):
    # FOR UPDATE on the row alone (PostgreSQL); SQLite serialises writers with IMMEDIATE transactions instead.
    return get_object_or_404(queryset.select_for_update(of=("self",)), **lookup)


def _check_status(current: str, form: ActionForm, allowed: set, choices, target: str) -> None:
    expected = form.cleaned_data["expected_status"]
    if expected and expected != current:
        raise TransitionError(
            _(
                "Someone changed this in the meantime: its status is now “%(status)s”. "
                "Nothing was done; please look at the page again."
            )
            % {"status": choices(current).label}
        )
    if current not in allowed:
        raise InvalidTransition(choices(current).label, choices(target).label)


def _perform(request, act, success: str, object_id):
    try:
        with transaction.atomic():
            act()
    except (TransitionError, _FormInvalid) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("admin:applications_application_change", object_id)

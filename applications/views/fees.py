"""The fee: quote, bank transfer details and receipt, invoice request, and online payment providers."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from certportal.downloads import attachment_response
from certportal.workflow import TransitionError

from .. import payments, permissions
from ..forms import InvoiceRequestForm, ReceiptUploadForm
from ..models import Application, InvoiceRequest, OnlineOrder, Payment
from ..payments import orders
from ..payments.provider import ProviderError
from ..payments.sandbox import SandboxProvider
from . import get_application, load_membership, refuse
from .online import _state as order_state

log = logging.getLogger(__name__)


def _payment_of(request, pk) -> Payment:
    load_membership(request)
    visible = Application.objects.visible_to(request.user)
    return get_object_or_404(
        Payment.objects.select_related("application__organization"), pk=pk, application__in=visible
    )


@login_required
def fee(request, pk):
    application = get_application(request, pk)
    # Every fee of the application (acceptance, surveillance, annual, travel) has its payment; the page shows the
    # one chosen in the list (?payment=), else the latest. Anything else in the parameter is ignored.
    fees = application.payments.select_related("quote__schedule", "quote__surveillance_review")
    chosen = request.GET.get("payment", "")
    payment = fees.filter(pk=chosen).first() if chosen.isdecimal() else None
    payment = payment or fees.order_by("-created_at", "-pk").first()
    if payment is None:
        return refuse(request, _("There is no fee yet: it is quoted when your application is accepted."), application)
    invoice = payment.invoice_requests.select_related("file").first()
    context = {
        "application": application,
        "quote": payment.quote,
        "lines": list(payment.quote.lines.all()),
        "payment": payment,
        "payments": list(fees.order_by("created_at", "pk")),
        "invoice": invoice,
        "receipt_form": ReceiptUploadForm() if permissions.can_upload_receipt(request.user, payment) else None,
        "invoice_form": _invoice_form(request, application, payment, invoice),
        "providers": payments.enabled() if permissions.can_pay_online(request.user, payment) else [],
    }
    response = render(request, "applications/fee.html", context)
    origins = sorted({origin for provider in context["providers"] for origin in provider.browser_origins()})
    if origins:  # the pay buttons post to us and are redirected there: browsers hold that to form-action
        response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]  # as django-csp's @csp_update
    return response


def _invoice_form(request, application, payment, invoice):
    if not permissions.can_request_invoice(request.user, payment, invoice):
        return None
    return InvoiceRequestForm(initial=_invoice_details(request, application.organization, invoice))


def _invoice_details(request, organization, invoice) -> dict:
    """The details a new request starts from: the payment's latest request, else the organization's latest (its
    other payments), else the organization itself (name and credit code, the taxpayer id of a Chinese company)."""
    last = invoice or InvoiceRequest.last_of(organization)
    if last is not None:
        return {name: getattr(last, name) for name in InvoiceRequestForm.Meta.fields}
    return {
        "title": organization.name,
        "taxpayer_id": organization.credit_code,
        "email": organization.contact_email or request.user.email,
        "address": organization.address,
        "phone": organization.contact_phone,
    }


@login_required
@require_POST
def upload_receipt(request, pk):
    payment = _payment_of(request, pk)
    back = ("applications:fee", payment.application_id)
    form = ReceiptUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return refuse(request, " ".join(map(str, form.errors.get("receipt", []))), *back)
    try:
        form.save(payment, by=request.user)
    except TransitionError as error:
        return refuse(request, error.message, *back)
    messages.success(request, _("Receipt uploaded. We confirm the payment when the money arrives."))
    return redirect(*back)


@login_required
def download_receipt(request, pk):
    payment = get_object_or_404(Payment.objects.select_related("application__organization"), pk=pk)
    load_membership(request)
    if not payment.receipt or not permissions.can_download_receipt(request.user, payment):
        raise Http404
    return attachment_response(payment.receipt, payment.receipt_name or "receipt")


@login_required
@require_POST
def request_invoice(request, pk):
    payment = _payment_of(request, pk)
    back = ("applications:fee", payment.application_id)
    if not permissions.can_request_invoice(request.user, payment, payment.invoice_requests.first()):
        return refuse(request, _("An invoice cannot be requested for this payment."), *back)
    form = InvoiceRequestForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(map(str, errors))
            messages.error(request, f"{label}: {text}" if label else text)
        return redirect(*back)
    details = {name: form.cleaned_data[name] for name in InvoiceRequestForm.Meta.fields}
    try:
        InvoiceRequest.ask(payment, by=request.user, **details)
    except TransitionError as error:
        return refuse(request, error.message, *back)
    messages.success(request, _("Your invoice request is recorded. The invoice is e-mailed when it is issued."))
    return redirect(*back)


@login_required
def download_invoice(request, pk):
    """The issued e-invoice, for the organization's people (another organization's: 404)."""
    load_membership(request)
    visible = Application.objects.visible_to(request.user)
    invoice = get_object_or_404(
        InvoiceRequest.objects.select_related("payment__application__organization", "file"),
        pk=pk,
        payment__application__in=visible,
    )
    if not permissions.can_download_invoice(request.user, invoice) or invoice.issued_file is None:
        raise Http404
    stored = invoice.issued_file
    return attachment_response(stored.file, stored.original_name, stored.content_type)


@login_required
@require_POST
def pay_online(request, pk, provider):
    payment = _payment_of(request, pk)
    chosen = payments.get(provider)
    if chosen is None:
        raise Http404
    if not permissions.can_pay_online(request.user, payment):
        return refuse(request, _("This payment cannot be paid online now."), "applications:fee", payment.application_id)
    orders.close_open_orders(payment)  # an order started earlier (here or elsewhere) cannot be paid as well
    payment.refresh_from_db()
    if payment.status == Payment.Status.CONFIRMED:  # that earlier order was paid after all
        messages.success(request, _("This fee is paid: your earlier online payment has just been confirmed."))
        return redirect("applications:fee", payment.application_id)
    try:
        return redirect(chosen.start(payment, request))
    except ProviderError as error:
        log.warning("Online payment of %s with %s could not start: %s", payment.reference, provider, error)
        message = _(
            "%(provider)s cannot take the payment right now. Please try again in a few minutes, or pay by bank transfer."
        )
        return refuse(request, message % {"provider": chosen.label}, "applications:fee", payment.application_id)


@login_required
def sandbox_bank(request, token):
    """The sandbox provider's pretend bank page, where the applicant approves the payment."""
    provider = payments.get("sandbox")
    if not isinstance(provider, SandboxProvider):  # switched off
        raise Http404
    payment_id = provider.checkout_payment_id(token)
    if payment_id is None:
        raise Http404
    payment = _payment_of(request, payment_id)
    if request.method == "POST":
        if not permissions.can_pay_online(request.user, payment):
            return refuse(
                request, _("This payment cannot be paid online now."), "applications:fee", payment.application_id
            )
        provider.pay(payment)
        messages.success(request, _("Payment sent. The bank's confirmation arrives in a moment."))
        return redirect("applications:fee", payment.application_id)
    return render(request, "applications/sandbox_bank.html", {"payment": payment, "token": token})


@csrf_exempt  # called by the provider's server, authenticated by its signature instead
@require_POST
def payment_callback(request, provider):
    chosen = payments.get(provider)
    if chosen is None:
        raise Http404
    result = chosen.handle_callback(request)
    return HttpResponse(result.message, status=result.status_code, content_type="text/plain; charset=utf-8")


@login_required
@never_cache
def alipay_return(request):
    """The payer's browser back from Alipay's cashier (the return URL). What Alipay appends proves nothing to us, so
    nothing is confirmed here: only Alipay's signed notification or our own query does. The order number only picks
    the order to show; the page says what we know ourselves and asks our status endpoint until the payment is in."""
    load_membership(request)
    visible = Application.objects.visible_to(request.user)
    order = get_object_or_404(
        OnlineOrder.objects.select_related("payment__application"),
        provider="alipay",
        out_trade_no=request.GET.get("out_trade_no", ""),
        payment__application__in=visible,
    )
    context = {"order": order, "payment": order.payment, "application": order.payment.application}
    return render(request, "applications/alipay_return.html", context | order_state(order))

"""The holder's pages: its certificates, their surveillance cycle, the PDF and the paper delivery."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from certportal.downloads import attachment_response
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError

from .. import cycle, services
from ..models import Certificate, DeliveryMethod, SurveillanceReview


class DeliveryForm(CheckedTextMixin, forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("How should the paper certificate reach you?"),
        choices=DeliveryMethod.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    recipient = forms.CharField(label=gettext_lazy("Recipient"), max_length=100, required=False)
    phone = forms.CharField(label=gettext_lazy("Recipient phone"), max_length=30, required=False)
    address = forms.CharField(
        label=gettext_lazy("Postal address"), widget=forms.Textarea(attrs={"rows": 2}), max_length=300, required=False
    )


@login_required
@require_GET
def certificate_list(request):
    certificates = Certificate.objects.visible_to(request.user).order_by("-issued_on", "-pk")
    return render(request, "certificates/certificate_list.html", {"certificates": certificates})


@login_required
@require_GET
def certificate_detail(request, pk):
    certificate = get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related("superseded_by", "supersedes"), pk=pk
    )
    initial = {
        "method": certificate.delivery_method or DeliveryMethod.PICKUP,
        "address": certificate.delivery_address,
        "recipient": certificate.delivery_recipient,
        "phone": certificate.delivery_phone,
    }
    reviews = list(certificate.surveillance_reviews.all())
    fees = services.cycle_fees(certificate)
    renewals = certificate.application.renewals.exclude(status__in=["withdrawn", "refused"])
    return render(
        request,
        "certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "reviews": reviews,
            "next_review": next((r for r in reviews if r.status != SurveillanceReview.Status.COMPLETED), None),
            "renewal": renewals.first(),
            # What this person may do here comes from Certificate.WORKFLOW (the owner applies and chooses delivery).
            "can_renew": certificate.offers("request_recertification", request.user),
            "can_choose_delivery": certificate.offers("choose_delivery", request.user),
            # Offered only once the window has opened: the transition's guard (certificates.cycle's rule).
            "renewal_open": certificate.may("request_recertification", request.user),
            "renewal_opens_on": cycle.recertification_opens_on(certificate.expires_on),
            "renewal_latest_on": cycle.recertification_latest_on(certificate.expires_on),
            "renewal_late": cycle.starts_as_initial(certificate.expires_on, timezone.localdate()),
            "renewal_latest_months": settings.RECERTIFICATION_LATEST_MONTHS,
            "changes": certificate.status_changes.all(),
            # The 3-year cycle's fees: quoted (with their payment) and still to come (estimates), for its people.
            "fees": fees,
            "fees_total": sum(fee.total for fee in fees),
            "delivery_form": DeliveryForm(initial=initial),
        },
    )


@login_required
@require_GET
def certificate_pdf(request, pk):
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)
    if not certificate.pdf:
        raise Http404
    return attachment_response(certificate.pdf, f"{certificate.number}.pdf", "application/pdf")


@login_required
@require_POST
def choose_delivery(request, pk):
    certificate = _certificate_for(request, pk, "choose_delivery")
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose how the certificate should be delivered."))
        return redirect("certificates:detail", pk=pk)
    try:
        certificate.choose_delivery(by=request.user, **form.cleaned_data)
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Delivery choice saved."))
    return redirect("certificates:detail", pk=pk)


@login_required
@require_POST
def apply_for_recertification(request, pk):
    certificate = _certificate_for(request, pk, "request_recertification")
    try:
        application = services.start_recertification(certificate=certificate, by=request.user)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("certificates:detail", pk=pk)
    if application.kind == application.Kind.INITIAL:
        messages.warning(
            request,
            _(
                "Less than %(months)d months remained before your certificate expires, so this application is an "
                "initial certification, with a full initial audit, not a re-certification. It is open as a draft; "
                "materials from the last cycle are carried over: re-confirm or replace each one."
            )
            % {"months": settings.RECERTIFICATION_LATEST_MONTHS},
        )
        return redirect(application)
    messages.success(
        request,
        _(
            "Your re-certification application is open as a draft. Materials from the last "
            "cycle are carried over: re-confirm or replace each one."
        ),
    )
    return redirect(application)


def _certificate_for(request, pk, transition: str) -> Certificate:
    """The holder's certificate, when the user may make `transition` on it: a member who is not the owner gets a 403
    (logged as a DENIED event), anyone outside the holder a 404."""
    certificate = get_object_or_404(Certificate.objects.visible_to(request.user), pk=pk)
    if not Certificate.WORKFLOW[transition].permits(request.user, certificate):
        raise PermissionDenied
    return certificate

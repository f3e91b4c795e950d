from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import render

from .. import guidance, permissions
from ..models import AccessRequest, Application, Invitation, MaterialItem, Payment
from . import load_membership


@login_required
def dashboard(request):
    """The applicant's start page: their organization's applications, or what to do first."""
    if not permissions.can_use_portal(request.user):
        raise PermissionDenied  # staff work in the admin
    membership = load_membership(request)
    if membership is None:
        return _newcomer(request)
    organization = membership.organization
    applications = list(_with_progress(organization.applications.all()))
    for application in applications:
        application.next_step = guidance.next_step(application, payment_status=application.payment_status or "")
    context = {
        "organization": organization,
        "membership": membership,
        "applications": applications,
        "can_start": not any(a.status not in Application.CLOSED_STATES for a in applications),
        "pending_access_requests": (
            organization.access_requests.filter(status=AccessRequest.Status.PENDING).count()
            if permissions.is_owner(request.user, organization)
            else 0
        ),
    }
    return render(request, "applications/dashboard.html", context)


def _with_progress(queryset):
    latest_payment = Payment.objects.filter(application=OuterRef("pk")).order_by("-created_at", "-pk")
    return queryset.annotate(
        rejected_items=Count("material_items", filter=Q(material_items__status=MaterialItem.Status.REJECTED)),
        payment_status=Subquery(latest_payment.values("status")[:1]),
        payment_reference=Subquery(latest_payment.values("reference")[:1]),
    ).order_by("-created_at", "-pk")


def _newcomer(request):
    """No organization yet: create one, accept an invitation, or wait for an owner's answer."""
    context = {
        "invitations": list(Invitation.objects.pending().for_email(request.user.email).select_related("organization")),
        "access_request": (
            AccessRequest.objects.filter(user=request.user).select_related("organization").order_by("-pk").first()
        ),
    }
    return render(request, "applications/dashboard_newcomer.html", context)

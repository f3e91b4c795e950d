from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import redirect, render

from .. import guidance, permissions
from ..models import AccessRequest, Application, Invitation, MaterialItem, Payment
from ..models.members import joining_refusal
from . import load_membership

PAGE_SIZE = 10
LAST_PAGE = 1000  # a typed-in page number beyond this is not a real page (and keeps OFFSET small)


@login_required
def dashboard(request):
    """The applicant's start page: their organization's applications, open ones first, or what to do first."""
    if not permissions.can_use_portal(request.user):
        raise PermissionDenied  # staff work in the admin
    membership = load_membership(request)
    if membership is None:
        return _newcomer(request)
    organization = membership.organization
    page = _page_number(request)
    # One row more than a page says whether an older page exists, without a COUNT query.
    start = (page - 1) * PAGE_SIZE
    rows = list(_with_progress(organization.applications.open_first())[start : start + PAGE_SIZE + 1])
    applications = rows[:PAGE_SIZE]
    if page > 1 and not applications:
        return redirect("applications:dashboard")  # past the last page (an old link): back to the first
    open_applications = [a for a in applications if a.status not in Application.CLOSED_STATES]
    for application in open_applications:
        application.next_step = guidance.next_step(application, payment_status=application.payment_status or "")
    context = {
        "organization": organization,
        "membership": membership,
        "page_has_applications": bool(applications),
        "open_applications": open_applications,
        "closed_applications": [a for a in applications if a.status in Application.CLOSED_STATES],
        "page": page,
        "has_older": len(rows) > PAGE_SIZE,
        # Open applications come first, so page 1 shows one if there is any.
        "can_start": page == 1 and not open_applications,
        "pending_access_requests": (
            organization.access_requests.filter(status=AccessRequest.Status.PENDING).count()
            if permissions.is_owner(request.user, organization)
            else 0
        ),
    }
    return render(request, "applications/dashboard.html", context)


def _page_number(request) -> int:
    """?page=N; anything that is not a page number shows the first page, as Django's Paginator.get_page does."""
    try:
        page = int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        return 1
    return page if 1 <= page <= LAST_PAGE else 1


def _with_progress(queryset):
    latest_payment = Payment.objects.filter(application=OuterRef("pk")).order_by("-created_at", "-pk")
    return queryset.annotate(
        rejected_items=Count("material_items", filter=Q(material_items__status=MaterialItem.Status.REJECTED)),
        payment_status=Subquery(latest_payment.values("status")[:1]),
        payment_reference=Subquery(latest_payment.values("reference")[:1]),
    )


def _newcomer(request):
    """No organization yet: create one, accept an invitation, or wait for an owner's answer. An auditor (one of the
    certification body's people, who never joins an applicant organization) is sent to its audits instead."""
    refusal = joining_refusal(request.user)
    if refusal:
        messages.info(request, refusal)
        return redirect("audits:list")
    context = {
        "invitations": list(Invitation.objects.pending().for_email(request.user.email).select_related("organization")),
        "access_request": (
            AccessRequest.objects.filter(user=request.user).select_related("organization").order_by("-pk").first()
        ),
    }
    return render(request, "applications/dashboard_newcomer.html", context)

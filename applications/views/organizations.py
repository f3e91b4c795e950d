from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.security_log import record_denied
from certportal.workflow import TransitionError

from .. import permissions
from ..forms import AccessRequestForm, InvitationForm, OrganizationForm
from ..models import AccessRequest, Invitation, Membership
from ..models.members import joining_refusal
from . import load_membership, refuse


@login_required
def create_organization(request):
    refusal = joining_refusal(request.user)
    if refusal:
        return _refuse_joining(request, refusal)
    membership = load_membership(request)
    if membership is not None:
        return redirect("applications:organization")
    form = OrganizationForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                organization = form.save()
                Membership.objects.create(user=request.user, organization=organization, role=Membership.Role.OWNER)
        except IntegrityError:  # registered a moment ago by someone else, or a double click
            form.add_error(None, _("This organization or account changed in the meantime. Please try again."))
        else:
            messages.success(request, _("Your organization is registered. Next: the eligibility self-check."))
            return redirect("applications:dashboard")
    access_form = (
        AccessRequestForm(prefix="access", initial={"credit_code": form.duplicate_code})
        if form.duplicate_code
        else None
    )
    return render(request, "applications/organization_form.html", {"form": form, "access_form": access_form})


@login_required
def organization(request):
    membership = load_membership(request)
    if membership is None:
        return redirect("applications:create_organization")
    organization = membership.organization
    is_owner = permissions.can_manage_organization(request.user, organization)
    context = {
        "organization": organization,
        "membership": membership,
        "is_owner": is_owner,
        "members": organization.memberships.select_related("user").order_by("-role", "created_at"),
        "invitations": organization.invitations.pending() if is_owner else [],
        "access_requests": (
            organization.access_requests.filter(status=AccessRequest.Status.PENDING).select_related("user")
            if is_owner
            else []
        ),
        "invitation_form": InvitationForm() if is_owner else None,
    }
    return render(request, "applications/organization_detail.html", context)


@login_required
def edit_organization(request):
    organization = _owned_organization(request)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The organization profile is saved."))
        return redirect("applications:organization")
    return render(request, "applications/organization_form.html", {"form": form, "editing": True})


@login_required
@require_POST
def invite(request):
    organization = _owned_organization(request)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return refuse(request, " ".join(map(str, form.errors["email"])), "applications:organization")
    try:
        invitation = Invitation.send(organization=organization, email=form.cleaned_data["email"], by=request.user)
    except TransitionError as error:
        return refuse(request, error.message, "applications:organization")
    messages.success(request, _("An invitation was sent to %(email)s.") % {"email": invitation.email})
    return redirect("applications:organization")


@login_required
@require_POST
def revoke_invitation(request, pk):
    organization = _owned_organization(request)
    invitation = get_object_or_404(organization.invitations, pk=pk)
    try:
        invitation.revoke(by=request.user)
    except TransitionError as error:
        return refuse(request, error.message, "applications:organization")
    messages.success(request, _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("applications:organization")


@login_required
def invitation(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("organization", "invited_by"), token=token)
    load_membership(request)
    refusal = joining_refusal(request.user)
    if request.method == "POST":
        if refusal:
            return _refuse_joining(request, refusal)
        try:
            invitation.accept(user=request.user)
        except TransitionError as error:
            return refuse(request, error.message, "applications:dashboard")
        messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.organization.name})
        return redirect("applications:dashboard")
    if refusal and invitation.is_pending:
        messages.warning(request, refusal)  # said before the button is pressed
    return render(request, "applications/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def ask_for_access(request):
    refusal = joining_refusal(request.user)
    if refusal:
        return _refuse_joining(request, refusal)
    if not permissions.can_create_organization(request.user):
        raise PermissionDenied
    form = AccessRequestForm(request.POST, prefix="access")
    if not form.is_valid():
        return refuse(request, _("The credit code is not valid."), "applications:create_organization")
    try:
        AccessRequest.ask(
            user=request.user, credit_code=form.cleaned_data["credit_code"], message=form.cleaned_data["message"]
        )
    except TransitionError as error:
        return refuse(request, error.message, "applications:dashboard")
    messages.success(request, _("Your request was sent to the organization's owner. We will e-mail you the answer."))
    return redirect("applications:dashboard")


@login_required
@require_POST
def answer_access_request(request, pk, decision):
    organization = _owned_organization(request)
    access_request = get_object_or_404(organization.access_requests.select_related("user"), pk=pk)
    try:
        if decision == "approve":
            access_request.approve(by=request.user)
        else:
            access_request.decline(by=request.user)
    except TransitionError as error:
        return refuse(request, error.message, "applications:organization")
    messages.success(request, _("Your answer was sent to %(name)s.") % {"name": access_request.user})
    return redirect("applications:organization")


def _refuse_joining(request, refusal: str):
    """A staff or auditor account may not join an applicant (impartiality): an access denial, logged as one, with
    the reason shown rather than a bare 403."""
    record_denied(request, refusal)
    return refuse(request, refusal, "home")


def _owned_organization(request):
    membership = load_membership(request)
    if membership is None:
        raise Http404
    if not permissions.can_manage_organization(request.user, membership.organization):
        raise PermissionDenied
    return membership.organization

"""The auditor's pages (phone-friendly) and the applicant's result and nonconformity pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect

from .. import permissions
from ..models import Audit


def get_team_audit(request, pk: int) -> Audit:
    """An audit the user is on the team of (anyone else: 404), for a user allowed to conduct audits."""
    queryset = Audit.objects.assigned_to(request.user).select_related("application", "indicator_set")
    audit = get_object_or_404(queryset, pk=pk)
    if not permissions.can_conduct(request.user, audit):
        raise PermissionDenied
    return audit


def get_visible_audit(request, pk: int) -> Audit:
    """An audit the user's organization was audited in (once reported) or whose team the user is on."""
    queryset = Audit.objects.visible_to(request.user).select_related("application__organization", "indicator_set")
    return get_object_or_404(queryset, pk=pk)


def refuse(request, message: str, to: str, *args):
    """Tell the user why not, change nothing, and go back."""
    messages.error(request, message)
    return redirect(to, *args)

"""The applicant portal's pages, one module per subject. Shared fetch helpers live here."""

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect

from ..models import Application, Membership
from ..permissions import membership_of


def load_membership(request) -> Membership | None:
    """The user's membership with its organization, in one query; user.membership then answers without another."""
    user = request.user
    if not user.is_authenticated:
        return None
    prefetch_related_objects([user], Prefetch("membership", queryset=Membership.objects.select_related("organization")))
    return membership_of(user)


def get_application(request, pk: int, *related) -> Application:
    """The application if the user's organization owns it; anything else is a 404."""
    load_membership(request)
    queryset = Application.objects.visible_to(request.user).select_related("organization", *related)
    return get_object_or_404(queryset, pk=pk)


def refuse(request, message, to, *args, **kwargs):
    """Tell the user why not, change nothing, and go back."""
    messages.error(request, message)
    return redirect(to, *args, **kwargs)

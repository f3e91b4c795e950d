from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ..models import Notification


@login_required
def notifications(request):
    queryset = Notification.objects.filter(user=request.user).select_related("user", "application")
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    return render(request, "applications/notifications.html", {"page": page})


@login_required
@require_POST
def mark_read(request, pk=None):
    """Mark one notification (or, without pk, all of them) as read."""
    Notification.objects.mark_read(request.user, pk=pk)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "applications:notifications"
    return redirect(target)

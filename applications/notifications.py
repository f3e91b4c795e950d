"""Who hears about what. Rows are written in the caller's transaction; e-mails go out after it commits."""

from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import translation

from certportal.queue import enqueue_on_commit

from .models import Application, Notification

# Status changes the applicant's people are told about by the generic e-mail. A draft they just saved is not
# news, and "paid" / "audit planned" have their own, more specific notifications (payment, audit dates).
NOTIFY_APPLICANT_ON = set(Application.Status) - {
    Application.Status.DRAFT,
    Application.Status.PAID,
    Application.Status.AUDIT_PLANNED,
}


def organization_users(application: Application) -> list:
    return [m.user for m in application.organization.memberships.select_related("user")]


def notify(
    users, *, kind: str, application: Application | None = None, status: str = "", detail: str = "", reason: str = ""
) -> list[Notification]:
    """Create one notification per user and e-mail each one after the transaction commits."""
    notifications = Notification.objects.bulk_create(
        Notification(user=user, application=application, kind=kind, status=status, detail=detail[:200], reason=reason)
        for user in users
    )
    # The navbar's counters; F() adds atomically, whatever else happens to the same users meanwhile.
    for user_id, added in Counter(n.user_id for n in notifications).items():
        get_user_model().objects.filter(pk=user_id).update(unread_notifications=F("unread_notifications") + added)
    from .tasks import send_notification_email

    for notification in notifications:
        enqueue_on_commit(send_notification_email, notification.pk)
    return notifications


def status_changed(application: Application, *, old: str, new: str, reason: str = "") -> list[Notification]:
    if new not in NOTIFY_APPLICANT_ON:
        return []
    return notify(
        organization_users(application),
        kind=Notification.Kind.STATUS_CHANGED,
        application=application,
        status=new,
        reason=reason,
    )


def notify_organization(application: Application, *, kind: str, detail=lambda: "", reason: str = "") -> None:
    """Tell every member of the application's organization, with `detail()` written in each one's language."""
    for user in organization_users(application):
        with translation.override(user.language):
            notify([user], kind=kind, application=application, detail=str(detail()), reason=reason)

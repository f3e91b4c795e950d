from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from certportal import mail
from certportal.queue import TRANSIENT_ERRORS

from .models import Notification


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification to its recipient, once: a second delivery of the task sends nothing."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user", "application")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.user.email:
            return False
        user = notification.user
        context = {"user": user, "notification": notification, "url": notification.url()}
        mail.send("applications/email/notification", [user.email], context, user.language)
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_invitation_email(invitation_id: int) -> bool:
    """E-mail an invitation link once, in the invitee's language if they have an account, else the inviter's."""
    from .models import Invitation

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by")
            .filter(pk=invitation_id, emailed_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        context = {
            "invitation": invitation,
            "url": settings.SITE_URL + reverse("applications:invitation", args=[invitation.token]),
        }
        mail.send("applications/email/invitation", [invitation.email], context, _language_for(invitation))
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
    return True


def _language_for(invitation) -> str:
    """The invitee's language when they already have an account, else the inviter's."""
    invitee = get_user_model().objects.filter(email__iexact=invitation.email).first()
    return (invitee or invitation.invited_by).language


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=300, max_retries=5)
def deliver_sandbox_callback(payment_id: int, event_id: str) -> int:
    """The sandbox bank calls our callback endpoint; a repeated delivery is harmless (same event id)."""
    from .models import Payment
    from .payments import sandbox

    payment = Payment.objects.get(pk=payment_id)
    return sandbox.SandboxProvider().send_callback(payment, event_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=300, max_retries=3)
def query_open_orders() -> dict[str, int]:
    """Periodic: ask the provider about each open order that has not called back (OnlineOrder.awaiting_query).

    One order's failure (the provider is down, refuses) is logged and the others are still asked; the order is
    asked again at the next run. Returns how many orders ended in each status."""
    import logging

    from .models import OnlineOrder
    from .payments.orders import check_order
    from .payments.provider import ProviderError

    counts: dict[str, int] = {}
    for order in OnlineOrder.objects.awaiting_query():
        try:
            status = check_order(order)
        except (ProviderError, OSError) as error:
            logging.getLogger(__name__).warning("Query of order %s failed: %s", order.out_trade_no, error)
            status = "failed"
        counts[status] = counts.get(status, 0) + 1
    return counts

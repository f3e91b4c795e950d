"""E-mails of the accounts app, sent by the Celery workers."""

from datetime import UTC, datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from certportal import mail
from certportal.queue import TRANSIENT_ERRORS

from . import roles


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, retry_backoff_max=300, max_retries=5)
def send_mfa_locked_emails(user_id: int, until: float, address: str) -> int:
    """Tell the account holder and the administrators that wrong codes locked an account's second factor."""
    User = get_user_model()
    user = User.objects.get(pk=user_id)
    administrators = (
        User.objects.filter(Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR), is_active=True)
        .exclude(email="")
        .exclude(pk=user.pk)
        .distinct()
    )
    # A datetime, so each e-mail shows it in its recipient's language format (DATETIME_FORMAT) and local time.
    until_time = datetime.fromtimestamp(until, tz=UTC)
    context = {"site": settings.SITE_URL, "address": address or "?", "holder": user, "until": until_time}
    sent = 0
    if user.email:
        mail.send("accounts/email/mfa_locked", [user.email], {**context, "user": user}, user.language)
        sent += 1
    for administrator in administrators:
        mail.send(
            "accounts/email/mfa_locked_administrator",
            [administrator.email],
            {**context, "user": administrator},
            administrator.language,
        )
        sent += 1
    return sent

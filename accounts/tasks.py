"""E-mails of the accounts app, sent by the Celery workers."""

from datetime import UTC, datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from . import roles


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=300, max_retries=5)
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
    until_time = timezone.localtime(datetime.fromtimestamp(until, tz=UTC))
    sent = 0
    if user.email:
        with translation.override(user.language):
            send_mail(*_holder_message(user, until_time), None, [user.email])
        sent += 1
    for administrator in administrators:
        with translation.override(administrator.language):
            send_mail(*_administrator_message(user, until_time, address), None, [administrator.email])
        sent += 1
    return sent


def _holder_message(user, until_time) -> tuple[str, str]:
    subject = gettext("Your second factor was locked after too many wrong codes")
    body = gettext(
        "Too many wrong codes were typed at the second step of signing in to your account %(username)s at "
        "%(site)s, so every code is refused until %(time)s.\n\n"
        "That step comes after the password. If it was not you, someone knows your password: change it and "
        "tell an administrator."
    ) % {"username": user.get_username(), "site": settings.SITE_URL, "time": _format(until_time)}
    return subject, body


def _administrator_message(user, until_time, address: str) -> tuple[str, str]:
    subject = gettext("Second factor locked: %(username)s") % {"username": user.get_username()}
    body = gettext(
        "Too many wrong codes were typed at the second step of signing in to the account %(username)s at "
        "%(site)s (last from address %(address)s), so its second factor is locked until %(time)s.\n\n"
        "Whoever typed them knew the account's password. The security event log has the details."
    ) % {
        "username": user.get_username(),
        "site": settings.SITE_URL,
        "address": address or "?",
        "time": _format(until_time),
    }
    return subject, body


def _format(moment) -> str:
    return formats.date_format(moment, "Y-m-d H:i T")

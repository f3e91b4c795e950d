"""The daily sweep that keeps the certification cycle running by itself (design.md §4–5).

Every step picks its rows by due date, claims them in batches under row locks (`skip_locked`, so a second
sweep running at the same moment takes other rows or none) and moves each one with its model transition,
which re-checks the state under the lock. Reminders are unique rows written before anything is sent. So a
sweep that runs twice, or two sweeps at once, send nothing twice and skip nothing.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts import roles
from applications.models import Application, FeeReminder, Notification, Quote
from applications.notifications import notify, notify_organization, organization_users
from certportal.dates import add_months
from certportal.workflow import TransitionError

from . import cycle, services
from .models import Certificate, RecertificationReminder, SurveillanceReminder, SurveillanceReview

logger = logging.getLogger(__name__)
BATCH = 500
# Reasons the system writes are bilingual: they are shown to the holder and on the public history.
OVERDUE_REASON = "监督审核逾期 / Surveillance review overdue"
SUSPENSION_REASON = "暂停超过 %(months)d 个月 / Suspended for more than %(months)d months"
OPEN_REVIEW = SurveillanceReview.OPEN
LIVE = Certificate.LIVE


def run(today: datetime.date | None = None) -> dict[str, int]:
    """One sweep over the whole register; returns how many rows each step moved."""
    today = today or timezone.localdate()
    return {
        "surveillance_fees": quote_surveillance_fees(today),
        "annual_fees": quote_annual_fees(today),
        "fee_reminders": fee_reminders(today),
        "surveillance_reminders": surveillance_reminders(today),
        "overdue": mark_overdue(today),
        "suspended": suspend_overdue(today),
        "withdrawn": withdraw_long_suspended(today),
        "expired": expire(today),
        "recertification_reminders": recertification_reminders(today),
    }


def _batches(queryset):
    """Lock and hand out batches of rows until none is left; each batch is one transaction.

    The caller's per-row work runs inside the batch's transaction, and must not raise (see `_each`)."""
    features = connection.features
    lock: dict[str, object] = {"skip_locked": True} if features.has_select_for_update_skip_locked else {}
    if features.has_select_for_update_of:
        lock["of"] = ("self",)
    seen: set[int] = set()  # a row that could not move is not picked again in this sweep
    while True:
        with transaction.atomic():
            rows = list(queryset.exclude(pk__in=seen).select_for_update(**lock)[:BATCH])
            if not rows:
                return
            seen.update(r.pk for r in rows)
            yield rows


def _each(queryset, action) -> int:
    """Apply `action` to every row; a row another actor already moved is skipped, not an error."""
    moved = 0
    for batch in _batches(queryset):
        for row in batch:
            try:
                with transaction.atomic():
                    moved += 1 if action(row) is not False else 0
            except TransitionError as error:
                logger.info("sweep: %s skipped: %s", row, error.message)
    return moved


def _staff():
    return list(get_user_model().objects.filter(groups__name=roles.REVIEWER, is_active=True))


def surveillance_reminders(today) -> int:
    """One reminder per review and step (e.g. 60, 30, 7 days before); a late start sends only the nearest step."""
    staff = _staff()
    steps = sorted(settings.SURVEILLANCE_REMINDER_DAYS)
    sent = 0
    for previous, days in zip([0, *steps], steps, strict=False):
        window = SurveillanceReview.objects.filter(
            status__in=OPEN_REVIEW,
            certificate__status__in=LIVE,
            due_date__gt=today + datetime.timedelta(previous),
            due_date__lte=today + datetime.timedelta(days),
        ).exclude(Exists(SurveillanceReminder.objects.filter(review=OuterRef("pk"), days_before__lte=days)))
        sent += _each(
            window.select_related("certificate__application__organization"),
            lambda review, days=days: _remind_review(review, days, staff),
        )
    return sent


def _remind_review(review, days, staff) -> bool:
    _, created = SurveillanceReminder.objects.get_or_create(review=review, days_before=days)
    if not created:
        return False
    application = review.certificate.application
    notify(
        organization_users(application) + staff,
        kind=Notification.Kind.SURVEILLANCE_DUE,
        application=application,
        detail=f"{review.certificate.number} #{review.sequence} {review.due_date:%Y-%m-%d}",
    )
    if review.status == SurveillanceReview.Status.PLANNED:
        review.notify()
    return True


# --- fees (domain.md §5.2): quoted by the sweep, reminded before they are due and once overdue; never a suspension


def quote_surveillance_fees(today) -> int:
    """Quote each surveillance when its first reminder is near (the longest SURVEILLANCE_REMINDER_DAYS), so the
    enterprise is billed as the review is announced; one quote per review."""
    horizon = today + datetime.timedelta(days=max(settings.SURVEILLANCE_REMINDER_DAYS, default=0))
    rows = SurveillanceReview.objects.filter(
        status__in=OPEN_REVIEW, certificate__status__in=LIVE, due_date__lte=horizon
    ).exclude(Exists(Quote.objects.filter(surveillance_review=OuterRef("pk"), event=Quote.Event.SURVEILLANCE)))
    return _each(
        rows.select_related("certificate__application__organization"),
        lambda review: services.quote_surveillance(review) is not None,
    )


def quote_annual_fees(today) -> int:
    """The annual fee of each certificate year after the first, on its anniversary (year 1 is quoted at issue)."""
    quoted = 0
    for year in range(2, services.certificate_years() + 1):
        started = Quote.objects.filter(certificate=OuterRef("pk"), event=Quote.Event.ANNUAL_FEE, certificate_year=year)
        rows = Certificate.objects.filter(status__in=LIVE, issued_on__lte=add_months(today, -12 * (year - 1))).exclude(
            Exists(started)
        )
        quoted += _each(
            rows.select_related("application__organization"),
            lambda certificate, year=year: services.quote_annual_fee(certificate, year) is not None,
        )
    return quoted


def fee_reminders(today) -> int:
    """Remind the enterprise of an unpaid surveillance or annual fee FEE_REMINDER_DAYS before it is due (a late
    start sends only the nearest step), and once when it is overdue."""
    unpaid = Quote.objects.unpaid().filter(event__in=Quote.CYCLE_EVENTS, certificate__status__in=LIVE)
    steps = sorted(settings.FEE_REMINDER_DAYS)
    sent = 0
    for previous, days in zip([0, *steps], steps, strict=False):
        window = unpaid.filter(
            due_on__gte=today + datetime.timedelta(previous), due_on__lte=today + datetime.timedelta(days)
        ).exclude(Exists(FeeReminder.objects.filter(quote=OuterRef("pk"), step__gte=0, step__lte=days)))
        sent += _each(window.select_related("application__organization"), lambda q, days=days: _remind_fee(q, days))
    overdue = unpaid.filter(due_on__lt=today).exclude(
        Exists(FeeReminder.objects.filter(quote=OuterRef("pk"), step=FeeReminder.OVERDUE))
    )
    sent += _each(overdue.select_related("application__organization"), lambda q: _remind_fee(q, FeeReminder.OVERDUE))
    return sent


def _remind_fee(quote, step) -> bool:
    _, created = FeeReminder.objects.get_or_create(quote=quote, step=step)
    if created:
        overdue = step == FeeReminder.OVERDUE
        quote.tell_enterprise(Notification.Kind.FEE_OVERDUE if overdue else Notification.Kind.FEE_DUE)
    return created


def mark_overdue(today) -> int:
    rows = SurveillanceReview.objects.filter(status__in=OPEN_REVIEW, due_date__lt=today, certificate__status__in=LIVE)
    return _each(rows, lambda review: review.mark_overdue())


def suspend_overdue(today) -> int:
    limit = today - datetime.timedelta(days=settings.SURVEILLANCE_GRACE_DAYS)
    overdue = SurveillanceReview.objects.filter(
        certificate=OuterRef("pk"), status=SurveillanceReview.Status.OVERDUE, due_date__lt=limit
    )
    rows = Certificate.objects.filter(status=Certificate.Status.ACTIVE).filter(Exists(overdue))

    def suspend(certificate):
        review = certificate.surveillance_reviews.filter(status=SurveillanceReview.Status.OVERDUE).first()
        certificate.suspend(by=None, reason=f"{OVERDUE_REASON} (#{review.sequence}, {review.due_date:%Y-%m-%d})")

    return _each(rows, suspend)


def withdraw_long_suspended(today) -> int:
    cutoff = timezone.make_aware(
        datetime.datetime.combine(add_months(today, -settings.SUSPENSION_LIMIT_MONTHS), datetime.time.min)
    )
    rows = Certificate.objects.filter(status=Certificate.Status.SUSPENDED, status_changed_at__lt=cutoff)

    def withdraw(certificate):
        certificate.withdraw(by=None, reason=SUSPENSION_REASON % {"months": settings.SUSPENSION_LIMIT_MONTHS})

    return _each(rows, withdraw)


def expire(today) -> int:
    rows = Certificate.objects.filter(status__in=LIVE, expires_on__lt=today)

    return _each(rows, lambda certificate: certificate.expire(by=None))


def recertification_reminders(today) -> int:
    """Remind the holder to apply for re-certification (180, 120, 90 days before expiry), unless it already has."""
    steps = sorted(settings.RECERTIFICATION_REMINDER_DAYS)
    renewal = Application.objects.filter(renews=OuterRef("application")).exclude(
        status__in=[Application.Status.WITHDRAWN, Application.Status.REFUSED]
    )
    sent = 0
    for previous, days in zip([0, *steps], steps, strict=False):
        rows = (
            Certificate.objects.filter(
                status__in=LIVE,
                expires_on__gt=today + datetime.timedelta(previous),
                expires_on__lte=today + datetime.timedelta(days),
            )
            .exclude(Exists(renewal))
            .exclude(Exists(RecertificationReminder.objects.filter(certificate=OuterRef("pk"), days_before__lte=days)))
            .select_related("application__organization")
        )
        sent += _each(rows, lambda certificate, days=days: _remind_recertification(certificate, days, today))
    return sent


def _remind_recertification(certificate, days, today) -> bool:
    _, created = RecertificationReminder.objects.get_or_create(certificate=certificate, days_before=days)
    if created:
        notify_organization(
            certificate.application,
            kind=Notification.Kind.RECERTIFICATION_DUE,
            detail=lambda: recertification_advice(certificate, today),
        )
    return created


def recertification_advice(certificate: Certificate, today: datetime.date) -> str:
    """What the holder should do about re-certification today, in the active language."""
    expires_on = certificate.expires_on
    values = {
        "number": certificate.number,
        "expires": date_format(expires_on),
        "opens": date_format(cycle.recertification_opens_on(expires_on)),
        "latest": date_format(cycle.recertification_latest_on(expires_on)),
    }
    if cycle.starts_as_initial(expires_on, today):
        return (
            gettext("%(number)s expires on %(expires)s; an application now becomes an initial certification") % values
        )
    if today < cycle.recertification_opens_on(expires_on):
        return gettext("%(number)s expires on %(expires)s; re-certification opens on %(opens)s") % values
    return gettext("%(number)s expires on %(expires)s; apply for re-certification by %(latest)s") % values

"""The dates of a certification cycle (domain.md §4.1): surveillance due dates and the re-certification window.

Each surveillance is due at most SURVEILLANCE_INTERVAL_MONTHS after the previous audit's last on-site day, not
after the issue date (an audit done early brings the next one forward), and never after expiry. At issue the
reviews count from the certification audit; each completed surveillance audit moves the ones still to come.

Re-certification opens RECERTIFICATION_OPENS_MONTHS before expiry. An application started later than
RECERTIFICATION_LATEST_MONTHS before expiry cannot be completed in time, so it becomes an initial certification.
"""

import datetime

from django.conf import settings

from audits.models import Audit
from certportal.dates import add_months
from certportal.workflow import record_history

from .models import Certificate, SurveillanceReview


def surveillance_count() -> int:
    """Surveillances in one cycle: one per interval; the re-certification audit replaces the one at expiry."""
    return max(0, (settings.CERTIFICATE_VALIDITY_MONTHS - 1) // settings.SURVEILLANCE_INTERVAL_MONTHS)


def due_dates(after: datetime.date, expires_on: datetime.date, count: int) -> list[datetime.date]:
    """The next `count` due dates after an audit whose last on-site day was `after`, none after expiry."""
    months = settings.SURVEILLANCE_INTERVAL_MONTHS
    return [min(add_months(after, months * i), expires_on) for i in range(1, count + 1)]


def certification_audit_end(certificate: Certificate) -> datetime.date:
    """The last on-site day of the (initial or re-certification) audit the certificate rests on.

    Falls back to the issue date when no reported audit exists (and never lies after it)."""
    audit = (
        certificate.application.audits.exclude(kind=Audit.Kind.SURVEILLANCE)
        .filter(status__in=Audit.REPORTED_STATES)
        .order_by("-planned_end")
        .first()
    )
    return min(audit.planned_end, certificate.issued_on) if audit else certificate.issued_on


def create_reviews(certificate: Certificate) -> list[SurveillanceReview]:
    """The surveillance reviews of a new certificate, each due one interval after the audit before it."""
    dates = due_dates(certification_audit_end(certificate), certificate.expires_on, surveillance_count())
    return SurveillanceReview.objects.bulk_create(
        SurveillanceReview(certificate=certificate, sequence=i, due_date=due) for i, due in enumerate(dates, start=1)
    )


def reschedule_after(review: SurveillanceReview, *, by) -> None:
    """The surveillance audit of `review` is done: the reviews still to come count from its last on-site day.

    A review whose date moves loses its reminders, so the holder is reminded again of the new date."""
    following = list(
        review.certificate.surveillance_reviews.filter(sequence__gt=review.sequence)
        .exclude(status=SurveillanceReview.Status.COMPLETED)
        .order_by("sequence")
    )
    assert review.audit is not None  # a review is completed only once its audit is scheduled
    dates = due_dates(review.audit.planned_end, review.certificate.expires_on, len(following))
    for later, due in zip(following, dates, strict=True):
        if later.due_date == due:
            continue
        reason = f"due date {later.due_date:%Y-%m-%d} → {due:%Y-%m-%d} (surveillance #{review.sequence} done)"
        later.due_date = due
        later.reminders.all().delete()
        record_history(later, by=by, reason=reason)
        later.save(update_fields=["due_date"])


def recertification_opens_on(expires_on: datetime.date) -> datetime.date:
    """The first day the holder may apply for re-certification."""
    return add_months(expires_on, -settings.RECERTIFICATION_OPENS_MONTHS)


def recertification_latest_on(expires_on: datetime.date) -> datetime.date:
    """The last day an application counts as a re-certification; from the next day it is an initial one."""
    return add_months(expires_on, -settings.RECERTIFICATION_LATEST_MONTHS)


def starts_as_initial(expires_on: datetime.date, today: datetime.date) -> bool:
    return today > recertification_latest_on(expires_on)

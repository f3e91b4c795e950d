"""Cross-app actions: the decision on an application and the certificate it produces, and the fees of its cycle."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import (
    Application,
    FeeItem,
    FeeSchedule,
    ManDayRule,
    Notification,
    Quote,
    QuoteLine,
)
from applications.notifications import notify, organization_users
from certportal.dates import add_months
from certportal.money import format_money
from certportal.queue import enqueue_on_commit
from certportal.workflow import TransitionError

from . import cycle
from .models import CaseFile, Certificate, Decision, SurveillanceReview
from .numbering import certificate_number


def grant_certification(
    *,
    application: Application,
    by,
    grade: str = "",
    reason: str = "",
    outstanding_exception: bool = False,
    exception_reason: str = "",
) -> Certificate:
    """Decide to certify, at the computed grade or lower (with a reason), and issue the certificate
    (CaseFile.WORKFLOW "grant": impartiality, the report in place, real points, the grade rules)."""
    case = CaseFile.objects.get(pk=application.pk)
    grade = grade or case.grade
    made = {}

    def update():
        decision = Decision.objects.create(
            application=case,
            outcome=Decision.Outcome.GRANT,
            recommended_grade=case.grade,
            grade=grade,
            reason=reason.strip(),
            outstanding_exception=outstanding_exception,
            exception_reason=exception_reason.strip() if outstanding_exception else "",
            decided_by=by,
        )
        case.grade = grade
        made["certificate"] = issue_certificate(decision=decision)
        return ["grade"]

    with transaction.atomic():
        case.perform(
            "grant",
            by=by,
            reason=reason,
            update=update,
            grade=grade,
            decision_reason=reason,
            outstanding_exception=outstanding_exception,
            exception_reason=exception_reason,
        )
    application.refresh_from_db(fields=["status", "status_changed_at", "grade"])
    return made["certificate"]


def refuse_certification(*, application: Application, by, reason: str) -> Decision:
    """Decide not to certify; the applicant is told why (CaseFile.WORKFLOW "refuse")."""
    case = CaseFile.objects.get(pk=application.pk)
    made = {}

    def update():
        made["decision"] = Decision.objects.create(
            application=case,
            outcome=Decision.Outcome.REFUSE,
            recommended_grade=case.grade,
            reason=reason.strip(),
            decided_by=by,
        )

    case.perform("refuse", by=by, reason=reason, update=update)
    application.refresh_from_db(fields=["status", "status_changed_at"])
    return made["decision"]


def issue_certificate(*, decision: Decision) -> Certificate:
    application = decision.application
    issued_on = timezone.localdate()
    number = certificate_number(application, issued_on)
    # The standard and its edition are those of the audit the decision rests on (not a surveillance audit's).
    audit = application.audits.exclude(kind="surveillance").select_related("indicator_set").order_by("-pk").first()
    previous = getattr(application.renews, "certificate", None) if application.renews_id else None
    certificate = Certificate.objects.create(
        number=number,
        application=application,
        decision=decision,
        organization=application.organization,
        holder_name=application.org_name,
        holder_credit_code=application.credit_code,
        holder_address=application.address,
        scope=application.scope,
        standard_edition=audit.indicator_set.standard_edition if audit else Certificate.standard_edition.field.default,
        grade=decision.grade,
        score=application.score,
        issued_on=issued_on,
        expires_on=add_months(issued_on, settings.CERTIFICATE_VALIDITY_MONTHS),
        supersedes=previous,
    )
    from .tasks import render_certificate_pdf

    enqueue_on_commit(render_certificate_pdf, certificate.pk)
    notify(
        organization_users(application),
        kind=Notification.Kind.CERTIFICATE_ISSUED,
        application=application,
        detail=number,
    )
    cycle.create_reviews(certificate)
    quote_annual_fee(certificate, 1, by=decision.decided_by)
    if previous is not None and previous.status in LIVE:  # superseded from the new certificate's issue date
        previous.supersede(
            by=decision.decided_by,
            reason=f"由证书 {certificate.number} 替代 / Superseded by certificate {certificate.number}",
        )
    return certificate


# --- surveillance and re-certification ----------------------------------------------------------------


class SurveillanceOutcome:
    MAINTAINED = "maintained"
    GRADE_CHANGED = "grade_changed"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    CHOICES = [
        (MAINTAINED, gettext_lazy("Certificate maintained")),
        (GRADE_CHANGED, gettext_lazy("Grade changed to the computed grade")),
        (SUSPENDED, gettext_lazy("Certificate suspended")),
        (WITHDRAWN, gettext_lazy("Certificate withdrawn")),
    ]


LIVE = Certificate.LIVE


def plan_surveillance_audit(*, review: SurveillanceReview, by, lead, members=(), start, end, onsite_man_days):
    """Plan the audit of one surveillance review, with the same team rules as an initial audit."""
    from audits.models import Audit
    from audits.services import plan_audit

    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=review.certificate_id)
        if certificate.status not in LIVE:
            raise TransitionError(
                _("The certificate’s status is “%(status)s”: no surveillance is possible.")
                % {"status": certificate.get_status_display()}
            )
        audit = plan_audit(
            application=certificate.application,
            by=by,
            lead=lead,
            members=members,
            start=start,
            end=end,
            onsite_man_days=onsite_man_days,
            kind=Audit.Kind.SURVEILLANCE,
        )
        review.schedule(audit=audit, by=by)
        quote_surveillance(review, by=by)  # at the latest now, if the sweep has not announced it yet
        return audit


def complete_surveillance(*, review: SurveillanceReview, by, outcome: str, reason: str = "") -> None:
    """Record the outcome of a submitted surveillance audit (SurveillanceReview.WORKFLOW "complete"): the
    certificate changes accordingly, the review is completed, the next one rescheduled and the audit closed."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=review.certificate_id)

        def apply():
            _apply_outcome(certificate, review.audit, by=by, outcome=outcome, reason=reason)

        review.complete(by=by, outcome=outcome, reason=reason, apply=apply)
        cycle.reschedule_after(review, by=by)
        assert review.audit is not None  # "complete" starts from "scheduled", which set the audit
        review.audit.close(by=by, reason=outcome)


def _apply_outcome(certificate: Certificate, audit, *, by, outcome: str, reason: str) -> None:
    passed = outcome in (SurveillanceOutcome.MAINTAINED, SurveillanceOutcome.GRADE_CHANGED)
    if passed and not audit.grade:
        raise TransitionError(_("The audit scored below 70 points: the certificate cannot be maintained."))
    if outcome == SurveillanceOutcome.MAINTAINED and audit.grade != certificate.grade:
        raise TransitionError(_("The audit computed another grade: record a grade change instead."))
    if outcome == SurveillanceOutcome.GRADE_CHANGED:
        if audit.grade == certificate.grade:
            raise TransitionError(_("The audit computed the same grade: the certificate is maintained."))
        certificate.change_grade(by=by, grade=audit.grade, reason=reason or _("Surveillance audit"))
    if passed and certificate.status == Certificate.Status.SUSPENDED:
        certificate.restore(by=by, reason=reason or _("Surveillance audit passed"))
    elif outcome == SurveillanceOutcome.SUSPENDED:
        certificate.suspend(by=by, reason=reason)
    elif outcome == SurveillanceOutcome.WITHDRAWN:
        certificate.withdraw(by=by, reason=reason)
    elif not passed:
        raise TransitionError(_("Unknown surveillance outcome."))


def start_recertification(*, certificate: Certificate, by) -> Application:
    """The holder applies to renew: a draft prefilled from the last cycle, its materials to re-confirm.

    Refused before the window opens (the transition's guard, RECERTIFICATION_OPENS_MONTHS before expiry). One
    started later than RECERTIFICATION_LATEST_MONTHS before expiry cannot be completed in time (domain.md §4.1), so
    it is created with kind INITIAL: an initial audit, with the initial man-days and fees. It keeps `renews`, so the
    reminders stop and its certificate still supersedes this one if that is valid then. The holder is told so before
    (certificate page, reminders) and when it starts (the portal's message).
    """
    from applications.models import MaterialFile, MaterialItem

    with transaction.atomic():
        certificate = Certificate.objects.get(pk=certificate.pk)
        if certificate.status not in LIVE:
            raise TransitionError(
                _("Only a valid or suspended certificate can be renewed; apply for a new certification instead.")
            )
        certificate.perform("request_recertification", by=by)  # the owner, recorded in the certificate's history
        previous = certificate.application
        open_renewal = previous.renewals.exclude(status__in=[Application.Status.WITHDRAWN, Application.Status.REFUSED])
        if open_renewal.exists():
            raise TransitionError(_("A re-certification application for this certificate already exists."))
        late = cycle.starts_as_initial(certificate.expires_on, timezone.localdate())
        kind = Application.Kind.INITIAL if late else Application.Kind.RECERTIFICATION
        application = Application.start(organization=certificate.organization, by=by, kind=kind, renews=previous)
        for field in ("scope", "service_outlets", "service_commitments"):
            setattr(application, field, getattr(previous, field) or getattr(application, field))
        application.self_check = previous.self_check
        application.save(update_fields=["scope", "service_outlets", "service_commitments", "self_check"])
        application.categories.set(previous.categories.all())
        accepted = {i.material_type_id: i for i in previous.material_items.filter(status=MaterialItem.Status.ACCEPTED)}
        for item in application.material_items.all():
            old = accepted.get(item.material_type_id)
            latest = old.latest_file if old else None
            if latest is None:
                continue
            # The stored file is shared, not copied: files are never deleted, so both versions stay readable.
            MaterialFile.objects.create(
                item=item,
                version=1,
                file=latest.file.name,
                original_name=latest.original_name,
                content_type=latest.content_type,
                size=latest.size,
                sha256=latest.sha256,
                stored_sha256=latest.stored_sha256,
                uploaded_by=latest.uploaded_by,
            )
            item.carry_over(by=by)
        return application


# --- the fees of the cycle (domain.md §5.2) ---------------------------------------------------------------------
#
# A certificate's cycle bills, besides the acceptance quote of its application: each surveillance (quoted when the
# review is announced or its audit planned), the annual fee of each certificate year (year 1 at issue, the others on
# the anniversaries) and travel after an audit (audits.services.bill_travel). The same functions price the fees
# still to come as estimates, for the enterprise's fee page.


def certificate_years() -> int:
    """Certificate years of one cycle, each billed an annual fee (3 for the default 36 months)."""
    return -(-settings.CERTIFICATE_VALIDITY_MONTHS // 12)


def year_starts_on(certificate: Certificate, year: int):
    """The first day of certificate year `year` (1: the issue date; then each anniversary)."""
    return add_months(certificate.issued_on, 12 * (year - 1))


def surveillance_pricing(certificate: Certificate) -> tuple[FeeSchedule, Decimal, list[QuoteLine]]:
    """The active schedule, the surveillance man-days for the holder's size, and the unsaved lines: the per-man-day
    and one-off surveillance items, not the annual ones."""
    schedule = FeeSchedule.active()
    man_days = ManDayRule.for_employees(certificate.application.employee_count or 1).total_for("surveillance")
    return schedule, man_days, schedule.price_lines(FeeItem.AppliesTo.SURVEILLANCE, man_days)


def quote_surveillance(review: SurveillanceReview, *, by=None) -> Quote | None:
    """The fee of one surveillance review, issued once (the unique constraint backs this check up); None when the
    schedule bills no surveillance."""
    existing = review.quotes.filter(event=Quote.Event.SURVEILLANCE).first()
    if existing is not None:
        return existing
    certificate = review.certificate
    schedule, man_days, lines = surveillance_pricing(certificate)
    if not lines:  # the schedule bills no surveillance
        return None
    return Quote.issue(
        certificate.application,
        event=Quote.Event.SURVEILLANCE,
        lines=lines,
        by=by,
        schedule=schedule,
        certificate=certificate,
        surveillance_review=review,
        man_days=man_days,
    )


def quote_annual_fee(certificate: Certificate, year: int, *, by=None) -> Quote | None:
    """The annual fee (年金) of one certificate year, issued once; None when the schedule has no annual item."""
    existing = certificate.quotes.filter(event=Quote.Event.ANNUAL_FEE, certificate_year=year).first()
    if existing is not None:
        return existing
    schedule = FeeSchedule.active()
    lines = schedule.annual_lines()
    if not lines:  # the schedule has no annual fee
        return None
    return Quote.issue(
        certificate.application,
        event=Quote.Event.ANNUAL_FEE,
        lines=lines,
        by=by,
        schedule=schedule,
        certificate=certificate,
        certificate_year=year,
    )


@dataclass
class CycleFee:
    """One fee of a certificate's cycle: quoted (`quote`), or an estimate from today's schedule (`quote` None)."""

    title: str
    on: datetime.date  # due by (quoted), or when it will be quoted (estimate)
    total: Decimal
    quote: Quote | None = None


def fees_to_come(certificate: Certificate) -> list[CycleFee]:
    """The surveillance and annual fees of the certificate's cycle not quoted yet, as estimates priced by the same
    functions as the quotes (travel is at actual cost and cannot be estimated). None once it is no longer valid."""
    if certificate.status not in LIVE:
        return []
    quoted = certificate.quotes.filter(event__in=Quote.CYCLE_EVENTS)
    quoted_reviews = {review for review in quoted.values_list("surveillance_review", flat=True) if review}
    quoted_years = {year for year in quoted.values_list("certificate_year", flat=True) if year}
    estimates = []
    reviews = certificate.surveillance_reviews.exclude(status=SurveillanceReview.Status.COMPLETED)
    surveillance = None  # priced once, for the reviews still to be quoted
    for review in reviews.exclude(pk__in=quoted_reviews).order_by("sequence"):
        if surveillance is None:
            surveillance = sum((line.amount for line in surveillance_pricing(certificate)[2]), Decimal(0))
        title = _("%(event)s %(number)d") % {"event": Quote.Event.SURVEILLANCE.label, "number": review.sequence}
        estimates.append(CycleFee(title, review.due_date, surveillance))
    annual = sum((line.amount for line in FeeSchedule.active().annual_lines()), Decimal(0))
    for year in range(1, certificate_years() + 1):
        if year not in quoted_years and annual:
            title = _("%(event)s, year %(year)d") % {"event": Quote.Event.ANNUAL_FEE.label, "year": year}
            estimates.append(CycleFee(title, year_starts_on(certificate, year), annual))
    return sorted(estimates, key=lambda estimate: estimate.on)


def cycle_fees(certificate: Certificate) -> list[CycleFee]:
    """Every fee of the certificate's 3-year cycle: the acceptance quote it rests on, the cycle's quotes (surveillance,
    annual, travel), then the fees still to come as estimates."""
    application = certificate.application
    quotes = (
        application.quotes.filter(models.Q(event__in=Quote.ACCEPTANCE_EVENTS) | models.Q(certificate=certificate))
        .select_related("surveillance_review")
        .prefetch_related("payments")
    )
    quoted = [CycleFee(quote.title(), quote.due_on or quote.created_at.date(), quote.total, quote) for quote in quotes]
    return quoted + fees_to_come(certificate)


def unpaid_fees(certificate: Certificate, today: datetime.date | None = None) -> list[Quote]:
    """The certificate's surveillance and annual fees unpaid past their due date, oldest first: a reason for the
    decision-maker to consider suspension (domain.md §4.1). Nothing suspends a certificate for money by itself."""
    today = today or timezone.localdate()
    quotes = certificate.quotes.overdue(today).select_related("application", "surveillance_review")
    return list(quotes.order_by("due_on", "pk"))


def unpaid_fees_reason(quotes: list[Quote]) -> str:
    """The suspension reason the certificate page prefills, in both languages like the sweep's reasons (the holder
    and the public history read it): "未缴费用 / Unpaid fees: 年金，第 2 年 (Annual fee, year 2), due 2027-06-01,
    ¥500.00"."""
    parts = []
    for quote in quotes:
        with translation.override("zh-hans"):
            zh = quote.title()
        with translation.override("en"):
            en = quote.title()
        parts.append(f"{zh} ({en}), due {quote.due_on:%Y-%m-%d}, {format_money(quote.total)}")
    return "未缴费用 / Unpaid fees: " + "; ".join(parts) if parts else ""

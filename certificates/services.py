"""Cross-app actions: the decision on an application and the certificate it produces."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Grade, Notification
from applications.notifications import notify, organization_users
from certportal.dates import add_months
from certportal.workflow import TransitionError, require_reason

from .models import Certificate, CertificateNumberSequence, Decision, SurveillanceReview

VALIDITY_MONTHS = 36
SURVEILLANCE_MONTHS = (12, 24)


def check_impartiality(*, application: Application, user) -> None:
    if application.audits.filter(team__auditor=user).exists():
        raise TransitionError(_("You were on this application's audit team, so you cannot decide on it."))


def grant_certification(*, application: Application, by, grade: str = "", reason: str = "") -> Certificate:
    """Decide to certify, at the computed grade or lower (with a reason), and issue the certificate."""
    with transaction.atomic():
        check_impartiality(application=application, user=by)
        recommended = application.grade
        grade = grade or recommended
        if not recommended:
            raise TransitionError(_("The audit has not produced a grade yet."))
        if Grade.rank(grade) > Grade.rank(recommended):
            raise TransitionError(_("The grade cannot be higher than the one the audit computed."))
        if grade != recommended:
            reason = require_reason(reason)
        application.certify(by=by, grade=grade, reason=reason)  # locks the row; refuses a second grant
        decision = Decision.objects.create(
            application=application,
            outcome=Decision.Outcome.GRANT,
            recommended_grade=recommended,
            grade=grade,
            reason=reason,
            decided_by=by,
        )
        return issue_certificate(decision=decision)


def refuse_certification(*, application: Application, by, reason: str) -> Decision:
    """Decide not to certify; the applicant is told why."""
    with transaction.atomic():
        check_impartiality(application=application, user=by)
        application.refuse(by=by, reason=reason)
        return Decision.objects.create(
            application=application,
            outcome=Decision.Outcome.REFUSE,
            recommended_grade=application.grade,
            reason=reason,
            decided_by=by,
        )


def issue_certificate(*, decision: Decision) -> Certificate:
    application = decision.application
    issued_on = timezone.localdate()
    seq = CertificateNumberSequence.next_value(issued_on.year)
    number = settings.CERTIFICATE_NUMBER_PATTERN.format(year=issued_on.year, seq=seq)
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
        grade=decision.grade,
        score=application.score,
        issued_on=issued_on,
        expires_on=add_months(issued_on, VALIDITY_MONTHS),
        supersedes=previous,
    )
    from .tasks import render_certificate_pdf

    transaction.on_commit(partial(render_certificate_pdf.delay, certificate.pk))
    notify(
        organization_users(application),
        kind=Notification.Kind.CERTIFICATE_ISSUED,
        application=application,
        detail=number,
    )
    SurveillanceReview.objects.bulk_create(
        SurveillanceReview(certificate=certificate, sequence=i, due_date=add_months(issued_on, months))
        for i, months in enumerate(SURVEILLANCE_MONTHS, start=1)
    )
    return certificate

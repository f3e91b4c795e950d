"""Cross-app actions: the decision on an application and the certificate it produces."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Grade, Notification
from applications.notifications import notify, organization_users
from certportal.dates import add_months
from certportal.queue import enqueue_on_commit
from certportal.workflow import TransitionError, require_reason

from .models import Certificate, Decision, SurveillanceReview
from .numbering import certificate_number


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
    SurveillanceReview.objects.bulk_create(
        SurveillanceReview(certificate=certificate, sequence=i, due_date=add_months(issued_on, months))
        for i, months in enumerate(settings.SURVEILLANCE_DUE_MONTHS, start=1)
    )
    return certificate


# --- surveillance and re-certification (issue 7) ----------------------------------------------------------------


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


LIVE = (Certificate.Status.ACTIVE, Certificate.Status.SUSPENDED)


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
        return audit


def complete_surveillance(*, review: SurveillanceReview, by, outcome: str, reason: str = "") -> None:
    """Record the outcome of a submitted surveillance audit on the certificate and close the review."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=review.certificate_id)
        audit = review.audit
        if certificate.status not in LIVE:
            raise TransitionError(
                _("The certificate’s status is “%(status)s”: the surveillance cannot change it any more.")
                % {"status": certificate.get_status_display()}
            )
        if audit is None or audit.status != audit.Status.SUBMITTED:
            raise TransitionError(_("The surveillance audit report has not been submitted yet."))
        _apply_outcome(certificate, audit, by=by, outcome=outcome, reason=reason)
        review.complete(by=by)
        audit.close(by=by, reason=outcome)


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
    """The holder applies to renew: a draft prefilled from the last cycle, its materials to re-confirm."""
    from applications.models import MaterialFile, MaterialItem

    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status not in LIVE:
            raise TransitionError(
                _("Only a valid or suspended certificate can be renewed; apply for a new certification instead.")
            )
        previous = certificate.application
        open_renewal = previous.renewals.exclude(status__in=[Application.Status.WITHDRAWN, Application.Status.REFUSED])
        if open_renewal.exists():
            raise TransitionError(_("A re-certification application for this certificate already exists."))
        application = Application.start(
            organization=certificate.organization, by=by, kind=Application.Kind.RECERTIFICATION, renews=previous
        )
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
                uploaded_by=latest.uploaded_by,
            )
            item.status, item.to_reconfirm = MaterialItem.Status.UPLOADED, True
            item.save(update_fields=["status", "to_reconfirm"])
        return application

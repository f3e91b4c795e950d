"""Audit actions that also move the application (audits → applications)."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts import roles
from applications import notifications
from applications.models import Application, Notification, Organization, Quote, QuoteLine, ServiceCategory
from certportal.queue import enqueue_on_commit
from certportal.workflow import TransitionError, record_history, sentences

from . import scoresheet, scoring
from .models import Audit, AuditorProfile, AuditTeamMember, IndicatorSet, Nonconformity
from .ties import ties

# --- audit team rules (each a plain function, so the planning form can explain every refusal) -----------------


def recent_cycles(organization: Organization, *, count: int, exclude: Application | None = None) -> list[int]:
    """The organization's last `count` certification cycles: its applications that had audits, newest first."""
    applications = Application.objects.filter(organization=organization, audits__isnull=False)
    if exclude is not None:
        applications = applications.exclude(pk=exclude.pk)
    latest = applications.annotate(last=Max("audits__planned_start")).order_by("-last", "-pk")
    return list(latest.values_list("pk", flat=True)[:count])


def is_rotated_out(auditor, organization: Organization, *, exclude: Application | None = None) -> bool:
    """True when the auditor was on the team in each of the organization's last N cycles (N from settings)."""
    cycles = settings.AUDITOR_ROTATION_CYCLES
    recent = recent_cycles(organization, count=cycles, exclude=exclude)
    if cycles < 1 or len(recent) < cycles:
        return False
    audited = Audit.objects.filter(application_id__in=recent, team__auditor=auditor)
    return audited.values("application_id").distinct().count() == cycles


def missing_competences(auditor, categories) -> list[ServiceCategory]:
    profile = AuditorProfile.objects.filter(user=auditor).first()
    held = set(profile.competences.values_list("pk", flat=True)) if profile else set()
    return [category for category in categories if category.pk not in held]


def auditor_problems(auditor, application: Application) -> list[str]:
    """Why `auditor` may not audit `application` (empty when it may), as translated sentences."""
    names = {"auditor": auditor, "organization": application.organization}
    if not roles.has_role(auditor, roles.AUDITOR) or not auditor.is_active:
        return [_("%(auditor)s is not an active auditor.") % names]
    problems = ties(auditor, application.organization)  # membership now or before, a request to join, a conflict
    if is_rotated_out(auditor, application.organization, exclude=application):
        problems.append(
            _(
                "%(auditor)s audited %(organization)s in each of its last %(cycles)d certification cycles; "
                "another auditor must take this one (rotation)."
            )
            % {**names, "cycles": settings.AUDITOR_ROTATION_CYCLES}
        )
    missing = missing_competences(auditor, application.categories.all())
    if missing:
        problems.append(
            _("%(auditor)s is not qualified for the category %(categories)s.")
            % {**names, "categories": ", ".join(str(c) for c in missing)}
        )
    return problems


def team_problems(application: Application, auditors) -> list[str]:
    return [problem for auditor in auditors for problem in auditor_problems(auditor, application)]


# --- actions --------------------------------------------------------------------------------------------------


def plan_audit(
    *, application: Application, by, lead, members=(), start, end, onsite_man_days, kind: str = Audit.Kind.INITIAL
) -> Audit:
    """Check the team, create the audit with it, mark the application as audit planned and tell the applicant."""
    members = [m for m in members if m != lead]
    with transaction.atomic():
        indicator_set = IndicatorSet.objects.filter(is_active=True).first()
        if indicator_set is None:
            raise TransitionError(_("No indicator set is active; an administrator must activate one."))
        if kind != Audit.Kind.SURVEILLANCE:  # a surveillance audit belongs to a certified application
            application.plan_audit(by=by)  # locks the application and checks that the fee is paid
        problems = team_problems(application, [lead, *members])
        if problems:
            raise TransitionError(sentences(problems))
        audit = Audit(
            application=application,
            kind=kind,
            indicator_set=indicator_set,
            planned_start=start,
            planned_end=end,
            onsite_man_days=onsite_man_days,
            created_by=by,
        )
        audit.full_clean()
        record_history(audit, by=by)
        audit.save()
        AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
        AuditTeamMember.objects.bulk_create(
            AuditTeamMember(audit=audit, auditor=m, role=AuditTeamMember.Role.MEMBER) for m in members
        )
        notifications.notify(
            notifications.organization_users(application),
            kind=Notification.Kind.AUDIT_PLANNED,
            application=application,
            detail=f"{start:%Y-%m-%d} – {end:%Y-%m-%d}, {lead}",
        )
        return audit


def compute_result(audit: Audit) -> scoring.Result:
    """The audit's score and recommended grade, from its items, special findings and blocking findings."""
    return scoresheet.build(audit).result


def submit_audit_report(*, audit: Audit, by) -> Audit:
    """The team leader submits the report (Audit.WORKFLOW "submit": checks, result, then `after_report`)."""
    audit.submit(by=by)
    return audit


def after_report(audit: Audit, *, by) -> None:
    """What follows a submitted report: the application moves on (open nonconformities send it to corrective
    action, none to the decision), the applicant hears of the nonconformities, the report PDF is rendered."""
    if audit.kind != Audit.Kind.SURVEILLANCE:
        _report_on_application(audit, by=by)
    _tell_applicant_of_nonconformities(audit)
    from .tasks import render_audit_report

    enqueue_on_commit(render_audit_report, audit.pk)


def _report_on_application(audit: Audit, *, by) -> None:
    application = audit.application
    if application.status == Application.Status.AUDIT_PLANNED:
        application.report_audit(by=by, score=audit.score, grade=audit.grade)
    else:  # a report resubmitted after staff reopened it: the application keeps its place, with the new result
        application.score, application.grade = audit.score, audit.grade
        record_history(application, by=by, reason="audit report resubmitted")
        application.save(update_fields=["score", "grade"])
    if audit.nonconformities.unresolved().exists():
        if application.can_become(Application.Status.CORRECTIVE_ACTION):
            application.require_corrective_action(by=by)
    elif application.can_become(Application.Status.AWAITING_DECISION):
        application.await_decision(by=by)


def _tell_applicant_of_nonconformities(audit: Audit) -> None:
    open_ones = list(audit.nonconformities.unresolved().order_by("due_date", "pk"))
    if not open_ones:
        return
    detail = "; ".join(f"{nc.due_date:%Y-%m-%d} {nc.description}" for nc in open_ones)
    notifications.notify(
        notifications.organization_users(audit.application),
        kind=Notification.Kind.NONCONFORMITY_RAISED,
        application=audit.application,
        detail=f"({len(open_ones)}) {detail}",
    )


def tell_lead_of_reopening(audit: Audit, *, reason: str) -> None:
    """A reviewer reopened the report: its leader must correct and submit it again."""
    leads = [m.auditor for m in audit.team.filter(role=AuditTeamMember.Role.LEAD).select_related("auditor")]
    notifications.notify(
        leads,
        kind=Notification.Kind.STATUS_CHANGED,
        application=audit.application,
        status=audit.application.status,
        detail=str(_("Audit report reopened for correction")),
        reason=reason,
    )


def verify_nonconformity(*, nonconformity: Nonconformity, by) -> None:
    """The auditor accepts a correction (Nonconformity.WORKFLOW "verify", then `after_verification`)."""
    with transaction.atomic():
        # The audit row lock makes two auditors verifying the last two findings at once see each other's work.
        Audit.objects.select_for_update(of=("self",)).get(pk=nonconformity.audit_id)
        nonconformity.verify(by=by)


def after_verification(nonconformity: Nonconformity, *, by) -> None:
    """Once every nonconformity of an initial or re-certification audit is verified, the case goes to the decision."""
    audit = nonconformity.audit
    if audit.kind == Audit.Kind.SURVEILLANCE or audit.nonconformities.unresolved().exists():
        return
    if audit.application.status == Application.Status.CORRECTIVE_ACTION:
        audit.application.await_decision(by=by, reason=_("All nonconformities are verified."))


def reopen_nonconformity(*, nonconformity: Nonconformity, by, reason: str) -> None:
    """The auditor finds a correction insufficient (Nonconformity.WORKFLOW "reopen")."""
    nonconformity.reopen(by=by, reason=reason)


def tell_applicant_of_reopening(nonconformity: Nonconformity) -> None:
    application = nonconformity.audit.application
    notifications.notify(
        notifications.organization_users(application),
        kind=Notification.Kind.NONCONFORMITY_RAISED,
        application=application,
        detail=nonconformity.description,
        reason=nonconformity.reopen_reason,
    )


def bill_travel(*, audit: Audit, lines: list[tuple[str, Decimal]], by) -> Quote:
    """Travel and accommodation of an audit at actual cost, entered by staff once the report is in: one quote of
    these lines for the audit (domain.md §5.2), with its own Payment; the enterprise is told."""
    if audit.status not in Audit.REPORTED_STATES:
        raise TransitionError(_("Travel and accommodation are billed once the audit report is submitted."))
    if not lines:
        raise TransitionError(_("Enter at least one cost."))
    review = getattr(audit, "surveillance_review", None) if audit.kind == Audit.Kind.SURVEILLANCE else None
    quote_lines = [
        QuoteLine(name_zh=text, name_en=text, quantity=Decimal(1), unit_price=amount, amount=amount)
        for text, amount in lines
    ]
    return Quote.issue(
        audit.application,
        event=Quote.Event.TRAVEL,
        lines=quote_lines,
        by=by,
        audit=audit,
        certificate=review.certificate if review is not None else None,
    )

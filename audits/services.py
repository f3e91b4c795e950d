"""Audit actions that also move the application (audits → applications)."""

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from accounts import roles
from applications import notifications
from applications.models import Application, Notification, Organization, ServiceCategory
from certportal.workflow import TransitionError, record_history

from . import scoring
from .models import Audit, AuditorProfile, AuditTeamMember, ConflictOfInterest, IndicatorSet, SpecialFinding

# --- audit team rules (each a plain function, so the planning form can explain every refusal) -----------------


def declared_conflict(auditor, organization: Organization) -> ConflictOfInterest | None:
    return ConflictOfInterest.objects.in_force().filter(profile__user=auditor, organization=organization).first()


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
    problems = []
    conflict = declared_conflict(auditor, application.organization)
    if conflict is not None:
        problems.append(
            _("%(auditor)s declared a conflict of interest with %(organization)s: %(reason)s")
            % {**names, "reason": conflict.reason}
        )
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
            raise TransitionError(" ".join(problems))
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
    leaves = audit.indicator_set.indicators.filter(children__isnull=True)
    scores = {s.indicator_id: s for s in audit.scores.all()}
    items = []
    for indicator in leaves:
        s = scores.get(indicator.pk)
        items.append(
            scoring.ItemResult(
                max_points=indicator.max_points,
                points=s.points if s else None,
                not_applicable=bool(s and s.not_applicable),
                sampled=indicator.sampled,
                sample_size=s.sample_size if s else None,
                nonconforming_samples=s.nonconforming_samples if s else None,
            )
        )
    findings = audit.special_findings.all()
    return scoring.compute(
        items,
        bonus=sum(1 for f in findings if f.kind == SpecialFinding.Kind.BONUS),
        deductions=sum(1 for f in findings if f.kind == SpecialFinding.Kind.DEDUCTION),
    )


def submit_audit_report(*, audit: Audit, by) -> Audit:
    """Lock the audit with its computed score and grade, and report it on the application."""
    with transaction.atomic():
        leaves = audit.indicator_set.indicators.filter(children__isnull=True)
        scored = audit.scores.filter(Q(not_applicable=True) | Q(points__isnull=False) | Q(sample_size__gt=0))
        unscored = leaves.exclude(pk__in=scored.values("indicator_id")).count()
        if unscored:
            raise TransitionError(_("%(count)d indicators are not scored yet.") % {"count": unscored})
        result = compute_result(audit)
        audit.submit(by=by, score=result.score, grade=result.grade)
        if audit.kind != Audit.Kind.SURVEILLANCE:
            audit.application.report_audit(by=by, score=result.score, grade=result.grade)
        return audit

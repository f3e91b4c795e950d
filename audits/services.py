"""Audit actions that also move the application (audits → applications)."""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from applications.models import Application
from certportal.workflow import TransitionError

from . import scoring
from .models import Audit, AuditTeamMember, IndicatorSet, SpecialFinding


def plan_audit(
    *, application: Application, by, lead, members=(), start, end, onsite_man_days, kind: str = Audit.Kind.INITIAL
) -> Audit:
    """Create the audit with its team and mark the application as audit planned."""
    with transaction.atomic():
        indicator_set = IndicatorSet.objects.filter(is_active=True).first()
        if indicator_set is None:
            raise TransitionError(_("No indicator set is active; an administrator must activate one."))
        application.plan_audit(by=by)  # locks the application and checks that the fee is paid
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
        audit.save()
        AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
        AuditTeamMember.objects.bulk_create(
            AuditTeamMember(audit=audit, auditor=m, role=AuditTeamMember.Role.MEMBER) for m in members if m != lead
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

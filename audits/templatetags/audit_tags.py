from django import template
from django.utils.translation import gettext as _

from applications.models import Grade

register = template.Library()


@register.filter
def grade_label(grade: str) -> str:
    """A grade's name, or "not certified" for the empty grade (below 70 or vetoed)."""
    return str(Grade(grade).label) if grade else _("Not certified")


# Application states in which an audit report may exist (a certified application may have surveillance audits).
AFTER_AUDIT = {"audit_reported", "corrective_action", "awaiting_decision", "certified", "refused", "withdrawn"}


@register.inclusion_tag("audits/_application_audits.html", takes_context=True)
def audit_results(context, application):
    """The applicant's links to its audit results and nonconformities (no query before an audit is reported)."""
    from django.db.models import Count, Q

    from ..models import Audit, Nonconformity

    if application.status not in AFTER_AUDIT:
        return {"audits": []}
    open_ones = Q(nonconformities__status__in=[s for s in Nonconformity.Status if s != Nonconformity.Status.VERIFIED])
    audits = (
        application.audits.filter(status__in=Audit.REPORTED_STATES)
        .annotate(open_ncs=Count("nonconformities", filter=open_ones))
        .order_by("-submitted_at", "-pk")
    )
    return {"audits": list(audits), "request": context.get("request")}

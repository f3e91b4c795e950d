"""Who may do what with audits, findings, photos and reports. Used by views and templates alike.

Views first fetch through `visible_to(user)` / `assigned_to(user)` (anything else is a 404); these functions
then decide about the action. Staff reach files from the admin with the matching view permission.
"""

from applications.permissions import is_member

from .models import Audit, AuditPhoto, EvidenceFile, Nonconformity

CONDUCT = "audits.conduct_audit"


def team_role(user, audit: Audit) -> str | None:
    """The user's role on the audit's team (cached on the audit for the request), or None."""
    if not user.is_authenticated:
        return None
    cache = audit.__dict__.setdefault("_team_roles", {})
    if user.pk not in cache:
        cache[user.pk] = audit.team.filter(auditor=user).values_list("role", flat=True).first()
    return cache[user.pk]


def can_conduct(user, audit: Audit) -> bool:
    return user.is_active and team_role(user, audit) is not None and user.has_perm(CONDUCT)


def can_start(user, audit: Audit) -> bool:
    return audit.offers("start", user)


def can_score(user, audit: Audit) -> bool:
    return audit.is_in_progress and can_conduct(user, audit)


def can_submit_report(user, audit: Audit) -> bool:
    return audit.offers("submit", user)


def is_staff_viewer(user, permission: str = "audits.view_audit") -> bool:
    return user.is_active and user.is_staff and user.has_perm(permission)


def can_view_result(user, audit: Audit) -> bool:
    """The applicant's people once the report is in; the team always."""
    if audit.is_reported and is_member(user, audit.application.organization):
        return True
    return can_conduct(user, audit)


def can_download_report(user, audit: Audit) -> bool:
    if not audit.report_pdf:
        return False
    return can_view_result(user, audit) or is_staff_viewer(user)


def can_view_photo(user, photo: AuditPhoto) -> bool:
    """The shown picture (never the original): the team, and staff allowed to see audits."""
    return can_conduct(user, photo.audit) or is_staff_viewer(user)


def can_download_original_photo(user, photo: AuditPhoto) -> bool:
    """The original keeps its EXIF (GPS included): only staff with the dedicated permission."""
    return is_staff_viewer(user, "audits.view_original_photo")


def can_respond(user, nonconformity: Nonconformity) -> bool:
    return nonconformity.audit.is_reported and nonconformity.offers("respond", user)


def can_verify(user, nonconformity: Nonconformity) -> bool:
    """Verify or reopen an answered nonconformity: the audit team, after the report."""
    return nonconformity.audit.is_reported and nonconformity.offers("verify", user)


def can_download_evidence(user, evidence: EvidenceFile) -> bool:
    audit = evidence.corrective_action.nonconformity.audit
    if is_member(user, audit.application.organization) or can_conduct(user, audit):
        return True
    return is_staff_viewer(user, "audits.view_nonconformity")

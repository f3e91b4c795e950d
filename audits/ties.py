"""A person's ties to an applicant organization, in words (ISO/IEC 17065 §4.2, design.md §3.1).

Whoever audits an organization or decides on it must have none: no membership now or in the past (the membership's
history keeps one that ended), no request of theirs to join it, and no declared conflict of interest, whether in
force, ended or still to start. Audit planning refuses an auditor with any tie (`services.auditor_problems`), and the
decision guards refuse a decision-maker with any.
"""

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.models import AccessRequest, Membership, Organization

from .models import ConflictOfInterest


def ties(user, organization: Organization) -> list[str]:
    """Every current or past tie of `user` to `organization`, one translated sentence each (empty: none)."""
    return [
        *_memberships(user, organization),
        *_access_requests(user, organization),
        *_conflicts(user, organization),
    ]


def _memberships(user, organization: Organization) -> list[str]:
    names = {"user": user, "organization": organization}
    found = []
    current = Membership.objects.filter(user=user, organization=organization).first()
    if current is not None:
        found.append(
            _("%(user)s is a member (%(role)s) of %(organization)s since %(date)s.")
            % {**names, "role": current.get_role_display(), "date": _day(current.created_at)}
        )
    versions = Membership.history.filter(user_id=user.pk).order_by("history_date", "history_id")
    ended: dict[
        int, datetime.datetime | None
    ] = {}  # membership id → when it stopped being in this organization (None: not known)
    for version in versions:
        in_organization = version.organization_id == organization.pk and version.history_type != "-"
        if in_organization:
            ended[version.id] = None
        elif version.id in ended and ended[version.id] is None:
            ended[version.id] = version.history_date  # deleted, or moved to another organization
    for membership_id, until in ended.items():
        if current is not None and membership_id == current.pk:
            continue
        if until is None:  # its end left no record (e.g. removed without the ORM): still a past membership
            found.append(_("%(user)s was a member of %(organization)s.") % names)
        else:
            found.append(
                _("%(user)s was a member of %(organization)s until %(date)s.") % {**names, "date": _day(until)}
            )
    return found


def _access_requests(user, organization: Organization) -> list[str]:
    """Asking to join says the person works there; an approved request became a membership (above)."""
    requests = AccessRequest.objects.filter(user=user, organization=organization).exclude(
        status=AccessRequest.Status.APPROVED
    )
    return [
        _("%(user)s asked to join %(organization)s on %(date)s.")
        % {"user": user, "organization": organization, "date": _day(request.created_at)}
        for request in requests.order_by("created_at")
    ]


def _conflicts(user, organization: Organization) -> list[str]:
    conflicts = ConflictOfInterest.objects.filter(profile__user=user, organization=organization)
    found = []
    for conflict in conflicts.order_by("declared_on", "pk"):
        names = {
            "user": user,
            "organization": organization,
            "reason": conflict.reason,
            "start": date_format(conflict.declared_on),
        }
        if conflict.ends_on is None:
            sentence = _("%(user)s declared a conflict of interest with %(organization)s (since %(start)s): %(reason)s")
        else:
            names["end"] = date_format(conflict.ends_on)
            sentence = _(
                "%(user)s declared a conflict of interest with %(organization)s (%(start)s to %(end)s): %(reason)s"
            )
        found.append(sentence % names)
    return found


def _day(moment) -> str:
    return date_format(timezone.localtime(moment))

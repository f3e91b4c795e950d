"""Impartiality of decisions (ISO/IEC 17065 §4.2, §7.6; design.md §3.1).

Whoever grants, refuses, suspends, restores, withdraws, cancels, changes a grade or records a surveillance outcome
was on the team of no audit that the decision rests on (the application's initial or re-certification audit and
its surveillance audits) and has no tie to the organization (audits.ties: membership now or before, a request to
join, a declared conflict of interest). Each reason is a translated sentence shown to the person as it is.
"""

from django.utils.translation import gettext as _

from applications.models import Application
from audits.models import Audit
from audits.ties import ties


def impartiality_problems(user, application: Application) -> list[str]:
    problems = []
    if Audit.objects.filter(application=application, team__auditor=user).exists():
        problems.append(_("You were on the team of an audit this decision rests on, so you cannot take it."))
    return problems + ties(user, application.organization)

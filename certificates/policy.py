"""The body's grading policy at the decision: "stars only after one year at 达标级" (domain.md §2.5).

Many sources quote an older scheme rule: a star grade is given only after one year at Compliant (达标级), "except
for enterprises with particularly outstanding results". Whether bodies still apply it is unclear, so it is the
setting STARS_AFTER_COMPLIANT_YEAR (off by default). When on, an organization's first certification (it never
held a certificate of ours) is granted at most at Compliant, unless the decision-maker records the exception with
a reason. Later certifications follow the audit's grade: by then the organization has held a certificate.
"""

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications.models import Application, Grade

from .models import Certificate


def stars_limited(application: Application) -> bool:
    """Whether the policy caps this application's grade at Compliant (absent the exception)."""
    if not settings.STARS_AFTER_COMPLIANT_YEAR:
        return False
    return not Certificate.objects.filter(organization=application.organization).exists()


def grade_policy_problems(application: Application, grade: str, *, exception: bool, exception_reason: str) -> list[str]:
    """Why `grade` may not be granted on `application` under the policy (translated sentences; empty: allowed)."""
    star = bool(grade) and grade != Grade.COMPLIANT
    if not (star and stars_limited(application)):
        if exception:
            return [
                _(
                    "The “particularly outstanding results” exception only applies to a star grade on a first "
                    "certification while the one-year-at-Compliant policy is on: untick it."
                )
            ]
        return []
    if not exception:
        return [
            _(
                "A first certification is granted at most at Compliant (达标级): a star grade comes after one year "
                "at that level. Grant Compliant, or record the “particularly outstanding results” exception."
            )
        ]
    if not (exception_reason or "").strip():
        return [_("Give the reason for the “particularly outstanding results” exception.")]
    return []


def grade_raise_problems(certificate: Certificate, grade: str) -> list[str]:
    """Under the policy, a certificate at Compliant is raised to a star grade only after a year at that level."""
    if not settings.STARS_AFTER_COMPLIANT_YEAR or certificate.grade != Grade.COMPLIANT or grade == Grade.COMPLIANT:
        return []
    from django.utils import timezone

    from certportal.dates import add_months

    from_day = add_months(certificate.issued_on, 12)
    if timezone.localdate() >= from_day:
        return []
    return [
        _(
            "Under the body's policy a star grade comes after one year at Compliant (达标级): this certificate can "
            "be raised from %(date)s."
        )
        % {"date": date_format(from_day)}
    ]

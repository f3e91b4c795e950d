"""System checks of the certificates app: PDF rendering, the number pattern, and demo mode, demo accounts and a
development signing key (all refused in deployment)."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError
from django.db.models import Q


@register("pdf")
def harfbuzz_subset_check(app_configs=None, **kwargs):
    """PDF rendering needs HarfBuzz's subsetter: without it a Chinese certificate takes ~10 s instead of ~0.1 s."""
    from certportal.pdf import harfbuzz_subset_available

    if harfbuzz_subset_available():
        return []
    return [
        Error(
            "WeasyPrint cannot load HarfBuzz's font subsetter (libharfbuzz-subset0).",
            hint="Install it (Debian/Ubuntu: apt-get install libharfbuzz-subset0, or `make system-deps`).",
            id="certificates.E001",
        )
    ]


@register(Tags.security, deploy=True)
def demo_mode_check(app_configs=None, **kwargs):
    """Demo mode lets a certificate be granted on placeholder points: never in a deployment."""
    if not settings.DEMO_MODE:
        return []
    return [
        Error(
            "DEMO_MODE is on: certificates may be granted on indicator sets with placeholder points "
            "(they are printed as specimens, with no certification value).",
            hint="Unset DEMO_MODE (or set DEMO_MODE=false) in production; only `make run` turns it on.",
            id="certificates.E002",
        )
    ]


@register(Tags.security, deploy=True)
def demo_accounts_check(app_configs=None, **kwargs):
    """seed_demo's accounts sign in with credentials printed on a console (or, in DEBUG, published in the README)."""
    from accounts.models import User

    from .management.commands.seed_demo import USERS

    usernames = [username for username, *_rest in USERS]
    emails = [email for _username, _role, _name, email, _language in USERS]
    try:
        found = list(
            User.objects.filter(Q(username__in=usernames) | Q(email__in=emails)).values_list("username", flat=True)
        )
    except DatabaseError:
        # A database that is not migrated (or not there yet) holds no accounts at all, demo ones included.
        return []
    if not found:
        return []
    return [
        Error(
            f"Demo accounts exist: {', '.join(sorted(found))} (created by `manage.py seed_demo`).",
            hint="Delete them (admin → Users) or deploy on a database where seed_demo never ran.",
            id="certificates.E004",
        )
    ]


@register("certificates")
def certificate_number_check(app_configs=None, **kwargs):
    """A bad CERTIFICATE_NUMBER_PATTERN would only fail at the first grant; say so at start-up instead."""
    from .numbering import pattern_problems, size_letter_problems

    problems = size_letter_problems(settings.CERTIFICATE_SIZE_LETTERS)
    if not problems:
        problems = pattern_problems(settings.CERTIFICATE_NUMBER_PATTERN)
    hint = (
        "Set CERTIFICATE_NUMBER_PATTERN with the tokens {year}, {yy}, {seq} (e.g. {seq:06d}), {recert} and {size}, "
        'e.g. "CP-{year}-{seq:06d}" or "034{yy}Q{seq:05d}R{recert}{size}" (certificates/numbering.py).'
    )
    return [Error(problem, hint=hint, id="certificates.E003") for problem in problems]


@register(Tags.security, deploy=True)
def signing_key_check(app_configs=None, **kwargs):
    """Documents are signed with the body's key: in a deployment it must load, and not be a development one."""
    from certportal.signing import is_development_certificate, signer_certificate_chain

    if settings.DEBUG:
        return []
    try:
        chain = signer_certificate_chain()
    except (OSError, ValueError, ImportError) as error:
        problem = f"The signing key cannot be loaded ({error})."
    else:
        if not is_development_certificate(chain[0]):
            return []
        problem = f"The signing key is a development one: {chain[0].subject.human_friendly}."
    return [
        Error(
            problem,
            hint='Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD to the body\'s key (README "Signing").',
            id="certificates.E005",
        )
    ]

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import CommandError, call_command

from accounts.models import User
from applications.models import Application, Organization
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_is_harmless(capsys, settings):
    settings.DEBUG = True  # as `make run` has it: the README's fixed demo logins
    settings.DEMO_MODE = True  # as `make run` has it: the demo certificate is a specimen
    call_command("seed_demo")
    counts = (
        User.objects.count(),
        Organization.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
    )
    call_command("seed_demo")
    assert (
        User.objects.count(),
        Organization.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
    ) == counts
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {"draft", "submitted", "returned", "accepted", "audit_planned", "certified"}
    out = capsys.readouterr().out
    for username in ("demo-applicant", "demo-reviewer", "demo-auditor", "demo-decider", "demo-admin"):
        assert username in out
        assert User.objects.get(username=username).check_password("certportal-demo-2026")
    assert User.objects.get(username="demo-reviewer").is_staff
    assert not User.objects.get(username="demo-applicant").is_staff


def test_outside_demo_mode_nothing_is_granted_on_placeholder_points(capsys, settings):
    settings.DEBUG = True
    settings.DEMO_MODE = False
    call_command("seed_demo")
    assert not Certificate.objects.exists()
    assert Application.objects.filter(status="awaiting_decision").exists()
    assert "placeholder points" in capsys.readouterr().out


def test_with_debug_off_it_refuses_without_the_flag(settings):
    settings.DEBUG = False  # perhaps a production installation: an administrator with published logins
    with pytest.raises(CommandError, match="--not-production"):
        call_command("seed_demo")
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def printed_credentials(out: str) -> tuple[str, str]:
    password = re.search(r"password for all: (\S+)\):", out).group(1)
    secret = re.search(r"add the secret (\S+) to", out).group(1)
    return password, secret


def stored_totp_secret(user: User) -> str:
    return decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])


def test_not_production_draws_new_random_credentials_on_each_run(capsys, settings):
    settings.DEBUG = False
    call_command("seed_demo", not_production=True)
    password, secret = printed_credentials(capsys.readouterr().out)
    assert password != "certportal-demo-2026" and secret != "CERTPRTLDEMOTOTP"
    admin = User.objects.get(username="demo-admin")
    assert admin.check_password(password) and stored_totp_secret(admin) == secret

    call_command("seed_demo", not_production=True)
    new_password, new_secret = printed_credentials(capsys.readouterr().out)
    assert new_password != password and new_secret != secret
    admin.refresh_from_db()
    assert admin.check_password(new_password) and not admin.check_password(password)
    assert stored_totp_secret(admin) == new_secret
    assert Authenticator.objects.filter(user=admin).count() == 2  # one TOTP, one set of recovery codes

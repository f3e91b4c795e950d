import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from applications.models import Application, Organization
from certificates.models import Certificate
from tests.security.conftest import totp_code

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
    for login in ("applicant@demo.certportal.localhost", "demo-reviewer", "auditor@demo.certportal.localhost"):
        assert login in out
    for username in ("demo-applicant", "demo-reviewer", "demo-auditor", "demo-decider", "demo-admin"):
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


def printed_logins(out: str) -> list[dict]:
    """The table seed_demo prints: person, role, sign in at, type, login and (staff and auditors) a recovery code."""
    lines = out.split("Logins (password for all:")[1].splitlines()[1:]
    table = [re.split(r"\s{2,}", line.strip()) for line in lines if line.startswith("  ")]
    header, rows = table[0], table[1:]
    assert header == ["person", "role", "sign in at", "type", "login", "recovery code"]
    return [dict(zip(header, row, strict=False)) for row in rows]


def test_every_printed_login_signs_in_on_the_page_it_names(capsys, settings):
    """The portal's sign-in takes e-mail addresses, the admin's user names; each printed login
    gets through the page printed next to it, then the TOTP step where there is one."""
    settings.DEBUG = True
    settings.DEMO_MODE = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    password, secret = printed_credentials(out)
    logins = printed_logins(out)
    assert [row["role"] for row in logins] == [
        "applicant (owner)",
        "applicant (member)",
        "reviewer",
        "auditor",
        "decision-maker",
        "administrator",
    ]
    cache.clear()  # rate limits and used TOTP codes of earlier tests
    for row in logins:
        user = User.objects.get(full_name=row["person"])
        client = Client()
        page = client.get(row["sign in at"].removeprefix(settings.SITE_URL), follow=True)
        field = {"e-mail": "login", "user name": "username"}[row["type"]]
        assert f'name="{field}"' in page.content.decode(), row
        sign_in_url = page.wsgi_request.get_full_path()
        assert sign_in_url.startswith(reverse("admin:login") if user.is_staff else reverse("account_login")), row
        assert row["login"] == (user.username if row["type"] == "user name" else user.email)

        response = client.post(sign_in_url, {field: row["login"], "password": password})
        assert response.status_code == 302, row
        if row.get("recovery code"):  # staff and auditors: the TOTP step next
            assert response["Location"] == reverse("mfa_authenticate"), row
            assert "_auth_user_id" not in client.session
            response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
            assert response.status_code == 302, row
        landing = client.get(response["Location"], follow=True)
        assert landing.status_code == 200, row
        assert client.session["_auth_user_id"] == str(user.pk), row


def test_the_portal_refuses_the_user_name_and_the_admin_the_auditor(capsys, settings):
    """What a newcomer tried before: a user name on the portal's sign-in, the auditor on the staff sign-in."""
    settings.DEBUG = True
    settings.DEMO_MODE = True
    call_command("seed_demo")
    password, _secret = printed_credentials(capsys.readouterr().out)
    cache.clear()
    client = Client()
    response = client.post(reverse("account_login"), {"login": "demo-applicant", "password": password})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("admin:login"), {"username": "demo-auditor", "password": password})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_readme_lists_the_logins_as_printed(capsys, settings):
    settings.DEBUG = True
    settings.DEMO_MODE = True
    settings.SITE_URL = "http://127.0.0.1:8000"  # make run's default port
    call_command("seed_demo")
    out = capsys.readouterr().out
    printed = [[row[key] for key in ("person", "role", "sign in at", "type", "login")] for row in printed_logins(out)]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| person | role | sign in at | type | login |\n")[1].split("\n\n")[0]
    documented = [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in table.splitlines()[1:]]
    assert documented == printed
    assert f"password `{printed_credentials(out)[0]}` for all" in readme

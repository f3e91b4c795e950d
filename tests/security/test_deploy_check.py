"""Deployment settings (targets.md SEC-1): `manage.py check --deploy --fail-level WARNING` is clean with the
production environment of `make check-deploy`, and fails when a production setting is missing."""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from accounts import checks
from certportal.signing import new_ca_and_signer_pkcs12

ROOT = Path(__file__).resolve().parents[2]
SIGNING_KEY = Path(tempfile.mkdtemp()) / "signing.p12"
SIGNING_KEY.write_bytes(new_ca_and_signer_pkcs12("Test CA", "测试认证中心", "测试认证中心"))
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "cert.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://cert.example.com",
    "SITE_URL": "https://cert.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "USE_X_FORWARDED_PROTO": "true",
    "TRUSTED_PROXY_COUNT": "1",
    # Only the settings are checked: no Redis needs to run. An empty database, not the one `make run` seeded.
    "CACHE_URL": "redis://127.0.0.1:6379/2",
    "DATABASE_URL": "sqlite://:memory:",
    "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),  # second-factor secrets: a key of their own
    "SIGNING_PKCS12_PATH": str(SIGNING_KEY),  # the body's signing key, not a development one
}
HTTPS_VARIABLES = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")


def environment(base: dict, **overrides) -> dict:
    # not the test run's own settings module, nor the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, nor `make run`'s demo mode
    inherited = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEMO_MODE", "DEBUG", *HTTPS_VARIABLES)
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(base)
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def deploy_check(fail_level: str = "WARNING", **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", fail_level],
        cwd=ROOT,
        env=environment(PRODUCTION, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_make_target_uses_the_same_production_environment():
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\ncheck-deploy:", 1)[1].split("\n\n", 1)[0]
    for name in PRODUCTION:
        assert re.search(rf"\b{name}=", target), name
    assert "check --deploy --fail-level WARNING" in target
    assert "$(MAKE) --no-print-directory check-deploy" in makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]


def test_production_settings_pass_with_zero_issues():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (1 silenced)" in result.stdout  # security.W021: no HSTS preload until the operator opts in


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"DEBUG": "true"}, "security.W018"),
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
        ({"CSRF_COOKIE_SECURE": "false"}, "security.W016"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_HSTS_SECONDS": "86400"}, "certportal.W001"),
        ({"TRUSTED_PROXY_COUNT": "0"}, "certportal.W002"),
        ({"DEMO_MODE": "true"}, "certificates.E002"),  # specimens on placeholder points: never in production
    ],
)
def test_a_missing_production_setting_fails_the_check(overrides, check_id):
    result = deploy_check(**overrides)
    assert result.returncode != 0
    assert check_id in result.stdout + result.stderr


def test_preloading_hsts_is_an_explicit_choice(settings):
    result = deploy_check(SECURE_HSTS_PRELOAD="true")
    assert result.returncode == 0 and "no issues (0 silenced)" in result.stdout


def test_a_missing_csp_directive_is_reported(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    (problem,) = checks.check_content_security_policy(None)
    assert problem.id == "certportal.W003" and "object-src 'none'" in problem.msg


@pytest.mark.parametrize(
    ("overrides", "check_id"),
    [
        ({"CACHE_URL": "locmemcache://"}, "certportal.E001"),  # rate limits and guess caps would count per process
        ({"CACHE_URL": "dummycache://"}, "certportal.E001"),
        ({"PAYMENT_PROVIDERS": "sandbox"}, "certportal.E002"),  # applicants could mark their own fee paid
        ({"DEMO_MODE": "true"}, "certificates.E002"),
    ],
)
def test_a_production_hazard_is_an_error_not_a_warning(overrides, check_id):
    result = deploy_check(fail_level="ERROR", **overrides)
    assert result.returncode != 0
    errors = (result.stdout + result.stderr).split("ERRORS:", 1)[1].split("WARNINGS:", 1)[0]
    assert check_id in errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    "account",
    [{"username": "demo-admin"}, {"username": "renamed", "email": "reviewer@demo.certportal.localhost"}],
)
def test_demo_accounts_fail_the_deploy_check(account):
    from accounts.models import User
    from certificates import checks as certificate_checks

    assert certificate_checks.demo_accounts_check() == []
    User.objects.create_user(**{"email": "someone@example.com", **account})
    (problem,) = certificate_checks.demo_accounts_check()
    assert problem.id == "certificates.E004" and problem.is_serious()


@pytest.mark.django_db
def test_other_accounts_pass_the_demo_accounts_check():
    from accounts.models import User
    from certificates import checks as certificate_checks

    User.objects.create_user(username="demo-someone", email="admin@example.com")
    assert certificate_checks.demo_accounts_check() == []


def computed_settings(**variables) -> dict:
    """The HTTPS settings certportal.settings computes from these variables alone (no .env, none inherited)."""
    code = "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) for n in %r}))"
    result = subprocess.run(
        [sys.executable, "-c", code % (HTTPS_VARIABLES,)],
        cwd=ROOT,
        env=environment({"DJANGO_SETTINGS_MODULE": "certportal.settings"}, **variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_debug_off_is_secure_by_default():
    assert computed_settings(DEBUG="false") == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }


def test_each_https_default_is_turned_off_explicitly():
    off = {"SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}
    assert computed_settings(DEBUG="false", **off, SECURE_HSTS_SECONDS="0") == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }
    assert computed_settings(DEBUG="false", SECURE_SSL_REDIRECT="false")["SESSION_COOKIE_SECURE"] is True


def test_debug_on_is_plain_http():
    assert computed_settings(DEBUG="true") == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }

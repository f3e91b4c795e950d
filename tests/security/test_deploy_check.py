"""Deployment settings (targets.md SEC-1): `manage.py check --deploy --fail-level WARNING` is clean with the
production environment of `make check-deploy`, and fails when a production setting is missing."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from accounts import checks

ROOT = Path(__file__).resolve().parents[2]
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
}


def deploy_check(**overrides) -> subprocess.CompletedProcess:
    # not the test run's own settings module, nor the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, nor `make run`'s demo mode
    inherited = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEMO_MODE")
    env = {k: v for k, v in os.environ.items() if k not in inherited}
    env.update(PRODUCTION)
    env.update(overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
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

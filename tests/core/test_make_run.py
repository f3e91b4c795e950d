"""`make run PORT=…`: the address on certificates and in e-mail links follows the port served (issue 15, point 5)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str, **env: str) -> str:
    """What `make run` would do, printed and not done (-n)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS")}
    result = subprocess.run(
        ["make", "-n", "run", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@needs_make
def test_site_url_follows_the_port():
    out = dry_run("PORT=8234")
    assert "Links in e-mails and on certificates: http://127.0.0.1:8234\n" in out.replace('"', "\n")
    assert "PORT=8234 " in out


@needs_make
def test_the_default_port_gives_the_default_site_url():
    assert "Links in e-mails and on certificates: http://127.0.0.1:8000" in dry_run()


@needs_make
def test_a_site_url_given_by_the_person_is_kept():
    out = dry_run("PORT=8234", SITE_URL="https://cert.example.com")
    assert "Links in e-mails and on certificates: https://cert.example.com\n" in out.replace('"', "\n")


def settings_site_url(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "certportal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_settings_read_site_url_from_the_environment():
    """What `make run` exports is what the web process, the worker and seed_demo use."""
    assert settings_site_url(SITE_URL="http://127.0.0.1:8234/") == "http://127.0.0.1:8234"

"""`make run`: the address on certificates and in e-mail links follows the port served; what it
installs, what it prints and how Ctrl-C stops it."""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str, **env: str) -> str:
    """What `make ARGS` would do, printed and not done (-n)."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    result = subprocess.run(
        ["make", "-n", *args],
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
    out = dry_run("run", "PORT=8234")
    assert "Links in e-mails and on certificates: http://127.0.0.1:8234\n" in out.replace('"', "\n")
    assert "PORT=8234 " in out


@needs_make
def test_the_default_port_gives_the_default_site_url():
    assert "Links in e-mails and on certificates: http://127.0.0.1:8000" in dry_run("run")


@needs_make
def test_a_site_url_given_by_the_person_is_kept():
    out = dry_run("run", "PORT=8234", SITE_URL="https://cert.example.com")
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


# --- What `make run` installs and prints, and how it stops.


FRESH_VENV = ".venv-never-built"


def dry_run_target(target: str) -> str:
    """`make -n TARGET` on a machine with no virtualenv yet, so the venv step shows what it installs: VENV names
    one that does not exist (read back as .venv). -W requirements.txt would not reach the recursive makes that
    build the stamps, and this checkout's stamps are up to date once `make test` has run."""
    return dry_run(f"VENV={FRESH_VENV}", target).replace(FRESH_VENV, ".venv")


@needs_make
def test_make_run_installs_the_runtime_requirements_only():
    out = dry_run_target("run")
    # python3-venv first, then apt and pip side by side, then the translations
    assert (
        out.index("system-deps.sh venv\n")
        < out.index("-j2 system-deps venv DEPS=runtime")
        < out.index("compilemessages")
    )
    assert "./scripts/system-deps.sh runtime" in out
    assert "pip install -q --disable-pip-version-check --no-compile -r requirements.txt" in out
    assert "requirements-dev.txt" not in out
    assert "touch .venv/.installed-runtime\n" in out


@needs_make
@pytest.mark.parametrize("target", ["test", "bench", "run-prod"])
def test_the_test_tools_come_with_test_bench_and_run_prod(target):
    out = dry_run_target(target)
    assert "./scripts/system-deps.sh dev" in out
    assert "pip install -q --disable-pip-version-check --no-compile -r requirements-dev.txt" in out
    # the dev set holds the runtime one, so a later `make run` has nothing to install
    assert "touch .venv/.installed-dev .venv/.installed-runtime" in out


@needs_make
def test_make_run_collects_no_static_files_with_debug_on_but_bench_does():
    assert '[ "$DEBUG" = true ] || .venv/bin/python manage.py collectstatic' in dry_run_target("run")
    assert "export DEBUG" not in dry_run_target("bench")


@needs_make
def test_make_help_lists_every_target_with_a_line():
    listed = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("run", "test", "bench", "run-prod", "system-deps", "venv", "setup", "clean"):
        assert f"  make {target} " in listed
    assert "make run: requirements.txt only" in listed


def test_system_deps_runtime_leaves_the_browser_out(tmp_path):
    """What each set asks apt for: with dpkg-query answering 'not installed' for everything, and as a user without
    sudo, the script prints the apt command instead of running it."""
    for name, script in {"dpkg-query": "exit 1", "id": "echo 1000", "sudo": "exit 1"}.items():
        executable_script(tmp_path, name, script)

    def wanted(*args: str, **extra: str) -> set[str]:
        done = subprocess.run(
            ["bash", "scripts/system-deps.sh", *args],
            cwd=ROOT,
            env={"PATH": f"{tmp_path}:/usr/bin:/bin", "PYTHON": sys.executable, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        lines = [line for line in done.stdout.splitlines() if "apt-get install" in line]
        return set(lines[0].split("-y")[1].split()) if lines else set()

    runtime = wanted("runtime")
    assert {"libpango-1.0-0", "libharfbuzz-subset0", "fonts-wqy-microhei", "gettext"} <= runtime
    assert not runtime & {"chromium", "libatomic1", "wrk", "poppler-utils", "fonts-noto-cjk"}
    assert {"chromium", "libatomic1", "poppler-utils", "wrk", "fonts-noto-cjk"} <= wanted() - runtime
    assert wanted("dev") == wanted()
    assert not wanted(SKIP_BROWSER_DEPS="1") & {"chromium", "libatomic1"}
    # `python3 -m venv` needs ensurepip: the venv set is python3-venv alone, and nothing where ensurepip is there
    assert wanted("venv") == set()
    no_ensurepip = executable_script(tmp_path, "python-without-ensurepip", "exit 1")
    assert wanted("venv", PYTHON=no_ensurepip) == {"python3-venv", "python3.11-venv"}
    assert {"python3-venv", "gettext"} <= wanted("runtime", PYTHON=no_ensurepip)


def executable_script(folder: Path, name: str, script: str) -> str:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@needs_make
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is not installed")
def test_make_run_starts_and_ctrl_c_stops_everything_cleanly(tmp_path):
    """The real thing in a terminal, on a free port and a fresh var/ (the set-up steps, done by the test run's own
    `make test`, are taken as done: -o setup). The environment is a bare one (env -i), as on a new machine."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8", "CERTPORTAL_VAR_DIR": str(tmp_path)}
    terminal = Terminal(["make", "--no-print-directory", "-o", "setup", "run", f"PORT={port}"], env, cwd=ROOT)
    try:
        assert terminal.wait_for_page(f"http://127.0.0.1:{port}/", 180), terminal.text()
        # each process's start-up lines show while it starts (unbuffered), beat's banner included
        assert terminal.wait_for("celery@", 60), terminal.text()
        assert terminal.wait_for("beat: Starting...", 60), terminal.text()
        assert terminal.wait_for(" ready.", 60), terminal.text()
        pids = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", terminal.text())]
        assert len(pids) == 3
        terminal.ctrl_c()
        terminal.wait_for("make run ended", 60)  # never printed: reads until make has exited
    finally:
        terminal.close()
    out = terminal.text()
    assert terminal.process.returncode == 0, out
    assert "certportal stopped." in out
    assert "ERROR" not in out
    assert "SIGKILL" not in out
    assert "Traceback" not in out
    assert "Warm shutdown" in out
    # nothing a person does not need
    assert "superuser privileges" not in out
    assert "No hostname was supplied" not in out
    assert "logger bridge" not in out
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass

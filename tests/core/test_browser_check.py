"""Browser tests skip with the reason where Chromium or Playwright's driver cannot start, and fail with it when CI=true
: the `browser` fixture of tests/e2e/conftest.py, run in a pytest of its own on one browser test
file with the browser or the driver broken on purpose."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROWSER_TESTS = "tests/e2e/test_home_browser.py"


def run_browser_tests(tmp_path: Path, ci: bool, **env: str) -> subprocess.CompletedProcess:
    # its own SQLite database, never the PostgreSQL one a `make test-pg` run is using
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "DATABASE_URL")}
    if ci:
        environment["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", BROWSER_TESTS, "-q", "-rsE", "-p", "no:cacheprovider", "--reruns", "0"],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def executable(tmp_path: Path, name: str, script: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def broken(tmp_path: Path, what: str) -> tuple[dict, str]:
    """The environment that breaks `what`, and the reason the fixture must give."""
    if what == "no chromium":
        missing = str(tmp_path / "no-such-chromium")
        return {"CERTPORTAL_CHROMIUM": missing}, f"{missing} is not installed"
    if what == "chromium fails":
        chromium = executable(tmp_path, "chromium", "exit 1")
        return {"CERTPORTAL_CHROMIUM": chromium}, f"{chromium} did not start"
    # what a bare Debian does to Playwright's node driver without libatomic1
    node = executable(
        tmp_path,
        "node",
        "echo 'node: error while loading shared libraries: libatomic.so.1: cannot open shared object file' >&2; exit 127",
    )
    chromium = executable(tmp_path, "chromium", "exit 1")  # present, so the driver is what fails
    return (
        {"PLAYWRIGHT_NODEJS_PATH": node, "CERTPORTAL_CHROMIUM": chromium},
        f"Playwright's driver ({node}) did not start: node: error while loading shared libraries: libatomic.so.1",
    )


@pytest.mark.parametrize("what", ["no chromium", "chromium fails", "driver fails"])
def test_browser_tests_skip_with_the_reason_outside_ci(tmp_path, what):
    env, reason = broken(tmp_path, what)
    result = run_browser_tests(tmp_path, ci=False, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in result.stdout.splitlines()[-1]
    assert "passed" not in result.stdout.splitlines()[-1]
    assert "error" not in result.stdout.splitlines()[-1]
    assert f"browser tests need a working Chromium: {reason}" in result.stdout
    assert "(run `make system-deps`)" in result.stdout


@pytest.mark.parametrize("what", ["no chromium", "driver fails"])
def test_browser_tests_fail_with_the_reason_in_ci(tmp_path, what):
    env, reason = broken(tmp_path, what)
    result = run_browser_tests(tmp_path, ci=True, **env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error" in result.stdout.splitlines()[-1]
    assert "skipped" not in result.stdout.splitlines()[-1]
    assert f"{reason}" in result.stdout
    assert "(CI=true: browser tests must run)" in result.stdout

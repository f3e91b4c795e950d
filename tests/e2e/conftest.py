"""Browser tests: one Debian chromium, driven through Playwright's sync API, shared by the whole session."""

import contextlib
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from playwright._impl._driver import compute_driver_executable
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in the test thread, so Django would refuse the ORM calls that
# live_server and transactional tests make there ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# CERTPORTAL_CHROMIUM: another Chromium (e.g. where it is not /usr/bin/chromium).
CHROMIUM = os.environ.get("CERTPORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """The one place that decides whether browser tests can run (a session fixture's skip or failure is kept for
    every test that asks for it, so the launch is tried once)."""
    try:
        playwright, browser = start_chromium(CHROMIUM)
    except BrowserUnavailable as error:
        reason = f"browser tests need a working Chromium: {error} (run `make system-deps`)"
    else:
        reason = None
    if reason and os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: browser tests must run)", pytrace=False)
    if reason:
        pytest.skip(reason)
    yield browser
    browser.close()
    playwright.stop()


class BrowserUnavailable(Exception):
    """Chromium or Playwright's driver cannot start here: no /usr/bin/chromium, a library the driver (node) needs is
    missing (libatomic1 on a bare Debian), or a broken install."""


def start_chromium(executable: str):
    if not os.path.exists(executable):
        raise BrowserUnavailable(f"{executable} is not installed")
    try:
        playwright = sync_playwright().start()
    except Exception as error:  # a driver that dies at once says nothing Playwright-shaped: ask node itself
        node = compute_driver_executable()[0]
        said = subprocess.run([node, "--version"], capture_output=True, text=True).stderr.strip()
        raise BrowserUnavailable(f"Playwright's driver ({node}) did not start: {said or first_line(error)}") from error
    try:
        return playwright, playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        playwright.stop()
        raise BrowserUnavailable(f"{executable} did not start: {first_line(error)}") from error


def first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip().strip("=")]
    return lines[0] if lines else type(error).__name__


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (`item.report_call` …) so fixtures can see whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_context(browser, request, artifacts_dir):
    """Opens browser contexts, one per person: `new_context("auditor", viewport=…)`. Desktop-sized and in Chinese
    unless told otherwise. When the test fails, the current page of each context is saved as
    test-artifacts/failed-<test>-<person>.png (CI keeps that folder) before the contexts close."""
    opened = []

    def open_context(person: str = "page", **options):
        options = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", **options}
        context = browser.new_context(**options)
        opened.append((person, context))
        return context

    yield open_context
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    test = re.sub(r"[^\w.-]+", "-", request.node.name)
    for person, context in opened:
        if failed:
            for number, page in enumerate(context.pages):
                suffix = f"-{number + 1}" if number else ""
                with contextlib.suppress(PlaywrightError):  # a crashed page: the other screenshots still count
                    page.screenshot(path=artifacts_dir / f"failed-{test}-{person}{suffix}.png", full_page=True)
        context.close()


@pytest.fixture
def page(new_context):
    """A fresh page in its own context (cookies, storage), desktop-sized and in Chinese like most visitors."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots go to test-artifacts/ (git-ignored) so CI can keep them."""
    path = Path(settings.BASE_DIR) / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path

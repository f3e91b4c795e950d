"""The Content-Security-Policy in a real browser: the main pages of the public site, the portal, the auditor's
form and the admin (date widgets and related-object pop-ups included) raise no CSP violation at all."""

import pytest
from django.test import Client

from tests.security.world import build

# Recorded in every page (pop-ups too) before any of its own scripts run.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def session_cookie(live_server, user) -> dict:
    client = Client()
    client.force_login(user)  # a completed sign-in, second factor included (tests/conftest.py)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


class Watcher:
    """Collects CSP complaints from the console and from securitypolicyviolation events, on every page."""

    def __init__(self, context):
        self.console: list[str] = []
        context.add_init_script(LISTEN)
        context.on("page", self.watch)

    def watch(self, page):
        page.on("console", self.on_console)

    def on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            self.console.append(text)

    def events(self, page) -> list[str]:
        return page.evaluate("window.__cspViolations || []")


def visit(page, watcher, url, problems, artifacts_dir=None, shot=None):
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    page.wait_for_load_state("networkidle")
    problems.extend(f"{url}: {v}" for v in watcher.events(page))
    if artifacts_dir and shot:
        page.screenshot(path=artifacts_dir / f"csp-{shot}.png", full_page=True)


@pytest.fixture
def world(settings):
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    return build()


def new_page(browser, live_server, user=None):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    watcher = Watcher(context)
    if user is not None:
        context.add_cookies([session_cookie(live_server, user)])
    page = context.new_page()
    watcher.watch(page)
    return context, page, watcher


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_and_portal_pages_raise_no_csp_violation(live_server, browser, world, artifacts_dir):
    base, problems = live_server.url, []
    context, page, watcher = new_page(browser, live_server)
    for path in (
        "/",
        "/verify/",
        f"/verify/{world.a.certificate.verification_token}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/admin/login/",
    ):
        visit(page, watcher, base + path, problems)
    context.close()

    context, page, watcher = new_page(browser, live_server, world.a.owner)
    a = world.a
    for path in (
        "/portal/",
        f"/portal/applications/{a.draft.pk}/",
        f"/portal/applications/{a.draft.pk}/form/scope/",
        f"/portal/applications/{a.draft.pk}/review/",
        f"/portal/applications/{a.accepted.pk}/fee/",
        "/portal/organization/",
        "/portal/notifications/",
        f"/certificates/{a.certificate.pk}/",
        f"/audits/{a.reported.pk}/result/",
        f"/audits/nonconformities/{a.nonconformity.pk}/",
        "/accounts/2fa/",
    ):
        visit(page, watcher, base + path, problems)
    visit(page, watcher, f"{base}/portal/applications/{a.draft.pk}/materials/", problems, artifacts_dir, "materials")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "a.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 broken"}]
    )
    page.wait_for_timeout(300)
    problems.extend(watcher.events(page))
    page.locator(".navbar .dropdown-toggle").click()  # Bootstrap's own script
    problems.extend(watcher.events(page))
    context.close()
    assert not problems and not watcher.console, problems + watcher.console


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_auditor_form_raises_no_csp_violation(live_server, browser, world, artifacts_dir):
    problems = []
    context, page, watcher = new_page(browser, live_server, world.a.lead)
    visit(page, watcher, f"{live_server.url}/audits/", problems)
    visit(page, watcher, f"{live_server.url}/audits/{world.a.audit.pk}/", problems, artifacts_dir, "audit-form")
    points = page.locator("input[name=points]").first
    points.fill("1")
    points.blur()  # the autosave script posts and updates the progress bar
    page.wait_for_timeout(800)
    problems.extend(watcher.events(page))
    context.close()
    assert not problems and not watcher.console, problems + watcher.console


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_raises_no_csp_violation(live_server, browser, world, artifacts_dir):
    base, problems = live_server.url, []
    context, page, watcher = new_page(browser, live_server, world.administrator)
    a = world.a
    for path, shot in (
        ("/admin/", "admin-index"),
        ("/admin/dashboard/", "staff-dashboard"),
        ("/admin/applications/application/", None),
        (f"/admin/applications/application/{a.accepted.pk}/change/", "admin-application"),
        (f"/admin/applications/application/{a.accepted.pk}/history/", None),
        (f"/admin/audits/audit/plan/{a.accepted.pk}/", None),
        (f"/admin/certificates/certificate/{a.certificate.pk}/change/", None),
        ("/admin/accounts/securityevent/", "security-events"),
        (f"/admin/accounts/user/{a.owner.pk}/change/", None),
    ):
        visit(page, watcher, base + path, problems, artifacts_dir, shot)

    # Date and time widgets, the related-object pop-up, and django-celery-beat's own script.
    visit(page, watcher, base + "/admin/django_celery_beat/periodictask/add/", problems, artifacts_dir, "admin-task")
    page.locator(".datetimeshortcuts a").first.click()  # "Today"
    page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()  # the calendar
    page.wait_for_timeout(200)
    with context.expect_page() as popup_info:
        page.locator("#add_id_interval").click()
    popup = popup_info.value
    popup.wait_for_load_state("networkidle")
    problems.extend(f"popup: {v}" for v in watcher.events(popup))
    popup.fill("#id_every", "5")
    popup.select_option("#id_period", "minutes")
    popup.locator("input[name=_save]").click()  # the pop-up answers through popup_response.html
    page.wait_for_timeout(500)
    problems.extend(watcher.events(page))
    assert page.locator("#id_interval option:checked").inner_text().strip()  # the new schedule was chosen
    context.close()
    assert not problems and not watcher.console, problems + watcher.console

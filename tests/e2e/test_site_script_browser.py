"""site.js does the three Bootstrap behaviours the pages use, without Bootstrap's script (the Slow 4G target):
the user menu opens and closes by mouse and keyboard, a dismissible message closes, and no page loads
bootstrap.bundle.min.js. (The phone menu's toggler: tests/e2e/test_home_browser.py.)"""

import pytest
from django.test import Client
from playwright.sync_api import expect

from applications.models import Application
from audits.models import AuditTeamMember
from tests.factories import AuditFactory, MembershipFactory, UserFactory, in_state


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_menu_and_messages_work_without_bootstraps_script(live_server, new_context):
    applicant = MembershipFactory().user
    lead = UserFactory(role="auditor")
    application = in_state(Application.Status.AUDIT_PLANNED, organization=applicant.membership.organization)
    audit = AuditFactory(application=application)
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    client = Client()
    client.force_login(lead)
    context = new_context("auditor")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    scripts, errors = [], []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/audits/{audit.pk}/")

    toggle = page.locator(".user-menu [data-bs-toggle=dropdown]")
    menu = page.locator(".user-menu .dropdown-menu")
    expect(menu).to_be_hidden()
    toggle.click()
    expect(menu).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")  # opens the menu on its first item
    expect(menu).to_be_visible()
    expect(menu.locator(".dropdown-item").first).to_be_focused()
    page.keyboard.press("ArrowUp")  # wraps to the last one
    expect(menu.locator(".dropdown-item").last).to_be_focused()
    page.locator("main h1").click()  # a click elsewhere closes it
    expect(menu).to_be_hidden()

    page.locator("form[action$='/start/'] button").click()  # "the audit is in progress" message
    message = page.locator(".alert-dismissible")
    expect(message).to_have_count(1)
    message.locator("[data-bs-dismiss=alert]").click()
    expect(message).to_have_count(0)

    assert not [url for url in scripts if "bootstrap" in url]
    assert errors == []

"""From the home page to a submitted application, as a newcomer does it in a browser (desktop and phone)."""

import pytest
from playwright.sync_api import expect

from applications.models import Application
from tests.applications import samples
from tests.e2e import flows

PASSWORD = "a-Long-unusual-passphrase-42"
VIEWPORTS = {
    # name: (viewport, language chosen by the visitor)
    "desktop": ({"width": 1280, "height": 900}, "zh-hans"),
    "phone": ({"width": 390, "height": 844}, "en"),
}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_newcomer_submits_an_application(live_server, browser, artifacts_dir, tmp_path, device):
    viewport, language = VIEWPORTS[device]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    shots = iter(range(1, 100))

    def shot(name):
        if device == "phone":  # nothing may overflow sideways on a phone
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
        page.screenshot(path=artifacts_dir / f"journey-{device}-{next(shots):02d}-{name}.png", full_page=True)

    # Home page → sign up → e-mail verification → organization → self-check → the four form pages → every
    # required material → review and submit (tests/e2e/flows.py; each step waits for what the page shows).
    pdf = tmp_path / "material.pdf"
    pdf.write_bytes(samples.pdf())
    flows.newcomer_applies(
        page, live_server.url, email=f"wang.{device}@example.com", password=PASSWORD, pdf=pdf, shot=shot
    )
    expect(page.locator("ol.timeline > li")).to_have_count(2)  # started, submitted
    shot("submitted")

    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.self_check["answers"]["trained_managers"] == "unsure"
    assert application.material_items.filter(material_type__required=True, files__isnull=True).count() == 0
    context.close()

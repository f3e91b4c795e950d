import pytest
from playwright.sync_api import expect

from applications.models import MaterialType


@pytest.mark.e2e
# serialized_rollback restores the data migrations' reference data that an earlier transactional test flushed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_home_page_in_a_browser(live_server, page, artifacts_dir):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("nav.site-navbar")).to_be_visible()
    expect(page.locator(".navbar-brand")).to_contain_text("certportal")
    expect(page.locator("#materials")).to_be_visible()
    licence = MaterialType.objects.get(code="business_licence")
    expect(page.locator("#materials")).to_contain_text(licence.name_zh)

    page.locator("form.language-switcher button[value=en]").click()
    expect(page.locator("html[lang=en]")).to_have_count(1)
    expect(page.locator("#materials")).to_contain_text(licence.name_en)
    page.screenshot(path=artifacts_dir / "home-en-desktop.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".navbar-toggler")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows sideways
    page.screenshot(path=artifacts_dir / "home-en-phone.png", full_page=True)

    # The collapsed menu opens (Bootstrap's JS is loaded) and closes again after an in-page link (site.js).
    menu = page.locator("#site-nav")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#site-nav.show")).to_be_visible()  # fully open, not still sliding
    menu.get_by_role("link", name="Materials").click()
    expect(menu).to_be_hidden()

    # Bootstrap and everything else came from the live server itself.
    assert [url for url in requests if not url.startswith((live_server.url, "data:"))] == []

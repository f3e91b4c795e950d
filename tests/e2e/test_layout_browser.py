"""Layout measured in Chromium: the English navbar stays on one line at 1366 px, and on a
390 px phone the fee table's quantities, amounts and headings do not wrap and the account number is plain text."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from applications.models import Application
from tests.factories import MembershipFactory, UserFactory, in_state

ONE_LINE = """el => {
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect().height <= line * 1.2;
}"""


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_english_navbar_is_one_line_at_1366(live_server, new_context):
    context = new_context(viewport={"width": 1366, "height": 800}, locale="en-GB")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("html[lang=en]")).to_have_count(1)
    expect(page.locator(".navbar-toggler")).to_be_hidden()  # the full navbar, not the phone menu
    nav = page.locator("nav.site-navbar").bounding_box()
    brand = page.locator(".navbar-brand").bounding_box()
    assert nav["height"] <= brand["height"] + 24  # one row: as tall as the brand and the bar's padding
    for control in page.locator("#site-nav .nav-link, #site-nav .btn").all():
        assert control.evaluate(ONE_LINE), control.inner_text()  # no label over two lines
    tops = {round(box["y"]) for box in (c.bounding_box() for c in page.locator("#site-nav .btn").all())}
    assert max(tops) - min(tops) <= 4  # the buttons side by side
    page.locator(".sign-in-menu button").click()  # both sign-in pages, in one menu
    menu = page.locator(".sign-in-menu .dropdown-menu")
    expect(menu.get_by_role("link", name="Enterprises and auditors")).to_have_attribute("href", "/accounts/login/")
    expect(menu.get_by_role("link", name="Certification staff")).to_have_attribute("href", "/admin/")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_fee_page_on_a_phone(live_server, new_context):
    applicant = MembershipFactory().user
    application = in_state(Application.Status.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=UserFactory(role="reviewer"))  # the quotation and the payment to make
    client = Client()
    client.force_login(applicant)
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/applications/{application.pk}/fee/")
    table = page.locator("table.fee-table")
    expect(table).to_be_visible()
    cells = table.locator("thead th, td.text-end:visible, .fee-total")
    assert cells.count() >= 6
    for cell in cells.all():
        assert cell.evaluate(ONE_LINE), cell.inner_text()  # 数量 and the amounts each on one line
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    account = page.locator("dd.bank-account")
    expect(account).to_be_visible()
    assert account.locator("code").count() == 0
    color = account.evaluate("el => getComputedStyle(el).color")
    body = page.evaluate("getComputedStyle(document.body).color")
    assert color == body  # the page's text colour, not Bootstrap's pink code style
    assert "monospace" not in account.evaluate("el => getComputedStyle(el).fontFamily")
    assert "Noto Sans CJK SC" in page.evaluate("getComputedStyle(document.body).fontFamily")

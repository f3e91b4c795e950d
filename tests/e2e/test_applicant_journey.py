"""From the home page to a submitted application, as a newcomer does it in a browser (desktop and phone)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from applications.models import Application, MaterialType
from tests.applications import samples
from tests.factories import make_uscc

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

    # Home page → sign up.
    page.goto(live_server.url + "/")
    page.locator(".hero a[href$='/accounts/signup/']").click()
    page.fill("input[name=full_name]", "王小明")
    page.fill("input[name=email]", f"wang.{device}@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    shot("signup")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # Verify the e-mail address with the link from the mail.
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    shot("welcome")

    # Register the organization (a mistyped credit code first).
    page.locator("main a[href$='/portal/organization/new/']").first.click()
    page.fill("#id_name", "福州华星家电服务有限公司")
    page.fill("#id_credit_code", "91350100M000100Y44")
    page.fill("#id_address", "福建省福州市鼓楼区五四路 88 号")
    page.fill("#id_legal_representative", "王大明")
    page.fill("#id_employee_count", "8")
    page.fill("#id_product_categories", "空调、冰箱、洗衣机")
    page.fill("#id_contact_name", "王小明")
    page.fill("#id_contact_phone", "0591-8888 6666")
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator("#id_credit_code")).to_have_class(re.compile("is-invalid"))
    page.fill("#id_credit_code", make_uscc(20261127))
    page.locator("main form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    shot("organization-registered")

    # The eligibility self-check opens the application.
    page.locator("main a[href$='/portal/applications/new/']").first.click()
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.locator("input[name=trained_managers][value=unsure]").check()
    shot("self-check")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert-warning")).to_be_visible()  # one point to prepare; applying is still possible
    shot("self-check-result")

    # The four form pages.
    page.locator("main a.btn-primary[href*='/form/organization/']").click()
    page.locator("button[name=go][value=next]").click()
    page.locator("input[name=categories]").first.check()
    page.fill("#id_scope", "家用空调、冰箱、洗衣机的销售、安装与维修")
    page.fill("#id_service_outlets", "鼓楼服务中心，福州市鼓楼区五四路 88 号\n仓山服务站，福州市仓山区浦上大道 21 号")
    shot("form-scope")
    page.locator("button[name=go][value=next]").click()
    page.fill("#id_service_commitments", "全国联保三年；城区 24 小时上门；投诉 48 小时内答复。")
    page.locator("button[name=go][value=next]").click()
    page.fill("#id_contact_email", f"wang.{device}@example.com")
    page.locator("button[name=go][value=next]").click()
    expect(page).to_have_url(re.compile(r"/materials/$"))

    # Upload every required material (JavaScript uploads with a progress bar).
    pdf = tmp_path / "material.pdf"
    pdf.write_bytes(samples.pdf())
    required = MaterialType.objects.filter(is_active=True, required=True).count()
    forms = page.locator("section.material-row:has(.badge-required) form[data-upload]")
    expect(forms).to_have_count(required)
    for index in range(required):
        form = forms.nth(index)
        form.locator("input[type=file]").set_input_files(pdf)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
    expect(page.locator("section.material-row:has(.badge-required) .file-list")).to_have_count(required)
    shot("materials")

    # Review and submit.
    page.locator("main a[href$='/review/']").last.click()
    expect(page.locator(".review-submit .alert-warning")).to_have_count(0)  # nothing missing
    shot("review")
    page.locator("#id_confirm").check()
    page.locator("form[action$='/submit/'] button[type=submit]").click()
    expect(page.locator("ol.timeline > li")).to_have_count(2)  # started, submitted
    shot("submitted")

    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.self_check["answers"]["trained_managers"] == "unsure"
    assert application.material_items.filter(material_type__required=True, files__isnull=True).count() == 0
    context.close()

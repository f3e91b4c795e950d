"""Steps the browser tests share: the applicant's way from sign-up to a submitted application, signing in with
the second factor, the reviewer's buttons in the admin, and the auditor's phone form. Each step ends on a state
the page shows (never a sleep); `shot(name)` is the calling test's screenshot callback."""

import io
import re
import time
from urllib.parse import urljoin

from allauth.mfa import app_settings as mfa_settings
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from applications.models import MaterialType
from tests.factories import make_uscc
from tests.security.conftest import totp_code

PHONE = {"width": 390, "height": 844}
PHONE_DEVICE = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def no_shot(name: str) -> None:
    pass


# --- the applicant ---------------------------------------------------------------------------------------------


def sign_up(page, base_url: str, *, full_name: str, email: str, password: str, shot=no_shot) -> None:
    """From the home page to "check your e-mail"."""
    page.goto(base_url + "/")
    page.locator(".hero a[href$='/accounts/signup/']").click()
    page.fill("input[name=full_name]", full_name)
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    shot("signup")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))


def confirm_email(page, message: mail.EmailMessage) -> None:
    """Open the link of the verification e-mail and confirm: the newcomer lands on the portal."""
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)  # on SITE_URL
    page.goto(urljoin(page.url, path))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))


def register_organization(page, *, name: str, credit_code: str, shot=no_shot) -> None:
    """Register the organization; a mistyped credit code is refused on the field first."""
    page.locator("main a[href$='/portal/organization/new/']").first.click()
    page.fill("#id_name", name)
    page.fill("#id_credit_code", "91350100M000100Y44")
    page.fill("#id_address", "福建省福州市鼓楼区五四路 88 号")
    page.fill("#id_legal_representative", "王大明")
    page.fill("#id_employee_count", "8")
    page.fill("#id_product_categories", "空调、冰箱、洗衣机")
    page.fill("#id_contact_name", "王小明")
    page.fill("#id_contact_phone", "0591-8888 6666")
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator("#id_credit_code")).to_have_class(re.compile("is-invalid"))
    page.fill("#id_credit_code", credit_code)
    page.locator("main form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    shot("organization-registered")


def self_check(page, shot=no_shot) -> None:
    """Answer the eligibility self-check (one point "unsure"): applying is still possible."""
    page.locator("main a[href$='/portal/applications/new/']").first.click()
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    page.locator("input[name=trained_managers][value=unsure]").check()
    shot("self-check")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert-warning")).to_be_visible()
    shot("self-check-result")


def fill_application_form(page, *, email: str, shot=no_shot) -> None:
    """The four form pages, ending on the materials page."""
    page.locator("main a.btn-primary[href*='/form/organization/']").click()
    page.locator("button[name=go][value=next]").click()
    page.locator("input[name=categories]").first.check()
    page.fill("#id_scope", "家用空调、冰箱、洗衣机的销售、安装与维修")
    page.fill("#id_service_outlets", "鼓楼服务中心，福州市鼓楼区五四路 88 号\n仓山服务站，福州市仓山区浦上大道 21 号")
    shot("form-scope")
    page.locator("button[name=go][value=next]").click()
    page.fill("#id_service_commitments", "全国联保三年；城区 24 小时上门；投诉 48 小时内答复。")
    page.locator("button[name=go][value=next]").click()
    page.fill("#id_contact_email", email)
    page.locator("button[name=go][value=next]").click()
    expect(page).to_have_url(re.compile(r"/materials/$"))


def upload_file(page, form, path) -> None:
    """One file through an upload form (JavaScript upload with a progress bar; then the row, taken from a fresh
    copy of the page, lists the new version: files chosen in other rows stay chosen)."""
    row = page.locator("#" + form.locator("xpath=ancestor::section[@data-material-row]").get_attribute("id"))
    versions = row.locator(".file-list li").count()
    form.locator("input[type=file]").set_input_files(path)
    form.locator("button[type=submit]").click()
    expect(row.locator(".file-list li")).to_have_count(versions + 1)


def upload_required_materials(page, pdf, shot=no_shot) -> None:
    """A file for every required material, on the materials page."""
    required = MaterialType.objects.filter(is_active=True, required=True).count()
    forms = page.locator("section.material-row:has(.badge-required) form[data-upload]")
    expect(forms).to_have_count(required)
    for index in range(required):
        upload_file(page, forms.nth(index), pdf)
    expect(page.locator("section.material-row:has(.badge-required) .file-list")).to_have_count(required)
    shot("materials")


def review_and_submit(page, shot=no_shot) -> None:
    """From a page with the "review" link: nothing is missing, confirm, submit (the status page follows)."""
    page.locator("main a[href$='/review/']").last.click()
    expect(page.locator(".review-submit .alert-warning")).to_have_count(0)  # nothing missing
    shot("review")
    page.locator("#id_confirm").check()
    page.locator("form[action$='/submit/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/applications/\d+/$"))


def newcomer_applies(page, base_url: str, *, email: str, password: str, pdf, shot=no_shot) -> None:
    """The whole way of a newcomer, from the home page to a submitted application."""
    sign_up(page, base_url, full_name="王小明", email=email, password=password, shot=shot)
    (message,) = mail.outbox  # the verification e-mail, and nothing else
    confirm_email(page, message)
    shot("welcome")
    register_organization(page, name="福州华星家电服务有限公司", credit_code=make_uscc(20261127), shot=shot)
    self_check(page, shot)
    fill_application_form(page, email=email, shot=shot)
    upload_required_materials(page, pdf, shot)
    review_and_submit(page, shot)


# --- signing in with the second factor ------------------------------------------------------------------------


def enter_totp(page, secret: str) -> None:
    """Type the current TOTP code once the page asks for it. A code read in the last second of its 30-second
    period could reach the server in the next one, so that second is waited out (a clock, not a page state)."""
    field = page.locator("input[name=code]")
    expect(field).to_be_visible()
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 1:
        page.wait_for_timeout(left * 1000 + 50)
    field.fill(totp_code(secret))
    field.press("Enter")
    expect(field).to_have_count(0)


def admin_sign_in(page, base_url: str, user, secret: str, password: str) -> None:
    """Staff: the admin's sign-in page, then the TOTP step."""
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    enter_totp(page, secret)
    page.wait_for_url(base_url + "/admin/")


def portal_sign_in(page, base_url: str, user, secret: str, password: str) -> None:
    """Auditors: the portal's sign-in page (e-mail and password), then the TOTP step."""
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.locator("input[name=password]").press("Enter")
    enter_totp(page, secret)


# --- the reviewer's buttons on the admin application page -------------------------------------------------------


def press(page, action_url: str) -> None:
    """A button without a reason (accept a material, accept the application, confirm a payment)."""
    page.locator(f'form[action="{action_url}"] button[type=submit]').click()


def press_with_reason(page, action_url: str, reason: str) -> None:
    """A button behind a <details> that asks for the reason the applicant receives (reject, return …)."""
    box = page.locator(f'details:has(form[action="{action_url}"])')
    box.locator("summary").click()
    box.locator("textarea").fill(reason)
    box.locator("button[type=submit]").click()


# --- the auditor's phone form ------------------------------------------------------------------------------------


def camera_photo(tmp_path):
    """A JPEG as a phone camera writes it, GPS position included."""
    path = tmp_path / "IMG_0042.jpg"
    image = Image.new("RGB", (1200, 900), (60, 120, 180))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 31.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return path


def card(page, audit, code):
    """The item card of indicator `code` on the audit form, and the indicator."""
    indicator = audit.indicator_set.indicators.get(code=code)
    return page.locator(f"#item-{indicator.pk}"), indicator


def start_audit(page, base_url: str) -> None:
    """From "My audits": open the (only) audit and start it; the form becomes editable."""
    page.goto(base_url + "/audits/")
    page.locator(".audit-card a").first.click()
    page.locator("form[action$='/start/'] button").click()
    expect(page.locator("[data-audit-form][data-editable='1']")).to_have_count(1)


def record_nonconformity(page, indicator, description: str) -> None:
    page.locator("#nonconformities summary").click()
    page.select_option("#nc_indicator", str(indicator.pk))
    page.locator("#nc_description").fill(description)
    page.locator("#nonconformities form button[type=submit]").click()
    expect(page.locator("#nonconformities li a")).to_contain_text(description[:6])

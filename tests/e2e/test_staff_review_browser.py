"""A reviewer works through an application in the admin with a real browser (no JavaScript needed)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application, MaterialItem
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory
from tests.security.conftest import totp_code, with_totp
from tests.staff.conftest import material_url, transition_url, with_files


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reviewer_rejects_a_material_and_returns_the_application(live_server, page, artifacts_dir):
    applicant = MembershipFactory().user
    reviewer = UserFactory(role="reviewer", username="reviewer-e2e")
    secret = with_totp(reviewer)
    application = ApplicationFactory(
        organization=applicant.membership.organization,
        created_by=applicant,
        status=Application.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    with_files(application, applicant)
    item = application.material_items.filter(material_type__required=True).first()

    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", reviewer.username)
    page.fill("#id_password", "correct horse battery staple")
    page.locator("input[type=submit]").click()
    page.fill("input[name=code]", totp_code(secret))  # staff sign in with a second factor (issue 8)
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + f"/admin/applications/application/{application.pk}/change/")
    expect(page.locator(".cp-summary .cp-status-submitted")).to_be_visible()
    expect(page.locator("#cp-missing")).to_be_visible()  # accepting waits for the materials
    page.screenshot(path=artifacts_dir / "staff-application-submitted.png", full_page=True)

    reject = page.locator(f'details:has(form[action="{material_url(application, item, "reject")}"])')
    reject.locator("summary").click()
    reject.locator("textarea").fill("复印件不清晰，请重新扫描")
    reject.locator("button[type=submit]").click()
    expect(page.locator(f"#material-{item.pk} .cp-status-rejected")).to_be_visible()
    expect(page.locator(f"#material-{item.pk}")).to_contain_text("复印件不清晰")

    give_back = page.locator(f'details:has(form[action="{transition_url(application, "return")}"])')
    give_back.locator("summary").click()
    give_back.locator("textarea").fill("请重新上传营业执照")
    give_back.locator("button[type=submit]").click()
    expect(page.locator(".cp-summary .cp-status-returned")).to_be_visible()
    expect(page.locator(".cp-timeline")).to_contain_text("请重新上传营业执照")
    page.screenshot(path=artifacts_dir / "staff-application-returned.png", full_page=True)

    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    assert MaterialItem.objects.get(pk=item.pk).status == MaterialItem.Status.REJECTED

"""A reviewer works through an application in the admin with a real browser (no JavaScript needed)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application, MaterialItem
from tests.e2e import flows
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory
from tests.security.conftest import with_totp
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

    # Staff sign in with a second factor.
    flows.admin_sign_in(page, live_server.url, reviewer, secret, "correct horse battery staple")
    page.goto(live_server.url + f"/admin/applications/application/{application.pk}/change/")
    expect(page.locator(".cp-summary .cp-status-submitted")).to_be_visible()
    expect(page.locator("#cp-refused-accept")).to_be_visible()  # accepting waits for the materials
    page.screenshot(path=artifacts_dir / "staff-application-submitted.png", full_page=True)

    flows.press_with_reason(page, material_url(application, item, "reject"), "复印件不清晰，请重新扫描")
    expect(page.locator(f"#material-{item.pk} .cp-status-rejected")).to_be_visible()
    expect(page.locator(f"#material-{item.pk}")).to_contain_text("复印件不清晰")

    flows.press_with_reason(page, transition_url(application, "return"), "请重新上传营业执照")
    expect(page.locator(".cp-summary .cp-status-returned")).to_be_visible()
    expect(page.locator(".cp-timeline")).to_contain_text("请重新上传营业执照")
    page.screenshot(path=artifacts_dir / "staff-application-returned.png", full_page=True)

    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    assert MaterialItem.objects.get(pk=item.pk).status == MaterialItem.Status.REJECTED

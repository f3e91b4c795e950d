"""An auditor runs an audit on a phone (390×844): start, score (autosave), photo, a failed save survives a reload,
a nonconformity, submit. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import expect

from applications.models import Application
from audits.models import Audit, AuditPhoto, AuditTeamMember, ItemScore, Nonconformity
from tests.e2e.flows import PHONE, PHONE_DEVICE, camera_photo, card, record_nonconformity, start_audit
from tests.factories import AuditFactory, MembershipFactory, UserFactory, in_state


def signed_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)  # tests/conftest.py: stands for a complete sign-in, second factor included
    context = browser.new_context(**PHONE_DEVICE, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_auditor_runs_an_audit_on_a_phone(live_server, browser, artifacts_dir, tmp_path):
    applicant = MembershipFactory().user
    lead = UserFactory(role="auditor", full_name="王审查")
    application = in_state(Application.Status.AUDIT_PLANNED, organization=applicant.membership.organization)
    audit = AuditFactory(application=application)
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    todo = {"5.1.1.1", "5.1.1.2", "5.2.4", "5.3.2"}  # scored in the browser; the rest was scored earlier
    for indicator in audit.indicator_set.leaves():
        if indicator.code not in todo:
            ItemScore.objects.create(audit=audit, indicator=indicator, points=indicator.max_points, updated_by=lead)

    page, errors = signed_in_page(browser, live_server, lead)
    start_audit(page, live_server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing overflows sideways

    # 1. Points typed into one item, "full marks" on another: each saves itself, the header follows.
    first, _ = card(page, audit, "5.1.1.1")
    first.locator("input[name=points]").fill("4.5")
    expect(first).to_have_attribute("data-save-state", "saved")
    second, _ = card(page, audit, "5.3.2")
    second.locator("[data-set-points]").last.click()
    expect(second).to_have_attribute("data-save-state", "saved")
    expect(page.locator("[data-progress-text]")).to_contain_text("16 / 18")
    header = page.locator("[data-audit-header]")
    expect(header).to_be_in_viewport()
    page.screenshot(path=artifacts_dir / "auditor-phone-1-scoring.png")

    # 2. Bad input is refused on the item, with the reason, and nothing is saved.
    sampled, repair = card(page, audit, "5.2.4")
    sampled.locator("input[name=sample_size]").fill("3")
    sampled.locator("input[name=nonconforming_samples]").fill("5")
    expect(sampled).to_have_attribute("data-save-state", "invalid")
    expect(sampled.locator("[data-error-for=nonconforming_samples]")).not_to_be_empty()
    sampled.locator("input[name=nonconforming_samples]").fill("1")
    expect(sampled).to_have_attribute("data-save-state", "saved")
    expect(sampled.locator("[data-obtained]")).to_contain_text("4.00")  # 6 × 2/3

    # 3. A photo from the camera, with a progress bar; the stripped thumbnail appears.
    first.locator("[data-photo-input]").set_input_files(camera_photo(tmp_path))
    expect(first.locator("[data-photos] img")).to_have_count(1)
    photo = AuditPhoto.objects.get()
    assert photo.status == AuditPhoto.Status.READY and photo.indicator.code == "5.1.1.1"
    first.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "auditor-phone-2-photo.png")

    # 4. The connection drops: the save is retried and shown; a reload loses nothing and sends it again.
    page.route("**/items/**", lambda route: route.abort())
    excluded, outlets = card(page, audit, "5.1.1.2")
    excluded.locator("[data-na]").check()
    excluded.locator("textarea[name=not_applicable_reason]").fill("企业只有一个服务网点，无需覆盖销售区域")
    expect(excluded).to_have_attribute("data-save-state", "retrying")
    excluded.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "auditor-phone-3-retrying.png")
    assert not ItemScore.objects.filter(audit=audit, indicator=outlets).exists()
    # Reloaded while saves still fail: the page shows what was typed and keeps trying. (Restoring the connection
    # before the reload would let a pending retry land while the reloaded page is being rendered.)
    page.reload()
    excluded, _ = card(page, audit, "5.1.1.2")
    expect(excluded.locator("[data-na]")).to_be_checked()
    expect(excluded.locator("textarea[name=not_applicable_reason]")).to_have_value(
        "企业只有一个服务网点，无需覆盖销售区域"
    )
    page.unroute("**/items/**")
    expect(excluded).to_have_attribute("data-save-state", "saved", timeout=15_000)
    saved = ItemScore.objects.get(audit=audit, indicator=outlets)
    assert saved.not_applicable and saved.not_applicable_reason.startswith("企业只有一个服务网点")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('certportal:audit')).length") == 0
    expect(page.locator("[data-progress-text]")).to_contain_text("18 / 18")

    # 5. A nonconformity.
    record_nonconformity(page, repair, "抽查 3 份维修记录，1 份缺少顾客签字确认")
    expect(page.locator("#nonconformities li a")).to_contain_text("缺少顾客签字")
    page.locator("#nonconformities").scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "auditor-phone-4-nonconformity.png", full_page=False)

    # 6. Submit: the computed result, then the locked form and the report.
    page.locator("a[href$='/submit/']").click()
    expect(page.locator("[data-result-score]")).to_have_text("96.35")  # 92.5 of 96 applicable points
    page.screenshot(path=artifacts_dir / "auditor-phone-5-submit.png", full_page=True)
    page.locator("form button[type=submit].btn-gold").click()
    expect(page.locator("a[href$='/report.pdf']")).to_have_count(1)
    page.screenshot(path=artifacts_dir / "auditor-phone-6-result.png", full_page=True)
    audit.refresh_from_db()
    application.refresh_from_db()
    assert (audit.status, audit.score, audit.grade) == (Audit.Status.SUBMITTED, Decimal("96.35"), "five_star")
    assert application.status == Application.Status.CORRECTIVE_ACTION
    assert Nonconformity.objects.get().description.startswith("抽查 3 份")
    assert audit.report_pdf.open("rb").read(4) == b"%PDF"
    assert errors == []

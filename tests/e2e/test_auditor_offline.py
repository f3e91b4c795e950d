"""The auditor's form without signal on site, on a 390×844 phone in both languages: the offline
message fits the screen, what is typed offline is kept on the device and sent when the connection is back, a photo
chosen offline too. And Chromium in a network with loopback only, which says navigator.onLine = false although
the server answers: the form saves as usual."""

import pytest
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from applications.models import Application
from audits.models import Audit, AuditPhoto, AuditTeamMember, ItemScore
from tests.e2e.flows import PHONE, PHONE_DEVICE, camera_photo, card
from tests.factories import AuditFactory, MembershipFactory, UserFactory, in_state

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
WAITING = "Offline: changes kept on this device, sent when the connection is back:"


def audit_in_progress(*, scored: bool = False):
    """An audit under way; `scored`: every item has full points, so the header's totals are at their widest
    ("100.00", "100.00 / 100.00")."""
    applicant = MembershipFactory().user
    lead = UserFactory(role="auditor", full_name="王审查")
    application = in_state(Application.Status.AUDIT_PLANNED, organization=applicant.membership.organization)
    audit = AuditFactory(application=application, status=Audit.Status.IN_PROGRESS)
    AuditTeamMember.objects.create(audit=audit, auditor=lead, role=AuditTeamMember.Role.LEAD)
    for indicator in audit.indicator_set.leaves() if scored else ():
        ItemScore.objects.create(audit=audit, indicator=indicator, points=indicator.max_points, updated_by=lead)
    return audit, lead


def phone_page(new_context, live_server, user, language):
    client = Client()
    client.force_login(user)  # tests/conftest.py: a completed sign-in, second factor included
    context = new_context("auditor", **PHONE_DEVICE, locale=LOCALES[language])
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", LOCALES)
def test_scores_typed_offline_are_kept_and_sent_when_back_online(
    live_server, new_context, artifacts_dir, tmp_path, language
):
    audit, lead = audit_in_progress(scored=True)
    context, page, errors = phone_page(new_context, live_server, lead, language)
    page.goto(f"{live_server.url}/audits/{audit.pk}/")
    points, first = card(page, audit, "5.1.1.1")
    notes, second = card(page, audit, "5.3.2")
    summary = page.locator("[data-save-summary]")
    with translation.override(language):
        kept, waiting = translation.gettext("Offline: kept on this device"), translation.gettext(WAITING)
        offline = translation.gettext("Offline: your changes are kept on this device.")
        photo_waiting = translation.gettext("No connection: the photo is uploaded when the connection is back.")
    if language == "zh-hans":
        assert kept != "Offline: kept on this device"  # the Chinese page speaks Chinese

    context.set_offline(True)
    expect(summary).to_have_text(offline)
    assert width(page) <= PHONE["width"]
    points.locator("input[name=points]").fill("4.5")
    notes.locator("textarea[name=notes]").fill("服务网点现场检查：记录完整")
    points.locator("[data-photo-input]").set_input_files(camera_photo(tmp_path))
    expect(points).to_have_attribute("data-save-state", "offline")
    expect(notes).to_have_attribute("data-save-state", "offline")
    expect(points.locator("[data-state]")).to_have_text(kept)
    expect(summary).to_have_text(f"{waiting} 2")
    expect(points.locator("[data-photo-status]")).to_have_text(photo_waiting)
    assert width(page) <= PHONE["width"]  # the offline message and states wrap inside the phone's width
    page.screenshot(path=artifacts_dir / f"auditor-offline-{language}.png")
    stored = "Object.keys(localStorage).filter(k => k.startsWith('certportal:audit')).length"
    assert page.evaluate(stored) == 2  # a closed tab or a reload would not lose them either
    assert ItemScore.objects.get(audit=audit, indicator=first).points == 6  # nothing reached the server
    assert ItemScore.objects.get(audit=audit, indicator=second).notes == ""
    assert not AuditPhoto.objects.exists()

    context.set_offline(False)
    expect(points).to_have_attribute("data-save-state", "saved")
    expect(notes).to_have_attribute("data-save-state", "saved")
    expect(points.locator("[data-photos] img")).to_have_count(1)
    with translation.override(language):
        expect(summary).to_have_text(translation.gettext("All changes saved"))
    assert page.evaluate(stored) == 0
    assert ItemScore.objects.get(audit=audit, indicator=first).points == 4.5
    assert ItemScore.objects.get(audit=audit, indicator=second).notes == "服务网点现场检查：记录完整"
    assert AuditPhoto.objects.get().indicator == first
    assert width(page) <= PHONE["width"]
    assert errors == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_browser_that_says_offline_while_the_server_answers_saves_as_usual(live_server, new_context):
    audit, lead = audit_in_progress()
    context, page, errors = phone_page(new_context, live_server, lead, "zh-hans")
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', {get: () => false})")
    page.goto(f"{live_server.url}/audits/{audit.pk}/")
    assert page.evaluate("navigator.onLine") is False
    for code in ("5.1.1.1", "5.3.2"):
        item, _ = card(page, audit, code)
        item.locator("[data-set-points]").last.click()  # "Full": the header shows the largest totals
        expect(item).to_have_attribute("data-save-state", "saved")
    with translation.override("zh-hans"):
        expect(page.locator("[data-save-summary]")).to_have_text(translation.gettext("All changes saved"))
    assert ItemScore.objects.filter(audit=audit).count() == 2
    assert width(page) <= PHONE["width"]
    assert errors == []

"""The materials checklist in a browser: a file chosen in one row stays chosen while another
row uploads (only that row is renewed, the page is not reloaded); without JavaScript every row still uploads on
its own and the page says to upload one item before choosing the next."""

import pytest
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from applications.models import MaterialFile
from tests.applications import samples
from tests.factories import ApplicationFactory, MembershipFactory

NO_SCRIPT = "Upload the files of one item before choosing the next item's: each upload reloads the page."


def applicant_page(new_context, live_server, **options):
    owner = MembershipFactory().user
    application = ApplicationFactory(
        organization=owner.membership.organization, created_by=owner
    )  # a draft, no file yet
    client = Client()
    client.force_login(owner)
    context = new_context("applicant", **options)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/applications/{application.pk}/materials/")
    return page, application


def required_rows(page):
    return page.locator("section[data-material-row]:has(.badge-required)")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_chosen_in_one_row_survives_an_upload_in_another(live_server, new_context, tmp_path, artifacts_dir):
    page, application = applicant_page(new_context, live_server)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    first, second = required_rows(page).nth(0), required_rows(page).nth(1)
    licence, plan = tmp_path / "营业执照.pdf", tmp_path / "服务方案.pdf"
    licence.write_bytes(samples.pdf())
    plan.write_bytes(samples.pdf())
    counter = page.locator("[data-required-count]")
    before = counter.inner_text()
    page.evaluate("window.notReloaded = true")

    first.locator("input[type=file]").set_input_files(licence)  # chosen, not uploaded yet
    second.locator("input[type=file]").set_input_files(plan)
    second.locator("button[type=submit]").click()
    expect(second.locator(".file-list li")).to_have_count(1)
    expect(second.locator(".upload-status")).not_to_be_empty()  # "1 file uploaded."
    expect(counter).not_to_have_text(before)  # one more required item has a file
    assert page.evaluate("window.notReloaded") is True
    assert first.locator("input[type=file]").evaluate("input => Array.from(input.files, f => f.name)") == [
        "营业执照.pdf"
    ]
    page.screenshot(path=artifacts_dir / "materials-choice-kept.png", full_page=True)

    first.locator("button[type=submit]").click()  # the first choice is uploaded as it was chosen
    expect(first.locator(".file-list li")).to_have_count(1)
    names = set(MaterialFile.objects.filter(item__application=application).values_list("original_name", flat=True))
    assert names == {"营业执照.pdf", "服务方案.pdf"}
    second.locator("button[type=submit]").click()  # the renewed row's form uploads too (nothing chosen: refused)
    expect(second.locator(".upload-status li")).to_have_count(1)
    assert MaterialFile.objects.filter(item__application=application).count() == 2
    assert errors == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_javascript_each_row_uploads_on_its_own(live_server, new_context, tmp_path):
    page, application = applicant_page(new_context, live_server, java_script_enabled=False)
    with translation.override("zh-hans"):
        note = translation.gettext(NO_SCRIPT)
    expect(page.locator("main noscript .alert-info")).to_have_text(note)  # shown: scripts are off
    row = required_rows(page).nth(0)
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(samples.pdf())
    row.locator("input[type=file]").set_input_files(licence)
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(required_rows(page).nth(0).locator(".file-list li")).to_have_count(1)
    assert MaterialFile.objects.get(item__application=application).original_name == "licence.pdf"

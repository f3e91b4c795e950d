"""Uploading materials through the portal (with and without JavaScript) and downloading them."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, MaterialFile, MaterialItem
from tests.factories import UserFactory, in_state

from . import samples
from .portal import draft_of, item_of, messages_of, pdf_file, upload

pytestmark = pytest.mark.django_db
S = Application.Status
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def test_several_files_become_versions_with_fingerprints(applicant_client, applicant):
    application = draft_of(applicant)
    item = item_of(application)
    response = upload(applicant_client, item, pdf_file("正本.pdf"), SimpleUploadedFile("副本.png", samples.png()))
    assert response.status_code == 302
    assert response.url.endswith(f"#item-{item.pk}")
    assert "2 files uploaded" in " ".join(messages_of(response))
    files = list(item.files.order_by("version"))
    assert [(f.version, f.original_name, f.content_type) for f in files] == [
        (1, "正本.pdf", "application/pdf"),
        (2, "副本.png", "image/png"),
    ]
    assert all(f.uploaded_by == applicant and len(f.sha256) == 64 and f.size > 0 for f in files)
    assert files[0].file.name.startswith("materials/") and "正本" not in files[0].file.name
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.UPLOADED


def test_javascript_uploads_get_json(applicant_client, applicant):
    item = item_of(draft_of(applicant))
    response = upload(applicant_client, item, pdf_file(), **XHR)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    response = upload(applicant_client, item, SimpleUploadedFile("x.pdf", samples.EXE), **XHR)
    assert response.status_code == 400
    assert "not a PDF, JPEG or PNG" in response.json()["errors"][0]
    assert item.files.count() == 1


CORPUS = {
    "exe renamed .pdf": (SimpleUploadedFile, ("setup.pdf", samples.EXE), "not a PDF, JPEG or PNG"),
    "html in a .png": (SimpleUploadedFile, ("photo.png", samples.HTML), "not a PDF, JPEG or PNG"),
    "empty file": (SimpleUploadedFile, ("empty.pdf", b""), "is empty"),
    "30000x30000 png": (SimpleUploadedFile, ("bomb.png", samples.huge_png()), "pixels"),
    "unreadable pdf": (SimpleUploadedFile, ("cut.pdf", samples.pdf()[:60]), "cannot be read"),
    "encrypted pdf": (SimpleUploadedFile, ("locked.pdf", samples.encrypted_pdf()), "encrypted"),
}


@pytest.mark.parametrize("case", CORPUS, ids=list(CORPUS))
def test_the_upload_corpus_is_refused_and_changes_nothing(applicant_client, applicant, case):
    factory, args, words = CORPUS[case]
    item = item_of(draft_of(applicant))
    response = upload(applicant_client, item, factory(*args))
    assert response.status_code == 302
    assert words in " ".join(messages_of(response))
    assert not MaterialFile.objects.exists()
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.MISSING


def test_one_bad_file_refuses_the_whole_batch(applicant_client, applicant):
    item = item_of(draft_of(applicant))
    upload(applicant_client, item, pdf_file("good.pdf"), SimpleUploadedFile("bad.pdf", samples.EXE))
    assert not MaterialFile.objects.exists()


def test_an_oversized_file_is_refused(applicant_client, applicant, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    item = item_of(draft_of(applicant))
    response = upload(applicant_client, item, pdf_file("big.pdf", samples.pdf(padding=2048)))
    assert "at most 1.0" in " ".join(messages_of(response))
    assert not MaterialFile.objects.exists()


def test_the_application_total_is_limited(applicant_client, applicant, settings):
    application = draft_of(applicant)
    upload(applicant_client, item_of(application), pdf_file())
    settings.MAX_APPLICATION_UPLOAD_TOTAL = MaterialFile.objects.get().size + 100
    response = upload(applicant_client, item_of(application, "organization_profile"), pdf_file())
    assert "add up to" in " ".join(messages_of(response))
    assert MaterialFile.objects.count() == 1


def test_too_many_files_at_once(applicant_client, applicant, settings):
    settings.MAX_FILES_PER_UPLOAD = 3
    item = item_of(draft_of(applicant))
    response = upload(applicant_client, item, *[pdf_file(f"{i}.pdf") for i in range(4)])
    assert "at most 3" in " ".join(messages_of(response))
    assert not MaterialFile.objects.exists()


def test_no_file_chosen(applicant_client, applicant):
    item = item_of(draft_of(applicant))
    response = upload(applicant_client, item)
    assert "Choose at least one file" in " ".join(messages_of(response))


def test_a_path_in_the_name_never_reaches_storage(applicant_client, applicant):
    item = item_of(draft_of(applicant))
    upload(applicant_client, item, pdf_file("../../../etc/cron.d/evil.pdf"))
    # Django's parser keeps only the last path component; storage uses a random key anyway.
    stored = MaterialFile.objects.get()
    assert stored.original_name == "evil.pdf"
    assert stored.file.name.startswith("materials/") and "evil" not in stored.file.name


def test_invisible_characters_never_reach_the_displayed_name(applicant_client, applicant):
    item = item_of(draft_of(applicant))
    upload(applicant_client, item, pdf_file("invoice\u202efdp.exe"))  # shows as "invoiceexe.pdf" in some viewers
    stored = MaterialFile.objects.get()
    # Django drops non-printable characters; the content decides the extension.
    assert stored.original_name == "invoicefdp.exe.pdf"
    assert stored.content_type == "application/pdf"


def test_an_accepted_item_keeps_its_file(applicant_client, applicant, reviewer):
    application = draft_of(applicant)
    item = item_of(application)
    upload(applicant_client, item, pdf_file())
    item.refresh_from_db()
    application.status = S.SUBMITTED  # setup shortcut: the review happens once the application is submitted
    application.save()
    item.accept(by=reviewer)
    application.status = S.RETURNED  # setup shortcut: corrections for another item
    application.save()
    response = upload(applicant_client, item, pdf_file("again.pdf"))
    assert "cannot be added" in " ".join(messages_of(response))
    assert item.files.count() == 1


def test_a_rejected_item_takes_a_new_version(applicant_client, applicant, reviewer):
    application = draft_of(applicant)
    item = item_of(application)
    upload(applicant_client, item, pdf_file("blurred.pdf"))
    item.refresh_from_db()
    application.status = S.SUBMITTED  # setup shortcut
    application.save()
    item.reject(by=reviewer, reason="看不清")
    application.status = S.RETURNED
    application.save()
    page = applicant_client.get(reverse("applications:materials", args=[application.pk])).content.decode()
    assert "看不清" in page
    upload(applicant_client, item, pdf_file("sharp.pdf"))
    item.refresh_from_db()
    assert item.status == MaterialItem.Status.UPLOADED
    assert [f.original_name for f in item.files.order_by("version")] == ["blurred.pdf", "sharp.pdf"]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.WITHDRAWN])
def test_no_uploads_outside_draft_and_returned(applicant_client, applicant, status):
    application = in_state(status, organization=applicant.membership.organization)
    item = application.material_items.exclude(status=MaterialItem.Status.ACCEPTED).first() or item_of(application)
    response = upload(applicant_client, item, pdf_file(), **XHR)
    assert response.status_code == 409
    assert not MaterialFile.objects.exists()


def test_uploading_to_another_organization_is_404(applicant_client, other_applicant):
    item = item_of(draft_of(other_applicant))
    assert upload(applicant_client, item, pdf_file()).status_code == 404
    assert not MaterialFile.objects.exists()


def _stored_file(user) -> MaterialFile:
    item = item_of(draft_of(user))
    return item.add_file(
        SimpleUploadedFile("x.pdf", samples.pdf()),
        by=user,
        original_name="营业执照.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )


def test_members_download_as_an_attachment(applicant_client, applicant):
    stored = _stored_file(applicant)
    response = applicant_client.get(reverse("applications:material_file", args=[stored.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E8%90%A5" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == samples.pdf()


def test_downloads_by_others(en_client, applicant, other_applicant, reviewer):
    stored = _stored_file(applicant)
    url = reverse("applications:material_file", args=[stored.pk])
    en_client.force_login(other_applicant)
    assert en_client.get(url).status_code == 404
    staff_without_permission = UserFactory(is_staff=True)
    en_client.force_login(staff_without_permission)
    assert en_client.get(url).status_code == 404
    en_client.force_login(reviewer)  # the reviewer role may view material files (the admin links here)
    assert en_client.get(url).status_code == 200
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_materialfile"))
    en_client.force_login(staff)
    assert en_client.get(url).status_code == 200


def test_anonymous_downloads_go_to_sign_in(client, applicant):
    stored = _stored_file(applicant)
    response = client.get(reverse("applications:material_file", args=[stored.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_materials_page_shows_the_checklist(applicant_client, applicant):
    application = draft_of(applicant)
    page = applicant_client.get(reverse("applications:materials", args=[application.pk])).content.decode()
    assert page.count("data-upload") == application.material_items.count()
    assert reverse("applications:form_pdf", args=[application.pk]) in page  # the generated form's row
    assert "js/uploads.js" in page

"""The applicant fills in an application: self-check, form pages, review, submit, withdraw, the PDF form."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications import selfcheck
from applications.models import Application, ServiceCategory
from tests.factories import ApplicationFactory, MembershipFactory, in_state

from .portal import draft_of, messages_of, upload_all_required

pytestmark = pytest.mark.django_db
S = Application.Status
ALL_YES = {q.key: "yes" for q in selfcheck.QUESTIONS}


def test_the_self_check_opens_the_draft_and_keeps_the_answers(applicant_client, applicant):
    answers = {**ALL_YES, "system_running": "no", "funding": "unsure"}
    response = applicant_client.post(reverse("applications:start"), answers)
    application = Application.objects.get(organization=applicant.membership.organization)
    assert response.url == reverse("applications:self_check_result", args=[application.pk])
    assert application.status == S.DRAFT
    assert application.self_check["answers"] == answers
    assert application.self_check["answered_by"] == applicant.pk
    assert application.material_items.count() > 0  # the checklist came with it

    page = applicant_client.get(response.url).content.decode()
    assert "may not be met yet" in page
    assert "at least three months" in page  # what is missing, in words
    assert reverse("applications:edit", args=[application.pk, "organization"]) in page  # it never blocks applying


def test_all_yes_is_eligible(applicant_client):
    response = applicant_client.post(reverse("applications:start"), ALL_YES, follow=True)
    assert "looks eligible" in response.content.decode()


def test_an_unanswered_self_check_changes_nothing(applicant_client, applicant):
    response = applicant_client.post(reverse("applications:start"), {"legal_entity": "yes", "funding": "maybe"})
    assert response.status_code == 200
    assert "Please answer every question" in response.content.decode()
    assert not Application.objects.exists()


def test_one_open_application_at_a_time(applicant_client, applicant):
    draft_of(applicant)
    response = applicant_client.post(reverse("applications:start"), ALL_YES)
    assert "already has an application in progress" in " ".join(messages_of(response))
    assert Application.objects.count() == 1


def test_the_self_check_needs_an_organization_first(en_client, django_user_model):
    user = django_user_model.objects.create_user("solo", "solo@example.com", "x")
    en_client.force_login(user)
    assert en_client.get(reverse("applications:start")).url == reverse("applications:create_organization")


def test_form_pages_save_a_draft_with_empty_fields(applicant_client, applicant):
    application = draft_of(applicant, scope="", service_commitments="")
    url = reverse("applications:edit", args=[application.pk, "scope"])
    category = ServiceCategory.objects.first()
    response = applicant_client.post(
        url, {"categories": [category.pk], "scope": "", "service_outlets": "一号网点", "go": "next"}
    )
    assert response.url == reverse("applications:edit", args=[application.pk, "commitments"])
    application.refresh_from_db()
    assert list(application.categories.all()) == [category]
    assert application.service_outlets == "一号网点"
    response = applicant_client.post(url, {"scope": "维修", "go": "stay"})
    assert response.url == url
    last = reverse("applications:edit", args=[application.pk, "contacts"])
    assert applicant_client.post(last, {"contact_name": "李四"}).url == reverse(
        "applications:materials", args=[application.pk]
    )


def test_form_pages_validate_formats_and_keep_the_credit_code(applicant_client, applicant):
    application = draft_of(applicant)
    code = application.credit_code
    url = reverse("applications:edit", args=[application.pk, "organization"])
    response = applicant_client.post(url, {"employee_count": "0", "credit_code": "X", "org_name": "改名"})
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    response = applicant_client.post(
        reverse("applications:edit", args=[application.pk, "contacts"]), {"contact_email": "no-at-sign"}
    )
    assert response.status_code == 200
    application.refresh_from_db()
    assert (application.credit_code, application.employee_count) == (code, 8)
    assert application.contact_email == "contact@example.com"
    applicant_client.post(url, {"employee_count": "30", "credit_code": "X", "org_name": "改名"})
    application.refresh_from_db()
    assert (application.employee_count, application.credit_code, application.org_name) == (30, code, "改名")


def test_unknown_step_is_404(applicant_client, applicant):
    application = draft_of(applicant)
    assert applicant_client.get(reverse("applications:edit", args=[application.pk, "nope"])).status_code == 404


def test_review_lists_what_is_missing(applicant_client, applicant):
    application = draft_of(applicant, scope="")
    page = applicant_client.get(reverse("applications:review", args=[application.pk])).content.decode()
    assert "Still missing before you can submit" in page
    assert "scope" in page.lower()
    assert "Business licence" in page


def test_submit_after_uploading_everything(applicant_client, applicant, django_capture_on_commit_callbacks):
    application = draft_of(applicant)
    application.categories.set(ServiceCategory.objects.all()[:1])
    upload_all_required(applicant_client, application)
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(reverse("applications:submit", args=[application.pk]), {"confirm": "on"})
    assert response.url == application.get_absolute_url()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.status_changes.get().by == applicant

    # Submitting twice changes nothing.
    response = applicant_client.post(reverse("applications:submit", args=[application.pk]), {"confirm": "on"})
    assert "already been submitted" in " ".join(messages_of(response))
    assert application.status_changes.count() == 1


def test_submit_says_exactly_what_is_missing(applicant_client, applicant):
    application = draft_of(applicant, contact_phone="")
    application.categories.set(ServiceCategory.objects.all()[:1])
    response = applicant_client.post(reverse("applications:submit", args=[application.pk]), {"confirm": "on"})
    text = " ".join(messages_of(response))
    assert "contact phone" in text
    assert "Business licence" in text
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_submit_needs_a_category_and_the_confirmation(applicant_client, applicant):
    application = draft_of(applicant)
    upload_all_required(applicant_client, application)
    response = applicant_client.post(reverse("applications:submit", args=[application.pk]), {})
    text = " ".join(messages_of(response))
    assert "confirm" in text
    assert "category" in text
    application.refresh_from_db()
    assert application.status == S.DRAFT


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.CERTIFIED])
def test_no_editing_after_submit(applicant_client, applicant, status):
    application = in_state(status, organization=applicant.membership.organization)
    before = application.scope
    for step in ("organization", "scope"):
        url = reverse("applications:edit", args=[application.pk, step])
        response = applicant_client.post(url, {"scope": "changed", "org_name": "changed"})
        assert response.url == application.get_absolute_url()
        assert "can no longer be changed" in " ".join(messages_of(response))
    response = applicant_client.post(reverse("applications:self_check", args=[application.pk]), ALL_YES)
    assert "can no longer be changed" in " ".join(messages_of(response))
    application.refresh_from_db()
    assert (application.scope, application.org_name) == (before, application.organization.name)
    assert application.self_check == {}


def test_a_returned_application_is_editable_and_resubmitted(applicant_client, applicant, reviewer):
    application = draft_of(applicant)
    application.categories.set(ServiceCategory.objects.all()[:1])
    upload_all_required(applicant_client, application)
    application.submit(by=applicant)
    application.return_for_corrections(by=reviewer, reason="请补充服务承诺")
    page = applicant_client.get(application.get_absolute_url()).content.decode()
    assert "请补充服务承诺" in page
    url = reverse("applications:edit", args=[application.pk, "commitments"])
    applicant_client.post(url, {"service_commitments": "五年保修"})
    applicant_client.post(reverse("applications:submit", args=[application.pk]), {"confirm": "on"})
    application.refresh_from_db()
    assert (application.status, application.service_commitments) == (S.SUBMITTED, "五年保修")
    assert [c.to_status for c in application.status_changes.all()] == [S.SUBMITTED, S.RETURNED, S.SUBMITTED]


def test_another_organizations_application_is_404_everywhere(applicant_client, other_applicant):
    application = draft_of(other_applicant)
    for name, args, method in [
        ("detail", [application.pk], "get"),
        ("self_check", [application.pk], "post"),
        ("self_check_result", [application.pk], "get"),
        ("edit", [application.pk, "scope"], "post"),
        ("review", [application.pk], "get"),
        ("submit", [application.pk], "post"),
        ("withdraw", [application.pk], "post"),
        ("form_pdf", [application.pk], "get"),
        ("materials", [application.pk], "get"),
        ("fee", [application.pk], "get"),
    ]:
        response = getattr(applicant_client, method)(reverse(f"applications:{name}", args=args), {"scope": "x"})
        assert response.status_code == 404, name
    application.refresh_from_db()
    assert application.scope != "x"


def test_staff_without_membership_see_no_application(en_client, reviewer, applicant):
    application = draft_of(applicant)
    en_client.force_login(reviewer)
    assert en_client.get(application.get_absolute_url()).status_code == 404
    assert en_client.post(reverse("applications:submit", args=[application.pk])).status_code == 404
    assert en_client.get(reverse("applications:dashboard")).status_code == 403


def test_withdraw_with_a_reason(applicant_client, applicant, reviewer):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    url = reverse("applications:withdraw", args=[application.pk])
    response = applicant_client.post(url, {"reason": "  ", "confirm": "on"})
    assert response.status_code == 200
    assert application.status_changes.count() == 0
    response = applicant_client.post(url, {"reason": "暂不申请"})
    assert response.status_code == 200  # the confirmation box is required too
    applicant_client.post(url, {"reason": "暂不申请", "confirm": "on"})
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    assert application.status_changes.get().reason == "暂不申请"
    response = applicant_client.post(url, {"reason": "again", "confirm": "on"})
    assert "can no longer be withdrawn" in " ".join(messages_of(response))


def test_a_decided_application_cannot_be_withdrawn(applicant_client, applicant):
    application = in_state(S.CERTIFIED, organization=applicant.membership.organization)
    response = applicant_client.post(
        reverse("applications:withdraw", args=[application.pk]), {"reason": "x", "confirm": "on"}
    )
    assert "can no longer be withdrawn" in " ".join(messages_of(response))
    application.refresh_from_db()
    assert application.status == S.CERTIFIED


def test_colleagues_work_on_the_same_application(en_client, applicant):
    application = draft_of(applicant)
    colleague = MembershipFactory(organization=applicant.membership.organization, role="member").user
    en_client.force_login(colleague)
    url = reverse("applications:edit", args=[application.pk, "commitments"])
    assert en_client.post(url, {"service_commitments": "同事填写"}).status_code == 302


def test_the_application_form_pdf_prints_hostile_text_as_text(applicant_client, applicant):
    hostile = '<img src="http://127.0.0.1:9/x">'
    application = ApplicationFactory(
        organization=applicant.membership.organization, org_name=hostile, scope="<script>alert(1)</script>"
    )
    response = applicant_client.get(reverse("applications:form_pdf", args=[application.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert hostile in text
    assert "<script>alert(1)</script>" in text
    assert application.reference in text

"""The review queue: columns, deadlines, filters, search, and a fixed number of queries whatever its size."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from tests.factories import ApplicationFactory, OrganizationFactory, in_state
from tests.staff.conftest import change_url

pytestmark = pytest.mark.django_db
S = Application.Status
URL = "/admin/applications/application/"


def listed(response) -> set[int]:
    return {application.pk for application in response.context["cl"].result_list}


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_costs_the_same_few_queries_at_any_size(reviewer_client, size, django_assert_num_queries):
    for index in range(size):
        in_state([S.SUBMITTED, S.ACCEPTED, S.PAID, S.CERTIFIED][index % 4])
    # session, user, the user's permissions (2: own and groups'), the page's COUNT, the page of rows
    with django_assert_num_queries(6):
        response = reviewer_client.get(URL)
    assert response.status_code == 200
    assert len(listed(response)) == size
    with django_assert_num_queries(6):  # filtered: still one COUNT (of the filtered rows), never a full-table one
        reviewer_client.get(URL, {"status__exact": "submitted", "region": "35", "q": "测试"})


def test_the_columns_show_what_a_reviewer_sorts_by(reviewer_client):
    application = in_state(S.SUBMITTED, submitted_at=timezone.now(), grade="")
    response = reviewer_client.get(URL)
    html = response.content.decode()
    for text in (application.reference, application.org_name, application.credit_code, "Submitted", "cp-status"):
        assert text in html
    assert response.context["cl"].show_full_result_count is False


def test_late_applications_are_highlighted(reviewer_client, settings):
    settings.REVIEW_SLA_DAYS = {"default": 14, "submitted": 5}
    late = in_state(S.SUBMITTED)
    Application.objects.filter(pk=late.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=8))
    fresh = in_state(S.SUBMITTED)
    closed = in_state(S.CERTIFIED)
    Application.objects.filter(pk=closed.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=400))
    response = reviewer_client.get(URL)
    html = response.content.decode()
    assert html.count('class="cp-late"') == 1
    assert listed(reviewer_client.get(URL, {"deadline": "late"})) == {late.pk}
    assert listed(reviewer_client.get(URL, {"deadline": "on_time"})) == {fresh.pk}


def test_filters_by_status_kind_region_and_month(reviewer_client):
    fujian = in_state(S.SUBMITTED)  # the factory's codes are registered in Fujian (35)
    beijing_org = OrganizationFactory(credit_code=_code_in("11"))
    beijing = in_state(S.PAID, organization=beijing_org, kind=Application.Kind.RECERTIFICATION)
    Application.objects.filter(pk=fujian.pk).update(submitted_at=timezone.now())
    Application.objects.filter(pk=beijing.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=70))
    assert listed(reviewer_client.get(URL, {"status__exact": "paid"})) == {beijing.pk}
    assert listed(reviewer_client.get(URL, {"kind__exact": "recertification"})) == {beijing.pk}
    assert listed(reviewer_client.get(URL, {"region": "11"})) == {beijing.pk}
    assert listed(reviewer_client.get(URL, {"region": "35"})) == {fujian.pk}
    this_month = timezone.localdate().strftime("%Y-%m")
    assert listed(reviewer_client.get(URL, {"submitted": this_month})) == {fujian.pk}
    assert listed(reviewer_client.get(URL, {"submitted": "not-a-month"})) == {fujian.pk, beijing.pk}


def _code_in(province: str) -> str:
    from applications import uscc

    body = f"91{province}0100MA01234{province[-1]}5"
    body = body[:17]
    return body + uscc.check_character(body)


def test_search_by_name_credit_code_reference_and_certificate_number(reviewer_client):
    target = ApplicationFactory(organization=OrganizationFactory(name="福州星辰电器有限公司"), status=S.SUBMITTED)
    other = in_state(S.SUBMITTED)
    assert listed(reviewer_client.get(URL, {"q": "星辰"})) == {target.pk}
    assert listed(reviewer_client.get(URL, {"q": target.credit_code})) == {target.pk}
    assert listed(reviewer_client.get(URL, {"q": target.reference})) == {target.pk}
    assert listed(reviewer_client.get(URL, {"q": target.reference.lower()})) == {target.pk}
    assert listed(reviewer_client.get(URL, {"q": f"SQ-2026-{other.pk + 100:06d}"})) == set()
    _certify(target)
    assert listed(reviewer_client.get(URL, {"q": "CP-2026-000777"})) == {target.pk}


def _certify(application):
    from certificates.models import Certificate, Decision

    decision = Decision.objects.create(
        application=application, outcome="grant", grade="four_star", decided_by=application.created_by
    )
    Certificate.objects.create(
        number="CP-2026-000777",
        application=application,
        decision=decision,
        organization=application.organization,
        holder_name=application.org_name,
        holder_credit_code=application.credit_code,
        holder_address="x",
        scope="x",
        grade="four_star",
        issued_on=datetime.date(2026, 1, 1),
        expires_on=datetime.date(2029, 1, 1),
    )


def test_the_status_is_never_editable(reviewer_client, administrator, client):
    application = in_state(S.SUBMITTED)
    page = reviewer_client.get(change_url(application))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = reviewer_client.post(change_url(application), {"status": "certified"})
    assert response.status_code == 403
    client.force_login(administrator)
    assert client.post(change_url(application), {"status": "certified"}).status_code == 403
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    assert client.post(reverse("admin:applications_application_delete", args=[application.pk])).status_code == 403


def test_history_cannot_revert_a_workflow_object(client, administrator, reviewer):
    application = in_state(S.SUBMITTED)
    application.return_for_corrections(by=reviewer, reason="请补充")
    record = application.history.order_by("history_date").first()
    client.force_login(administrator)
    url = reverse("admin:applications_application_simple_history", args=[application.pk, record.history_id])
    assert client.get(url).status_code == 200  # every version can be read
    assert client.post(url, {"status": "submitted"}).status_code == 403
    application.refresh_from_db()
    assert application.status == S.RETURNED


def test_non_staff_and_anonymous_users_are_sent_to_the_login(client, applicant):
    assert client.get(URL).status_code == 302
    client.force_login(applicant)
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_decision_makers_see_the_list_without_the_bulk_accept(client, decision_maker):
    in_state(S.SUBMITTED)
    client.force_login(decision_maker)
    response = client.get(URL)
    assert response.status_code == 200
    assert "accept_selected" not in response.content.decode()

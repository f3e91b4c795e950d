"""The application buttons: accept, return for corrections, refuse — per state, per role, with reasons."""

import threading

import pytest
from django.db import connection
from django.test import Client

from applications.models import Application, MaterialItem
from tests.factories import in_state
from tests.staff.conftest import accept_all, change_url, messages_of, transition_url

pytestmark = pytest.mark.django_db
S = Application.Status


def test_reviewer_accepts_when_every_required_material_is_accepted(
    reviewer_client, reviewer, submitted, django_capture_on_commit_callbacks, mailoutbox
):
    accept_all(submitted, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            transition_url(submitted, "accept"), {"expected_status": "submitted"}, follow=True
        )
    assert response.redirect_chain[-1][0] == change_url(submitted)
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED
    assert submitted.status_changes.get().by == reviewer
    assert submitted.acceptance_quote.total > 0 and submitted.payments.count() == 1
    assert any("accepted" in m for m in messages_of(response))
    assert len(mailoutbox) == 1  # the applicant hears about it


@pytest.mark.parametrize("bad_status", [MaterialItem.Status.REJECTED, MaterialItem.Status.MISSING, "uploaded"])
def test_accepting_with_a_required_material_not_accepted_is_refused(reviewer_client, reviewer, submitted, bad_status):
    accept_all(submitted, reviewer)
    item = submitted.material_items.filter(material_type__required=True).select_related("material_type").first()
    MaterialItem.objects.filter(pk=item.pk).update(status=bad_status)
    response = reviewer_client.post(transition_url(submitted, "accept"), {"expected_status": "submitted"}, follow=True)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert not submitted.status_changes.exists()
    assert any(item.material_type.name in m for m in messages_of(response))


def test_the_page_says_why_accepting_is_not_possible_yet(reviewer_client, submitted):
    """The button is shown disabled with the guard's own reasons (Application.WORKFLOW "accept")."""
    response = reviewer_client.get(change_url(submitted))
    accept = next(offer for offer in response.context["transitions"] if offer.name == "accept")
    assert accept.refusals == submitted.missing_for_acceptance() != []
    assert b'id="cp-refused-accept"' in response.content


@pytest.mark.parametrize("name", ["return", "refuse"])
def test_return_and_refuse_need_a_reason(reviewer_client, submitted, name):
    response = reviewer_client.post(
        transition_url(submitted, name), {"expected_status": "submitted", "reason": "   "}, follow=True
    )
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert any("reason" in m.lower() or "原因" in m for m in messages_of(response))


@pytest.mark.parametrize(("name", "target"), [("return", S.RETURNED), ("refuse", S.REFUSED)])
def test_return_and_refuse_record_and_send_the_reason(
    reviewer_client, reviewer, submitted, name, target, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            transition_url(submitted, name), {"expected_status": "submitted", "reason": "营业执照模糊"}
        )
    submitted.refresh_from_db()
    assert submitted.status == target
    change = submitted.status_changes.get()
    assert (change.by, change.reason) == (reviewer, "营业执照模糊")
    assert "营业执照模糊" in mailoutbox[0].body


@pytest.mark.parametrize("name", ["accept", "return", "refuse"])
@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED, S.ACCEPTED, S.PAID, S.CERTIFIED, S.WITHDRAWN])
def test_buttons_in_a_state_that_does_not_allow_them(reviewer_client, name, status):
    application = in_state(status)
    response = reviewer_client.post(
        transition_url(application, name), {"expected_status": status, "reason": "原因"}, follow=True
    )
    application.refresh_from_db()
    assert application.status == status
    assert not application.status_changes.exists()
    assert messages_of(response)  # a clear message, not a crash
    assert response.context["transitions"] == []  # and no button is offered in that state


def test_a_reviewer_cannot_refuse_at_the_decision_stage(reviewer_client):
    application = in_state(S.AWAITING_DECISION)
    response = reviewer_client.post(
        transition_url(application, "refuse"),
        {"expected_status": "awaiting_decision", "reason": "分数太低"},
        follow=True,
    )
    application.refresh_from_db()
    assert application.status == S.AWAITING_DECISION
    assert messages_of(response)


def test_a_stale_page_does_not_act_twice(client, reviewer, submitted):
    """Two reviewers opened the same page; the second one's click arrives after the first one's."""
    other = type(reviewer).objects.get(pk=reviewer.pk)
    client.force_login(other)
    client.post(transition_url(submitted, "return"), {"expected_status": "submitted", "reason": "第一位"})
    response = client.post(
        transition_url(submitted, "refuse"), {"expected_status": "submitted", "reason": "第二位"}, follow=True
    )
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED
    assert submitted.status_changes.count() == 1
    assert any("meantime" in m or "已被他人" in m for m in messages_of(response))


@pytest.mark.django_db(transaction=True)  # the reference data is seeded again by tests/conftest.py
def test_two_reviewers_at_the_same_moment_make_one_change(reviewer, submitted):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory:"):
        pytest.skip("needs a file database shared by two connections")
    barrier = threading.Barrier(2)
    statuses = []

    def click(reason):
        c = Client(HTTP_ACCEPT_LANGUAGE="en")
        c.force_login(reviewer)
        barrier.wait()
        response = c.post(transition_url(submitted, "return"), {"expected_status": "submitted", "reason": reason})
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=click, args=(r,)) for r in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302]
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED
    assert submitted.status_changes.count() == 1


@pytest.mark.parametrize("name", ["accept", "return", "refuse"])
def test_a_decision_maker_cannot_use_reviewer_buttons(client, decision_maker, submitted, name):
    client.force_login(decision_maker)
    response = client.post(transition_url(submitted, name), {"expected_status": "submitted", "reason": "x"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    page = client.get(change_url(submitted))
    assert page.status_code == 200 and page.context["transitions"] == []


def test_an_administrator_may_do_everything(client, administrator, submitted):
    client.force_login(administrator)
    client.post(transition_url(submitted, "return"), {"expected_status": "submitted", "reason": "请补充"})
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED


def test_outsiders_never_reach_the_buttons(client, applicant, submitted):
    url = transition_url(submitted, "refuse")
    response = client.post(url, {"reason": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(applicant)  # not staff
    response = client.post(url, {"reason": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_buttons_are_post_only_and_unknown_ones_404(reviewer_client, submitted):
    assert reviewer_client.get(transition_url(submitted, "return")).status_code == 405
    assert reviewer_client.post(transition_url(submitted, "certify")).status_code == 404
    assert reviewer_client.post(f"/admin/applications/application/{submitted.pk + 999}/do/return/").status_code == 404


def test_csrf_is_required(reviewer, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(transition_url(submitted, "return"), {"reason": "x"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_bulk_accept_reports_each_refusal(reviewer_client, reviewer, submitted):
    ready = in_state(S.SUBMITTED)
    response = reviewer_client.post(
        "/admin/applications/application/",
        {"action": "accept_selected", "_selected_action": [submitted.pk, ready.pk]},
        follow=True,
    )
    ready.refresh_from_db()
    submitted.refresh_from_db()
    assert ready.status == S.ACCEPTED
    assert submitted.status == S.SUBMITTED  # its materials are not accepted yet
    text = " ".join(messages_of(response))
    assert submitted.reference in text


def test_bulk_accept_is_not_offered_to_decision_makers(client, decision_maker, submitted):
    client.force_login(decision_maker)
    response = client.post(
        "/admin/applications/application/", {"action": "accept_selected", "_selected_action": [submitted.pk]}
    )
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert response.status_code in (200, 302)

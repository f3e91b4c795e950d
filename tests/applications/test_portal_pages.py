"""Dashboard, status page and notifications: content, empty states, access, and query budgets."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import notifications
from applications.models import AccessRequest, Application, MaterialItem, Notification
from applications.views import load_membership
from applications.views.dashboard import PAGE_SIZE
from tests.factories import ApplicationFactory, MembershipFactory, UserFactory, in_state

from .portal import draft_of

pytestmark = pytest.mark.django_db
S = Application.Status


def test_the_newcomer_dashboard_says_what_to_do_first(en_client):
    user = UserFactory(role="applicant")
    en_client.force_login(user)
    page = en_client.get(reverse("applications:dashboard")).content.decode()
    assert "Register your organization" in page
    assert reverse("applications:create_organization") in page


def test_a_newcomer_sees_invitations_and_the_answer_to_their_request(en_client, applicant):
    from applications.models import Invitation

    user = UserFactory(role="applicant", email="new@example.com")
    Invitation.send(organization=applicant.membership.organization, email="NEW@example.com", by=applicant)
    en_client.force_login(user)
    page = en_client.get(reverse("applications:dashboard")).content.decode()
    assert applicant.membership.organization.name in page
    AccessRequest.ask(user=user, credit_code=applicant.membership.organization.credit_code)
    assert "has not answered yet" in en_client.get(reverse("applications:dashboard")).content.decode()


def test_a_member_without_applications_is_sent_to_the_self_check(applicant_client):
    page = applicant_client.get(reverse("applications:dashboard")).content.decode()
    assert "Start the self-check" in page
    assert reverse("applications:start") in page


def test_the_dashboard_lists_applications_with_next_action(applicant_client, applicant, reviewer):
    organization = applicant.membership.organization
    returned = ApplicationFactory(organization=organization, status=S.SUBMITTED, materials=MaterialItem.Status.UPLOADED)
    item = returned.material_items.first()
    item.reject(by=reviewer, reason="不清晰")
    returned.return_for_corrections(by=reviewer, reason="请重新上传")
    accepted = in_state(S.SUBMITTED, organization=organization)
    accepted.accept(by=reviewer)
    page = applicant_client.get(reverse("applications:dashboard")).content.decode()
    assert returned.reference in page and accepted.reference in page
    assert "Correct what the reviewer asked for" in page
    assert "1 material was rejected" in page
    assert accepted.payments.get().reference in page  # pay with this reference
    assert "Start a new application" not in page  # two are open already


def test_owners_see_pending_access_requests(applicant_client, applicant):
    AccessRequest.ask(user=UserFactory(role="applicant"), credit_code=applicant.membership.organization.credit_code)
    assert "1 person asks to join" in applicant_client.get(reverse("applications:dashboard")).content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_dashboard_query_budget(applicant_client, applicant, reviewer, count, django_assert_max_num_queries):
    organization = applicant.membership.organization
    for _ in range(count):
        in_state(S.SUBMITTED, organization=organization).accept(by=reviewer)
    ApplicationFactory.create_batch(count, organization=organization)
    AccessRequest.ask(user=UserFactory(role="applicant"), credit_code=organization.credit_code)
    # session, user with membership and organization, applications (with rejected counts and payment),
    # pending access requests (the navbar's unread count is a counter on the user)
    with django_assert_max_num_queries(4):
        response = applicant_client.get(reverse("applications:dashboard"))
    assert response.content.decode().count('class="card application-card') == min(2 * count, PAGE_SIZE)
    with django_assert_max_num_queries(4):
        response = applicant_client.get(reverse("applications:dashboard"), {"page": 2})
    assert response.status_code == (200 if 2 * count > PAGE_SIZE else 302)


def test_the_dashboard_pages_open_applications_first(en_client, applicant, reviewer):
    organization = applicant.membership.organization
    closed = [ApplicationFactory(organization=organization, status=S.CERTIFIED) for _ in range(PAGE_SIZE + 2)]
    open_ = ApplicationFactory(organization=organization, status=S.DRAFT)
    Application.objects.filter(pk=open_.pk).update(created_at=closed[0].created_at - timedelta(days=400))  # oldest
    open_.refresh_from_db()
    en_client.force_login(applicant)
    first = en_client.get(reverse("applications:dashboard")).content.decode()
    cards = first.split('class="card application-card')[1:]
    assert len(cards) == 1 and open_.reference in cards[0]  # in progress first, however old, with its next step
    assert "Complete the form" in cards[0] and "Closed applications" in first
    lines = first.split('class="list-group-item closed-application')[1:]
    assert len(lines) == PAGE_SIZE - 1 and closed[-1].reference in lines[0]  # then the closed ones, newest first
    assert "Certified" in lines[0] and "Closed on" in lines[0] and "Open" not in lines[0]
    assert "Start a new application" not in first  # one is open
    assert "?page=2" in first and "Page 1" in first and "?page=0" not in first
    second = en_client.get(reverse("applications:dashboard"), {"page": 2}).content.decode()
    assert second.count('class="list-group-item closed-application') == 3  # 13 in all: 10 on the first page
    assert 'class="card application-card' not in second
    positions = [second.find(a.reference) for a in closed[2::-1]]
    assert -1 not in positions and positions == sorted(positions)  # the three oldest, newest first
    assert "?page=1" in second and "?page=3" not in second and "Page 2" in second
    assert "Start a new application" not in second


@pytest.mark.parametrize("page", ["abc", "0", "-3", "1.5", "99999999999999999999", ""])
def test_a_page_number_that_is_not_one_shows_the_first_page(applicant_client, applicant, page):
    application = ApplicationFactory(organization=applicant.membership.organization, status=S.DRAFT)
    response = applicant_client.get(reverse("applications:dashboard"), {"page": page})
    assert response.status_code == 200 and application.reference in response.content.decode()


def test_a_page_past_the_last_goes_back_to_the_first(applicant_client, applicant):
    ApplicationFactory(organization=applicant.membership.organization, status=S.DRAFT)
    response = applicant_client.get(reverse("applications:dashboard"), {"page": 2})
    assert response.status_code == 302 and response.url == reverse("applications:dashboard")


def test_when_nothing_is_open_the_first_page_offers_a_new_application(en_client, applicant):
    for _ in range(PAGE_SIZE + 1):
        ApplicationFactory(organization=applicant.membership.organization, status=S.WITHDRAWN)
    en_client.force_login(applicant)
    assert "Start a new application" in en_client.get(reverse("applications:dashboard")).content.decode()
    assert (
        "Start a new application" not in en_client.get(reverse("applications:dashboard"), {"page": 2}).content.decode()
    )


@pytest.mark.parametrize("count", [1, 25])
def test_detail_query_budget(applicant_client, applicant, reviewer, count, django_assert_max_num_queries):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    application.accept(by=reviewer)
    for _ in range(count):
        application.status_changes.create(from_status=S.ACCEPTED, to_status=S.ACCEPTED, by=reviewer, reason="note")
    url = application.get_absolute_url()
    # session, user, membership, application (+organization, quote, creator), status changes (+by),
    # material items (+types), latest payment, categories, unread notifications
    with django_assert_max_num_queries(10):
        response = applicant_client.get(url)
    assert response.status_code == 200


def test_the_status_page_shows_the_timeline_and_what_happens_next(applicant_client, applicant, reviewer):
    application = in_state(S.SUBMITTED, organization=applicant.membership.organization)
    application.return_for_corrections(by=reviewer, reason="营业执照过期")
    page = applicant_client.get(application.get_absolute_url()).content.decode()
    assert "What happens next" in page
    assert "营业执照过期" in page
    assert str(reviewer) in page
    assert "Returned for corrections" in page


@pytest.mark.parametrize("status", list(S))
def test_every_status_has_a_next_step(applicant_client, applicant, status):
    application = in_state(status, organization=applicant.membership.organization)
    response = applicant_client.get(application.get_absolute_url())
    assert response.status_code == 200
    assert "What happens next" in response.content.decode()


def test_notifications_list_and_mark_read(applicant_client, applicant, other_applicant):
    application = draft_of(applicant)
    mine = notifications.status_changed(application, old=S.DRAFT, new=S.SUBMITTED)[0]
    theirs = notifications.notify([other_applicant], kind=Notification.Kind.INVITATION, detail="X")[0]
    page = applicant_client.get(reverse("applications:notifications")).content.decode()
    assert application.reference in page
    assert "badge rounded-pill" in page  # the unread count in the navbar
    applicant_client.post(reverse("applications:mark_read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None  # someone else's notification is untouched
    response = applicant_client.post(
        reverse("applications:mark_read", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("applications:notifications")  # no open redirect
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "badge rounded-pill" not in applicant_client.get(reverse("applications:dashboard")).content.decode()


def test_mark_all_read(applicant_client, applicant):
    notifications.notify([applicant], kind=Notification.Kind.INVITATION, detail="A")
    notifications.notify([applicant], kind=Notification.Kind.INVITATION, detail="B")
    applicant_client.post(reverse("applications:mark_all_read"))
    assert not Notification.objects.filter(user=applicant, read_at__isnull=True).exists()


@pytest.mark.parametrize("count", [1, 40])
def test_notifications_query_budget(applicant_client, applicant, count, django_assert_max_num_queries):
    application = draft_of(applicant)
    for _ in range(count):
        notifications.status_changed(application, old=S.DRAFT, new=S.SUBMITTED)
    # session, user with membership, count (paginator), page of notifications (+user, application)
    with django_assert_max_num_queries(4):
        applicant_client.get(reverse("applications:notifications"))


def test_the_navbar_counter_follows_notifications(applicant_client, applicant, other_applicant):
    def badge():
        page = applicant_client.get(reverse("applications:dashboard")).content.decode()
        found = re.search(r'badge rounded-pill text-bg-warning">(\d+)<', page)
        return int(found.group(1)) if found else 0

    application = draft_of(applicant)
    first = notifications.status_changed(application, old=S.DRAFT, new=S.SUBMITTED)[0]
    notifications.notify([applicant, other_applicant], kind=Notification.Kind.INVITATION, detail="A")
    assert badge() == 2
    applicant.refresh_from_db()
    other_applicant.refresh_from_db()
    assert (applicant.unread_notifications, other_applicant.unread_notifications) == (2, 1)
    assert Notification.objects.mark_read(other_applicant, pk=first.pk) == 0  # not theirs: nothing changes
    assert badge() == 2
    applicant_client.post(reverse("applications:mark_read", args=[first.pk]))
    assert badge() == 1
    applicant_client.post(reverse("applications:mark_read", args=[first.pk]))  # twice: still one left
    assert badge() == 1
    applicant_client.post(reverse("applications:mark_all_read"))
    assert badge() == 0
    other_applicant.refresh_from_db()
    assert other_applicant.unread_notifications == 1  # someone else's counter is untouched


def test_marking_read_heals_a_counter_that_drifted(applicant):
    notifications.notify([applicant], kind=Notification.Kind.INVITATION, detail="A")
    notifications.notify([applicant], kind=Notification.Kind.INVITATION, detail="B")
    Notification.objects.filter(user=applicant, detail="B").delete()  # e.g. its application was deleted
    Notification.objects.mark_read(applicant, pk=10**9)  # no such notification; the counter is recounted anyway
    applicant.refresh_from_db()
    assert applicant.unread_notifications == 1


def test_notification_emails_for_non_application_events_link_to_the_portal(applicant):
    (notification,) = notifications.notify([applicant], kind=Notification.Kind.INVITATION, detail="某公司")
    assert notification.url().endswith(reverse("applications:dashboard"))


def test_the_navbar_for_each_kind_of_visitor(client, applicant, reviewer):
    page = client.get("/").content.decode()
    assert reverse("account_login") in page and reverse("account_signup") in page and "/admin/" in page
    client.force_login(applicant)
    page = client.get("/").content.decode()
    assert reverse("applications:dashboard") in page and reverse("account_logout") in page
    client.force_login(reviewer)
    page = client.get("/").content.decode()
    assert reverse("applications:dashboard") not in page and "/admin/" in page


def test_members_only(en_client, applicant):
    colleague = MembershipFactory(organization=applicant.membership.organization, role="member").user
    application = draft_of(applicant)
    en_client.force_login(colleague)
    assert en_client.get(application.get_absolute_url()).status_code == 200
    other = MembershipFactory().user
    en_client.force_login(other)
    assert en_client.get(application.get_absolute_url()).status_code == 404


def test_the_user_arrives_with_membership_and_organization(applicant, rf):
    from applications.backends import PortalAuthenticationBackend

    user = PortalAuthenticationBackend().get_user(applicant.pk)
    with CaptureQueriesContext(connection) as queries:
        assert user.membership.organization == applicant.membership.organization
    assert len(queries) == 0
    newcomer = UserFactory(role="applicant")
    user = PortalAuthenticationBackend().get_user(newcomer.pk)
    with CaptureQueriesContext(connection) as queries:
        request = rf.get("/")
        request.user = user
        assert load_membership(request) is None
    assert len(queries) == 0
    newcomer.is_active = False
    newcomer.save()
    assert PortalAuthenticationBackend().get_user(newcomer.pk) is None
    assert PortalAuthenticationBackend().get_user(10**9) is None

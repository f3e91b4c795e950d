"""Login throttling (accounts.throttle): 10 failures per account and address, a 15-minute cool-off, reset on
success, a ceiling of 100 failures an hour per account, the admin's sign-in included, addresses only from a
trusted proxy header."""

import datetime

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import SecurityEvent
from certportal.ratelimit import client_ip
from tests.factories import MembershipFactory

from .conftest import PASSWORD, staff_user

pytestmark = pytest.mark.django_db

WRONG = "not the password"


@pytest.fixture
def en_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def member():
    from allauth.account.models import EmailAddress

    user = MembershipFactory().user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def portal_login(client, user, password, ip="10.0.0.1", login=None):
    return client.post(reverse("account_login"), {"login": login or user.email, "password": password}, REMOTE_ADDR=ip)


def admin_login(client, user, password, ip="10.0.0.1", username=None):
    data = {"username": username or user.username, "password": password}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, user, times, ip="10.0.0.1", via=portal_login):
    return [via(client, user, WRONG, ip=ip).status_code for _ in range(times)]


def test_the_tenth_failure_locks_and_the_eleventh_attempt_is_refused(en_client, member):
    statuses = fail(en_client, member, 10)
    assert statuses[:9] == [200] * 9  # the form again, with its error
    assert statuses[9] == 429
    response = portal_login(en_client, member, PASSWORD)  # even the right password
    assert response.status_code == 429
    assert not signed_in(en_client)
    page = response.content.decode()
    assert "Too many failed sign-in attempts for this account from your network" in page
    assert "15 minutes" in page


def test_the_cool_off_lifts_the_lockout_by_itself(client, member, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    fail(client, member, 10)
    time_machine.shift(datetime.timedelta(minutes=14, seconds=59))
    assert portal_login(client, member, PASSWORD).status_code == 429
    time_machine.shift(datetime.timedelta(seconds=2))
    response = portal_login(client, member, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_another_user_on_the_same_address_is_not_affected(client, member):
    fail(client, member, 10)
    colleague = MembershipFactory(organization=member.membership.organization).user
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=colleague, email=colleague.email, verified=True, primary=True)
    response = portal_login(client, colleague, PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_owner_elsewhere_is_not_locked_out_by_a_guesser(client, member):
    fail(client, member, 10, ip="203.0.113.9")
    response = portal_login(client, member, PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302 and signed_in(client)


def test_a_success_resets_the_count(client, member):
    fail(client, member, 9)
    assert portal_login(client, member, PASSWORD).status_code == 302
    client.logout()
    assert fail(client, member, 9) == [200] * 9
    assert portal_login(client, member, PASSWORD).status_code == 302


def test_the_admin_sign_in_is_throttled_too(client):
    reviewer = staff_user("reviewer")
    statuses = fail(client, reviewer, 10, via=admin_login)
    assert statuses[9] == 429
    assert admin_login(client, reviewer, PASSWORD).status_code == 429
    assert not signed_in(client)


def test_user_name_e_mail_and_letter_case_share_one_counter(client):
    auditor = staff_user("auditor")
    fail(client, auditor, 5, via=admin_login)
    for _ in range(5):
        portal_login(client, auditor, WRONG, login=auditor.email.upper())
    assert portal_login(client, auditor, PASSWORD).status_code == 429


def test_at_most_100_failures_an_hour_per_account_from_all_addresses(en_client, member, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
    for n in range(10):  # ten addresses, ten guesses each (each address is locked after its tenth)
        fail(en_client, member, 10, ip=f"198.51.100.{n}")
        time_machine.shift(datetime.timedelta(minutes=1))
    response = portal_login(en_client, member, PASSWORD, ip="10.9.9.9")  # the owner, from a fresh address
    assert response.status_code == 429
    assert "too many failed sign-in attempts for this account in the last hour" in response.content.decode()
    assert not signed_in(en_client)
    assert admin_login(en_client, member, PASSWORD, ip="10.9.9.8").status_code == 429  # the admin too
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, ip_address="10.9.9.9").get()
    assert event.username == member.username and "ceiling" in event.detail

    time_machine.shift(datetime.timedelta(minutes=52))  # the first guesses are now over an hour old
    response = portal_login(en_client, member, PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302 and signed_in(en_client)


def test_lockouts_and_failures_are_logged(client, member):
    fail(client, member, 10)
    failures = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert failures.count() == 10
    assert set(failures.values_list("username", flat=True)) == {member.email}
    assert set(failures.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, username=member.username).exists()
    assert not SecurityEvent.objects.filter(detail__icontains=PASSWORD).exists()


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, member):
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": member.email, "password": WRONG},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "192.0.2.7", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, "10.0.0.1", "192.0.2.7", "192.0.2.7"),  # one proxy: it appended the client's address
        (1, "10.0.0.1", "6.6.6.6, 192.0.2.7", "192.0.2.7"),  # the client's forged entry is ignored
        (2, "10.0.0.1", "6.6.6.6, 192.0.2.7, 10.0.0.2", "192.0.2.7"),
        (1, "10.0.0.1", "", ""),  # a proxy that should set the header did not
        (1, "10.0.0.1", "not-an-address", ""),
    ],
)
def test_client_address_comes_from_the_trusted_proxy_header_only(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_proxy_two_clients_are_two_addresses(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(10):
        client.post(
            reverse("account_login"),
            {"login": member.email, "password": WRONG},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="192.0.2.7",
        )
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.8",
    )
    assert response.status_code == 302 and signed_in(client)

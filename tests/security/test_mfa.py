"""Two-factor authentication: required for reviewers, auditors, decision-makers and administrators, in the
portal and in the admin; optional for applicants."""

import pytest
from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse

from accounts.models import SecurityEvent
from tests.conftest import force_login_without_second_factor
from tests.factories import MembershipFactory, UserFactory

from .conftest import PASSWORD, recovery_code, staff_user, totp_code, with_totp

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["reviewer", "auditor", "decision_maker", "administrator"]
# Where each role works: the admin for staff, the auditor pages for auditors.
WORKPLACE = {
    "reviewer": "admin:index",
    "auditor": "audits:list",
    "decision_maker": "admin:index",
    "administrator": "admin:index",
}


@pytest.fixture
def en_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def mfa_passed(client, user) -> bool:
    request = type("R", (), {"session": client.session})()
    return any(r["method"] == "mfa" for r in get_authentication_records(request, user))


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_an_authenticator_are_sent_to_set_one_up_first(client, role):
    user = UserFactory(role=role)
    force_login_without_second_factor(client, user)
    for name in (WORKPLACE[role], "home", "certificates:register"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa_activate_totp") + "?next="), name


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_with_an_authenticator_but_no_code_this_session_are_asked_for_one(client, role):
    user = UserFactory(role=role)
    with_totp(user)
    force_login_without_second_factor(client, user)
    response = client.get(reverse(WORKPLACE[role]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate") + "?next=")


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_staff_role_gets_in_after_the_code(client, role):
    user = UserFactory(role=role)
    secret = with_totp(user)
    force_login_without_second_factor(client, user)
    target = reverse(WORKPLACE[role])
    response = client.post(f"{reverse('mfa_reauthenticate')}?next={target}", {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == target
    assert client.get(target).status_code == 200
    assert mfa_passed(client, user)


def test_the_admin_refuses_a_session_without_a_second_factor_even_past_the_middleware(rf, reviewer):
    """has_permission itself checks: a session that skipped the middleware still does not get in."""
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/admin/")
    request.user = reviewer
    request.session = SessionStore()
    assert not admin.site.has_permission(request)


def test_admin_sign_in_goes_through_the_totp_step(en_client):
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    response = en_client.post(
        reverse("admin:login") + "?next=/admin/", {"username": reviewer.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in en_client.session  # the password alone signs nobody in
    assert en_client.get(reverse("admin:index")).status_code == 302

    response = en_client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert en_client.get("/admin/").status_code == 200
    kinds = list(SecurityEvent.objects.filter(user=reviewer).values_list("kind", flat=True))
    assert SecurityEvent.Kind.LOGIN in kinds and SecurityEvent.Kind.MFA_USED in kinds


def test_a_wrong_code_signs_nobody_in_and_is_logged(en_client):
    reviewer = staff_user("reviewer")
    with_totp(reviewer)
    en_client.post(reverse("admin:login"), {"username": reviewer.username, "password": PASSWORD})
    response = en_client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert "_auth_user_id" not in en_client.session
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.MFA_FAILED, user=reviewer).exists()


def test_a_recovery_code_works_once_at_the_totp_step(client):
    decider = staff_user("decision_maker")
    with_totp(decider)
    code = recovery_code(decider)
    client.post(reverse("admin:login"), {"username": decider.username, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    client.logout()
    client.post(reverse("admin:login"), {"username": decider.username, "password": PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200  # used up


def test_auditor_portal_sign_in_asks_for_the_code(client):
    auditor = staff_user("auditor")
    secret = with_totp(auditor)
    response = client.post(reverse("account_login"), {"login": auditor.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("audits:list")).status_code == 302  # not signed in yet
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("audits:list")).status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator on commit, inside the request
def test_setting_up_totp_counts_as_this_sessions_second_factor(client):
    administrator = staff_user("administrator")
    client.post(reverse("admin:login"), {"username": administrator.username, "password": PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))

    # allauth asks for the password again before any authenticator is added (its re-authentication rule)
    step = client.get(response["Location"])
    assert step.status_code == 302 and step["Location"].startswith(reverse("account_reauthenticate"))
    client.post(step["Location"], {"password": PASSWORD})
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()  # the QR code, drawn locally
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=administrator, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("admin:index")).status_code == 200
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.MFA_ADDED, user=administrator).exists()


def test_staff_cannot_turn_their_second_factor_off(en_client):
    reviewer = staff_user("reviewer")
    with_totp(reviewer)
    en_client.force_login(reviewer)
    en_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = en_client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "You cannot deactivate two-factor authentication." in response.content.decode()
    assert Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).exists()


def test_someone_who_owes_a_second_factor_can_still_sign_out(client, reviewer):
    force_login_without_second_factor(client, reviewer)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_applicants_need_no_second_factor_but_may_add_one(client, django_capture_on_commit_callbacks):
    applicant = MembershipFactory().user
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    force_login_without_second_factor(client, applicant)
    assert client.get(reverse("applications:dashboard")).status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(user=applicant, type=Authenticator.Type.TOTP).exists()
    client.logout()
    response = client.post(reverse("account_login"), {"login": applicant.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")  # from now on the code is asked for


def test_applicants_may_turn_their_second_factor_off(client):
    applicant = MembershipFactory().user
    with_totp(applicant)
    client.force_login(applicant)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=applicant, type=Authenticator.Type.TOTP).exists()


def test_a_role_given_to_a_signed_in_user_applies_within_a_minute(client, time_machine):
    from django.contrib.auth.models import Group

    user = MembershipFactory().user
    time_machine.move_to("2026-12-01 10:00:00+08:00", tick=False)
    force_login_without_second_factor(client, user)
    assert client.get(reverse("applications:dashboard")).status_code == 200
    user.groups.add(Group.objects.get(name="auditor"))
    time_machine.shift(61)
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))

"""Accounts through django-allauth: sign-up with e-mail verification, sign-in, password reset, the role."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts import roles
from accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-unusual-passphrase-42"


def _sign_up(client, **overrides):
    data = {"full_name": "王小明", "email": "wang@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup"), {**data, **overrides})


def test_sign_up_verify_and_land_on_the_dashboard(en_client):
    response = _sign_up(en_client)
    assert response.status_code == 302
    user = User.objects.get(email="wang@example.com")
    assert user.full_name == "王小明"
    assert user.language == "en"  # e-mails in the language the person signed up in
    assert user.has_role(roles.APPLICANT)
    assert not EmailAddress.objects.get(user=user).verified

    (message,) = mail.outbox
    link = re.search(rf"{settings.SITE_URL}(/accounts/confirm-email/\S+/)", message.body).group(
        1
    )  # not the request's host
    response = en_client.post(link)
    assert response.url == reverse("applications:dashboard")
    assert EmailAddress.objects.get(user=user).verified
    assert en_client.get(response.url).status_code == 200
    # the backend that loads the membership with the user (tests' force_login uses the same one)
    assert en_client.session[BACKEND_SESSION_KEY] == "applications.backends.PortalAuthenticationBackend"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"password1": "password123", "password2": "password123"}, "too common"),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password2": "something-else-entirely"}, "same password"),
        ({"email": "not-an-address"}, "valid email"),
        ({"full_name": ""}, "required"),
    ],
)
def test_bad_sign_ups_are_explained(en_client, overrides, words):
    response = _sign_up(en_client, **overrides)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not User.objects.filter(email="wang@example.com").exists()


def test_unverified_accounts_cannot_sign_in(en_client):
    _sign_up(en_client)
    en_client.logout()
    response = en_client.post(reverse("account_login"), {"login": "wang@example.com", "password": PASSWORD})
    assert response.url == reverse("account_email_verification_sent")
    assert en_client.get(reverse("applications:dashboard")).status_code == 302


def test_verified_accounts_sign_in_with_their_email(en_client, applicant):
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    response = en_client.post(
        reverse("account_login"), {"login": applicant.email, "password": "correct horse battery staple"}
    )
    assert response.url == reverse("applications:dashboard")


def test_staff_land_in_the_admin(en_client, reviewer):
    EmailAddress.objects.create(user=reviewer, email=reviewer.email, verified=True, primary=True)
    response = en_client.post(
        reverse("account_login"), {"login": reviewer.email, "password": "correct horse battery staple"}
    )
    assert response.url == reverse("admin:index")


def test_password_reset_sends_a_link(en_client, applicant):
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    response = en_client.post(reverse("account_reset_password"), {"email": applicant.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "/accounts/password/reset/key/" in message.body


def test_sign_out_is_a_post(applicant_client):
    assert applicant_client.post(reverse("account_logout")).status_code == 302
    assert applicant_client.get(reverse("applications:dashboard")).status_code == 302


def test_account_pages_use_the_portal_layout(en_client):
    page = en_client.get(reverse("account_login")).content.decode()
    assert "site-navbar" in page and "account-card" in page
    assert reverse("account_signup") in page

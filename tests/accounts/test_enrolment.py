"""One-time enrolment links: an administrator creates an account, the person sets their own password."""

import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import enrolment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long password of her own 42"


def new_account(**kwargs):
    user = UserFactory(password=None, **kwargs)
    user.set_unusable_password()
    user.save()
    return user


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/enrol/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def send(user, mailoutbox, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        enrolment.send_link(user)
    return path_of(link_in(mailoutbox[-1]))


def set_password(client, path: str, password: str = PASSWORD):
    data = {"new_password1": password, "new_password2": password}
    return client.post(path, data, headers={"accept-language": "en"})  # the refusals are read in English below


def test_the_link_sets_the_password_verifies_the_address_and_goes_to_the_second_factor(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = new_account(role="reviewer")
    path = send(user, mailoutbox, django_capture_on_commit_callbacks)
    assert client.get(path).status_code == 200
    response = set_password(client, path)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    response = client.get(reverse("applications:dashboard"))  # signed in, but the second factor comes first
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))


def test_the_link_works_once(client, mailoutbox, django_capture_on_commit_callbacks):
    user = new_account(role="auditor")
    path = send(user, mailoutbox, django_capture_on_commit_callbacks)
    set_password(client, path)
    client.logout()
    response = set_password(client, path, "someone else's password 7")
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_link_expires(client, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.ENROLMENT_LINK_HOURS = 72
    user = new_account(role="reviewer")
    path = send(user, mailoutbox, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=73)):
        response = set_password(client, path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t])
def test_a_wrong_token_is_refused(client, mailoutbox, django_capture_on_commit_callbacks, tamper):
    user = new_account(role="reviewer")
    path = send(user, mailoutbox, django_capture_on_commit_callbacks)
    token = path.rstrip("/").rsplit("/", 1)[1]
    response = set_password(client, reverse("accounts:enrol", args=[tamper(token)]))
    assert response.status_code == 410
    assert "not valid" in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_new_link_retires_the_older_one(client, mailoutbox, django_capture_on_commit_callbacks):
    user = new_account(role="reviewer")
    first = send(user, mailoutbox, django_capture_on_commit_callbacks)
    second = send(user, mailoutbox, django_capture_on_commit_callbacks)
    assert set_password(client, first).status_code == 410
    assert set_password(client, second).status_code == 302


def test_a_weak_password_is_refused_and_the_link_still_works(client, mailoutbox, django_capture_on_commit_callbacks):
    user = new_account(role="reviewer")
    path = send(user, mailoutbox, django_capture_on_commit_callbacks)
    response = set_password(client, path, "12345678")
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert set_password(client, path).status_code == 302


def test_no_link_for_an_account_with_a_password(reviewer, mailoutbox):
    with pytest.raises(enrolment.EnrolmentError):
        enrolment.send_link(reviewer)
    reviewer.refresh_from_db()
    assert reviewer.check_password("correct horse battery staple")
    assert mailoutbox == []


def test_the_email_is_in_the_persons_language(mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.ENROLMENT_LINK_HOURS = 72
    english = new_account(language="en")
    chinese = new_account(language="zh-hans")
    send(english, mailoutbox, django_capture_on_commit_callbacks)
    send(chinese, mailoutbox, django_capture_on_commit_callbacks)
    assert mailoutbox[0].to == [english.email] and "72 hours" in mailoutbox[0].body
    assert mailoutbox[1].to == [chinese.email] and "72 小时" in mailoutbox[1].body


# --- the admin ------------------------------------------------------------------------------------------------


def add_user(client, **data):
    data = {
        "username": "newreviewer",
        "email": "new.reviewer@example.com",
        "full_name": "李新",
        "language": "en",
        **data,
    }
    return client.post(reverse("admin:accounts_user_add"), data, follow=True)


def test_an_administrator_adds_a_user_and_the_link_is_sent(
    client, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = add_user(client)
    user = User.objects.get(username="newreviewer")
    assert not user.has_usable_password()
    assert [m.to for m in mailoutbox] == [["new.reviewer@example.com"]]
    assert "Enrolment sent" in response.content.decode() or "已发送" in response.content.decode()
    assert set_password(client, path_of(link_in(mailoutbox[0]))).status_code == 302


def test_the_add_form_has_no_password_and_needs_an_email(client, administrator, mailoutbox):
    client.force_login(administrator)
    page = client.get(reverse("admin:accounts_user_add")).content.decode()
    assert 'name="password1"' not in page and 'name="usable_password"' not in page
    response = add_user(client, email="")
    assert response.status_code == 200
    assert not User.objects.filter(username="newreviewer").exists()
    assert mailoutbox == []


def test_a_reviewer_cannot_add_users(client, reviewer, mailoutbox):
    client.force_login(reviewer)
    response = add_user(client)
    assert response.status_code == 403
    assert not User.objects.filter(username="newreviewer").exists()
    assert mailoutbox == []


def test_the_admin_action_sends_a_new_link_only_to_those_not_enrolled(
    client, administrator, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    pending = new_account(role="auditor")
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_enrolment_link", "_selected_action": [pending.pk, reviewer.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [m.to for m in mailoutbox] == [[pending.email]]
    reviewer.refresh_from_db()
    assert reviewer.check_password("correct horse battery staple")

"""4, MFA hardening: secrets encrypted at rest (and the key rotated), wrong codes lock the second factor,
staff sessions end when idle and after a working day."""

import io
import json

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts import checks
from accounts.models import SecurityEvent
from tests.conftest import force_login_without_second_factor
from tests.factories import MembershipFactory, UserFactory

from .conftest import PASSWORD, recovery_code, staff_user, totp_code, with_totp

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def stored_data(user, kind) -> str:
    """The column as the database holds it, read past the ORM."""
    authenticator = Authenticator.objects.get(user=user, type=kind)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        return cursor.fetchone()[0]


def sign_in(client, user, code: str):
    """The admin's sign-in: password, then the code step; returns the code step's response."""
    response = client.post(reverse("admin:login") + "?next=/admin/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": code})


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


# --- Encryption at rest


def test_the_database_holds_neither_the_totp_secret_nor_the_recovery_seed_in_clear(client):
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    totp_column = stored_data(reviewer, Authenticator.Type.TOTP)
    assert secret not in totp_column
    assert json.loads(totp_column)["secret"].startswith("fernet:")
    seed = json.loads(stored_data(reviewer, Authenticator.Type.RECOVERY_CODES))["seed"]
    assert seed.startswith("fernet:")

    assert signed_in(sign_in(client, reviewer, totp_code(secret)))


def test_a_recovery_code_still_works_with_the_seed_encrypted(client):
    reviewer = staff_user("reviewer")
    with_totp(reviewer)
    assert signed_in(sign_in(client, reviewer, recovery_code(reviewer)))


def test_rotation_re_encrypts_with_the_new_key_and_sign_in_keeps_working(client):
    reviewer = staff_user("reviewer")
    with override_settings(MFA_ENCRYPTION_KEYS=[OLD_KEY]):
        secret = with_totp(reviewer)
    before = stored_data(reviewer, Authenticator.Type.TOTP)
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_mfa_key", stdout=io.StringIO())
    assert stored_data(reviewer, Authenticator.Type.TOTP) != before
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key removed after the rotation
        assert signed_in(sign_in(client, reviewer, totp_code(secret)))
        client.logout()
        assert signed_in(sign_in(client, reviewer, recovery_code(reviewer)))


def test_secrets_stored_in_clear_before_the_upgrade_still_work_and_the_command_encrypts_them(client):
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).update(data={"secret": secret})
    assert signed_in(sign_in(client, reviewer, totp_code(secret)))
    client.logout()

    call_command("rotate_mfa_key", stdout=io.StringIO())
    assert secret not in stored_data(reviewer, Authenticator.Type.TOTP)
    client.cookies.clear()
    cache.clear()  # the code just used is remembered (replay guard); the next period's would do as well
    assert signed_in(sign_in(client, reviewer, totp_code(secret)))


def test_a_setup_with_only_an_old_key_fails_clearly_and_rotation_changes_nothing(client):
    reviewer = staff_user("reviewer")
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]):
        secret = with_totp(reviewer)
    before = stored_data(reviewer, Authenticator.Type.TOTP)
    with override_settings(MFA_ENCRYPTION_KEYS=[OLD_KEY]):
        with pytest.raises(CommandError, match="Nothing was changed.*MFA_ENCRYPTION_KEYS"):
            call_command("rotate_mfa_key")
        assert stored_data(reviewer, Authenticator.Type.TOTP) == before
        with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with any key in MFA_ENCRYPTION_KEYS"):
            sign_in(client, reviewer, totp_code(secret))


def test_a_key_that_is_not_a_fernet_key_is_refused():
    with override_settings(MFA_ENCRYPTION_KEYS=["not-a-key"]):
        with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
            with_totp(UserFactory(role="reviewer"))
        assert [e.id for e in checks.check_mfa_encryption_keys(None)] == ["certportal.E011"]


def test_the_deploy_check_requires_a_dedicated_key():
    with override_settings(MFA_ENCRYPTION_KEYS=[]):
        assert [e.id for e in checks.check_mfa_encryption_keys(None)] == ["certportal.E010"]
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert checks.check_mfa_encryption_keys(None) == []


# --- Wrong codes lock the second factor


def wrong_codes(client, user, secret: str, count: int) -> None:
    right = totp_code(secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(count):
        assert client.post(reverse("mfa_authenticate"), {"code": wrong}).status_code == 200


def test_ten_wrong_codes_lock_the_second_factor_for_fifteen_minutes(
    client, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-12-01 10:00:00+08:00", tick=False)
    reviewer = staff_user("reviewer", language="en")  # e-mails go out in each recipient's language
    administrator = UserFactory(role="administrator")
    other_staff = UserFactory(role="decision_maker")
    secret = with_totp(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with django_capture_on_commit_callbacks(execute=True):
        sign_in(client, reviewer, "000000" if totp_code(secret) != "000000" else "111111")
        wrong_codes(client, reviewer, secret, 9)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})  # right, but locked
    assert response.status_code == 200
    assert "second factor of this account is locked until" in response.content.decode()
    assert "_auth_user_id" not in client.session

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOCKED_OUT, user=reviewer)
    assert "10 wrong codes" in event.detail
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == sorted([reviewer.email, administrator.email])  # not other staff
    assert other_staff.email not in recipients
    assert "someone knows your password" in next(m.body for m in mailoutbox if m.to == [reviewer.email])

    time_machine.shift(14 * 60)
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 200  # still locked

    time_machine.shift(61)  # the lock has ended: a right code signs in (the pending sign-in lapsed: start again)
    client.cookies.pop("sessionid", None)
    assert signed_in(sign_in(client, reviewer, totp_code(secret)))


def test_a_right_code_resets_the_count(client, mailoutbox):
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    sign_in(client, reviewer, "000000" if totp_code(secret) != "000000" else "111111")
    wrong_codes(client, reviewer, secret, 8)  # nine wrong in all
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})["Location"] == "/admin/"
    client.logout()

    sign_in(client, reviewer, "000000" if totp_code(secret) != "000000" else "111111")
    wrong_codes(client, reviewer, secret, 8)  # nine again: no lock
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).exists()
    assert mailoutbox == []


def test_an_empty_code_is_not_counted(client):
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    client.post(reverse("admin:login") + "?next=/admin/", {"username": reviewer.username, "password": PASSWORD})
    for _ in range(12):
        client.post(reverse("mfa_authenticate"), {"code": ""})
    assert signed_in(client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}))


def test_the_lock_applies_at_re_authentication_too(client, time_machine):
    time_machine.move_to("2026-12-01 10:00:00+08:00", tick=False)
    reviewer = staff_user("reviewer")
    secret = with_totp(reviewer)
    force_login_without_second_factor(client, reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(10):
        client.post(reverse("mfa_reauthenticate"), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    time_machine.shift(61)  # past allauth's own limit of ten re-authentications a minute
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert response.status_code == 200 and "is locked until" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT, user=reviewer).exists()


# --- Staff session limits


def test_a_staff_session_ends_after_thirty_idle_minutes(client, reviewer, time_machine):
    time_machine.move_to("2026-12-01 09:00:00+08:00", tick=False)
    client.force_login(reviewer)
    assert client.get(reverse("admin:index")).status_code == 200
    time_machine.shift(29 * 60)
    assert client.get(reverse("admin:index")).status_code == 200
    time_machine.shift(31 * 60)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert "_auth_user_id" not in client.session


def test_a_busy_staff_session_still_ends_after_twelve_hours(client, auditor, time_machine):
    time_machine.move_to("2026-12-01 08:00:00+08:00", tick=False)
    client.force_login(auditor)
    for _ in range(12 * 3):  # a request every 20 minutes for twelve hours
        assert client.get(reverse("audits:list")).status_code == 200
        time_machine.shift(20 * 60)
    response = client.get(reverse("audits:list"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_applicants_keep_their_long_sessions(client, time_machine):
    time_machine.move_to("2026-12-01 08:00:00+08:00", tick=False)
    applicant = MembershipFactory().user
    client.force_login(applicant)
    assert client.get(reverse("applications:dashboard")).status_code == 200
    time_machine.shift(3 * 24 * 3600)
    assert client.get(reverse("applications:dashboard")).status_code == 200

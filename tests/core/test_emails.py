"""Every e-mail is one branded, translated template trio on the shared layout.

An e-mail kind is `<prefix>_subject.txt`, `<prefix>_message.txt` and `<prefix>_message.html`
(certportal/mail.py). Each kind is rendered in both languages: the body's name in the subject, its contact
details in the text and the HTML, links on SITE_URL, nothing of allauth's stock wording and no untranslated copy.
"""

import re
from datetime import timedelta
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail as djmail
from django.urls import reverse
from django.utils import timezone, translation

from accounts.adapter import AccountAdapter
from applications.models import Application, Invitation, Notification
from certportal import mail
from tests.factories import UserFactory, in_state

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR, "templates")
ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
SITE = "https://cert.example.com"
STOCK = ("Hello from", "Hello!", "Thank you for using", "感谢您使用", "testserver", "127.0.0.1")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
ADDRESSES = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+")


@pytest.fixture(autouse=True)
def site(settings, certification_body):
    settings.SITE_URL = SITE


def person(language: str):
    name = "王小明" if language == "zh-hans" else "Ming Wang"
    return UserFactory(full_name=name, email="ming@example.com", language=language)


def notice():
    return {"timestamp": timezone.now(), "ip": "203.0.113.9", "user_agent": "Firefox"}


# Every kind with the context its sender gives it (allauth's adapter, or ours).
KINDS = {
    "account/email/email_confirmation_signup": lambda user: {
        "user": user,
        "activate_url": f"{SITE}/accounts/confirm-email/k/",
    },
    "account/email/email_confirmation": lambda user: {
        "user": user,
        "activate_url": f"{SITE}/accounts/confirm-email/k/",
    },
    "account/email/password_reset_key": lambda user: {
        "user": user,
        "password_reset_url": f"{SITE}/accounts/password/reset/key/1-k/",
    },
    "account/email/password_reset_code": lambda user: {"user": user, "code": "ABC123"},
    "account/email/login_code": lambda user: {"user": user, "code": "ABC123"},
    "account/email/unknown_account": lambda user: {"signup_url": f"{SITE}/accounts/signup/"},
    "account/email/account_already_exists": lambda user: {
        "user": user,
        "password_reset_url": f"{SITE}/accounts/password/reset/",
    },
    "account/email/password_changed": lambda user: {"user": user, **notice()},
    "account/email/password_set": lambda user: {"user": user, **notice()},
    "account/email/password_reset": lambda user: {"user": user, **notice()},
    "account/email/email_changed": lambda user: {
        "user": user,
        "from_email": "a@example.com",
        "to_email": "b@example.com",
        **notice(),
    },
    "account/email/email_confirm": lambda user: {"user": user, **notice()},
    "account/email/email_deleted": lambda user: {"user": user, "deleted_email": "a@example.com", **notice()},
    "mfa/email/totp_activated": lambda user: {"user": user, **notice()},
    "mfa/email/totp_deactivated": lambda user: {"user": user, **notice()},
    "mfa/email/recovery_codes_generated": lambda user: {"user": user, **notice()},
    "mfa/email/webauthn_added": lambda user: {"user": user, **notice()},
    "mfa/email/webauthn_removed": lambda user: {"user": user, **notice()},
    "accounts/email/enrolment": lambda user: {"user": user, "url": f"{SITE}/accounts/enrol/t/", "hours": 72},
    "accounts/email/mfa_locked": lambda user: {
        "user": user,
        "holder": user,
        "site": SITE,
        "address": "203.0.113.9",
        "until": "2026-05-01 10:00 CST",
    },
    "accounts/email/mfa_locked_administrator": lambda user: {
        "user": user,
        "holder": user,
        "site": SITE,
        "address": "203.0.113.9",
        "until": "2026-05-01 10:00 CST",
    },
    "applications/email/invitation": lambda user: {
        "invitation": invitation(user),
        "url": f"{SITE}/portal/invitations/t/",
    },
    "applications/email/notification": lambda user: notification(user, Notification.Kind.STATUS_CHANGED),
}


def invitation(user):
    organization = in_state(Application.Status.SUBMITTED).organization
    organization.name = "Huaxing Appliances" if user.language == "en" else "福州华星家电服务有限公司"
    organization.save()
    return Invitation.objects.create(
        organization=organization,
        email="li@example.com",
        invited_by=user,
        expires_at=timezone.now() + timedelta(days=14),
    )


def notification(user, kind):
    application = in_state(Application.Status.RETURNED)
    row = Notification.objects.create(
        user=user, application=application, kind=kind, status=Application.Status.RETURNED, reason="Scan is blurred"
    )
    return {"user": user, "notification": row, "url": row.url()}


def kinds_on_disk() -> set[str]:
    """Every e-mail kind the templates define: a subject template names one."""
    return {
        str(path.relative_to(TEMPLATES)).removesuffix("_subject.txt")
        for path in TEMPLATES.glob("**/email/*_subject.txt")
    }


def test_every_kind_on_disk_is_tested_and_every_allauth_email_is_ours():
    assert kinds_on_disk() == set(KINDS)
    for app in ("account", "mfa"):
        for path in (ALLAUTH_TEMPLATES / app / "email").iterdir():
            assert (TEMPLATES / app / "email" / path.name).exists(), f"allauth's stock {app}/email/{path.name}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_is_a_trio_on_the_shared_layout(kind):
    for ext in ("txt", "html"):
        name = f"{kind}_message.{ext}"
        while name != f"email/base_message.{ext}":
            source = (TEMPLATES / name).read_text(encoding="utf-8")
            parent = re.match(r'{% extends "([^"]+)" %}', source)
            assert parent, f"{name} does not extend the e-mail layout"
            name = parent.group(1)


def check(subject: str, text: str, html: str, language: str) -> None:
    name = "华信认证中心" if language == "zh-hans" else "Huaxin Certification Centre"
    address = "杭州市西湖区文三路 90 号" if language == "zh-hans" else "90 Wensan Road, Hangzhou"
    assert subject.startswith(f"[{name}] ") and len(subject) > len(name) + 4 and "\n" not in subject
    for body in (text, html):
        assert name in body and address in body and "0571-8888 1234" in body and "service@huaxin.example" in body
        assert not any(stock in body for stock in STOCK)
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in html
    assert "<img" not in html and "<link" not in html and "<script" not in html  # nothing fetched from elsewhere
    links = re.findall(r"https?://[^\s<>\"]+", text)
    assert links and all(link.startswith((SITE, "https://huaxin.example")) for link in links)
    assert set(re.findall(r'href="(http[^"]+)"', html)) <= set(links)
    words = ADDRESSES.sub("", subject + text + re.sub(r"<[^>]+>", "", html))
    if language == "zh-hans":
        assert CJK.search(subject.removeprefix(f"[{name}]"))
        assert not re.search(r"(?i)e-?mail|hello|your ", words), "untranslated copy"
    else:
        assert not CJK.search(words), "Chinese copy in the English e-mail"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_branded_in_both_languages(kind, language):
    context = {"email": "ming@example.com", **KINDS[kind](person(language))}  # allauth adds the address
    subject, text, html = mail.render(kind, context, language)
    check(subject, text, html, language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", Notification.Kind.values)
def test_every_notification_kind_renders_in_both_languages(kind, language):
    subject, text, html = mail.render("applications/email/notification", notification(person(language), kind), language)
    check(subject, text, html, language)
    with translation.override(language):
        event = Application.Status.RETURNED.label if kind == "status_changed" else Notification.Kind(kind).label
        assert str(event) in subject and str(event) in text


def test_subject_and_text_keep_what_people_typed_and_the_html_escapes_it():
    user = person("en")
    context = KINDS["applications/email/invitation"](user)
    context["invitation"].organization.name = 'A & B <"Service">'
    subject, text, html = mail.render("applications/email/invitation", context, "en")
    assert 'A & B <"Service">' in subject and 'A & B <"Service">' in text
    assert "A &amp; B &lt;&quot;Service&quot;&gt;" in html and '<"Service">' not in html


def test_allauth_links_go_to_site_url_and_the_account_language_wins():
    user = person("en")
    context = {"user": user, "activate_url": "http://testserver:8234/accounts/confirm-email/k/?a=1"}
    message = AccountAdapter().render_mail("account/email/email_confirmation", user.email, context)
    assert f"{SITE}/accounts/confirm-email/k/?a=1" in message.body and "testserver" not in message.body
    assert message.subject == "[Huaxin Certification Centre] Please confirm your e-mail address"
    assert message.alternatives[0].mimetype == "text/html"


def zh_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_sign_up_in_chinese_sends_the_branded_confirmation(client):
    form = {
        "full_name": "王小明",
        "email": "wang@example.com",
        "password1": "a-Long-phrase-42",
        "password2": "a-Long-phrase-42",
    }
    assert zh_client(client).post(reverse("account_signup"), form).status_code == 302
    (message,) = djmail.outbox
    assert message.subject == "[华信认证中心] 请确认您的电子邮箱"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL and message.to == ["wang@example.com"]
    check(message.subject, message.body, message.alternatives[0].content, "zh-hans")
    link = re.search(rf"{SITE}(/accounts/confirm-email/\S+/)", message.body).group(1)
    assert f'href="{SITE}{link}"' in message.alternatives[0].content
    assert client.post(link).url == reverse("applications:dashboard")  # the link works


def test_a_password_reset_is_in_the_account_language_not_the_page_language(client):
    user = person("en")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assert zh_client(client).post(reverse("account_reset_password"), {"email": user.email}).status_code == 302
    (message,) = djmail.outbox
    assert message.subject == "[Huaxin Certification Centre] Choose a new password"
    check(message.subject, message.body, message.alternatives[0].content, "en")
    assert f"{SITE}/accounts/password/reset/key/" in message.body


def test_an_unknown_address_is_answered_in_the_page_language(client):
    assert zh_client(client).post(reverse("account_reset_password"), {"email": "nobody@example.com"}).status_code == 302
    (message,) = djmail.outbox
    assert message.subject == "[华信认证中心] 没有账户使用此电子邮箱"
    check(message.subject, message.body, message.alternatives[0].content, "zh-hans")
    assert f"{SITE}/accounts/signup/" in message.body


def test_a_password_change_is_notified(client):
    user = person("zh-hans")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    form = {
        "oldpassword": "correct horse battery staple",
        "password1": "a-Long-phrase-42",
        "password2": "a-Long-phrase-42",
    }
    browser = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Firefox/140"}
    assert zh_client(client).post(reverse("account_change_password"), form, **browser).status_code == 302
    (message,) = djmail.outbox
    assert message.subject == "[华信认证中心] 您的密码已修改"
    check(message.subject, message.body, message.alternatives[0].content, "zh-hans")
    assert "您的密码已修改。" in message.body and "来源地址：203.0.113.9；浏览器：“Firefox/140”" in message.body


def test_the_lock_notice_gives_the_time_in_each_recipients_format():
    """The holder (Chinese) and an administrator (English) each read the lock's end in their language's format."""
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.tasks import send_mfa_locked_emails

    holder = UserFactory(email="holder@example.com", language="zh-hans")
    administrator = UserFactory(email="admin@example.com", language="en")
    administrator.groups.add(Group.objects.get_or_create(name=roles.ADMINISTRATOR)[0])
    until = timezone.make_aware(timezone.datetime(2026, 12, 5, 14, 30)).timestamp()

    assert send_mfa_locked_emails(holder.pk, until, "203.0.113.9") == 2

    bodies = {message.to[0]: message.body for message in djmail.outbox}
    assert "2026年12月5日 14:30" in bodies["holder@example.com"]
    assert "5 Dec 2026 14:30" in bodies["admin@example.com"]
    assert "2026-12-05" not in bodies["holder@example.com"] + bodies["admin@example.com"]

"""Form errors and the address's name on the zh-hans pages.

The too-short password message was English on the Chinese sign-up page: Django 5.2 changed its msgid and Django's
zh_Hans catalogue has only the old one; the project's catalogue translates it (accounts/stock_wording.py). The
address is 电子邮箱 wherever allauth's and Django's own Chinese says Email地址, 电子邮件地址 or Email 地址.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils.translation import trans_real

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_up(client, language: str, password: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    form = {"full_name": "王小明", "email": "wang@example.com", "password1": password, "password2": password}
    return client.post(reverse("account_signup"), form)


@pytest.mark.parametrize(
    ("language", "password", "message"),
    [
        ("zh-hans", "Ab3$x", "密码太短，至少需要 10 个字符。"),
        ("zh-hans", "password123", "这个密码太常见了。"),
        ("zh-hans", "80417293651", "密码只包含数字。"),
        ("en", "Ab3$x", "This password is too short. It must contain at least 10 characters."),
        ("en", "password123", "This password is too common."),
        ("en", "80417293651", "This password is entirely numeric."),
    ],
)
def test_password_errors_speak_the_page_language(client, language, password, message):
    response = sign_up(client, language, password)
    assert response.status_code == 200 and not User.objects.exists()
    assert message in response.content.decode()


def test_a_mistyped_address_is_explained_in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.post(reverse("account_signup"), {"full_name": "王小明", "email": "wang@", "password1": "x"})
    assert "请输入有效的电子邮箱。" in response.content.decode()


def stock_messages():
    """(package, msgid, plural) of every message Django's validators and forms and allauth's account and mfa code
    can show, read from the packages' English catalogues (their #: references say where each one is used)."""
    django_root = Path(django.__file__).parent
    catalogues = [
        (django_root / "conf/locale/en/LC_MESSAGES/django.po", ("core/validators.py", "forms/", "db/models/fields/")),
        (django_root / "contrib/auth/locale/en/LC_MESSAGES/django.po", ("password_validation.py", "forms.py")),
        (Path(allauth.__file__).parent / "locale/en/LC_MESSAGES/django.po", ("account/", "mfa/")),
    ]
    for path, sources in catalogues:
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            references = " ".join(line for line in block.splitlines() if line.startswith("#: "))
            if not any(f" {source}" in references for source in sources):
                continue
            texts = dict.fromkeys(("msgid", "msgid_plural"), "")
            key = None
            for line in block.splitlines():
                match = re.match(r'^(msgid|msgid_plural|msgstr\S*) "(.*)"$', line)
                if match:
                    key = match.group(1)
                    value = match.group(2)
                elif line.startswith('"'):
                    value = line[1:-1]
                else:
                    continue
                if key in texts:
                    texts[key] += value.encode("latin-1", "backslashreplace").decode("unicode_escape")
            if re.search("[A-Za-z]", texts["msgid"]):
                yield path.parts[-5], texts["msgid"], texts["msgid_plural"]


def test_every_stock_form_and_validator_message_has_a_chinese_translation():
    catalogue = trans_real.translation("zh-hans")._catalog  # the merged one: Django's, the packages', ours
    untranslated = [
        f"{package}: {msgid}"
        for package, msgid, plural in stock_messages()
        if not catalogue.get((msgid, 0) if plural else msgid)
    ]
    assert untranslated == []


class VisibleText(HTMLParser):
    """The text a person reads: text outside script/style, and the attributes shown on screen; not input values."""

    SHOWN = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "template")
        self.parts += [value for name, value in attrs if name in self.SHOWN and value]

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "template")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.mark.parametrize("page", ["account_signup", "account_login", "account_reset_password", "account_email"])
def test_account_pages_say_dian_zi_you_xiang(client, page):
    user = UserFactory(email="wang@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if page == "account_email":
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = visible_text(client.get(reverse(page)).content.decode())
    words = text.replace("wang@example.com", "")
    assert "电子邮箱" in words
    assert not re.search(r"(?i)e-?mail|邮件地址|邮箱地址|Email 地址", words), words
    assert "你" not in words  # 您 throughout, the password rules too

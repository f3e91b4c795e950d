"""The parts every page shares (base.html): rendered for each request, so an edited template shows at once; and the
short-date filter."""

import re
import shutil
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.autoreload import file_changed

from applications.templatetags.portal import shortdate

pytestmark = pytest.mark.django_db


def test_each_language_gets_its_own_header_and_footer(client):
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english_again = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verify a certificate" in english and "Skip to main content" in english
    assert "证书查验" in chinese and "Verify a certificate" not in chinese
    assert _without_csrf(english_again) == _without_csrf(english)
    active = 'aria-current="true">English<'
    assert active in english and active not in chinese  # the language switcher marks the active language
    assert "/static/" in english and "bootstrap" in english


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_an_edited_base_template_shows_without_a_restart(client, tmp_path):
    """With DEBUG on, runserver's reloader tells the template engine that a template changed (file_changed); the
    next page is rendered from the edited file, its header and footer included."""
    shutil.copy(settings.BASE_DIR / "templates" / "base.html", tmp_path / "base.html")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(DEBUG=True, TEMPLATES=templates):
        before = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Skip to main content" in before and "&copy; 20" in before
        edited = (tmp_path / "base.html").read_text()
        edited = edited.replace("Skip to main content", "Skip to the page").replace("&copy;", "&copy; edited")
        (tmp_path / "base.html").write_text(edited)
        file_changed.send(sender=None, file_path=tmp_path / "base.html")
        after = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Skip to the page" in after and "Skip to main content" not in after
    assert "&copy; edited 20" in after


def test_the_footer_year_follows_the_calendar(client):
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC)):
        assert "&copy; 2027" in client.get(reverse("home")).content.decode()
    with time_machine.travel(datetime(2028, 1, 2, tzinfo=UTC)):
        assert "&copy; 2028" in client.get(reverse("home")).content.decode()


def test_what_depends_on_the_visitor_is_not_cached(client, applicant):
    anonymous = client.get(reverse("home")).content.decode()
    client.force_login(applicant)
    signed_in = client.get(reverse("home")).content.decode()
    assert reverse("account_logout") not in anonymous and reverse("account_logout") in signed_in
    assert str(applicant) in signed_in
    assert anonymous.count("csrfmiddlewaretoken") == 1 and signed_in.count("csrfmiddlewaretoken") == 2


@pytest.mark.parametrize(
    ("moment", "zh", "en"),
    [
        (datetime(2026, 11, 27, 15, 59, tzinfo=UTC), "2026年11月27日", "27 Nov 2026"),
        (datetime(2026, 11, 27, 16, 0, tzinfo=UTC), "2026年11月28日", "28 Nov 2026"),  # midnight in Shanghai
        (datetime(2028, 2, 28, 16, 30, tzinfo=UTC), "2028年2月29日", "29 Feb 2028"),
    ],
)
def test_shortdate_is_the_day_in_the_site_time_zone(moment, zh, en):
    template = Template('{{ moment|date:"SHORT_DATE_FORMAT" }}')
    for language, expected in (("zh-hans", zh), ("en", en)):
        with translation.override(language):
            assert shortdate(moment) == expected
            assert template.render(Context({"moment": moment})) == expected  # what Django's date filter gives


def test_shortdate_follows_the_format_settings_as_the_date_filter_does():
    day = date(2026, 1, 5)
    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override("en"):
        assert shortdate(day) == "5 Jan 2026"
        with override_settings(FORMAT_MODULE_PATH=None):  # Django's own English formats
            formats.reset_format_cache()
            assert shortdate(day) == template.render(Context({"day": day})) == "01/05/2026"
        formats.reset_format_cache()
        assert shortdate(day) == "5 Jan 2026"


def test_shortdate_of_nothing_and_of_a_date():
    assert shortdate(None) == "" and shortdate("") == ""
    with translation.override("en"):
        assert shortdate(date(2026, 1, 5)) == "5 Jan 2026"

"""The parts of every page that are rendered once per process and language (base.html), and the short-date filter."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.cache import caches
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from applications.templatetags.portal import shortdate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def test_each_language_gets_its_own_header_and_footer(client):
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english_again = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verify a certificate" in english and "Skip to main content" in english
    assert "证书查验" in chinese and "Verify a certificate" not in chinese
    assert _without_csrf(english_again) == _without_csrf(english)  # from the cache, identical
    active = 'aria-current="true">English<'
    assert active in english and active not in chinese  # the language switcher marks the active language
    assert "/static/" in english and "bootstrap" in english
    assert len(caches["fragments"]._cache) > 0  # the fragments were stored


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


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


def test_shortdate_of_nothing_and_of_a_date():
    assert shortdate(None) == "" and shortdate("") == ""
    with translation.override("en"):
        assert shortdate(date(2026, 1, 5)) == "5 Jan 2026"

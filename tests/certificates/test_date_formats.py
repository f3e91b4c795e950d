"""One date format per language (certportal/formats, docs/dates.md): 2026年12月5日 and 5 Dec 2026, with the time
14:30 after it, on every page; no ISO date among a page's visible text ("one date format per language")."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from applications.models import Application
from tests.factories import ready_for_decision

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CHINESE = re.compile(r"\b\d{4}年\d{1,2}月\d{1,2}日")
ENGLISH = re.compile(r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")
DAY = datetime.date(2026, 12, 5)
MOMENT = datetime.datetime(2026, 12, 5, 14, 30)


@pytest.mark.parametrize(
    ("language", "date", "moment"),
    [("zh-hans", "2026年12月5日", "2026年12月5日 14:30"), ("en", "5 Dec 2026", "5 Dec 2026 14:30")],
)
def test_each_language_has_one_date_format(language, date, moment):
    with translation.override(language):
        for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
            assert formats.date_format(DAY, name) == date
        for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
            assert formats.date_format(MOMENT, name) == moment
    assert settings.FORMAT_MODULE_PATH == ["certportal.formats"]


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles, tags or attribute values (datetime="…" stays machine-readable)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def page_text(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content.decode())


@pytest.fixture
def pages(client, applicant, reviewer, decision_maker, certificate):
    """(person, url) of the main pages that show dates: the holder's, the public ones and the staff's."""
    awaiting = ready_for_decision(organization=applicant.membership.organization)
    application = certificate.application
    return [
        (applicant, reverse("certificates:detail", args=[certificate.pk])),
        (applicant, reverse("certificates:list")),
        (applicant, reverse("applications:detail", args=[application.pk])),
        (None, reverse("certificates:verify", args=[certificate.verification_token])),
        (None, reverse("certificates:register") + f"?q={certificate.number}"),
        (decision_maker, reverse("admin:certificates_casefile_change", args=[awaiting.pk])),
        (decision_maker, reverse("admin:certificates_casefile_change", args=[application.pk])),
        (reviewer, reverse("admin:applications_application_change", args=[application.pk])),
        (reviewer, reverse("staff_dashboard")),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "own", "other"), [("zh-hans", CHINESE, ENGLISH), ("en", ENGLISH, CHINESE)])
def test_pages_show_dates_in_their_language_only(client, pages, language, own, other):
    assert Application.objects.filter(status=Application.Status.CERTIFIED).exists()
    seen = 0
    for person, url in pages:
        client.logout()
        if person:
            client.force_login(person)
        text = page_text(client, url, language)
        assert ISO.findall(text) == [], url
        assert other.findall(text) == [], url
        seen += bool(own.search(text))
    assert seen >= len(pages) - 2  # nearly every one of these pages shows a date (the dashboard may not)

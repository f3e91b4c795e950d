"""The decision-maker's case file reads as it should: a sampled item shows the points it scored
and its samples apart, the nonconformity table's column is headed by what it holds, the indicator set's
placeholder mark is in the page's language, and the list's count says what it counts."""

import datetime
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation

from applications.models import Application
from audits.models import Indicator, ItemScore, Nonconformity
from tests.factories import in_state, ready_for_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(applicant):
    """Awaiting the decision on an audit with one sampled item (20 checked, 1 nonconforming) and a nonconformity;
    the indicator set keeps its placeholder points."""
    application = ready_for_decision(organization=applicant.membership.organization, real_points=False)
    audit = application.audits.get()
    sampled = Indicator.objects.filter(indicator_set=audit.indicator_set, sampled=True, children__isnull=True)[0]
    ItemScore.objects.create(audit=audit, indicator=sampled, sample_size=20, nonconforming_samples=1)
    Nonconformity.objects.create(
        audit=audit,
        severity=Nonconformity.Severity.MINOR,
        description="投诉台账缺少回访记录",
        response="已补充回访记录",
        due_date=datetime.date(2026, 12, 31),
    )
    return application, sampled


def _row(html: str, code: str) -> str:
    start = html.index(f"<td>{code} ")
    return html[start : html.index("</tr>", start)]


def test_a_sampled_item_shows_its_points_and_its_samples_apart(client, decision_maker, case):
    application, sampled = case
    client.force_login(decision_maker)
    html = client.get(reverse("admin:certificates_casefile_change", args=[application.pk])).content.decode()
    row = _row(html, sampled.code)
    points = floatformat(sampled.max_points * Decimal(19) / Decimal(20), 2)  # max × conforming share
    assert f"<td>{points}</td>" in row
    assert "抽查20个，不符合1个" in row
    assert "20 / 1" not in row
    assert "<th>抽样</th>" in html  # the samples have their own, labelled column
    with translation.override("en"):
        html = client.get(
            reverse("admin:certificates_casefile_change", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "20 checked, 1 nonconforming" in _row(html, sampled.code)


def test_the_corrective_action_column_is_headed_as_a_column_not_a_status(client, decision_maker, case):
    application, _sampled = case
    client.force_login(decision_maker)
    html = client.get(reverse("admin:certificates_casefile_change", args=[application.pk])).content.decode()
    assert "<th>整改措施</th>" in html and "<th>整改中</th>" not in html
    assert "已补充回访记录" in html
    assert str(Application.Status.CORRECTIVE_ACTION.label) == "整改中"  # the status keeps its own word


def test_the_placeholder_mark_is_in_the_page_language(client, decision_maker, case):
    application, _sampled = case
    client.force_login(decision_maker)
    url = reverse("admin:certificates_casefile_change", args=[application.pk])
    zh = client.get(url).content.decode()
    assert "placeholder points" not in zh and "（占位分值，仅供演示）" in zh
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "(placeholder points, demo only)" in en and "占位分值" not in en


def test_the_seeded_set_name_carries_no_mark_of_its_own(db):
    """The data migration took "（占位分值 / placeholder points）" out of the seeded name; the flag remains."""
    from audits.models import IndicatorSet

    seeded = IndicatorSet.objects.get(standard_edition="GB/T 27922-2011", version=1)
    assert seeded.name == "GB/T 27922-2011 评价指标" and seeded.has_placeholder_points
    seeded.has_placeholder_points = False
    with translation.override("zh-hans"):
        assert str(seeded) == "GB/T 27922-2011 v1: GB/T 27922-2011 评价指标"  # real points: no mark


def test_the_list_count_names_what_it_counts(client, decision_maker, case):
    """The list holds decided case files as well: its count is of case files, not of "cases for decision"."""
    in_state(Application.Status.CERTIFIED)
    client.force_login(decision_maker)
    html = client.get(reverse("admin:certificates_casefile_changelist")).content.decode()
    assert "2 案卷" in html and "待决定案卷" not in html
    html = client.get(reverse("admin:certificates_casefile_changelist"), {"status__exact": "awaiting_decision"})
    assert "1 案卷" in html.content.decode()


def test_other_roles_do_not_see_case_files(client, reviewer, applicant, case):
    application, _sampled = case
    for person in (reviewer, applicant):
        client.force_login(person)
        response = client.get(reverse("admin:certificates_casefile_change", args=[application.pk]))
        assert response.status_code in (302, 403)

"""Scoring follows the findings (GB/T 27922 §2.4 rule 1): a nonconformity against an item costs its points.

A small indicator set with real points totalling 100: 5.1.1 (6 points), 5.1.2 (44, on samples), 5.1.3 (50,
may be excluded).
"""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from audits import scoresheet, services
from audits.forms import ItemScoreForm
from audits.models import Indicator, IndicatorSet, ItemScore, Nonconformity
from audits.scoring import ItemResult, compute

pytestmark = pytest.mark.django_db
D = Decimal
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def small_set(db):
    indicator_set = IndicatorSet.objects.create(
        name="机构评分表", version=IndicatorSet.next_version("GB/T 27922-2011"), has_placeholder_points=False
    )
    root = Indicator.objects.create(
        indicator_set=indicator_set, level=1, code="5.1", title_zh="售后服务体系", title_en="Service system"
    )
    for order, (code, zh, en, points, extra) in enumerate(
        [
            ("5.1.1", "组织架构", "Organization structure", 6, {}),
            ("5.1.2", "人员资质", "Staff qualifications", 44, {"sampled": True}),
            ("5.1.3", "服务网点", "Service outlets", 50, {"excludable": True}),
        ]
    ):
        Indicator.objects.create(
            indicator_set=indicator_set,
            parent=root,
            level=2,
            code=code,
            title_zh=zh,
            title_en=en,
            max_points=points,
            points_are_placeholder=False,
            order=order,
            **extra,
        )
    return indicator_set


@pytest.fixture
def audit(make_audit, small_set, member):
    return make_audit(team=[member], indicator_set=small_set)


def leaf(audit, code):
    return Indicator.objects.get(indicator_set=audit.indicator_set, code=code)


def score(audit, code, *, by, **fields):
    ItemScore.objects.update_or_create(audit=audit, indicator=leaf(audit, code), defaults={"updated_by": by, **fields})


def full_points(audit, *, by, samples=10):
    score(audit, "5.1.1", by=by, points=6)
    score(audit, "5.1.2", by=by, sample_size=samples, nonconforming_samples=0)
    score(audit, "5.1.3", by=by, points=50)


def raise_nc(audit, code, *, by, text="组织架构图未更新"):
    return audit.raise_nonconformity(by=by, description=text, indicator=leaf(audit, code))


# --- the rule -------------------------------------------------------------------------------------------------


def test_a_nonconformity_on_a_6_point_item_with_full_points_scores_94(audit, lead):
    full_points(audit, by=lead)
    assert scoresheet.build(audit).result.score == D("100.00")
    raise_nc(audit, "5.1.1", by=lead)
    result = scoresheet.build(audit).result
    assert (result.obtained, result.applicable, result.score, result.grade) == (D(94), D(100), D("94.00"), "four_star")
    assert services.compute_result(audit).score == D("94.00")


def test_the_item_result_of_a_nonconforming_item_is_0_whatever_the_points():
    assert ItemResult(D(6), D(6), nonconformities=1).obtained() == 0
    assert ItemResult(D(6), D(6), nonconformities=1).lost() == 6
    assert compute([ItemResult(D(6), D(6), nonconformities=1), ItemResult(D(94), D(94))]).score == D("94.00")


def test_each_nonconformity_counts_among_the_nonconforming_samples(audit, lead):
    full_points(audit, by=lead)
    score(audit, "5.1.2", by=lead, sample_size=10, nonconforming_samples=1)
    for text in ("张三无上岗证", "李四证书过期"):
        raise_nc(audit, "5.1.2", by=lead, text=text)
    row = scoresheet.build(audit).row_for(leaf(audit, "5.1.2").pk)
    # at least 2 of 10 nonconforming (one per nonconformity): 44 × 8/10 = 35.2 → 91.20
    assert (row.effective_nonconforming, row.obtained) == (2, D("35.2"))
    assert scoresheet.build(audit).result.score == D("91.20")
    # a recorded count above the nonconformities stands as recorded (they are among those samples)
    score(audit, "5.1.2", by=lead, sample_size=10, nonconforming_samples=3)
    assert scoresheet.build(audit).result.score == D("86.80")


def test_the_effective_nonconforming_samples_never_exceed_the_samples_checked():
    item = ItemResult(D(44), None, sampled=True, sample_size=1, nonconforming_samples=0, nonconformities=2)
    assert (item.effective_nonconforming(), item.obtained()) == (1, 0)


def test_a_sampled_item_without_samples_and_a_nonconformity_scores_0(audit, lead):
    score(audit, "5.1.2", by=lead, points=44)
    raise_nc(audit, "5.1.2", by=lead)
    assert scoresheet.build(audit).row_for(leaf(audit, "5.1.2").pk).obtained == 0


def test_an_excluded_item_with_a_nonconformity_counts_as_applicable_with_0(audit, lead):
    full_points(audit, by=lead)
    score(audit, "5.1.3", by=lead, not_applicable=True, not_applicable_reason="无网点")
    assert scoresheet.build(audit).result.applicable == 50
    raise_nc(audit, "5.1.3", by=lead)
    result = scoresheet.build(audit).result
    assert (result.obtained, result.applicable, result.score) == (D(50), D(100), D("50.00"))


def test_a_nonconformity_stands_after_its_correction_is_verified(audit, lead):
    full_points(audit, by=lead)
    nc = raise_nc(audit, "5.1.1", by=lead)
    Nonconformity.objects.filter(pk=nc.pk).update(status=Nonconformity.Status.VERIFIED)
    assert scoresheet.build(audit).result.score == D("94.00")


def test_the_nonconformity_of_a_special_deduction_costs_only_the_special_point(audit, lead):
    full_points(audit, by=lead)
    audit.add_special_finding(
        by=lead, kind="deduction", category="own_rules", indicator=leaf(audit, "5.1.1"), description="未执行回访"
    )
    assert Nonconformity.objects.get().indicator == leaf(audit, "5.1.1")
    assert scoresheet.build(audit).result.score == D("99.00")
    assert scoresheet.submit_problems(audit) == []


def test_a_nonconformity_without_an_indicator_costs_no_item_points(audit, lead):
    full_points(audit, by=lead)
    audit.raise_nonconformity(by=lead, description="营业执照即将到期")
    assert scoresheet.build(audit).result.score == D("100.00")


# --- submitting ------------------------------------------------------------------------------------------------


def test_submit_problems_names_the_item_with_points_and_a_nonconformity(audit, lead):
    full_points(audit, by=lead)
    assert scoresheet.submit_problems(audit) == []
    raise_nc(audit, "5.1.1", by=lead)
    with translation.override("en"):
        problems = scoresheet.submit_problems(audit)
    assert len(problems) == 1
    assert "5.1.1 Organization structure" in problems[0] and "6 points" in problems[0]
    score(audit, "5.1.1", by=lead, points=0)
    assert scoresheet.submit_problems(audit) == []


def test_submit_problems_one_sentence_per_item(audit, lead):
    full_points(audit, by=lead, samples=1)
    score(audit, "5.1.3", by=lead, not_applicable=True, not_applicable_reason="无网点")
    raise_nc(audit, "5.1.1", by=lead)
    raise_nc(audit, "5.1.2", by=lead)
    raise_nc(audit, "5.1.2", by=lead, text="第二份")
    raise_nc(audit, "5.1.3", by=lead)
    with translation.override("en"):
        problems = scoresheet.submit_problems(audit)
    assert [p.split(" ")[0] for p in problems] == ["5.1.1", "5.1.2", "5.1.3"]
    assert "only 1 samples" in problems[1] and "excluded" in problems[2]


def test_a_sampled_item_with_enough_samples_may_be_submitted(audit, lead):
    full_points(audit, by=lead)
    raise_nc(audit, "5.1.2", by=lead)
    assert scoresheet.submit_problems(audit) == []


def test_submit_problems_name_the_item_in_the_reader_language(audit, lead):
    full_points(audit, by=lead)
    raise_nc(audit, "5.1.1", by=lead)
    with translation.override("en"):
        english = scoresheet.submit_problems(audit)[0]
    assert english.startswith("5.1.1 Organization structure has a nonconformity")
    with translation.override("zh-hans"):
        assert scoresheet.submit_problems(audit)[0].startswith("5.1.1 组织架构")  # the item's name in Chinese


def test_the_review_page_lists_the_problems_and_disables_submitting(client, audit, lead):
    full_points(audit, by=lead)
    raise_nc(audit, "5.1.1", by=lead)
    client.force_login(lead)
    response = client.get(reverse("audits:submit", args=[audit.pk]))
    assert response.context["problems"] == scoresheet.submit_problems(audit)
    page = response.content.decode()
    assert "data-submit-problems" in page and escape(response.context["problems"][0]) in page
    assert 'btn-gold btn-lg" disabled' in page
    assert response.context["result"].score == D("94.00")


# --- the form and the sheet say why ---------------------------------------------------------------------------


def test_the_auditor_form_says_why_the_item_scores_0(client, audit, lead):
    full_points(audit, by=lead)
    nc = raise_nc(audit, "5.1.1", by=lead)
    client.force_login(lead)
    response = client.get(reverse("audits:form", args=[audit.pk]))
    row = response.context["sheet"].row_for(leaf(audit, "5.1.1").pk)
    with translation.override("en"):
        assert row.reason == "0: nonconformity on this item, which loses its full points."
    page = response.content.decode()
    assert "data-nc-reason" in page and escape(row.reason) in page
    assert reverse("audits:nonconformity", args=[nc.pk]) in page
    assert response.context["running"].score == D("94.00")  # the header's total


def test_the_auditor_form_says_the_nonconformities_count_as_samples(client, audit, lead):
    full_points(audit, by=lead)
    raise_nc(audit, "5.1.2", by=lead)
    raise_nc(audit, "5.1.2", by=lead, text="第二份")
    client.force_login(lead)
    response = client.get(reverse("audits:form", args=[audit.pk]))
    row = response.context["sheet"].row_for(leaf(audit, "5.1.2").pk)
    with translation.override("en"):
        assert row.reason.startswith("2 of 10 samples nonconforming")
    assert escape(row.reason) in response.content.decode()
    # before any sample is recorded, the form says how the nonconformities will count
    ItemScore.objects.filter(indicator=leaf(audit, "5.1.2")).update(sample_size=None, nonconforming_samples=None)
    page = client.get(reverse("audits:form", args=[audit.pk])).content.decode()
    assert "data-nc-samples" in page


def test_autosave_counts_the_item_as_0(client, audit, lead):
    raise_nc(audit, "5.1.1", by=lead)
    client.force_login(lead)
    response = client.post(
        reverse("audits:save_item", args=[audit.pk, leaf(audit, "5.1.1").pk]), {"points": "6"}, **JSON
    )
    body = response.json()
    assert body["item"] == {"obtained": "0.00", "scored": True}
    assert (body["progress"]["obtained"], body["progress"]["applicable"]) == ("0.00", "6.00")
    assert ItemScore.objects.get().points == 6  # kept as typed; the report cannot be submitted like this


def test_fewer_samples_than_nonconformities_is_refused_and_translated(client, audit, lead):
    raise_nc(audit, "5.1.2", by=lead)
    raise_nc(audit, "5.1.2", by=lead, text="第二份")
    client.force_login(lead)
    url = reverse("audits:save_item", args=[audit.pk, leaf(audit, "5.1.2").pk])
    response = client.post(url, {"sample_size": "1", "nonconforming_samples": "0"}, **JSON)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["sample_size"] and "2" in response.json()["errors"]["sample_size"][0]
    assert not ItemScore.objects.exists()
    with translation.override("en"):
        form = ItemScoreForm({"sample_size": "1"}, instance=ItemScore(audit=audit, indicator=leaf(audit, "5.1.2")))
        assert form.errors["sample_size"] == [
            "This item has 2 nonconformities: at least 2 samples must have been checked."
        ]
    assert client.post(url, {"sample_size": "2", "nonconforming_samples": "0"}, **JSON).status_code == 200


def test_the_score_sheet_of_the_report_says_why(audit, lead):
    full_points(audit, by=lead)
    score(audit, "5.1.2", by=lead, sample_size=10, nonconforming_samples=0)
    raise_nc(audit, "5.1.1", by=lead)
    raise_nc(audit, "5.1.2", by=lead)
    sheet = scoresheet.build(audit)
    first = render_to_string("audits/_report_row.html", {"row": sheet.row_for(leaf(audit, "5.1.1").pk)})
    assert "0.00" in first and "该项不得分" in first and "0: 1 nonconformity, the item loses its full points" in first
    sampled = render_to_string("audits/_report_row.html", {"row": sheet.row_for(leaf(audit, "5.1.2").pk)})
    assert "不合格 1 份（不符合项 1 项计入）" in sampled and "39.60" in sampled  # 44 × 9/10


def test_the_result_page_says_why_the_points_were_lost(client, audit, lead, applicant):
    full_points(audit, by=lead)
    score(audit, "5.1.1", by=lead, points=0)
    raise_nc(audit, "5.1.1", by=lead)
    assert scoresheet.submit_problems(audit) == []
    services.submit_audit_report(audit=audit, by=lead)
    audit.refresh_from_db()
    assert audit.score == D("94.00")
    client.force_login(applicant)
    response = client.get(reverse("audits:result", args=[audit.pk]))
    (loss,) = response.context["gap"]["losses"]
    assert loss.indicator.code == "5.1.1" and loss.lost == 6
    assert "data-loss-reason" in response.content.decode() and escape(loss.reason) in response.content.decode()

"""The scoring rule (audits/scoring.py): hand-computed cases and properties."""

from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from audits.scoring import ItemResult, compute, grade_for, next_grade


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("101", "five_star"),
        ("100", "five_star"),
        ("95", "five_star"),
        ("94.99", "four_star"),
        ("90", "four_star"),
        ("89.99", "three_star"),
        ("80", "three_star"),
        ("79.99", "compliant"),
        ("70", "compliant"),
        ("69.99", ""),
        ("0", ""),
    ],
)
def test_grade_thresholds_are_inclusive(score, grade):
    assert grade_for(D(score)) == grade


def test_thresholds_come_from_settings(settings):
    settings.GRADE_THRESHOLDS = {"five_star": 97, "four_star": 92, "three_star": 85, "compliant": 75}
    assert [grade_for(D(s)) for s in ("96.99", "97", "91", "84.99", "75", "74.99")] == [
        "four_star",
        "five_star",
        "three_star",
        "compliant",
        "compliant",
        "",
    ]


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("85", ("four_star", D(5))),
        ("69.5", ("compliant", D("0.5"))),
        ("94.99", ("five_star", D("0.01"))),
        ("0", ("compliant", D(70))),
        ("95", None),
    ],
)
def test_next_grade_and_the_points_missing(score, expected):
    assert next_grade(D(score)) == expected


def test_hand_computed_audit():
    # 10 + 8 + (excluded 5) + sampled 10 with 1 of 4 nonconforming → 7.5; applicable 30 → 25.5/30 = 85
    items = [
        ItemResult(D(10), D(10)),
        ItemResult(D(10), D(8)),
        ItemResult(D(5), None, not_applicable=True),
        ItemResult(D(10), None, sampled=True, sample_size=4, nonconforming_samples=1),
    ]
    r = compute(items)
    assert (r.obtained, r.applicable, r.score, r.grade) == (D("25.5"), D(30), D("85.00"), "three_star")


def test_hand_computed_seeded_tree_with_placeholder_points():
    # The seeded 18 leaves add up to 100. Lose 4 points on two items (6 → 4, 5 → 3), exclude 5.2.6 (3 points),
    # and find 2 of 10 repair records nonconforming (6 × 0.8 = 4.8):
    # obtained = (100 − 3) − 4 − 1.2 = 91.8 of 97 applicable → 94.639… → 94.64 → four-star.
    maxima = [6, 4, 6, 5, 4, 5, 6, 5, 5, 4, 5, 5, 6, 5, 3, 10, 10]  # every leaf but 5.2.4 (repair, sampled)
    items = [ItemResult(D(m), D(m)) for m in maxima]
    items[0] = ItemResult(D(6), D(4))
    items[3] = ItemResult(D(5), D(3))
    items[14] = ItemResult(D(3), None, not_applicable=True)
    items.append(ItemResult(D(6), None, sampled=True, sample_size=10, nonconforming_samples=2))
    r = compute(items)
    assert (r.obtained, r.applicable) == (D("91.8"), D(97))
    assert (r.score, r.grade) == (D("94.64"), "four_star")
    # The single special bonus lifts it to five-star; two deductions bring it down again.
    assert compute(items, bonus=1).grade == "five_star"
    assert compute(items, bonus=1, deductions=2).score == D("93.64")


def test_specials_apply_to_the_100_point_score():
    items = [ItemResult(D(50), D(47)), ItemResult(D(50), D(47))]  # 94
    assert compute(items).grade == "four_star"
    assert compute(items, bonus=1).score == D("95.00")
    assert compute(items, bonus=1).grade == "five_star"
    assert compute(items, bonus=1, deductions=2).score == D("93.00")


def test_a_perfect_audit_with_the_bonus_scores_101():
    r = compute([ItemResult(D(10), D(10))], bonus=1)
    assert (r.base_score, r.score, r.grade) == (D("100.00"), D("101.00"), "five_star")


def test_deductions_never_take_the_score_below_zero():
    assert compute([ItemResult(D(10), D(0))], deductions=3).score == D("0.00")


def test_rounding_is_half_up_before_the_grade():
    # 2 of 3 items full → 66.666… → 66.67; 179/200 = 89.5 exactly; 189.99/200 = 94.995 → 95.00 (half up)
    assert compute([ItemResult(D(1), D(1)), ItemResult(D(1), D(1)), ItemResult(D(1), D(0))]).score == D("66.67")
    assert compute([ItemResult(D(200), D(179))]).score == D("89.50")
    assert compute([ItemResult(D(200), D("189.99"))]).score == D("95.00")
    assert compute([ItemResult(D(200), D("189.99"))]).grade == "five_star"


def test_rounding_is_done_on_the_exact_score():
    # 2 × 11/12 + 14 × 1/3 = 6.5 of 16 → 40.625 exactly → 40.63. Thirds cut to 28 digits made it 40.62499… → 40.62.
    items = [
        ItemResult(D(2), None, sampled=True, sample_size=12, nonconforming_samples=1),
        ItemResult(D(14), None, sampled=True, sample_size=3, nonconforming_samples=2),
    ]
    assert compute(items).score == D("40.63")


def test_all_items_excluded_scores_zero():
    assert compute([ItemResult(D(5), None, not_applicable=True)]).score == D(0)


def test_sampled_item_without_samples_uses_the_awarded_points():
    assert ItemResult(D(10), D(6), sampled=True).obtained() == D(6)
    assert ItemResult(D(10), D(6), sampled=True, sample_size=5, nonconforming_samples=5).obtained() == D(0)


def test_a_blocking_finding_vetoes_the_grade_but_keeps_the_score():
    r = compute([ItemResult(D(10), D(10))], blocked=True)
    assert (r.score, r.score_grade, r.grade, r.blocked) == (D("100.00"), "five_star", "", True)


def test_only_one_bonus():
    with pytest.raises(ValueError):
        compute([ItemResult(D(10), D(10))], bonus=2)


# --- properties -------------------------------------------------------------------------------------------------

plain_item = st.builds(
    lambda mx, tenths, na: ItemResult(D(mx), (D(mx) * D(tenths) / 10).quantize(D("0.01")), not_applicable=na),
    st.integers(1, 20),
    st.integers(0, 10),
    st.booleans(),
)
sampled_item = st.builds(
    lambda mx, n, bad: ItemResult(D(mx), None, sampled=True, sample_size=n, nonconforming_samples=min(bad, n)),
    st.integers(1, 20),
    st.integers(1, 30),
    st.integers(0, 30),
)
any_item = st.one_of(plain_item, sampled_item)


@given(st.lists(any_item, min_size=1, max_size=20), st.integers(0, 1), st.integers(0, 5))
def test_score_never_exceeds_101_nor_drops_below_0(items, bonus, deductions):
    r = compute(items, bonus=bonus, deductions=deductions)
    assert D(0) <= r.score <= D(101)
    assert r.base_score <= D(100)


@given(st.lists(any_item, min_size=1, max_size=20), st.integers(0, 19))
def test_excluding_an_item_is_the_same_as_leaving_it_out(items, index):
    i = index % len(items)
    excluded = list(items)
    excluded[i] = ItemResult(items[i].max_points, items[i].points, not_applicable=True)
    assert compute(excluded).score == compute(items[:i] + items[i + 1 :]).score


def exact_ratio(item: ItemResult) -> Fraction:
    """The share of its points an item of the strategies above achieves, as an exact fraction."""
    if item.sampled and item.sample_size:
        return Fraction(item.sample_size - item.nonconforming_samples, item.sample_size)
    return Fraction(item.points) / Fraction(item.max_points)


def is_rounded_half_up(rounded: D, exact: Fraction) -> bool:
    """`rounded` has two decimals and is `exact` rounded half up: exact − ½ cent < rounded ≤ exact + ½ cent."""
    half_cent = Fraction(1, 200)
    return rounded == rounded.quantize(D("0.01")) and exact - half_cent < Fraction(rounded) <= exact + half_cent


def sampled(max_points, sample_size, nonconforming):
    return ItemResult(D(max_points), None, sampled=True, sample_size=sample_size, nonconforming_samples=nonconforming)


# Failures hypothesis found, kept: the first two remaining items score exactly 8.1 of 48 = 16.875 → 16.88, which a
# Decimal computation of the weights (28 digits) made 16.87499…9 (the test's fault); the second is 40.625 → 40.63,
# which the code itself once rounded from 40.62499… to 40.62.
@example(
    [ItemResult(D(5), D("2.50")), sampled(19, 18, 18), ItemResult(D(16), D("1.60")), ItemResult(D(13), D("6.50"))], 0
)
@example([ItemResult(D(5), D(5)), sampled(2, 12, 1), sampled(14, 3, 2)], 0)
@given(st.lists(any_item, min_size=2, max_size=20), st.integers(0, 19))
def test_after_an_exclusion_each_item_weighs_its_share_of_the_applicable_points(items, index):
    i = index % len(items)
    others = [it for n, it in enumerate(items) if n != i and not it.not_applicable]
    excluded = list(items)
    excluded[i] = ItemResult(items[i].max_points, items[i].points, not_applicable=True)
    applicable = sum(Fraction(it.max_points) for it in others)
    if not applicable:
        return
    # Σ weight × achieved ratio, weight = max ÷ applicable of the remaining items: the others' relative weights
    # are unchanged (each keeps max_a : max_b) and the weights add up to 1. Exact, then rounded half up to cents.
    weighted = sum(Fraction(it.max_points) / applicable * exact_ratio(it) for it in others) * 100
    assert is_rounded_half_up(compute(excluded).base_score, weighted)


@given(st.lists(any_item, min_size=1, max_size=10), st.integers(0, 9), st.integers(0, 10))
def test_more_points_never_lower_the_score(items, index, tenths):
    i = index % len(items)
    it = items[i]
    better_points = it.obtained() + (it.max_points - it.obtained()) * D(tenths) / 10
    better = list(items)
    better[i] = ItemResult(it.max_points, better_points, not_applicable=it.not_applicable)
    assert compute(better).score >= compute(items).score


@given(st.lists(sampled_item, min_size=1, max_size=10), st.integers(0, 9))
def test_one_more_nonconforming_sample_never_raises_the_score(items, index):
    i = index % len(items)
    it = items[i]
    worse = list(items)
    worse[i] = ItemResult(
        it.max_points,
        None,
        sampled=True,
        sample_size=it.sample_size,
        nonconforming_samples=min(it.sample_size, (it.nonconforming_samples or 0) + 1),
    )
    assert compute(worse).score <= compute(items).score


@given(st.lists(any_item, min_size=1, max_size=10), st.integers(0, 5))
def test_the_bonus_never_lowers_and_a_deduction_never_raises(items, deductions):
    assert compute(items, bonus=1, deductions=deductions).score >= compute(items, deductions=deductions).score
    assert compute(items, deductions=deductions + 1).score <= compute(items, deductions=deductions).score


@given(st.decimals(min_value=0, max_value=101, places=2))
def test_grade_is_monotonic_in_the_score(score):
    from applications.models import Grade

    def rank(grade):
        return -1 if not grade else Grade.rank(grade)

    assert rank(grade_for(score)) <= rank(grade_for(score + D("0.01")))

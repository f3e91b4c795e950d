from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audits.scoring import ItemResult, compute, grade_for


@pytest.mark.parametrize(
    ("score", "grade"),
    [
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
        ("101", "five_star"),
    ],
)
def test_grade_thresholds_are_inclusive(score, grade):
    assert grade_for(D(score)) == grade


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


def test_specials_apply_to_the_100_point_score():
    items = [ItemResult(D(50), D(47)), ItemResult(D(50), D(47))]  # 94
    assert compute(items).grade == "four_star"
    assert compute(items, bonus=1).score == D("95.00")
    assert compute(items, bonus=1).grade == "five_star"
    assert compute(items, bonus=1, deductions=2).score == D("93.00")


def test_only_one_bonus():
    with pytest.raises(ValueError):
        compute([ItemResult(D(10), D(10))], bonus=2)


item_st = st.builds(
    lambda mx, frac, na: ItemResult(D(mx), (D(mx) * D(frac) / 10).quantize(D("0.01")), not_applicable=na),
    st.integers(1, 20),
    st.integers(0, 10),
    st.booleans(),
)


@given(st.lists(item_st, min_size=1, max_size=20), st.integers(0, 1), st.integers(0, 5))
def test_score_never_exceeds_101_nor_drops_below_0(items, bonus, deductions):
    r = compute(items, bonus=bonus, deductions=deductions)
    assert D(0) <= r.score <= D(101)


@given(st.lists(item_st, min_size=2, max_size=20))
def test_excluding_an_item_leaves_the_others_share_unchanged(items):
    kept = [i for i in items if not i.not_applicable]
    excluded = ItemResult(D(7), D(0), not_applicable=True)
    assert compute(kept + [excluded]).score == compute(kept).score if kept else True


@given(st.lists(item_st, min_size=1, max_size=10), st.integers(0, 9))
def test_more_points_never_lower_the_score(items, index):
    i = index % len(items)
    better = list(items)
    it = items[i]
    better[i] = ItemResult(it.max_points, it.max_points, not_applicable=it.not_applicable)
    assert compute(better).score >= compute(items).score

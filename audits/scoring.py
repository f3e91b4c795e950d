"""The GB/T 27922 scoring rule (domain.md §2.4–2.6), in one place.

    score = points obtained ÷ points of the applicable items × 100      (excluded items count in neither)
            + 1 if the audit has a special bonus (at most one)
            − 1 for each special deduction

* A non-sampled item scores the points the team awards (0 … max). A nonconformity against it loses the full
  points (§2.4 rule 1): the item scores 0 whatever points were typed.
* A sampled item loses points in proportion to its nonconforming share: max × (1 − nonconforming ÷ samples),
  where each nonconformity against the item counts among the nonconforming samples: the effective count is
  max(recorded nonconforming samples, nonconformities), at most the samples checked.
  If no samples were recorded, the item is scored as a non-sampled one (so a nonconformity makes it 0).
* An excluded (not applicable) item counts in neither total, unless it has a nonconformity: an item found
  nonconforming applies, so it is counted, with 0 points.
* The specials are applied to the 100-point score, so only the bonus can take it above 100 (to at most 101).
  A score is never below 0. Scores are rounded half-up to two decimals before the grade is looked up.
* Grades (inclusive thresholds, settings.GRADE_THRESHOLDS): 五星 ≥ 95, 四星 ≥ 90, 三星 ≥ 80, 达标 ≥ 70;
  below the lowest threshold no grade ("not certified").
* A blocking finding (veto) forbids a positive recommendation whatever the score: the grade is then "".
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings

from applications.models import Grade

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ItemResult:
    max_points: Decimal
    points: Decimal | None = None
    not_applicable: bool = False
    sampled: bool = False
    sample_size: int | None = None
    nonconforming_samples: int | None = None
    nonconformities: int = 0  # nonconformities raised against the item (scoresheet decides which count)

    @property
    def is_excluded(self) -> bool:
        return self.not_applicable and not self.nonconformities

    @property
    def is_proportional(self) -> bool:
        """Scored on its samples (a sampled item with samples recorded)."""
        return self.sampled and bool(self.sample_size)

    def effective_nonconforming(self) -> int:
        """Nonconforming samples, each nonconformity counting as one, at most the samples checked."""
        counted = max(self.nonconforming_samples or 0, self.nonconformities)
        return min(counted, self.sample_size or 0)

    def obtained(self) -> Decimal:
        if self.is_excluded:
            return Decimal(0)
        if self.is_proportional:
            samples = self.sample_size or 0  # proportional: samples were recorded
            conforming = Decimal(samples - self.effective_nonconforming()) / Decimal(samples)
            return self.max_points * conforming
        if self.nonconformities:
            return Decimal(0)
        return self.points or Decimal(0)

    def exact_obtained(self) -> Fraction:
        """obtained() as an exact fraction, which the score is computed from: a sampled item's share (2/3 …) is
        not cut to 28 digits, which could turn an exact 40.625 into 40.62499… and round it down."""
        if self.is_proportional and not self.is_excluded:
            samples = self.sample_size or 0  # proportional: samples were recorded
            conforming = Fraction(samples - self.effective_nonconforming(), samples)
            return Fraction(self.max_points) * conforming
        return Fraction(self.obtained())

    def lost(self) -> Decimal:
        """Points this item lost (0 for an excluded item)."""
        return Decimal(0) if self.is_excluded else self.max_points - self.obtained()


@dataclass(frozen=True)
class Result:
    obtained: Decimal
    applicable: Decimal
    base_score: Decimal
    bonus: int
    deductions: int
    score: Decimal
    score_grade: str  # the grade the score alone reaches ("" below the lowest threshold)
    blocked: bool
    grade: str  # the recommended grade: score_grade, or "" when a blocking finding vetoes it


def thresholds() -> list[tuple[Decimal, str]]:
    """(threshold, grade), highest first, from settings.GRADE_THRESHOLDS."""
    configured = settings.GRADE_THRESHOLDS
    pairs = [(Decimal(str(configured[grade])), grade) for grade in Grade.values if grade in configured]
    return sorted(pairs, reverse=True)


def grade_for(score: Decimal) -> str:
    for threshold, grade in thresholds():
        if score >= threshold:
            return grade
    return ""


def next_grade(score: Decimal) -> tuple[str, Decimal] | None:
    """The next grade above the one `score` reaches and the score points still missing; None at the top."""
    above = [(threshold, grade) for threshold, grade in thresholds() if threshold > score]
    if not above:
        return None
    threshold, grade = min(above)
    return grade, threshold - score


def round_half_up(value: Fraction) -> Decimal:
    """`value` rounded half up to two decimals."""
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def compute(items: list[ItemResult], *, bonus: int = 0, deductions: int = 0, blocked: bool = False) -> Result:
    """Score and grade of one audit from its item results and special findings (rule in the module docstring)."""
    if bonus not in (0, 1):
        raise ValueError("At most one special bonus per audit.")
    if deductions < 0:
        raise ValueError("The number of special deductions cannot be negative.")
    applicable_items = [i for i in items if not i.is_excluded]
    applicable = sum((i.max_points for i in applicable_items), Decimal(0))
    obtained = sum((i.obtained() for i in applicable_items), Decimal(0))
    exact = sum((i.exact_obtained() for i in applicable_items), Fraction(0))
    base = exact / Fraction(applicable) * 100 if applicable else Fraction(0)
    score = round_half_up(max(Fraction(0), base + bonus - deductions))
    score_grade = grade_for(score)
    return Result(
        obtained=obtained,
        applicable=applicable,
        base_score=round_half_up(base),
        bonus=bonus,
        deductions=deductions,
        score=score,
        score_grade=score_grade,
        blocked=blocked,
        grade="" if blocked else score_grade,
    )

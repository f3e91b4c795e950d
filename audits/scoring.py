"""The GB/T 27922 scoring rule (domain.md §2.4–2.5), in one place.

    score = points obtained ÷ points of the applicable items × 100      (excluded items count in neither)
            + 1 if the audit has a special bonus (at most one)
            − 1 for each special deduction

* A non-sampled item scores the points the team awards (0 … max; a nonconformity loses the full points).
* A sampled item loses points in proportion to its nonconforming share: max × (1 − nonconforming ÷ samples).
  If no samples were recorded, the awarded points are used as for a non-sampled item.
* The specials are applied to the 100-point score, so only the bonus can take it above 100 (to at most 101).
  A score is never below 0.
* Grades (inclusive thresholds): 五星 ≥ 95, 四星 ≥ 90, 三星 ≥ 80, 达标 ≥ 70; below 70 no grade.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from applications.models import Grade

HUNDRED = Decimal(100)
THRESHOLDS = [
    (Decimal(95), Grade.FIVE_STAR),
    (Decimal(90), Grade.FOUR_STAR),
    (Decimal(80), Grade.THREE_STAR),
    (Decimal(70), Grade.COMPLIANT),
]


@dataclass(frozen=True)
class ItemResult:
    max_points: Decimal
    points: Decimal | None = None
    not_applicable: bool = False
    sampled: bool = False
    sample_size: int | None = None
    nonconforming_samples: int | None = None

    def obtained(self) -> Decimal:
        if self.sampled and self.sample_size:
            conforming = Decimal(self.sample_size - (self.nonconforming_samples or 0)) / Decimal(self.sample_size)
            return self.max_points * conforming
        return self.points or Decimal(0)


@dataclass(frozen=True)
class Result:
    obtained: Decimal
    applicable: Decimal
    base_score: Decimal
    bonus: int
    deductions: int
    score: Decimal
    grade: str  # "" below 70


def grade_for(score: Decimal) -> str:
    for threshold, grade in THRESHOLDS:
        if score >= threshold:
            return grade
    return ""


def compute(items: list[ItemResult], *, bonus: int = 0, deductions: int = 0) -> Result:
    """Score and grade of one audit from its item results and special findings (rule in the module docstring)."""
    if bonus not in (0, 1):
        raise ValueError("At most one special bonus per audit.")
    applicable_items = [i for i in items if not i.not_applicable]
    applicable = sum((i.max_points for i in applicable_items), Decimal(0))
    obtained = sum((i.obtained() for i in applicable_items), Decimal(0))
    base = (obtained / applicable * HUNDRED) if applicable else Decimal(0)
    score = max(Decimal(0), base + bonus - deductions).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Result(
        obtained=obtained,
        applicable=applicable,
        base_score=base.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        bonus=bonus,
        deductions=deductions,
        score=score,
        grade=grade_for(score),
    )

"""An audit's score sheet: the indicator tree with the team's findings and the computed result.

One object for the scoring form, the applicant's result page and the report PDF, built with a fixed number of
queries (indicators, scores, special findings, blocking nonconformities; photos when asked for).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from . import scoring
from .models import Audit, AuditPhoto, Indicator, ItemScore, SpecialFinding


@dataclass
class Row:
    """One leaf indicator and the team's finding on it."""

    indicator: Indicator
    score: ItemScore | None
    photos: list = field(default_factory=list)

    @property
    def item(self) -> scoring.ItemResult:
        s, ind = self.score, self.indicator
        return scoring.ItemResult(
            max_points=ind.max_points,
            points=s.points if s else None,
            not_applicable=bool(s and s.not_applicable),
            sampled=ind.sampled,
            sample_size=s.sample_size if s else None,
            nonconforming_samples=s.nonconforming_samples if s else None,
        )

    @property
    def is_scored(self) -> bool:
        return bool(self.score and self.score.is_scored)

    @property
    def obtained(self) -> Decimal:
        return self.item.obtained()

    @property
    def lost(self) -> Decimal:
        return self.item.lost()


@dataclass
class Node:
    """A first- or second-level indicator with what lies beneath it (a second-level leaf has a row)."""

    indicator: Indicator
    children: list = field(default_factory=list)  # Nodes
    row: Row | None = None

    @property
    def rows(self) -> list[Row]:
        return [self.row] if self.row else [r for child in self.children for r in child.rows]

    @property
    def max_points(self) -> Decimal:
        return sum((r.indicator.max_points for r in self.rows if not r.item.not_applicable), Decimal(0))

    @property
    def obtained(self) -> Decimal:
        return sum((r.obtained for r in self.rows), Decimal(0))


@dataclass
class Sheet:
    audit: Audit
    groups: list[Node]
    rows: list[Row]
    bonus: int
    deductions: int
    blocked: bool

    @property
    def scored_count(self) -> int:
        return sum(1 for r in self.rows if r.is_scored)

    @property
    def unscored(self) -> list[Row]:
        return [r for r in self.rows if not r.is_scored]

    @property
    def result(self) -> scoring.Result:
        """The audit's result: an unscored item counts as applicable with no points."""
        return scoring.compute(
            [r.item for r in self.rows], bonus=self.bonus, deductions=self.deductions, blocked=self.blocked
        )

    @property
    def running(self) -> scoring.Result:
        """The result so far, over the items scored until now (what the form's header shows)."""
        return scoring.compute(
            [r.item for r in self.rows if r.is_scored],
            bonus=self.bonus,
            deductions=self.deductions,
            blocked=self.blocked,
        )

    @property
    def losses(self) -> list[Row]:
        """Items that lost points, largest loss first (the gap report)."""
        return sorted((r for r in self.rows if r.lost > 0), key=lambda r: (-r.lost, r.indicator.order))


def build(audit: Audit, *, with_photos: bool = False) -> Sheet:
    indicators = list(audit.indicator_set.indicators.order_by("order", "pk"))
    scores = {s.indicator_id: s for s in ItemScore.objects.filter(audit=audit)}
    photos: dict[int | None, list] = {}
    if with_photos:
        for photo in AuditPhoto.objects.filter(audit=audit).order_by("uploaded_at", "pk"):
            photos.setdefault(photo.indicator_id, []).append(photo)
    parents = {i.parent_id for i in indicators}
    nodes = {i.pk: Node(i) for i in indicators if i.pk in parents or i.level < 3}
    rows = []
    for indicator in indicators:
        if indicator.pk not in parents:  # a leaf carries the points
            row = Row(indicator, scores.get(indicator.pk), photos.get(indicator.pk, []))
            rows.append(row)
            if indicator.pk in nodes:
                nodes[indicator.pk].row = row
            elif indicator.parent_id in nodes:
                nodes[indicator.parent_id].children.append(Node(indicator, row=row))
        if indicator.parent_id in nodes and indicator.pk in nodes:
            nodes[indicator.parent_id].children.append(nodes[indicator.pk])
    kinds = list(audit.special_findings.values_list("kind", flat=True))
    return Sheet(
        audit=audit,
        groups=[nodes[i.pk] for i in indicators if i.parent_id is None and i.pk in nodes],
        rows=rows,
        bonus=kinds.count(SpecialFinding.Kind.BONUS),
        deductions=kinds.count(SpecialFinding.Kind.DEDUCTION),
        blocked=audit.nonconformities.filter(blocking=True).exists(),
    )

"""An audit's score sheet: the indicator tree with the team's findings and the computed result.

One object for the scoring form, the applicant's result page and the report PDF, built with a fixed number of
queries (indicators, scores, special findings, nonconformities; photos when asked for).

Scoring follows the findings (GB/T 27922 §2.4 rule 1, audits/scoring.py): a nonconformity against an item makes
a non-sampled item score 0 whatever points were typed, and counts as a nonconforming sample of a sampled item.
Which nonconformities count ("while it stands"):

* Every nonconformity raised against the item in this audit, from the moment it is raised, whatever its later
  status. A nonconformity is never deleted or withdrawn (the model protects it, the admin is read-only and no
  transition removes it); "responded", "verified" and "reopened" are about its correction after the report,
  and correcting a finding does not give back the points lost on site. So the score recorded at submission,
  the result page and the report PDF rendered later all show the same result, and a report reopened by staff
  keeps its nonconformities and their cost.
* Not the nonconformity that follows a special deduction (Nonconformity.special_finding): that finding already
  costs its −1 outside the item points (§2.4 rule 3), so it does not cost the item's points as well.
* A nonconformity without an indicator costs no item points (a blocking one still vetoes the grade).

A report cannot be submitted while such an item carries points, is excluded, or (sampled) has fewer samples
checked than nonconformities: `submit_problems` says which, in one translated sentence per item.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils.translation import ngettext

from . import scoring
from .models import Audit, AuditPhoto, Indicator, ItemScore, Nonconformity, SpecialFinding


@dataclass
class Row:
    """One leaf indicator and the team's finding on it."""

    indicator: Indicator
    score: ItemScore | None
    photos: list = field(default_factory=list)
    nonconformities: list = field(default_factory=list)  # the ones that cost this item points (module docstring)

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
            nonconformities=len(self.nonconformities),
        )

    @property
    def has_nonconformity(self) -> bool:
        return bool(self.nonconformities)

    @property
    def is_proportional(self) -> bool:
        return self.item.is_proportional

    @property
    def effective_nonconforming(self) -> int:
        return self.item.effective_nonconforming()

    @property
    def reason(self) -> str:
        """Why a nonconformity changed this item's points, for the form and the score sheet ("" when none did)."""
        count = len(self.nonconformities)
        if not count:
            return ""
        if self.is_proportional:
            return ngettext(
                "%(nonconforming)d of %(samples)d samples nonconforming: the %(count)d nonconformity on this item "
                "counts among them.",
                "%(nonconforming)d of %(samples)d samples nonconforming: the %(count)d nonconformities on this item "
                "count among them.",
                count,
            ) % {"nonconforming": self.effective_nonconforming, "samples": self.item.sample_size, "count": count}
        return ngettext(
            "0: nonconformity on this item, which loses its full points.",
            "0: %(count)d nonconformities on this item, which loses its full points.",
            count,
        ) % {"count": count}

    def submit_problem(self) -> str:
        """Why the report cannot be submitted with this item as it is ("" when it can)."""
        count, s = len(self.nonconformities), self.score
        if not count or s is None:
            return ""
        names = {"code": self.indicator.code, "name": self.indicator.title, "count": count}
        if s.not_applicable:
            return (
                ngettext(
                    "%(code)s %(name)s is excluded as not applicable, yet it has a nonconformity: "
                    "an item found nonconforming applies; remove the exclusion.",
                    "%(code)s %(name)s is excluded as not applicable, yet it has %(count)d nonconformities: "
                    "an item found nonconforming applies; remove the exclusion.",
                    count,
                )
                % names
            )
        if self.is_proportional:
            if (s.sample_size or 0) >= count:  # proportional: samples were checked
                return ""
            return ngettext(
                "%(code)s %(name)s has %(count)d nonconformity but only %(samples)d samples checked: "
                "each nonconformity counts as a nonconforming sample.",
                "%(code)s %(name)s has %(count)d nonconformities but only %(samples)d samples checked: "
                "each nonconformity counts as a nonconforming sample.",
                count,
            ) % {**names, "samples": s.sample_size}
        if s.points:
            return ngettext(
                "%(code)s %(name)s has a nonconformity but %(points)s points: set its points to 0 "
                "(a nonconformity loses the item's full points).",
                "%(code)s %(name)s has %(count)d nonconformities but %(points)s points: set its points to 0 "
                "(a nonconformity loses the item's full points).",
                count,
            ) % {**names, "points": floatformat(s.points, "-2")}
        return ""

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
        return sum((r.indicator.max_points for r in self.rows if not r.item.is_excluded), Decimal(0))

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

    def row_for(self, indicator_id: int) -> Row | None:
        return next((r for r in self.rows if r.indicator.pk == indicator_id), None)

    @property
    def submit_problems(self) -> list[str]:
        return [problem for row in self.rows if (problem := row.submit_problem())]


def build(audit: Audit, *, with_photos: bool = False) -> Sheet:
    indicators = list(audit.indicator_set.indicators.order_by("order", "pk"))
    scores = {s.indicator_id: s for s in ItemScore.objects.filter(audit=audit)}
    photos: dict[int | None, list] = {}
    if with_photos:
        for photo in AuditPhoto.objects.filter(audit=audit).order_by("uploaded_at", "pk"):
            photos.setdefault(photo.indicator_id, []).append(photo)
    nonconformities = list(audit.nonconformities.order_by("pk"))
    against: dict[int, list] = {}
    for nc in nonconformities:
        if counts_against_item(nc):
            against.setdefault(nc.indicator_id, []).append(nc)
    parents = {i.parent_id for i in indicators}
    nodes = {i.pk: Node(i) for i in indicators if i.pk in parents or i.level < 3}
    rows = []
    for indicator in indicators:
        if indicator.pk not in parents:  # a leaf carries the points
            row = Row(indicator, scores.get(indicator.pk), photos.get(indicator.pk, []), against.get(indicator.pk, []))
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
        blocked=any(nc.blocking for nc in nonconformities),
    )


def counts_against_item(nc: Nonconformity) -> bool:
    """Whether this nonconformity costs its item points (the rule in the module docstring)."""
    return nc.indicator_id is not None and nc.special_finding_id is None


def submit_problems(audit: Audit) -> list[str]:
    """Why the audit's report cannot be submitted as its items stand, one translated sentence per item naming it
    by code and name; empty when it may be submitted. (Unscored items are checked separately.)"""
    return build(audit).submit_problems

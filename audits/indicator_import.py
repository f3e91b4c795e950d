"""Reading an indicator set from the body's scoring sheet (CSV or JSON), checking all of it, then creating a new
version. Nothing is created unless the whole file is right; every problem is reported with its line.

Columns (CSV header, or JSON keys of each object): code, title_zh, title_en, max_points, and optionally
parent, level, excludable, sampled, placeholder. Without `parent`, an indicator's parent is the indicator whose
code is the longest one its code continues (5.1.2.1 → 5.1.2). Points are given on the leaves; a parent's points
are the sum of its children's (a parent value that disagrees is an error).
"""

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from .models import Indicator, IndicatorSet

REQUIRED = ("code", "title_zh", "title_en", "max_points")
TRUE = {"1", "true", "yes", "y", "x", "是", "✓"}
FALSE = {"", "0", "false", "no", "n", "否"}


class IndicatorFileError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Row:
    line: str  # "line 7" or "item 3", for messages
    code: str
    title_zh: str
    title_en: str
    max_points: Decimal | None
    parent: str
    level: int | None
    excludable: bool
    sampled: bool
    placeholder: bool
    children: list = field(default_factory=list)


def read(path: str) -> list[tuple[str, dict]]:
    """(where, raw row) pairs from a .csv or .json file."""
    with open(path, encoding="utf-8-sig") as f:
        text = f.read()
    if path.lower().endswith(".json"):
        data = json.loads(text)
        items = data["indicators"] if isinstance(data, dict) else data
        return [
            (f"item {n}", {k: "" if v is None else str(v) for k, v in item.items()}) for n, item in enumerate(items, 1)
        ]
    reader = csv.DictReader(io.StringIO(text))
    return [
        (f"line {n}", {k.strip(): (v or "").strip() for k, v in row.items() if k}) for n, row in enumerate(reader, 2)
    ]


def _flag(value: str, name: str, where: str, problems: list) -> bool:
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value not in FALSE:
        problems.append(f"{where}: {name} must be yes or no, not “{value}”.")
    return False


def _row(where: str, raw: dict, problems: list) -> Row | None:
    missing = [c for c in REQUIRED[:3] if not raw.get(c, "").strip()]
    if missing:
        problems.append(f"{where}: {', '.join(missing)} missing.")
        return None
    points = None
    if raw.get("max_points", "").strip():
        try:
            points = Decimal(raw["max_points"].strip())
        except InvalidOperation:
            problems.append(f"{where}: max_points “{raw['max_points']}” is not a number.")
        else:
            if points < 0 or points >= 1000 or points != points.quantize(Decimal("0.01")):
                problems.append(f"{where}: max_points must be between 0 and 999.99, with at most 2 decimals.")
    level = raw.get("level", "").strip()
    if level and level not in ("1", "2", "3"):
        problems.append(f"{where}: level must be 1, 2 or 3.")
    return Row(
        line=where,
        code=raw["code"].strip(),
        title_zh=raw["title_zh"].strip(),
        title_en=raw["title_en"].strip(),
        max_points=points,
        parent=raw.get("parent", "").strip(),
        level=int(level) if level in ("1", "2", "3") else None,
        excludable=_flag(raw.get("excludable", ""), "excludable", where, problems),
        sampled=_flag(raw.get("sampled", ""), "sampled", where, problems),
        placeholder=_flag(raw.get("placeholder", ""), "placeholder", where, problems),
    )


def _link(rows: list[Row], problems: list) -> list[Row]:
    """Attach children to parents, check levels and codes; return the first-level rows."""
    by_code: dict[str, Row] = {}
    for row in rows:
        if row.code in by_code:
            problems.append(f"{row.line}: code {row.code} appears twice (also {by_code[row.code].line}).")
        by_code[row.code] = row
    roots = []
    for row in rows:
        parent_code = row.parent or _prefix_parent(row.code, by_code)
        parent = by_code.get(parent_code) if parent_code else None
        if row.parent and parent is None:
            problems.append(f"{row.line}: parent {row.parent} is not in the file.")
        if parent is None:
            roots.append(row)
        else:
            parent.children.append(row)
    _set_levels(roots, 1, problems)
    return roots


def _prefix_parent(code: str, by_code: dict) -> str:
    """The longest other code that `code` continues after a dot (5.1.2.1 → 5.1.2, or 5.1 if 5.1.2 is absent)."""
    parts = code.split(".")
    for n in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:n]) in by_code:
            return ".".join(parts[:n])
    return ""


def _set_levels(rows: list[Row], level: int, problems: list) -> None:
    for row in rows:
        if level > 3:
            problems.append(f"{row.line}: {row.code} would be a fourth-level indicator; at most three levels.")
            continue
        if row.level is not None and row.level != level:
            problems.append(f"{row.line}: {row.code} is at level {level} in the tree, not {row.level}.")
        row.level = level
        _set_levels(row.children, level + 1, problems)


def _total(row: Row, problems: list) -> Decimal:
    """A leaf's points, or the sum of its children's (checked against a given parent value)."""
    if not row.children:
        if not row.max_points:
            problems.append(f"{row.line}: {row.code} carries points (it has no sub-indicators): give max_points > 0.")
        return row.max_points or Decimal(0)
    total = sum((_total(child, problems) for child in row.children), Decimal(0))
    if row.max_points is not None and row.max_points != total:
        problems.append(
            f"{row.line}: {row.code} says {row.max_points} points but its sub-indicators add up to {total}."
        )
    if row.excludable or row.sampled:
        problems.append(f"{row.line}: {row.code} has sub-indicators, so it cannot be excludable or sampled itself.")
    row.max_points = total
    return total


def parse(raw_rows: list[tuple[str, dict]]) -> list[Row]:
    """The checked tree (first-level rows), or IndicatorFileError listing every problem."""
    problems: list[str] = []
    if not raw_rows:
        raise IndicatorFileError(["The file has no indicators."])
    missing = [c for c in REQUIRED if c not in raw_rows[0][1]]
    if missing:
        raise IndicatorFileError([f"Missing column(s): {', '.join(missing)}."])
    rows = [row for where, raw in raw_rows if (row := _row(where, raw, problems)) is not None]
    roots = _link(rows, problems)
    for root in roots:
        _total(root, problems)
    if problems:
        raise IndicatorFileError(problems)
    return roots


@transaction.atomic
def create_set(roots: list[Row], *, name: str, standard_edition: str, activate: bool = False) -> IndicatorSet:
    """A new version of the edition's indicator set (never a change to one that audits used)."""
    leaves_placeholder = []
    indicator_set = IndicatorSet.objects.create(
        name=name, standard_edition=standard_edition, version=IndicatorSet.next_version(standard_edition)
    )
    order = 0

    def add(row: Row, parent) -> None:
        nonlocal order
        order += 1
        assert row.level is not None and row.max_points is not None  # parse() set both
        indicator = Indicator.objects.create(
            indicator_set=indicator_set,
            parent=parent,
            level=row.level,
            code=row.code,
            title_zh=row.title_zh,
            title_en=row.title_en,
            max_points=row.max_points,
            points_are_placeholder=row.placeholder,
            excludable=row.excludable,
            sampled=row.sampled,
            order=order,
        )
        if not row.children:
            leaves_placeholder.append(row.placeholder)
        for child in row.children:
            add(child, indicator)

    for root in roots:
        add(root, None)
    indicator_set.has_placeholder_points = any(leaves_placeholder)
    indicator_set.save(update_fields=["has_placeholder_points"])
    if activate:
        indicator_set.activate()
    return indicator_set

"""Build one-indicator schemes for hand-computed rule cases and check the engine against them.

A :class:`Case` is a scenario: one indicator ``x`` (the rule under test), a few units in
categories, their cells, and the points (and where useful flags, scores, grades, ranks) that the
definitions of docs/rules.md give — computed by hand, never copied from the engine.

Every scheme also has a helper base indicator ``base10`` (a judgement worth 10, full unless a row
gives it a deduction) so that bonus, deduction and veto items have points to act on, exactly as the
executable docs examples do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from kaohe import assess, build_scheme
from kaohe.dataset import Dataset
from kaohe.results import Results

HELPER = {"name": "基础分", "weights": 10, "rule": {"type": "judgement"}}


@dataclass
class Case:
    id: str  # what the scenario is, with the arithmetic where it fits
    indicator: dict[str, Any]  # the indicator x (name is filled in)
    values: dict[str, Any]  # unit -> the x cell, or a whole row {column: cell}
    expected: dict[str, float]  # unit -> points of x (math.nan: left out / renormalised)
    units: dict[str, str] | None = None  # unit -> category (default: every unit in "a")
    flags: dict[str, set[str]] = field(default_factory=dict)  # unit -> exact flags of x
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    scheme: dict[str, Any] = field(default_factory=dict)  # extra top-level scheme keys
    indicators: dict[str, Any] = field(default_factory=dict)  # extra indicators
    score: dict[str, float] = field(default_factory=dict)  # unit -> total score
    grade: dict[str, str] = field(default_factory=dict)  # unit -> grade id
    rank_in_category: dict[str, int] = field(default_factory=dict)


def params(cases: list[Case]) -> list[Any]:
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids), "case ids must be unique"
    return [pytest.param(c, id=c.id) for c in cases]


def build(case: Case) -> Any:
    units = case.units or dict.fromkeys(case.values, "a")
    cats = sorted(set(units.values()))
    raw: dict[str, Any] = {
        "name": f"rule case {case.id}",
        "categories": {c: {"name": f"类别{c}"} for c in cats},
        "units": {u: {"name": f"单位{u}", "category": c} for u, c in units.items()},
        "indicators": {
            "x": {"name": "被测指标", **case.indicator},
            "base10": HELPER,
            **case.indicators,
        },
        **case.scheme,
    }
    return build_scheme(raw)


def dataset(case: Case, scheme: Any) -> Dataset:
    units = case.units or dict.fromkeys(case.values, "a")
    rows: dict[str, dict[str, Any]] = {}
    for u in units:
        cell = case.values.get(u)
        rows[u] = dict(cell) if isinstance(cell, dict) else {"x": cell}
    return Dataset.from_mapping(scheme, rows, notes=case.notes)


def run(case: Case) -> Results:
    scheme = build(case)
    return assess(scheme, dataset(case, scheme))


def close(a: float, b: float) -> bool:
    if math.isnan(b):
        return math.isnan(a)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check(case: Case) -> Results:
    """Run the case and assert every hand-computed number, flag, score, grade and rank."""
    res = run(case)
    j = res.indicators.index("x")
    problems: list[str] = []
    for u, want in case.expected.items():
        i = res.units.index(u)
        got = float(res.points[i, j])
        if not close(got, want):
            ex = next(e for e in res.explain(u).indicators if e.indicator == "x")
            problems.append(f"{u}: expected {want}, engine gives {got} ({ex.arithmetic})")
    for u, want_flags in case.flags.items():
        ex = next(e for e in res.explain(u).indicators if e.indicator == "x")
        if set(ex.flags) != want_flags:
            problems.append(f"{u}: flags {sorted(ex.flags)}, expected {sorted(want_flags)}")
    for u, want in case.score.items():
        got = float(res.score[res.units.index(u)])
        if not close(got, want):
            problems.append(f"{u}: score {got}, expected {want}")
    for u, g in case.grade.items():
        got_g = res.grade(res.units.index(u))
        if got_g != g:
            problems.append(f"{u}: grade {got_g}, expected {g}")
    for u, r in case.rank_in_category.items():
        got_r = int(res.rank_in_category[res.units.index(u)])
        if got_r != r:
            problems.append(f"{u}: rank in category {got_r}, expected {r}")
    assert not problems, "\n".join(problems)
    return res

"""Small builders for schemes and data used by the aggregation, grading and property tests.

Everything here only assembles the plain mapping a scheme file would hold and drives the public
API (``build_scheme``, ``Dataset.from_mapping``, ``assess``); no expected value is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kaohe import Results, assess, build_scheme
from kaohe.dataset import Dataset


def scheme_dict(
    indicators: Mapping[str, Any],
    *,
    units: Mapping[str, str] | None = None,
    categories: Mapping[str, Any] | None = None,
    dimensions: Mapping[str, Any] | None = None,
    grading: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A scheme mapping.

    ``units`` maps unit id → category id (default: one unit ``u1`` in category ``c``);
    ``categories`` maps category id → full marks (a number or None) or a full category mapping;
    ``names`` optionally gives unit names (default: the id in upper case).
    Indicators get a default ``name`` (their id) when none is given.
    """
    units = dict(units or {"u1": "c"})
    cats: dict[str, Any] = {}
    for cid in dict.fromkeys(units.values()):
        cats[cid] = {"name": f"类别{cid}"}
    for cid, spec in (categories or {}).items():
        if isinstance(spec, Mapping):
            cats[cid] = dict(spec)
        elif spec is None:
            cats[cid] = {"name": f"类别{cid}"}
        else:
            cats[cid] = {"name": f"类别{cid}", "full_marks": spec}
    raw: dict[str, Any] = {
        "name": "测试方案",
        "categories": cats,
        "units": {
            u: {"name": (names or {}).get(u, u.upper()), "category": c} for u, c in units.items()
        },
        "dimensions": {d: {"name": f"维度{d}", **spec} for d, spec in (dimensions or {}).items()},
        "indicators": {i: {"name": i, **spec} for i, spec in indicators.items()},
        **top,
    }
    if grading is not None:
        raw["grading"] = dict(grading)
    return raw


def run(
    raw: Mapping[str, Any],
    data: Mapping[str, Mapping[str, Any]],
    notes: Mapping[tuple[str, str], str] | None = None,
) -> Results:
    """Build the scheme, read the data ``{unit: {column: value}}`` and assess."""
    scheme = build_scheme(raw)
    return assess(scheme, Dataset.from_mapping(scheme, data, notes=notes))


def score_scheme(
    scores: Mapping[str, tuple[str, float]],
    full: Mapping[str, float],
    *,
    grading: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    **top: Any,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A scheme whose one base indicator ``s`` gives each unit exactly the points wanted.

    ``scores`` maps unit → (category, points); ``full`` maps category → full marks. The rule is
    ``proportional`` with the target equal to the full marks, so a value v ≤ F earns v points.
    ``extra`` adds indicators (e.g. vetoes); their values go in the returned data by the caller.
    """
    units = {u: c for u, (c, _) in scores.items()}
    indicators: dict[str, Any] = {
        "s": {
            "weights": dict(full),
            "target": dict(full),
            "rule": {"type": "proportional"},
        },
        **(extra or {}),
    }
    raw = scheme_dict(
        indicators,
        units=units,
        categories=dict(full),
        grading=grading,
        names=names,
        **top,
    )
    data = {u: {"s": v} for u, (_, v) in scores.items()}
    return raw, data


def two_grades(quota: Mapping[str, Any], **grade: Any) -> list[dict[str, Any]]:
    """优秀 with the given quota (and minimums), then 一般 for everyone else."""
    return [
        {"id": "excellent", "name": "优秀", "quota": dict(quota), **grade},
        {"id": "fair", "name": "一般"},
    ]


def grades_of(res: Results) -> dict[str, str | None]:
    return {u: res.grade(i) for i, u in enumerate(res.units)}


def by_unit(res: Results, values: Any) -> dict[str, Any]:
    return {u: values[i].item() for i, u in enumerate(res.units)}

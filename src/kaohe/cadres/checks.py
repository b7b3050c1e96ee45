"""Regular checks (平时考核): a grade per cadre per quarter, with a cap on the top grade.

The share of the top grade (好) is capped per unit per quarter: at most ``top_share`` × the
cadres checked in that unit that quarter, rounded by ``rounding``. With ``cap: report`` the
grades are kept and every unit-quarter over the cap is listed; with ``cap: enforce`` the checks
need a ``score`` and, in each unit-quarter over the cap, the top-graded checks are ordered by
score (higher first, then cadre id) and those past the cap are lowered to the next grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kaohe.cadres.design import ChecksDesign
from kaohe.cadres.frames import (
    ROW,
    Problems,
    Source,
    number_column,
    require_columns,
    required_text,
    unknown,
)
from kaohe.cadres.quota import RoundingName
from kaohe.cadres.words import Msg, fmt
from kaohe.quota import quota_counts

CHECK_COLUMNS = ("cadre_id", "year", "quarter", "grade", "score", "note")


def build_checks(
    frame: pd.DataFrame,
    design: ChecksDesign,
    cadre_units: Mapping[str, str],
    source: Source | None = None,
) -> pd.DataFrame:
    """Check a table of regular checks; the result has cadre_id, unit, year, quarter, grade (the
    level's id), score (NaN when not given). Raises DataError listing every bad cell."""
    p = Problems(frame, source or Source())
    if not require_columns(p, ("cadre_id", "year", "quarter", "grade"), CHECK_COLUMNS):
        p.raise_if_any()
    cadre = required_text(p, "cadre_id")
    unknown(p, cadre, cadre_units.keys(), "cadre_id", "cadre")
    year = number_column(p, "year")
    p.cells(~np.isnan(year) & (year != np.round(year)), "year", lambda v: f"not a year: {v!r}")
    quarter_text = required_text(p, "quarter").map(
        lambda v: v.upper().removeprefix("Q"), na_action="ignore"
    )
    quarter = pd.to_numeric(quarter_text, errors="coerce")
    p.cells(
        (quarter_text.notna() & ~quarter.isin([1, 2, 3, 4])).to_numpy(),
        "quarter",
        lambda v: f"a quarter is 1, 2, 3 or 4 (or Q1–Q4), got {v!r}",
    )
    words = {lv.id: lv.id for lv in design.grades} | {lv.name: lv.id for lv in design.grades}
    grade_text = required_text(p, "grade")
    grade = grade_text.map(words)
    allowed = ", ".join(f"{lv.name} ({lv.id})" for lv in design.grades)
    p.cells(
        (grade_text.notna() & grade.isna()).to_numpy(),
        "grade",
        lambda v: f"invalid grade {v!r}; allowed: {allowed}",
    )
    score = number_column(
        p, "score", required=design.cap == "enforce" and design.top_share is not None
    )
    key = pd.DataFrame({"c": cadre, "y": year, "q": quarter})
    twice = key.duplicated().to_numpy() & cadre.notna().to_numpy()
    p.cells(twice, "quarter", "this cadre already has a check for this quarter")
    p.raise_if_any()
    out = pd.DataFrame(
        {
            "cadre_id": cadre,
            "unit": cadre.map(dict(cadre_units)),
            "year": year.astype(np.int64),
            "quarter": quarter.astype(np.int64),
            "grade": grade,
            "score": score,
        }
    )
    if ROW in frame.columns:
        out[ROW] = frame[ROW].to_numpy()
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class CheckCap:
    """The checks after the cap, the unit-quarters over it, and the checks lowered (if any).

    ``over``: unit, year, quarter, checked, top, limit (one row per unit-quarter over the cap).
    ``lowered``: the rows of ``checks`` lowered by ``enforce``, with ``from``, ``to``, ``place``.
    """

    checks: pd.DataFrame
    over: pd.DataFrame
    lowered: pd.DataFrame
    design: ChecksDesign

    def explain_over(self) -> list[Msg]:
        d = self.design
        top = d.grades[0].name
        return [
            Msg(
                "rc.over",
                unit=r.unit,
                year=r.year,
                q=r.quarter,
                top=top,
                k=r.top,
                limit=r.limit,
                n=r.checked,
                pct=fmt((d.top_share or 0) * 100),
                rounding=RoundingName(d.rounding),
            )
            for r in self.over.itertuples()
        ]

    def explain_lowered(self) -> list[Msg]:
        d = self.design
        names = {lv.id: lv.name for lv in d.grades}
        return [
            Msg(
                "rc.lowered",
                cadre=r.cadre_id,
                unit=r.unit,
                year=r.year,
                q=r.quarter,
                top=names[d.grades[0].id],
                limit=r.limit,
                p=r.place,
                grade=names[str(r.to)],
            )
            for r in self.lowered.itertuples()
        ]


def cap_checks(checks: pd.DataFrame, design: ChecksDesign) -> CheckCap:
    """Apply (``enforce``) or report (``report``) the cap on the top check grade."""
    top = design.grades[0].id
    keys = ["unit", "year", "quarter"]
    empty = pd.DataFrame(columns=[*keys, "checked", "top", "limit"])
    lowered = checks.iloc[0:0].assign(**{"from": [], "to": [], "place": [], "limit": []})
    if design.top_share is None or checks.empty:
        return CheckCap(checks, empty, lowered, design)
    is_top = checks["grade"] == top
    groups = checks.assign(is_top=is_top).groupby(keys, sort=True)
    counts = groups.agg(checked=("grade", "size"), top=("is_top", "sum")).reset_index()
    counts["limit"] = quota_counts(design.top_share, counts["checked"], design.rounding)
    over = counts[counts["top"] > counts["limit"]].reset_index(drop=True)
    if design.cap == "report" or over.empty:
        return CheckCap(checks, over, lowered, design)
    tops = checks[is_top].merge(over[[*keys, "limit"]], on=keys, how="inner")
    tops = tops.sort_values([*keys, "score", "cadre_id"], ascending=[True, True, True, False, True])
    tops["place"] = tops.groupby(keys).cumcount() + 1
    past = tops[tops["place"] > tops["limit"]]
    lowered_ids = pd.MultiIndex.from_frame(past[["cadre_id", "year", "quarter"]])
    at = pd.MultiIndex.from_frame(checks[["cadre_id", "year", "quarter"]]).isin(lowered_ids)
    out = checks.copy()
    out.loc[at, "grade"] = design.grades[1].id
    lowered = past.assign(**{"from": top, "to": design.grades[1].id}).reset_index(drop=True)
    return CheckCap(out, over, lowered, design)


def checks_summary(checks: pd.DataFrame, design: ChecksDesign, year: int) -> pd.DataFrame:
    """Per cadre in ``year``: quarters checked, mean points of the grades, quarters below top.

    The mean points (on the scale of the grades' ``points``) is the regular-check component of
    the annual grade; ``below_top`` feeds the checks gate.
    """
    these = checks[checks["year"] == year]
    points = these["grade"].map({lv.id: lv.points for lv in design.grades})
    below = these["grade"] != design.grades[0].id
    frame = pd.DataFrame({"cadre_id": these["cadre_id"], "points": points, "below": below})
    g = frame.groupby("cadre_id", sort=True)
    return pd.DataFrame(
        {
            "quarters": g.size(),
            "points": g["points"].mean(),
            "below_top": g["below"].sum().astype(np.int64),
        }
    )

"""Panels: the same scheme over several years (or quarters), and the trends across them.

``normalise: within`` (default) assesses each year on its own: peers are the units of that year.
``normalise: across`` puts every year's units side by side — as if each unit-year were a unit —
so that peer statistics (the best, the min and max of a normalisation, ranks in a rank table,
the imputation means, the outlier treatment) span all years and scores are comparable over
time; ranks, quotas and grades are then given year by year. Trends per unit: its score and ranks
each year, the change from the first year to the last, and the compound annual growth rate
(CAGR) of the score, ``(last / first)^(1 / periods) − 1`` with periods = last year − first year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import Dataset
from kaohe.engine import assess, finish, score_all
from kaohe.errors import Issue, SchemeError
from kaohe.plan import compile_plan
from kaohe.preparation import Prepared
from kaohe.results import Results
from kaohe.scheme import Scheme, ValueMap
from kaohe.scoring import IndicatorTrace, Segment

SEPARATOR = "@"


@dataclass(frozen=True)
class Panel:
    """The results of every year, in order, and how they were normalised."""

    years: tuple[str, ...]
    results: dict[str, Results]
    normalise: str

    @property
    def latest(self) -> Results:
        return self.results[self.years[-1]]

    def rows(self) -> list[dict[str, Any]]:
        """The results rows of every year, each with its ``year``."""
        return [{"year": y, **row} for y in self.years for row in self.results[y].rows()]

    def trends(self) -> list[dict[str, Any]]:
        """Per unit of the latest year: score and ranks by year (None in a year the unit was
        not assessed, e.g. screened out), change first → last, CAGR of the score."""
        where = {y: {u: k for k, u in enumerate(self.results[y].units)} for y in self.years}
        first, last = self.years[0], self.years[-1]
        out = []
        for uid in self.latest.units:
            unit = self.latest.scheme.units[uid]
            row: dict[str, Any] = {"unit": uid, "name": unit.name, "category": unit.category}
            for y in self.years:
                r, k = self.results[y], where[y].get(uid)
                row[f"score_{y}"] = None if k is None else float(r.score[k])
                row[f"rank_{y}"] = None if k is None else int(r.rank[k])
                row[f"rank_in_category_{y}"] = None if k is None else int(r.rank_in_category[k])
            a, b = row[f"score_{first}"], row[f"score_{last}"]
            ra, rb = row[f"rank_{first}"], row[f"rank_{last}"]
            row["change"] = None if a is None else b - a
            row["rank_change"] = None if ra is None else ra - rb
            row["cagr"] = None if a is None else cagr(a, b, span(first, last, len(self.years)))
            out.append(row)
        return out


def span(first: str, last: str, years: int) -> int:
    """Periods between the first and last year: their difference when both are whole numbers
    (2020 → 2024 is 4 even if 2021 is absent), else one fewer than the number of years."""
    try:
        return int(last) - int(first)
    except ValueError:
        return years - 1


def cagr(first: float, last: float, periods: int) -> float | None:
    """(last / first)^(1 / periods) − 1; None when undefined (a value ≤ 0, no period)."""
    if periods < 1 or first <= 0 or last <= 0:
        return None
    return float((last / first) ** (1.0 / periods) - 1.0)


def assess_panel(
    scheme: Scheme, data: Mapping[str, Dataset], normalise: str | None = None
) -> Panel:
    """Assess every year; ``normalise`` is ``within`` (each year alone) or ``across``
    (default: the scheme's ``panel.normalise``)."""
    normalise = normalise or scheme.panel.normalise
    years = tuple(sorted(data))
    if not years:
        raise SchemeError(Issue("a panel needs at least one year of data"))
    if normalise == "within":
        return Panel(years, {y: assess(scheme, data[y]) for y in years}, normalise)
    if normalise != "across":
        raise SchemeError(Issue(f"normalise must be within or across, got {normalise!r}"))
    return _across(scheme, data, years)


# --------------------------------------------------------------------------- across years


def _across(scheme: Scheme, data: Mapping[str, Dataset], years: tuple[str, ...]) -> Panel:
    stacked = _stack_scheme(scheme, years)
    stacked_data = _stack_data(stacked, data, years)
    plan = compile_plan(stacked)
    prepared, points, flags, traces = score_all(plan, stacked_data)
    year_plan = compile_plan(scheme)
    size = len(scheme.units)
    out = {}
    for k, y in enumerate(years):
        rows = np.arange(k * size, (k + 1) * size)
        out[y] = finish(
            year_plan,
            data[y],
            _take_prepared(prepared, rows),
            points[rows],
            flags[rows],
            tuple(_take_trace(t, rows) for t in traces),
        )
    return Panel(years, out, "across")


def _stack_scheme(scheme: Scheme, years: tuple[str, ...]) -> Scheme:
    if scheme.preprocessing.screen is not None:
        raise SchemeError(
            Issue(
                "screening drops units year by year, so the years cannot be "
                "normalised together: use normalise: within",
                path="preprocessing.screen",
            )
        )
    for iid, ind in scheme.indicators.items():
        for rule in (ind.rule, *ind.category_rules.values()):
            if rule.type == "distance_to_reference":
                raise SchemeError(
                    Issue(
                        "normalising across years needs a reference per year: "
                        "use normalise: within",
                        path=f"indicators.{iid}.rule",
                    )
                )
    units = {f"{u}{SEPARATOR}{y}": unit for y in years for u, unit in scheme.units.items()}

    def remap(vm: ValueMap | None) -> ValueMap | None:
        if not isinstance(vm, dict):
            return vm
        out: dict[str, float] = {}
        for key, value in vm.items():
            if key in scheme.units:
                out.update({f"{key}{SEPARATOR}{y}": value for y in years})
            else:
                out[key] = value
        return out

    inds = {
        iid: ind.model_copy(
            update={
                "target": remap(ind.target),
                "baseline": remap(ind.baseline),
                "previous": remap(ind.previous),
            }
        )
        for iid, ind in scheme.indicators.items()
    }
    return scheme.model_copy(update={"units": units, "indicators": inds})


def _stack_data(stacked: Scheme, data: Mapping[str, Dataset], years: tuple[str, ...]) -> Dataset:
    parts = [data[y] for y in years]
    items = {iid: np.vstack([np.asarray(p.items[iid]) for p in parts]) for iid in parts[0].items}
    notes = {
        (f"{u}{SEPARATOR}{y}", i): text
        for y, p in zip(years, parts, strict=True)
        for (u, i), text in p.notes.items()
    }
    sources = {
        (f"{u}{SEPARATOR}{y}", i): ref
        for y, p in zip(years, parts, strict=True)
        for (u, i), ref in p.sources.items()
    }
    return Dataset(
        tuple(stacked.units),
        parts[0].indicators,
        np.vstack([np.asarray(p.values) for p in parts]),
        np.vstack([np.asarray(p.status) for p in parts]),
        items,
        notes,
        sources,
    )


def _take_prepared(p: Prepared, rows: NDArray[np.int64]) -> Prepared:
    def cut(a: NDArray[Any] | None) -> NDArray[Any] | None:
        return None if a is None else np.asarray(a)[rows]

    values, status = np.asarray(p.values)[rows], np.asarray(p.status)[rows]
    return replace(
        p,
        values=values,
        status=status,
        stages={k: np.asarray(v)[rows] for k, v in p.stages.items()},
        imputed=cut(p.imputed),
        denominated=cut(p.denominated),
        treated=cut(p.treated),
        no_denominator=cut(p.no_denominator),
        transformed=cut(p.transformed),
    )


def _take_trace(t: IndicatorTrace, rows: NDArray[np.int64]) -> IndicatorTrace:
    segments = tuple(
        Segment(
            s.rule,
            s.units[rows],
            s.raw[rows],
            s.lo[rows],
            s.hi[rows],
            {k: v[rows] for k, v in s.terms.items()},
            None if s.compared is None else s.compared[rows],
        )
        for s in t.segments
    )
    return IndicatorTrace(t.indicator, segments, t.peer_average[rows])

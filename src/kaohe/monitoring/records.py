"""The records of a monitoring: one early warning per due cell, one data warning per failed check.

Each record is frozen and carries its reason as a :class:`kaohe.i18n.Msg` — the sentence a person
reads ("累计完成年度目标 38%，低于序时进度 50% 共 12 个百分点"), rendered in the language in force
when it is turned into text. The platform can store the records' keys (period, unit, indicator
entry, check) to attach a reviewer's acceptance to a data warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kaohe.dataset import MISSING, NOT_APPLICABLE
from kaohe.i18n import Msg
from kaohe.monitoring.calendar import Calendar
from kaohe.monitoring.progress import COLOURS
from kaohe.rules.base import fmt

if TYPE_CHECKING:
    from kaohe.monitoring.monitor import Monitor

#: The data checks, in the order records list them.
CHECKS = ("late", "decreasing", "own_history", "peers")


@dataclass(frozen=True, slots=True)
class EarlyWarning:
    """The progress of one unit on one dispatched indicator in one period, and its colour."""

    period: str
    unit: str
    series: str
    indicator: str
    colour: str  # green | amber | red | none
    value: float | None  # as reported
    level: float | None  # to date (cumulative, stock) or the rate
    flow: float | None
    previous: float | None  # last year's level at the same period
    growth: float | None  # year on year, %
    target: float | None  # the annual target
    expected: float | None  # the time-proportional target (of the compared value)
    share: float | None  # of the annual target reached
    expected_share: float | None
    measure: float | None  # what the threshold read
    rank: int | None  # within the category
    reason: Msg


@dataclass(frozen=True, slots=True)
class DataWarning:
    """A doubt about a reported value (or its absence) that a reviewer should look at."""

    period: str
    unit: str
    series: str
    indicator: str
    check: str  # one of CHECKS
    value: float | None
    reference: float | None
    reason: Msg


class PeriodLabel:
    """A period's name, rendered in the language in force when read."""

    __slots__ = ("calendar", "p")

    def __init__(self, calendar: Calendar, p: int) -> None:
        self.calendar = calendar
        self.p = p

    def __str__(self) -> str:
        return self.calendar.label(self.p)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PeriodLabel) and (self.calendar.ids, self.p) == (
            other.calendar.ids,
            other.p,
        )

    def __hash__(self) -> int:
        return hash((self.calendar.ids, self.p))


def num(x: float, decimals: int = 2) -> str:
    """A number rounded for a sentence (no trailing zeros)."""
    return fmt(round(float(x), decimals))


def pct(x: float) -> str:
    """A share as a percentage, e.g. 0.375 → 37.5%."""
    return f"{num(100.0 * x, 1)}%"


def _opt(x: float) -> float | None:
    return None if x != x else float(x)


# --------------------------------------------------------------------------- early warnings


def early_warnings(m: Monitor, period: int | None = None) -> list[EarlyWarning]:
    """One record per due cell: of ``period``, or of every period up to the current one; in
    period, indicator and unit order."""
    due = m.due()
    if period is not None:
        keep = np.zeros(due.shape[-1], dtype=bool)
        keep[period] = True
        due = due & keep[None, None, :]
    plan = m.plan
    cells = np.argwhere(np.moveaxis(due, 2, 0))  # (p, s, u) in order
    cols = {
        name: np.moveaxis(np.asarray(arr), 2, 0)[tuple(cells.T)].tolist()
        for name, arr in (
            ("value", m.series.values),
            ("status", m.series.status),
            ("level", m.level),
            ("flow", m.flow),
            ("previous", m.previous_level),
            ("growth", m.growth),
            ("compared", m.compared),
            ("expected", m.expected),
            ("share", m.share),
            ("expected_share", m.expected_share),
            ("measure", m.measure),
            ("rank", m.rank),
            ("colour", m.colour),
        )
    }
    ranked = ranked_counts(m)
    out = []
    for k, (p, s, u) in enumerate(cells.tolist()):
        row = {name: col[k] for name, col in cols.items()}
        target = float(plan.target[s, u])
        n = int(ranked[s, plan.cat_index[u], p])
        out.append(
            EarlyWarning(
                period=plan.calendar.ids[p],
                unit=plan.units[u],
                series=plan.series[s],
                indicator=plan.indicators[s],
                colour=COLOURS[row["colour"]],
                value=_opt(row["value"]),
                level=_opt(row["level"]),
                flow=_opt(row["flow"]),
                previous=_opt(row["previous"]),
                growth=_opt(row["growth"]),
                target=_opt(target),
                expected=_opt(row["expected"]),
                share=_opt(row["share"]),
                expected_share=_opt(row["expected_share"]),
                measure=_opt(row["measure"]),
                rank=None if row["rank"] != row["rank"] else int(row["rank"]),
                reason=reason(m, s, row, target, n),
            )
        )
    return out


def ranked_counts(m: Monitor) -> np.ndarray[Any, np.dtype[np.int64]]:
    """[S, C, P] how many units of each category are ranked."""
    ranked = np.isfinite(np.asarray(m.rank))
    cats = m.plan.cat_index
    return np.stack(
        [ranked[:, cats == c, :].sum(axis=1) for c in range(len(m.plan.categories))], axis=1
    )


def reason(m: Monitor, s: int, row: dict[str, Any], target: float, n: int) -> Msg:
    """Why the cell has its colour, in words."""
    plan = m.plan
    if row["status"] == NOT_APPLICABLE:
        return Msg("mon.not_applicable")
    if row["status"] == MISSING:
        return Msg("mon.not_reported")
    compared = plan.compared_of(s)
    if row["compared"] != row["compared"]:
        return Msg("mon.no_previous" if compared == "growth" else "mon.level_unknown")
    by_rank = plan.measure_of(s) == "rank"
    if target != target or row["expected"] != row["expected"]:
        if by_rank and row["rank"] == row["rank"]:
            uom = plan.unit_of_measure(s) if compared == "value" else ""
            value = f"{num(row['compared'])}{uom}"
            return Msg("mon.rank_only", rank=int(row["rank"]), n=n, value=value)
        return Msg("mon.no_target" if target != target else "mon.no_expected")
    main = _progress(m, s, row, target)
    if by_rank and row["rank"] == row["rank"]:
        return Msg("mon.with_rank", main=main, rank=int(row["rank"]), n=n)
    return main


def _progress(m: Monitor, s: int, row: dict[str, Any], target: float) -> Msg:
    plan = m.plan
    compared = plan.compared_of(s)
    diff = round(row["compared"] - row["expected"], 9)
    side = "at" if diff == 0 else ("above" if diff > 0 else "below")
    if compared == "level":
        lead = "mon.lead_stock" if plan.kind_of(s) == "stock" else "mon.lead_cumulative"
        path = "mon.path_flat" if plan.path[s] == 1 else "mon.path_time"
        share = row["share"] if row["share"] == row["share"] else row["compared"] / target
        expected_share = row["expected_share"]
        if expected_share != expected_share:
            expected_share = row["expected"] / target
        gap = abs(share - expected_share) * 100.0
        return Msg(
            f"mon.level_{side}",
            lead=Msg(lead),
            share=pct(share),
            path=Msg(path),
            expected=pct(expected_share),
            gap=Msg("mon.gap_points", x=num(gap, 1)),
        )
    uom = plan.unit_of_measure(s) if compared == "value" else "%"
    diff = abs(row["compared"] - row["expected"])
    gap = (
        Msg("mon.gap_points", x=num(diff))
        if uom == "%"
        else Msg("mon.gap_units", x=num(diff), uom=uom)
    )
    if compared == "growth":
        return Msg(
            f"mon.growth_{side}",
            growth=f"{num(row['compared'])}%",
            target=f"{num(target)}%",
            gap=gap,
        )
    return Msg(
        f"mon.value_{side}",
        value=f"{num(row['compared'])}{uom}",
        target=f"{num(row['expected'])}{uom}",
        gap=gap,
    )


# --------------------------------------------------------------------------- data warnings


def data_warnings(m: Monitor) -> list[DataWarning]:
    """One record per failed check, in period, indicator, unit and check order."""
    d = m.data
    flags = np.stack([d.late, d.decreasing, d.own_jump, d.peer_jump])  # [C, S, U, P]
    cells = np.argwhere(flags.transpose(3, 1, 2, 0))  # (p, s, u, c) in order
    out = []
    for p, s, u, c in cells.tolist():
        check = CHECKS[c]
        value, ref, why = _data_reason(m, check, s, u, p)
        out.append(
            DataWarning(
                period=m.plan.calendar.ids[p],
                unit=m.plan.units[u],
                series=m.plan.series[s],
                indicator=m.plan.indicators[s],
                check=check,
                value=_opt(value),
                reference=_opt(ref),
                reason=why,
            )
        )
    return out


def _data_reason(m: Monitor, check: str, s: int, u: int, p: int) -> tuple[float, float, Msg]:
    """(the value checked, its reference, the reason): the reported value for late and
    decreasing checks, the period's flow (or the value of a stock or rate) for jumps."""
    cal = m.plan.calendar
    label = PeriodLabel(cal, p)
    reported = float(m.series.values[s, u, p])
    if check == "late":
        day = m.series.reported[s, u, p]
        deadline = cal.deadlines[p].isoformat()
        if np.isnat(day):
            return reported, np.nan, Msg("mon.late_missing", period=label, deadline=deadline)
        why = Msg("mon.late_reported", period=label, reported=str(day), deadline=deadline)
        return reported, np.nan, why
    if check == "decreasing":
        before = float(m.data.before[s, u, p])
        when = PeriodLabel(cal, int(m.data.before_period[s, u, p]))
        return (
            reported,
            before,
            Msg(
                "mon.decreasing",
                period=label,
                value=num(reported),
                before_period=when,
                before=num(before),
            ),
        )
    own = check == "own_history"
    ref = float((m.data.own_reference if own else m.data.peer_reference)[s, u, p])
    flows = m.plan.kind_of(s) in ("cumulative", "flow")
    value = float((m.flow if flows else m.level)[s, u, p])
    what = Msg("mon.this_flow" if flows else "mon.this_value")
    checks = m.plan.monitoring.checks
    prefix = "mon.own" if own else "mon.peer"
    if m.plan.kind_of(s) == "rate":
        return (
            value,
            ref,
            Msg(
                f"{prefix}_points",
                what=what,
                value=num(value),
                ref=num(ref),
                diff=num(abs(value - ref)),
                points=num(checks.rate_points or 0.0),
            ),
        )
    factor = checks.own_factor if own else checks.peer_factor
    ratio = value / ref if ref else np.nan
    return (
        value,
        ref,
        Msg(
            f"{prefix}_factor",
            what=what,
            value=num(value),
            ref=num(ref),
            ratio=num(ratio),
            factor=num(factor or 0.0),
        ),
    )

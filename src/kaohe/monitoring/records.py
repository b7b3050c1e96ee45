"""The records of a monitoring: one early warning per due cell, one data warning per failed check.

Each record is frozen and carries its reason — the sentence a person reads ("累计完成年度目标
38%，低于序时进度 50% 共 12 个百分点"), a :class:`kaohe.i18n.Msg` (an early warning's is worked
out when first read) rendered in the language in force when it is turned into text. The
platform can store the records' keys (period, unit, indicator entry, check) to attach a
reviewer's acceptance to a data warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from kaohe.dataset import MISSING, NOT_APPLICABLE
from kaohe.explanation import _gc_paused
from kaohe.i18n import Msg
from kaohe.monitoring.calendar import Calendar
from kaohe.monitoring.progress import COLOURS
from kaohe.rules.base import fmt

if TYPE_CHECKING:
    from kaohe.monitoring.monitor import Monitor

#: The data checks, in the order records list them.
CHECKS = ("late", "decreasing", "own_history", "peers")


class EarlyWarning(NamedTuple):
    """The progress of one unit on one dispatched indicator in one period, and its colour
    (an immutable record: a named tuple, built 72,000 at a time)."""

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
    reason: Reason


class DataWarning(NamedTuple):
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


class Number:
    """A number in a sentence, rounded (no trailing zeros) with its unit, formatted only when
    the sentence is read (72,000 reasons are built for every monitoring; few are read)."""

    __slots__ = ("decimals", "suffix", "x")

    def __init__(self, x: float, decimals: int = 2, suffix: str = "") -> None:
        self.x = float(x)
        self.decimals = decimals
        self.suffix = suffix

    def __str__(self) -> str:
        return fmt(round(self.x, self.decimals)) + self.suffix

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Number) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def num(x: float, decimals: int = 2, suffix: str = "") -> Number:
    return Number(x, decimals, suffix)


def pct(x: float) -> Number:
    """A share as a percentage, e.g. 0.375 → 37.5%."""
    return Number(100.0 * x, 1, "%")


def _opt(x: float) -> float | None:
    return None if x != x else float(x)


def _nones(a: np.ndarray[Any, Any], kind: type = float) -> list[Any]:
    """The numbers as a list, None where NaN (``kind`` int for ranks)."""
    out = np.asarray(a, dtype=np.float64).astype(object)
    nan = np.isnan(np.asarray(a, dtype=np.float64))
    if kind is int:
        out[~nan] = np.asarray(a)[~nan].astype(np.int64).tolist()
    out[nan] = None
    result: list[Any] = out.tolist()
    return result


# --------------------------------------------------------------------------- early warnings


FIELDS = (
    "value",
    "status",
    "level",
    "flow",
    "previous",
    "growth",
    "compared",
    "expected",
    "share",
    "expected_share",
    "measure",
    "rank",
    "colour",
)


class Reason:
    """The reason of an early warning: the sentence is worked out when first read (a monitoring
    builds 72,000 records; a page reads a few), then rendered in the language in force."""

    __slots__ = ("_args", "_msg")

    def __init__(self, m: Monitor, s: int, values: tuple[Any, ...], target: float, n: int) -> None:
        self._args = (m, s, values, target, n)
        self._msg: Msg | None = None

    @property
    def msg(self) -> Msg:
        """The sentence as a key and values (e.g. for the platform to store)."""
        if self._msg is None:
            m, s, values, target, n = self._args
            self._msg = reason(m, s, dict(zip(FIELDS, values, strict=True)), target, n)
        return self._msg

    def __str__(self) -> str:
        return str(self.msg)

    def __repr__(self) -> str:
        return f"Reason({self.msg!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reason) and self.msg == other.msg

    def __hash__(self) -> int:
        return hash(self.msg)


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
    where = (cells[:, 1], cells[:, 2], cells[:, 0])
    arrays = {
        "value": m.series.values,
        "status": m.series.status,
        "level": m.level,
        "flow": m.flow,
        "previous": m.previous_level,
        "growth": m.growth,
        "compared": m.compared,
        "expected": m.expected,
        "share": m.share,
        "expected_share": m.expected_share,
        "measure": m.measure,
        "rank": m.rank,
        "colour": m.colour,
    }
    raw = {name: np.asarray(arrays[name])[where] for name in FIELDS}
    cols = [raw[name].tolist() for name in FIELDS]
    target = np.asarray(plan.target)[where[0], where[1]]
    shown = [_nones(raw[name]) for name in ("value", "level", "flow", "previous", "growth")]
    shown.append(_nones(target))
    shown += [_nones(raw[name]) for name in ("expected", "share", "expected_share", "measure")]
    shown.append(_nones(raw["rank"], int))
    ranked = ranked_counts(m)[where[0], plan.cat_index[where[1]], where[2]].tolist()
    ids, units, series, inds = plan.calendar.ids, plan.units, plan.series, plan.indicators
    colours = [COLOURS[c] for c in raw["colour"].tolist()]
    out = []
    rows = zip(
        cells.tolist(),
        target.tolist(),
        ranked,
        colours,
        zip(*shown, strict=True),
        zip(*cols, strict=True),
        strict=True,
    )
    with _gc_paused():  # only acyclic records are made: no garbage to look for
        for (p, s, u), t, n, colour, rec, vals in rows:
            why = Reason(m, s, vals, t, n)
            out.append(
                EarlyWarning._make((ids[p], units[u], series[s], inds[s], colour, *rec, why))
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
            value = num(row["compared"], 2, uom)
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
            growth=num(row["compared"], 2, "%"),
            target=num(target, 2, "%"),
            gap=gap,
        )
    return Msg(
        f"mon.value_{side}",
        value=num(row["compared"], 2, uom),
        target=num(row["expected"], 2, uom),
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

"""What the ledgers show at a date: stage funnels, stage counts by month, matters per unit
and kind, the due and overdue lists, and the state of each talk list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kaohe.ledgers.frames import MatterFrame, ProjectFrame, date_of, day, parties_at
from kaohe.ledgers.matters import KINDS, ROLES, Kind, ListClosure, Matter
from kaohe.ledgers.stages import PIPELINE, STAGES, Stage
from kaohe.ledgers.workflow import standing_at

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
GroupBy = Literal["unit", "task_force", "sector", "level"]


@dataclass(frozen=True)
class Funnel:
    """Projects by stage for each group (the last row: all groups), on a date.

    ``entered``: how many entered each pipeline stage (or a later one) within the window —
    the flow of the year (储备一批、签约一批、开工一批、竣工一批)."""

    by: GroupBy
    on: dt.date
    keys: tuple[str, ...]
    stages: tuple[Stage, ...]
    counts: I64  # (groups + 1, 6)
    entered: I64  # (groups + 1, 5)
    total_investment: F64  # (groups + 1,)
    invested: F64  # (groups + 1,)


def funnel(
    f: ProjectFrame, on: dt.date, by: GroupBy = "unit", start: dt.date | None = None
) -> Funnel:
    """The stage funnel per unit (or task force, sector, level) and in all, on ``on``."""
    codes, keys = {
        "unit": (f.unit, f.units),
        "task_force": (f.task_force, f.task_forces),
        "sector": (f.sector, f.sectors),
        "level": (f.level, f.levels),
    }[by]
    d, a = day(on), day(start, np.iinfo(np.int64).min)
    stage = f.stage_at(d)
    inside = stage >= 0
    g = len(keys)
    counts = np.zeros((g + 1, len(STAGES)), dtype=np.int64)
    np.add.at(counts, (codes[inside], stage[inside]), 1)
    counts[g] = counts[:g].sum(axis=0)
    entered = np.zeros((g + 1, len(PIPELINE)), dtype=np.int64)
    for k in range(len(PIPELINE)):
        m = (f.reach[:, k] >= a) & (f.reach[:, k] <= d)
        entered[:g, k] = np.bincount(codes[m], minlength=g)
    entered[g] = entered[:g].sum(axis=0)

    def total(w: F64) -> F64:
        s = np.bincount(codes[inside], weights=np.nan_to_num(w[inside]), minlength=g)
        return np.append(s, s.sum())

    return Funnel(
        by,
        on,
        keys,
        STAGES,
        counts,
        entered,
        total(f.amounts["total_investment"]),
        total(f.invested(d)),
    )


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month from ``start``'s to ``end``'s (``end`` itself last if it
    is not a month's end)."""
    out = []
    y, m = start.year, start.month
    while True:
        nxt = dt.date(y + m // 12, m % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        if last >= end:
            out.append(end)
            return out
        out.append(last)
        y, m = nxt.year, nxt.month


def stage_counts(f: ProjectFrame, dates: Sequence[dt.date]) -> I64:
    """(dates, 6): how many projects were in each stage on each date (all units)."""
    out = np.zeros((len(dates), len(STAGES)), dtype=np.int64)
    for k, d in enumerate(dates):
        stage = f.stage_at(day(d))
        out[k] = np.bincount(stage[stage >= 0], minlength=len(STAGES))
    return out


@dataclass(frozen=True)
class MatterCounts:
    """Per unit (rows) and kind (columns): the matters a unit is responsible for, on a date."""

    on: dt.date
    units: tuple[str, ...]
    kinds: tuple[Kind, ...]
    total: I64
    done: I64
    open: I64
    overdue: I64
    due_soon: I64


def matter_counts(f: MatterFrame, on: dt.date, soon: int = 7) -> MatterCounts:
    at = parties_at(f, day(on))
    resp = at.role == ROLES.index("responsible")
    kind = f.kind[at.matter]
    n, k = len(f.units), len(KINDS)

    def grid(m: NDArray[np.bool_]) -> I64:
        out = np.zeros((n, k), dtype=np.int64)
        np.add.at(out, (at.unit[m & resp], kind[m & resp]), 1)
        return out

    everything = np.ones(len(at.unit), dtype=bool)
    return MatterCounts(
        on,
        f.units,
        KINDS,
        grid(everything),
        grid(at.status == 1),
        grid(at.status == 0),
        grid(at.overdue),
        grid(at.due_within(soon)),
    )


@dataclass(frozen=True, slots=True)
class Due:
    """A matter (or one of its milestones) due soon or overdue for one unit, on a date.
    ``days``: days overdue (> 0), or days left (≤ 0 means due within so many days)."""

    matter: str
    kind: Kind
    title: str
    unit: str
    role: str
    deadline: dt.date
    days: int
    leader: str
    milestone: str = ""

    @property
    def overdue(self) -> bool:
        return self.days > 0


def due_list(f: MatterFrame, on: dt.date, soon: int = 7) -> tuple[Due, ...]:
    """Everything overdue (most overdue first), then everything due within ``soon`` days
    (soonest first): matters per unit taking part, and milestones not done."""
    d = day(on)
    at = parties_at(f, d)
    pick = at.overdue | at.due_within(soon)
    out = []
    for p in np.flatnonzero(pick).tolist():
        m = f.matters[int(at.matter[p])]
        deadline = date_of(int(at.deadline[p]))
        assert deadline is not None
        out.append(
            Due(
                m.id,
                m.kind,
                m.title,
                f.units[int(at.unit[p])],
                ROLES[int(at.role[p])],
                deadline,
                d - int(at.deadline[p]),
                m.leader,
            )
        )
    out += _milestones_due(f, on, soon)
    return tuple(sorted(out, key=lambda x: (-x.days, x.matter, x.unit, x.milestone)))


def _milestones_due(f: MatterFrame, on: dt.date, soon: int) -> list[Due]:
    _, opened = f.standing_rows(day(on))
    out = []
    for i, m in enumerate(f.matters):
        if not m.milestones or not opened[i]:
            continue
        settled = standing_at(m, on)
        if settled is None or settled.state in ("closed", "withdrawn", "held", "resolved"):
            continue
        for ms in m.milestones:
            late = (on - ms.due).days
            if (ms.done is None or ms.done > on) and late >= -soon:
                unit = ms.unit or (m.units[0] if m.units else "")
                out.append(Due(m.id, m.kind, m.title, unit, "", ms.due, late, m.leader, ms.name))
    return out


@dataclass(frozen=True)
class TalkList:
    """One talk list on a date: its talks, those recorded, those pending; its closure."""

    batch: str
    talks: tuple[str, ...]
    recorded: tuple[str, ...]
    pending: tuple[str, ...]
    closed: dt.date | None

    @property
    def closable(self) -> bool:
        return not self.pending


def talk_lists(
    matters: Iterable[Matter], on: dt.date, closures: Iterable[ListClosure] = ()
) -> tuple[TalkList, ...]:
    closed = {c.batch: c.on for c in closures if c.on <= on}
    by_batch: dict[str, list[Matter]] = {}
    for m in matters:
        if m.kind == "talk":
            by_batch.setdefault(m.batch, []).append(m)
    out = []
    for batch, talks in by_batch.items():
        held = [m.id for m in talks if (s := standing_at(m, on)) is not None and s.state == "held"]
        done = set(held)
        pending = [m.id for m in talks if m.id not in done]
        out.append(
            TalkList(
                batch, tuple(m.id for m in talks), tuple(held), tuple(pending), closed.get(batch)
            )
        )
    return tuple(out)

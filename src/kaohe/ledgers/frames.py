"""The ledgers compiled to arrays, to be queried at any date without a loop over records.

:func:`compile_projects` turns the register into a :class:`ProjectFrame`: one row per project,
its unit as an index into the units, and the day it entered each stage (days since 1970-01-01;
:data:`NEVER` when it did not, :data:`BEFORE` for the undated stage it was registered in).
:func:`compile_matters` replays every matter's state machine once and keeps, per matter, the
state and deadline after each event and, per (matter, unit, role) — a *party* — its status
(open, done, lapsed) after each event, as rows sorted by date. At a date, the last row on or
before it is found for every matter and party at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.ledgers.matters import KINDS, ROLES, STATES, Matter
from kaohe.ledgers.problems import LedgerError, Problem
from kaohe.ledgers.projects import Project
from kaohe.ledgers.stages import ORDER, PLANNED, STAGES
from kaohe.ledgers.workflow import parties, replay

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
NEVER = np.iinfo(np.int64).max
BEFORE = np.iinfo(np.int64).min
EPOCH = dt.date(1970, 1, 1).toordinal()
STATUS_CODES = {"open": 0, "done": 1, "lapsed": 2}


def day(d: dt.date | None, missing: int = NEVER) -> int:
    return missing if d is None else d.toordinal() - EPOCH


def date_of(n: int) -> dt.date | None:
    return None if n in (NEVER, BEFORE) else dt.date.fromordinal(int(n) + EPOCH)


def _readonly(*arrays: NDArray[np.generic]) -> None:
    for a in arrays:
        a.flags.writeable = False


def _codes(values: Sequence[str]) -> tuple[NDArray[np.int32], tuple[str, ...]]:
    """Each value's index into the sorted distinct values."""
    uniq = tuple(sorted(set(values)))
    index = {v: k for k, v in enumerate(uniq)}
    return np.fromiter((index[v] for v in values), np.int32, len(values)), uniq


def _unit_codes(
    units: Sequence[str] | None, of: Sequence[tuple[str, str]]
) -> tuple[NDArray[np.int32], tuple[str, ...]]:
    """(record id, unit) pairs → unit indices into ``units`` (all of them must be known)."""
    if units is None:
        units = tuple(sorted({u for _, u in of}))
    index = {u: k for k, u in enumerate(units)}
    bad = [
        Problem(rid, "unit", "err.unknown_unit", {"value": u}) for rid, u in of if u not in index
    ]
    if bad:
        raise LedgerError(bad)
    codes = np.fromiter((index[u] for _, u in of), np.int32, len(of))
    return codes, tuple(units)


# --------------------------------------------------------------------------- projects


@dataclass(frozen=True)
class ProjectFrame:
    """The register as arrays, one row per project, in the register's order."""

    source: str
    units: tuple[str, ...]
    projects: tuple[Project, ...]
    ids: NDArray[np.object_]
    names: NDArray[np.object_]
    unit: NDArray[np.int32]
    task_force: NDArray[np.int32]
    task_forces: tuple[str, ...]
    sector: NDArray[np.int32]
    sectors: tuple[str, ...]
    level: NDArray[np.int32]
    levels: tuple[str, ...]
    entered: I64  # (n, 6): the day each stage was entered, in STAGES order
    reach: I64  # (n, 5): the first day of reaching each pipeline stage or a later one
    planned: I64  # (n, 4): the planned day of each PLANNED stage
    amounts: dict[str, F64]  # total/planned/completed investment (NaN: not given)
    months: tuple[str, ...]  # "YYYY-MM" of the monthly columns, sorted
    month_end: I64  # the last day of each month
    monthly: F64  # (n, len(months)); NaN where not given
    by_month: NDArray[np.bool_]  # the project is monitored by month

    def __len__(self) -> int:
        return len(self.ids)

    def stage_at(self, on: int) -> NDArray[np.int8]:
        """Each project's stage on day ``on`` as an index of STAGES (-1: not registered)."""
        pipe = self.entered[:, :5] <= on
        stage = np.where(pipe, np.arange(5, dtype=np.int8), np.int8(-1)).max(axis=1)
        return np.where(self.entered[:, 5] <= on, np.int8(5), stage).astype(np.int8)

    def invested(self, on: int) -> F64:
        """Investment completed in the year by day ``on``: the months ended by then where
        monitored by month, else the year's figure."""
        if not self.months:
            return self.amounts["completed_investment"]
        upto = np.nansum(self.monthly[:, self.month_end <= on], axis=1)
        out: F64 = np.where(self.by_month, upto, self.amounts["completed_investment"])
        return out


def compile_projects(
    projects: Sequence[Project], units: Sequence[str] | None = None, source: str = ""
) -> ProjectFrame:
    """The register as arrays (``units``: the scheme's units, in its order; every project's
    unit must be one of them)."""
    n = len(projects)
    unit, unit_names = _unit_codes(units, [(p.id, p.unit) for p in projects])
    entered = np.full((n, len(STAGES)), NEVER, dtype=np.int64)
    planned = np.full((n, len(PLANNED)), NEVER, dtype=np.int64)
    pcol = {s: k for k, s in enumerate(PLANNED)}
    for i, p in enumerate(projects):
        for c in p.history:
            entered[i, ORDER[c.stage]] = day(c.on, BEFORE)
        for s, d in p.planned:
            planned[i, pcol[s]] = day(d)
    reach = np.minimum.accumulate(entered[:, 4::-1], axis=1)[:, ::-1].copy()
    months = tuple(sorted({m for p in projects for m, _ in p.monthly}))
    mcol = {m: k for k, m in enumerate(months)}
    monthly = np.full((n, len(months)), np.nan)
    for i, p in enumerate(projects):
        for m, v in p.monthly:
            monthly[i, mcol[m]] = v
    tf, tfs = _codes([p.task_force for p in projects])
    sec, secs = _codes([p.sector for p in projects])
    lev, levs = _codes([p.level for p in projects])
    amounts = {
        name: np.array([_nan(getattr(p, name)) for p in projects], dtype=np.float64)
        for name in ("total_investment", "planned_investment")
    }
    amounts["completed_investment"] = np.array(
        [_nan(p.invested()) for p in projects], dtype=np.float64
    )
    frame = ProjectFrame(
        source=source,
        units=unit_names,
        projects=tuple(projects),
        ids=np.array([p.id for p in projects], dtype=object),
        names=np.array([p.name for p in projects], dtype=object),
        unit=unit,
        task_force=tf,
        task_forces=tfs,
        sector=sec,
        sectors=secs,
        level=lev,
        levels=levs,
        entered=entered,
        reach=reach,
        planned=planned,
        amounts=amounts,
        months=months,
        month_end=np.array([day(_month_end(m)) for m in months], dtype=np.int64),
        monthly=monthly,
        by_month=np.array([bool(p.monthly) for p in projects], dtype=bool),
    )
    _readonly(entered, reach, planned, monthly, *amounts.values())
    return frame


def _nan(v: float | None) -> float:
    return np.nan if v is None else v


def _month_end(month: str) -> dt.date:
    y, m = int(month[:4]), int(month[5:7])
    first_next = dt.date(y + m // 12, m % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


# --------------------------------------------------------------------------- matters


@dataclass(frozen=True)
class MatterFrame:
    """The matters as arrays: per matter, per standing (after each event) and per party."""

    source: str
    units: tuple[str, ...]
    matters: tuple[Matter, ...]
    ids: NDArray[np.object_]
    titles: NDArray[np.object_]
    kind: NDArray[np.int8]  # index of KINDS
    level: NDArray[np.int32]
    levels: tuple[str, ...]
    opened: I64
    # standings: rows sorted by matter, then by event; offsets per matter
    st_day: I64
    st_state: NDArray[np.int8]  # index of STATES
    st_deadline: I64
    st_offsets: I64
    # parties: (matter, unit, role); their status rows sorted by party, then by event
    party_matter: NDArray[np.int32]
    party_unit: NDArray[np.int32]
    party_role: NDArray[np.int8]  # index of ROLES
    pt_day: I64
    pt_status: NDArray[np.int8]  # STATUS_CODES
    pt_offsets: I64

    def __len__(self) -> int:
        return len(self.ids)

    def standing_rows(self, on: int) -> tuple[I64, NDArray[np.bool_]]:
        """Per matter: the row of its standing on day ``on``, and whether it is open by then."""
        return _last_rows(self.st_day, self.st_offsets, on)

    def party_rows(self, on: int) -> tuple[I64, NDArray[np.bool_]]:
        """Per party: the row of its status on day ``on``, and whether it exists by then."""
        return _last_rows(self.pt_day, self.pt_offsets, on)


def _last_rows(days: I64, offsets: I64, on: int) -> tuple[I64, NDArray[np.bool_]]:
    """In each segment ``offsets[k]:offsets[k+1]`` of rows sorted by day, the last row on or
    before ``on`` (the rows on or before it are a prefix of the segment)."""
    counts = (
        np.add.reduceat((days <= on).astype(np.int64), offsets[:-1]) if len(days) else offsets[:-1]
    )
    rows: I64 = offsets[:-1] + counts - 1
    return np.maximum(rows, 0), counts > 0


def compile_matters(
    matters: Sequence[Matter], units: Sequence[str] | None = None, source: str = ""
) -> MatterFrame:
    """Replay every matter once and keep its standings and its parties' statuses as arrays.
    The matters must be valid (see :func:`kaohe.ledgers.workflow.check_matter`)."""
    pairs = [(m.id, u) for m in matters for u in (*m.units, *m.assisting)]
    pairs += [(m.id, e.unit) for m in matters for e in m.events if e.unit]
    _, unit_names = _unit_codes(units, pairs)
    uindex = {u: k for k, u in enumerate(unit_names)}
    kinds = {k: i for i, k in enumerate(KINDS)}
    states = {s: i for i, s in enumerate(STATES)}
    roles = {r: i for i, r in enumerate(ROLES)}
    st_day: list[int] = []
    st_state: list[int] = []
    st_deadline: list[int] = []
    st_offsets = [0]
    p_matter: list[int] = []
    p_unit: list[int] = []
    p_role: list[int] = []
    p_rows: list[list[tuple[int, int]]] = []
    for i, m in enumerate(matters):
        seen: dict[tuple[str, str], int] = {}
        for s in replay(m):
            d = day(s.on)
            st_day.append(d)
            st_state.append(states[s.state])
            st_deadline.append(day(s.deadline))
            for u, role, status in parties(m, s):
                k = seen.get((u, role))
                if k is None:
                    k = seen[(u, role)] = len(p_rows)
                    p_matter.append(i)
                    p_unit.append(uindex[u])
                    p_role.append(roles[role])
                    p_rows.append([])
                rows = p_rows[k]
                code = STATUS_CODES[status]
                if not rows or rows[-1][1] != code:
                    rows.append((d, code))
        st_offsets.append(len(st_day))
    pt_offsets = np.cumsum([0, *(len(r) for r in p_rows)], dtype=np.int64)
    level, levels = _codes([m.level for m in matters])
    return MatterFrame(
        source=source,
        units=unit_names,
        matters=tuple(matters),
        ids=np.array([m.id for m in matters], dtype=object),
        titles=np.array([m.title for m in matters], dtype=object),
        kind=np.array([kinds[m.kind] for m in matters], dtype=np.int8),
        level=level,
        levels=levels,
        opened=np.array([day(m.opened) for m in matters], dtype=np.int64),
        st_day=np.array(st_day, dtype=np.int64),
        st_state=np.array(st_state, dtype=np.int8),
        st_deadline=np.array(st_deadline, dtype=np.int64),
        st_offsets=np.array(st_offsets, dtype=np.int64),
        party_matter=np.array(p_matter, dtype=np.int32),
        party_unit=np.array(p_unit, dtype=np.int32),
        party_role=np.array(p_role, dtype=np.int8),
        pt_day=np.array([d for r in p_rows for d, _ in r], dtype=np.int64),
        pt_status=np.array([c for r in p_rows for _, c in r], dtype=np.int8),
        pt_offsets=pt_offsets,
    )


@dataclass(frozen=True)
class PartiesAt:
    """Every party of the matters on one day (only those existing by then)."""

    on: int
    index: I64  # party indices
    matter: NDArray[np.int32]
    unit: NDArray[np.int32]
    role: NDArray[np.int8]
    status: NDArray[np.int8]
    state: NDArray[np.int8]  # the matter's state
    deadline: I64  # the matter's deadline in force (NEVER: none)

    @property
    def overdue(self) -> NDArray[np.bool_]:
        out: NDArray[np.bool_] = (self.status == STATUS_CODES["open"]) & (self.deadline < self.on)
        return out

    def due_within(self, days: int) -> NDArray[np.bool_]:
        open_ = self.status == STATUS_CODES["open"]
        out: NDArray[np.bool_] = (
            open_ & (self.deadline >= self.on) & (self.deadline <= self.on + days)
        )
        return out


def parties_at(frame: MatterFrame, on: int) -> PartiesAt:
    """The parties existing on day ``on``, each with its status and its matter's standing."""
    prow, exists = frame.party_rows(on)
    srow, _ = frame.standing_rows(on)
    idx = np.flatnonzero(exists)
    mat = frame.party_matter[idx]
    return PartiesAt(
        on=on,
        index=idx,
        matter=mat,
        unit=frame.party_unit[idx],
        role=frame.party_role[idx],
        status=frame.pt_status[prow[idx]],
        state=frame.st_state[srow[mat]],
        deadline=frame.st_deadline[srow[mat]],
    )

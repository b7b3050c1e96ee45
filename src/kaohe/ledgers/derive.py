"""Indicators derived from the ledgers: counts, sums, shares and ratios per unit at a date.

For every indicator of the scheme with a ``derive:`` declaration (:mod:`kaohe.ledgers.spec`),
:func:`derive` computes one value per unit (or one count per item, for a rule counted by item),
vectorised over the compiled ledgers (:mod:`kaohe.ledgers.frames`), and the records behind each
value as a :class:`~kaohe.provenance.Provenance`: which projects or matters were counted, which
were in the base but not counted, each with what mattered about it on the date.

The date is the derivation's own ``end``, else ``as_of`` (e.g. ``--as-of``), else the scheme's
``period.as_of``, else ``period.end``; the window starts at the derivation's ``start``, else
``period.start`` (no start: from the beginning of the ledger).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kaohe.ledgers.frames import (
    BEFORE,
    NEVER,
    MatterFrame,
    PartiesAt,
    ProjectFrame,
    day,
    parties_at,
)
from kaohe.ledgers.matters import KINDS, ROLES, STATES
from kaohe.ledgers.problems import LedgerError, Problem
from kaohe.ledgers.spec import (
    MatterDerivation,
    MatterSelection,
    ProjectDerivation,
    ProjectSelection,
)
from kaohe.ledgers.stages import ORDER, PIPELINE, PLANNED, STAGES
from kaohe.ledgers.words import Words, both, fmt, word
from kaohe.provenance import Provenance, RecordGroup
from kaohe.scheme import Indicator, Scheme

F64 = NDArray[np.float64]
Mask = NDArray[np.bool_]
#: The notes of some records (by index): what mattered about each on the date.
Notes = Callable[[NDArray[np.int64]], NDArray[np.str_]]


@dataclass(frozen=True)
class DerivedIndicator:
    """One derived indicator: a value per unit in the scheme's order (NaN: none — the base was
    empty, or the indicator does not apply), or counts per item; and each unit's records."""

    indicator: str
    ledger: str
    source: str
    values: F64
    items: Mapping[str, F64] | None
    provenance: tuple[Provenance | None, ...]
    on: dt.date
    start: dt.date | None


@dataclass(frozen=True)
class Derived:
    """Every derived indicator of a scheme, for the scheme's units."""

    units: tuple[str, ...]
    indicators: Mapping[str, DerivedIndicator]


def derived_indicators(scheme: Scheme) -> dict[str, Indicator]:
    """The indicators of ``scheme`` that are derived from a ledger."""
    return {iid: ind for iid, ind in scheme.indicators.items() if ind.derive is not None}


def derive(
    scheme: Scheme,
    projects: ProjectFrame | None = None,
    matters: MatterFrame | None = None,
    as_of: dt.date | None = None,
) -> Derived:
    """Derive every ``derive:`` indicator of ``scheme`` from the compiled ledgers (compiled
    with the scheme's units). Raises :class:`LedgerError` when a ledger or a date is missing,
    or a record's item is not one of the rule's items."""
    units = tuple(scheme.units)
    out: dict[str, DerivedIndicator] = {}
    problems: list[Problem] = []
    for iid, ind in derived_indicators(scheme).items():
        spec = ind.derive
        assert spec is not None
        where = f"indicators.{iid}"
        frame = projects if spec.ledger == "projects" else matters
        if frame is None:
            problems.append(Problem(where, "derive", "err.derive.no_ledger", _ledger(spec.ledger)))
            continue
        if frame.units != units:
            problems.append(Problem(where, "derive", "err.derive.units"))
            continue
        on = spec.end or as_of or scheme.period.as_of or scheme.period.end
        if on is None:
            problems.append(Problem(where, "derive", "err.derive.no_date"))
            continue
        window = (on, spec.start or scheme.period.start)
        try:
            if isinstance(spec, ProjectDerivation):
                assert isinstance(frame, ProjectFrame)
                out[iid] = _projects(scheme, iid, ind, spec, frame, window)
            else:
                assert isinstance(frame, MatterFrame)
                out[iid] = _matters(scheme, iid, ind, spec, frame, window)
        except LedgerError as exc:
            problems += exc.problems
    if problems:
        raise LedgerError(problems)
    return Derived(units, out)


def _ledger(name: str) -> dict[str, object]:
    return {"ledger": Words(f"ledger.{name}")}


# --------------------------------------------------------------------------- projects


def project_mask(f: ProjectFrame, sel: ProjectSelection, start: int, on: int) -> Mask:
    """The projects meeting every condition of ``sel`` on day ``on`` (window from ``start``)."""
    m: Mask = f.reach[:, 0] <= on  # in the register by then
    if sel.stage is not None:
        m &= np.isin(f.stage_at(on), [ORDER[s] for s in sel.stage])
    if sel.reached is not None:
        m &= f.reach[:, PIPELINE.index(sel.reached)] <= on
    if sel.entered is not None:
        first = f.reach[:, PIPELINE.index(sel.entered)]
        m &= (first >= start) & (first <= on)
    if sel.planned is not None:
        planned = f.planned[:, PLANNED.index(sel.planned)]
        m &= (planned >= start) & (planned <= on)
    for wanted, codes, names in (
        (sel.task_forces, f.task_force, f.task_forces),
        (sel.sectors, f.sector, f.sectors),
        (sel.levels, f.level, f.levels),
    ):
        if wanted is not None:
            m &= np.isin(codes, [k for k, v in enumerate(names) if v in wanted])
    if sel.min_investment is not None:
        with np.errstate(invalid="ignore"):
            m &= f.amounts["total_investment"] >= sel.min_investment
    return m


def _projects(
    scheme: Scheme,
    iid: str,
    ind: Indicator,
    spec: ProjectDerivation,
    f: ProjectFrame,
    window: tuple[dt.date, dt.date | None],
) -> DerivedIndicator:
    on, start = day(window[0]), day(window[1], BEFORE)
    where = project_mask(f, spec.where, start, on)
    amount = _amount(f, spec.field, on)
    stage = f.stage_at(on)
    recs = _Records("projects", f.source, f.unit, f.ids, f.names)
    calc = _Calc(len(scheme.units), f.unit, spec.scale, spec.empty)
    if spec.measure == "sum":
        groups = [("summed", where)]
        values, arith = calc.total(where, amount)
    elif spec.measure == "ratio":
        groups = [("summed", where)]
        values, arith = calc.ratio(where, amount, _amount(f, spec.per, on))
    else:
        base = project_mask(f, spec.of, start, on) if spec.of is not None else None
        weights = amount if spec.field is not None else None
        groups, values, arith = _counted(calc, where, base, weights)
    keys = _item_keys(spec.item, f, stage) if spec.item is not None else None
    notes = partial(_project_notes, f, spec, stage, amount)
    result = _Result(groups, values, arith, _rule(spec, _conditions_projects))
    return _finish(scheme, iid, ind, recs, notes, calc, where, keys, result, window)


def _counted(
    calc: _Calc, where: Mask, base: Mask | None, weights: F64 | None
) -> tuple[list[tuple[str, Mask]], F64, list[Words]]:
    """A count of ``where``, or (with a base) the share of the base also in ``where``."""
    if base is None:
        values, arith = calc.count(where)
        return [("counted", where)], values, arith
    values, arith = calc.share(where & base, base, weights)
    return [("counted", where & base), ("not_counted", base & ~where)], values, arith


@dataclass(frozen=True)
class _Records:
    """The records a derivation reads: one per project, or per (matter, unit) party."""

    ledger: str
    source: str
    unit: NDArray[np.int32]
    ids: NDArray[np.object_]
    names: NDArray[np.object_]


@dataclass(frozen=True)
class _Result:
    groups: list[tuple[str, Mask]]
    values: F64
    arith: list[Words]
    rule: Words


def _finish(
    scheme: Scheme,
    iid: str,
    ind: Indicator,
    recs: _Records,
    notes: Notes,
    calc: _Calc,
    where: Mask,
    keys: NDArray[np.object_] | None,
    r: _Result,
    window: tuple[dt.date, dt.date | None],
) -> DerivedIndicator:
    """Counts by item (for a rule counted by item), the records behind each unit's value."""
    items, arith = None, r.arith
    if keys is not None:
        items, arith = _items(iid, ind, calc, where, keys, recs.ids)
    applies = _applies(scheme, ind)
    prov = _provenance(recs, notes, r.groups, r.rule, arith, applies)
    values = np.where(applies, r.values, np.nan)
    return DerivedIndicator(iid, recs.ledger, recs.source, values, items, prov, *window)


def _amount(f: ProjectFrame, name: str | None, on: int) -> F64:
    if name is None:
        return np.zeros(len(f))
    if name == "completed_investment":
        return f.invested(on)
    return f.amounts[name]


def _item_keys(item: str, f: ProjectFrame, stage: NDArray[np.int8]) -> NDArray[np.object_]:
    if item == "stage":
        labels = np.array([*STAGES, ""], dtype=object)
        return labels[np.where(stage < 0, len(STAGES), stage)]
    codes, names = {
        "level": (f.level, f.levels),
        "sector": (f.sector, f.sectors),
        "task_force": (f.task_force, f.task_forces),
    }[item]
    return np.array(names, dtype=object)[codes]


def _project_notes(
    f: ProjectFrame,
    spec: ProjectDerivation,
    stage: NDArray[np.int8],
    amount: F64,
    idx: NDArray[np.int64],
) -> NDArray[np.str_]:
    """For the projects ``idx``: the stage on the date with the day it was entered (and, as
    the declaration reads them, the planned date and the amount)."""
    labels = np.array([word(f"stage.{s}") for s in STAGES] + [word("stage.none")])
    safe = np.where(stage[idx] < 0, len(STAGES), stage[idx])
    entered = f.entered[idx, np.minimum(safe, len(STAGES) - 1)]
    notes = np.char.add(labels[safe], np.char.add(" ", _dates(entered)))
    dropped = np.flatnonzero(safe == ORDER["dropped"])
    if dropped.size:
        notes = notes.astype(object)
        for k in dropped.tolist():
            reason = f.projects[int(idx[k])].history[-1].reason
            notes[k] = word("note.reason", note=notes[k], reason=reason)
        notes = notes.astype(str)
    planned = next((s.planned for s in (spec.where, spec.of) if s and s.planned), None)
    if planned is not None:
        text = word("note.planned", stage=word(f"stage.{planned}"))
        when = _dates(f.planned[idx, PLANNED.index(planned)])
        notes = np.char.add(notes, np.char.add(f"{word('sep')}{text} ", when))
    if spec.field is not None:
        label = f"{word('sep')}{word('field.' + spec.field)} "
        notes = np.char.add(notes, np.char.add(label, _numbers(amount[idx])))
    return notes.astype(str)


def _numbers(values: F64) -> NDArray[np.str_]:
    """Amounts as people write them (at most 4 decimals, no trailing zeros; — for none)."""
    text = np.char.rstrip(np.char.rstrip(np.char.mod("%.4f", np.nan_to_num(values)), "0"), ".")
    return np.where(np.isnan(values), "—", np.where(text == "-0", "0", text))


def _dates(days: NDArray[np.int64]) -> NDArray[np.str_]:
    """Days as ``2022-03-15`` (empty for none or undated)."""
    known = (days != NEVER) & (days != BEFORE)
    text = np.datetime_as_string(np.where(known, days, 0).astype("datetime64[D]"), unit="D")
    return np.where(known, text, "")


def _rule(spec: ProjectDerivation | MatterDerivation, describe: Callable[[Any], Words]) -> Words:
    """What a derivation counts, in words."""
    ledger = Words(f"ledger.{spec.ledger}")
    what = describe(spec.where)
    if spec.measure == "share":
        assert spec.of is not None
        of = describe(spec.of)
        return Words("rule.share", what=what, of=of, scale=fmt(spec.scale), ledger=ledger)
    if isinstance(spec, ProjectDerivation) and spec.measure in ("sum", "ratio"):
        return Words(
            f"rule.{spec.measure}",
            what=what,
            field=Words(f"field.{spec.field}"),
            per=Words(f"field.{spec.per}") if spec.per else "",
            scale=fmt(spec.scale),
            ledger=ledger,
        )
    return Words("rule.count", what=what, ledger=ledger)


def _conditions_projects(sel: ProjectSelection) -> Words:
    parts: list[Words] = []
    if sel.stage is not None:
        parts.append(Words("sel.stage", stages=tuple(Words(f"stage.{s}") for s in sel.stage)))
    for key in ("reached", "entered", "planned"):
        value = getattr(sel, key)
        if value is not None:
            parts.append(Words(f"sel.{key}", stage=Words(f"stage.{value}")))
    for key in ("task_forces", "sectors", "levels"):
        value = getattr(sel, key)
        if value is not None:
            parts.append(Words(f"sel.{key}", values=tuple(value)))
    if sel.min_investment is not None:
        parts.append(Words("sel.min_investment", value=fmt(sel.min_investment)))
    return Words("sel.all", parts=tuple(parts)) if parts else Words("sel.every")


# --------------------------------------------------------------------------- matters


def matter_mask(f: MatterFrame, at: PartiesAt, sel: MatterSelection, start: int) -> Mask:
    """The parties (of ``at``) meeting every condition of ``sel``."""
    m: Mask = np.isin(at.role, [ROLES.index(r) for r in sel.roles])
    if sel.kinds is not None:
        m &= np.isin(f.kind[at.matter], [KINDS.index(k) for k in sel.kinds])
    if sel.state is not None:
        m &= np.isin(at.state, [STATES.index(s) for s in sel.state])
    if sel.done is not None:
        m &= (at.status == 1) == sel.done
    if sel.overdue is not None:
        m &= at.overdue == sel.overdue
    if sel.due_within is not None:
        m &= at.due_within(sel.due_within)
    if sel.levels is not None:
        m &= np.isin(f.level[at.matter], [k for k, v in enumerate(f.levels) if v in sel.levels])
    if sel.opened == "window":
        m &= f.opened[at.matter] >= start
    return m


def _matters(
    scheme: Scheme,
    iid: str,
    ind: Indicator,
    spec: MatterDerivation,
    f: MatterFrame,
    window: tuple[dt.date, dt.date | None],
) -> DerivedIndicator:
    on, start = day(window[0]), day(window[1], BEFORE)
    at = parties_at(f, on)
    where = matter_mask(f, at, spec.where, start)
    recs = _Records("matters", f.source, at.unit, f.ids[at.matter], f.titles[at.matter])
    calc = _Calc(len(scheme.units), at.unit, spec.scale, spec.empty)
    base = matter_mask(f, at, spec.of, start) if spec.of is not None else None
    groups, values, arith = _counted(calc, where, base, None)
    keys = None
    if spec.item is not None:
        keys = {
            "kind": np.array(KINDS, dtype=object)[f.kind[at.matter]],
            "level": np.array(f.levels, dtype=object)[f.level[at.matter]],
            "state": np.array(STATES, dtype=object)[at.state],
        }[spec.item]
    result = _Result(groups, values, arith, _rule(spec, _conditions_matters))
    notes = partial(_matter_notes, f, at)
    return _finish(scheme, iid, ind, recs, notes, calc, where, keys, result, window)


def _matter_notes(f: MatterFrame, at: PartiesAt, idx: NDArray[np.int64]) -> NDArray[np.str_]:
    """For the parties ``idx``: the kind and the state, the role if assisting, the deadline
    and how late."""
    kinds = np.array([word(f"kind.{k}") for k in KINDS])
    states = np.array([word(f"state.{s}") for s in STATES])
    roles = np.array([word(f"role.{r}") for r in ROLES])
    matter, role, deadline = at.matter[idx], at.role[idx], at.deadline[idx]
    notes = np.char.add(kinds[f.kind[matter]], np.char.add("·", states[at.state[idx]]))
    notes = np.where(role == 0, notes, np.char.add(notes, np.char.add("·", roles[role])))
    shown = np.char.add(f"{word('sep')}{word('field.deadline')} ", _dates(deadline))
    notes = np.where(deadline != NEVER, np.char.add(notes, shown), notes)
    late = at.overdue[idx]
    if late.any():
        head, _, tail = word("note.overdue", days="\x00").partition("\x00")
        days = (at.on - deadline[late]).astype(str)
        tags = np.char.add(np.char.add(f"{word('sep')}{head}", days), tail)
        notes = notes.astype(object)
        notes[late] = np.char.add(notes[late].astype(str), tags)
    return np.asarray(notes).astype(str)


def _conditions_matters(sel: MatterSelection) -> Words:
    parts: list[Words] = []
    if sel.kinds is not None:
        parts.append(Words("sel.kinds", kinds=tuple(Words(f"kind.{k}") for k in sel.kinds)))
    if sel.state is not None:
        parts.append(Words("sel.state", states=tuple(Words(f"state.{s}") for s in sel.state)))
    if sel.done is not None:
        parts.append(Words("sel.done" if sel.done else "sel.not_done"))
    if sel.overdue is not None:
        parts.append(Words("sel.overdue" if sel.overdue else "sel.not_overdue"))
    if sel.due_within is not None:
        parts.append(Words("sel.due_within", days=sel.due_within))
    if sel.levels is not None:
        parts.append(Words("sel.levels", values=tuple(sel.levels)))
    if sel.roles != ["responsible"]:
        parts.append(Words("sel.roles", roles=tuple(Words(f"role.{r}") for r in sel.roles)))
    if sel.opened == "window":
        parts.append(Words("sel.opened_window"))
    return Words("sel.all", parts=tuple(parts)) if parts else Words("sel.every")


# --------------------------------------------------------------------------- arithmetic


@dataclass(frozen=True)
class _Calc:
    """Per-unit counts and sums over records that each belong to one unit."""

    n: int
    unit: NDArray[np.int32]
    scale: float
    empty: float | None

    def by_unit(self, m: Mask, weights: F64 | None = None) -> F64:
        w = None if weights is None else np.nan_to_num(weights[m])
        out: F64 = np.bincount(self.unit[m], weights=w, minlength=self.n).astype(np.float64)
        return out

    def count(self, m: Mask) -> tuple[F64, list[Words]]:
        v = self.by_unit(m)
        return v, [Words("arith.count", n=fmt(x)) for x in v.tolist()]

    def total(self, m: Mask, amount: F64) -> tuple[F64, list[Words]]:
        v = self.by_unit(m, amount) * self.scale
        c = self.by_unit(m).tolist()
        return v, [
            Words("arith.sum", n=fmt(k), scale=self._scale(), v=fmt(x))
            for k, x in zip(c, v.tolist(), strict=True)
        ]

    def share(self, num: Mask, den: Mask, weights: F64 | None) -> tuple[F64, list[Words]]:
        return self._divide(self.by_unit(num, weights), self.by_unit(den, weights))

    def ratio(self, m: Mask, top: F64, bottom: F64) -> tuple[F64, list[Words]]:
        return self._divide(self.by_unit(m, top), self.by_unit(m, bottom))

    def _divide(self, a: F64, b: F64) -> tuple[F64, list[Words]]:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(b > 0, a / b * self.scale, np.nan)
        fill = np.nan if self.empty is None else self.empty
        v = np.where(b > 0, v, fill)
        arith = []
        for x, y, z in zip(a.tolist(), b.tolist(), v.tolist(), strict=True):
            if y > 0:
                arith.append(
                    Words("arith.share", a=fmt(x), b=fmt(y), scale=self._scale(), v=fmt(z))
                )
            else:
                key = "arith.empty" if self.empty is None else "arith.empty_value"
                arith.append(Words(key, v=fmt(z) if z == z else "—"))
        return v, arith

    def _scale(self) -> str:
        return "" if self.scale == 1 else f" × {fmt(self.scale)}"


def _items(
    iid: str,
    ind: Indicator,
    calc: _Calc,
    where: Mask,
    keys: NDArray[np.object_],
    ids: NDArray[np.object_],
) -> tuple[dict[str, F64], list[Words]]:
    """Counts per item of the rule: each counted record's item names one of the rule's items
    (by id, or by its Chinese or English name for stages and kinds)."""
    names = list(ind.rule.item_points() or {})
    lookup = {n: n for n in names}
    for table, ids_ in (("stage", STAGES), ("kind", KINDS), ("state", STATES)):
        for k in ids_:
            labels = both(f"{table}.{k}")
            for n in names:
                if n in labels:
                    lookup.setdefault(k, n)
    counted = np.flatnonzero(where)
    bad = [
        Problem(
            str(ids[i]),
            "item",
            "err.derive.item",
            {"value": keys[i], "indicator": iid, "items": tuple(names)},
        )
        for i in counted.tolist()
        if keys[i] not in lookup
    ]
    if bad:
        raise LedgerError(bad)
    out: dict[str, F64] = {}
    for n in names:
        mine = where & np.isin(keys, [k for k, v in lookup.items() if v == n])
        out[n] = calc.by_unit(mine)
    arith = [
        Words(
            "arith.items",
            items=tuple(f"{n} × {fmt(out[n][u])}" for n in names if out[n][u]) or ("0",),
        )
        for u in range(calc.n)
    ]
    return out, arith


def _applies(scheme: Scheme, ind: Indicator) -> Mask:
    return np.array([ind.applies_to(u.category) for u in scheme.units.values()], dtype=bool)


def _provenance(
    recs: _Records,
    notes: Notes,
    groups: list[tuple[str, Mask]],
    rule: Words,
    arith: list[Words],
    applies: Mask,
) -> tuple[Provenance | None, ...]:
    n = len(applies)
    unit = recs.unit
    per_unit: list[list[RecordGroup]] = [[] for _ in range(n)]
    for label, mask in groups:
        idx = np.flatnonzero(mask)
        order = idx[np.argsort(unit[idx], kind="stable")]
        bounds = np.searchsorted(unit[order], np.arange(n + 1))
        g_ids, g_names, g_notes = recs.ids[order], recs.names[order], notes(order)
        for u in range(n):
            a, b = bounds[u], bounds[u + 1]
            per_unit[u].append(
                RecordGroup(
                    Words(f"group.{label}"),
                    recs.ledger,
                    tuple(g_ids[a:b].tolist()),
                    tuple(g_names[a:b].tolist()),
                    tuple(g_notes[a:b].tolist()),
                )
            )
    return tuple(
        Provenance(recs.source, rule, arith[u], tuple(per_unit[u])) if applies[u] else None
        for u in range(n)
    )

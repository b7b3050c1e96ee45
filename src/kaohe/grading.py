"""Grades (等次) under quota: order the units of each group, then give each, best first, the best
grade it is allowed (gates, vetoes), whose minimum it meets, and whose quota is not yet full.

A unit held below a grade by a gate does not use that grade's quota: the place passes to the next
unit in order. Quotas are counts: a share is turned into a count with the scheme's rounding rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.i18n import Msg
from kaohe.plan import Plan
from kaohe.quota import exact_quota, quota_counts
from kaohe.ranking import Standing, ordering, rank_key, tie_break_keys
from kaohe.rules.base import fmt
from kaohe.rulespec import Veto
from kaohe.scheme import Grade, Grading

IntVec = NDArray[np.int64]


@dataclass(frozen=True)
class GateHit:
    """A gate or veto that holds a unit's grade down (its points are unchanged)."""

    source: str  # gate id, or the veto indicator's id
    name: str
    max_grade: str
    reason: Msg


@dataclass(frozen=True)
class Quota:
    grade: str
    limit: int | None  # None = no limit
    rule: Msg  # how the limit was computed, e.g. "30% of 11 = 3.3 → floor → 3"


@dataclass(frozen=True)
class GradeDecision:
    """Why a unit got its grade."""

    grade: str
    group: str  # category id, or "all"
    position: int  # place in the group's grading order
    group_size: int
    basis: str  # "points" or "share"
    basis_value: float
    quotas: tuple[Quota, ...]
    gates: tuple[GateHit, ...]
    skipped: tuple[tuple[str, Msg], ...]  # (better grade, why not)
    tied_with: tuple[str, ...]
    tie_break: str | None


def quota_limit(grade: Grade, n: int, rounding: str, category: str | None) -> Quota:
    if grade.quota is None:
        return Quota(grade.id, None, Msg("quota.none"))
    q = grade.quota
    if q.count is not None:
        count = q.count.get(category or "", 0) if isinstance(q.count, dict) else q.count
        return Quota(grade.id, count, Msg("quota.count", count=count))
    assert q.share is not None
    exact = float(exact_quota(q.share, n))  # 0.29 × 100 must be 29, not 28.999…
    limit = int(quota_counts(q.share, n, rounding))
    rule = Msg(
        "quota.share",
        pct=fmt(q.share * 100),
        n=n,
        exact=fmt(exact),
        rounding=Msg(f"rounding.{rounding}"),
        limit=limit,
    )
    return Quota(grade.id, limit, rule)


@dataclass(frozen=True)
class _Gate:
    """Which units fail one gate (or veto), and how to say why."""

    source: str
    name: str
    max_grade: str
    failing: NDArray[np.bool_]
    reason: Callable[[int], Msg]


def _gates(plan: Plan, st: Standing, vetoes: list[tuple[str, int]]) -> list[_Gate]:
    """Every gate and veto, each with the units it holds down (vectorised over units)."""
    scheme = plan.scheme
    g = scheme.grading
    assert g is not None
    n = len(plan.units)
    out: list[_Gate] = []
    by_veto: dict[str, list[int]] = {}
    for iid, i in vetoes:
        by_veto.setdefault(iid, []).append(i)
    for iid, rows in by_veto.items():
        ind = scheme.indicators[iid]
        rules = [r for r in (ind.rule, *ind.category_rules.values()) if isinstance(r, Veto)]
        for rule in {id(r): r for r in rules}.values():
            users = np.zeros(n, dtype=bool)
            for i in rows:
                users[i] = ind.rule_for(scheme.units[plan.units[i]].category) is rule
            if not users.any():
                continue
            effect = rule.effect
            if effect == "void":
                cap, why = g.grades[-1].id, Msg("gate.veto_void")
            elif effect == "bar_top":
                cap, why = g.grades[min(1, len(g.grades) - 1)].id, Msg("gate.veto_bar_top")
            else:
                cap, why = str(rule.max_grade), Msg("gate.veto_max")
            out.append(_Gate(iid, ind.name, cap, users, _always(why)))
    for gate in g.gates:
        checks = _gate_checks(plan, st, gate.require_target_met, gate.require_min_points)
        failing = np.zeros(n, dtype=bool)
        for fails, _ in checks:
            failing |= fails

        def reason(
            i: int, checks: list[tuple[NDArray[np.bool_], Callable[[int], Msg]]] = checks
        ) -> Msg:
            return Msg("all", items=tuple(say(i) for fails, say in checks if fails[i]))

        out.append(_Gate(gate.id, gate.name, gate.max_grade, failing, reason))
    return out


def _always(msg: Msg) -> Callable[[int], Msg]:
    def reason(i: int) -> Msg:
        return msg

    return reason


def _gate_checks(
    plan: Plan, st: Standing, targets: list[str], min_points: dict[str, float]
) -> list[tuple[NDArray[np.bool_], Callable[[int], Msg]]]:
    """(failing units, the sentence for a failing unit) for each condition of a gate."""
    scheme = plan.scheme
    out: list[tuple[NDArray[np.bool_], Callable[[int], Msg]]] = []
    for iid in targets:
        ind = scheme.indicators[iid]
        j = plan.ind_index(iid)
        x, t = st.values[:, j], plan.target[:, j]
        d = 1.0 if ind.direction == "higher" else -1.0
        with np.errstate(invalid="ignore"):
            fails = plan.applies[:, j] & (np.isnan(x) | (d * (x - t) < 0))

        def say_target(
            i: int, name: str = ind.name, x: NDArray[np.float64] = x, t: NDArray[np.float64] = t
        ) -> Msg:
            if np.isnan(x[i]):
                return Msg("gate.no_value", name=name)
            return Msg("gate.target", name=name, x=fmt(x[i]), t=fmt(t[i]))

        out.append((fails, say_target))
    for iid, need in min_points.items():
        ind = scheme.indicators[iid]
        j = plan.ind_index(iid)
        p = st.points[:, j]
        with np.errstate(invalid="ignore"):
            fails = plan.applies[:, j] & (np.isnan(p) | (p < need - 1e-9))

        def say_points(
            i: int, name: str = ind.name, p: NDArray[np.float64] = p, need: float = need
        ) -> Msg:
            return Msg("gate.points", name=name, p=fmt(p[i]), need=fmt(need))

        out.append((fails, say_points))
    return out


class Decisions:
    """The grade decision of every unit, built on demand: ``decisions[i]`` is a
    :class:`GradeDecision`. The engine keeps only arrays; the records cost nothing until read."""

    def __init__(
        self,
        plan: Plan,
        st: Standing,
        grading: Grading,
        basis: str,
        key: NDArray[np.float64],
        tie_keys: list[NDArray[np.float64]],
        order: IntVec,
        groups: IntVec,
        grade: IntVec,
        cap: IntVec,
        gates: list[_Gate],
        quotas: dict[int, tuple[Quota, ...]],
    ) -> None:
        self._plan, self._st, self._g, self._basis = plan, st, grading, basis
        self._key, self._tie_keys, self._groups = key, tie_keys, groups
        self._grade, self._cap, self._gates, self._quotas = grade, cap, gates, quotas
        self._members = {int(gid): order[groups[order] == gid] for gid in np.unique(groups)}
        self._position = np.empty(len(plan.units), dtype=np.int64)
        for members in self._members.values():
            self._position[members] = np.arange(members.size)

    def __len__(self) -> int:
        return len(self._plan.units)

    @property
    def cap(self) -> IntVec:
        """Best grade index each unit may get (0 unless a gate or veto holds it down)."""
        return self._cap

    def __getitem__(self, i: int) -> GradeDecision:
        g, plan = self._g, self._plan
        gid = int(self._groups[i])
        members = self._members[gid]
        pos = int(self._position[i])
        hits = tuple(
            GateHit(h.source, h.name, h.max_grade, h.reason(i)) for h in self._gates if h.failing[i]
        )
        tied, decided = self._ties(members, pos)
        return GradeDecision(
            grade=g.grades[int(self._grade[i])].id,
            group=plan.categories[gid] if g.scope == "category" else "all",
            position=pos + 1,
            group_size=int(members.size),
            basis=self._basis,
            basis_value=float(self._key[i]),
            quotas=self._quotas[gid],
            gates=hits,
            skipped=tuple(self._skipped(i, members, pos, hits)),
            tied_with=tied,
            tie_break=decided,
        )

    def _skipped(
        self, i: int, members: IntVec, pos: int, hits: tuple[GateHit, ...]
    ) -> list[tuple[str, Msg]]:
        """Why each better grade was not given (as a unit-by-unit allocation would say)."""
        g, st = self._g, self._st
        ids = [gr.id for gr in g.grades]
        quotas = self._quotas[int(self._groups[i])]
        out: list[tuple[str, Msg]] = []
        for k in range(int(self._grade[i])):
            gr = g.grades[k]
            if k < self._cap[i]:
                held = max(hits, key=lambda h: ids.index(h.max_grade))
                out.append((gr.id, Msg("skip.held", name=held.name, reason=held.reason)))
            elif gr.min_score is not None and not st.score[i] >= gr.min_score - 1e-9:
                out.append(
                    (gr.id, Msg("skip.min_score", score=fmt(st.score[i]), min=fmt(gr.min_score)))
                )
            elif gr.min_share is not None and not st.share[i] >= gr.min_share - 1e-12:
                out.append(
                    (
                        gr.id,
                        Msg(
                            "skip.min_share",
                            share=fmt(st.share[i] * 100),
                            min=fmt(gr.min_share * 100),
                        ),
                    )
                )
            else:
                out.append((gr.id, Msg("skip.quota", limit=quotas[k].limit)))
        return out

    def _ties(self, members: IntVec, pos: int) -> tuple[tuple[str, ...], str | None]:
        """The units tied with this one on the basis, and the key that ordered it."""
        values = self._key[members]
        a, b = pos, pos + 1
        while a > 0 and values[a - 1] == values[pos]:
            a -= 1
        while b < members.size and values[b] == values[pos]:
            b += 1
        if b - a == 1:
            return (), None
        i = members[pos]
        others = tuple(self._plan.units[k] for k in members[a:b] if k != i)
        nb = members[pos + 1] if pos + 1 < b else members[pos - 1]
        decided = next(
            (c for c, tk in zip(self._g.tie_break, self._tie_keys, strict=True) if tk[i] != tk[nb]),
            None,
        )
        return others, decided


def grade_units(
    plan: Plan, st: Standing, vetoes: list[tuple[str, int]]
) -> tuple[IntVec, Decisions]:
    """Grade index (0 = best) of every unit, and the decisions behind them.

    Grade by grade, best first: the first units in order that no gate holds below the grade,
    that meet its minimum and that have no better grade, take its places up to the quota. This
    is the same allocation as going unit by unit and giving each the best grade still open.
    """
    g = plan.scheme.grading
    assert g is not None
    by_category = g.scope == "category"
    basis = "points" if by_category else plan.scheme.ranking.basis
    groups = plan.cat_index if by_category else np.zeros(len(plan.units), dtype=np.int64)
    key = rank_key(plan, st, basis)
    tie_keys = tie_break_keys(plan, st, g.tie_break)
    order = ordering(key, tie_keys, groups)
    gates = _gates(plan, st, vetoes)
    index = {gr.id: k for k, gr in enumerate(g.grades)}
    cap = np.zeros(len(plan.units), dtype=np.int64)
    for h in gates:
        cap = np.where(h.failing, np.maximum(cap, index[h.max_grade]), cap)
    last = len(g.grades) - 1
    grade = np.full(len(plan.units), last, dtype=np.int64)
    quotas: dict[int, tuple[Quota, ...]] = {}
    for gid in np.unique(groups).tolist():
        members = order[groups[order] == gid]
        name = plan.categories[gid] if by_category else None
        quotas[gid] = tuple(quota_limit(gr, members.size, g.rounding, name) for gr in g.grades)
        open_ = np.ones(members.size, dtype=bool)
        for k, gr in enumerate(g.grades[:-1]):
            ok = open_ & (cap[members] <= k)
            if gr.min_score is not None:
                ok &= st.score[members] >= gr.min_score - 1e-9
            if gr.min_share is not None:
                ok &= st.share[members] >= gr.min_share - 1e-12
            take = np.flatnonzero(ok)
            limit = quotas[gid][k].limit
            if limit is not None:
                take = take[:limit]
            grade[members[take]] = k
            open_[take] = False
    decisions = Decisions(
        plan, st, g, basis, key, tie_keys, order, groups, grade, cap, gates, quotas
    )
    return grade, decisions

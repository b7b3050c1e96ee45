"""Grades (等次) under quota: order the units of each group, then give each, best first, the best
grade it is allowed (gates, vetoes), whose minimum it meets, and whose quota is not yet full.

A unit held below a grade by a gate does not use that grade's quota: the place passes to the next
unit in order. Quotas are counts: a share is turned into a count with the scheme's rounding rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.i18n import Msg
from kaohe.plan import Plan
from kaohe.ranking import Standing, ordering, rank_key, tie_break_keys
from kaohe.rules.base import fmt
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
    exact = round(q.share * n, 9)  # 0.29 × 100 must be 29, not 28.999…
    if rounding == "floor":
        limit = math.floor(exact)
    elif rounding == "ceil":
        limit = math.ceil(exact)
    elif rounding == "half_up":
        limit = math.floor(exact + 0.5)
    else:
        limit = round(exact)
    rule = Msg(
        "quota.share",
        pct=fmt(q.share * 100),
        n=n,
        exact=fmt(exact),
        rounding=Msg(f"rounding.{rounding}"),
        limit=limit,
    )
    return Quota(grade.id, limit, rule)


def gate_hits(plan: Plan, st: Standing, vetoes: list[tuple[str, int]]) -> list[list[GateHit]]:
    """For every unit, the gates and vetoes that cap its grade."""
    scheme = plan.scheme
    g = scheme.grading
    assert g is not None
    hits: list[list[GateHit]] = [[] for _ in plan.units]
    last = g.grades[-1].id
    for iid, i in vetoes:
        rule = scheme.indicators[iid].rule_for(scheme.units[plan.units[i]].category)
        effect = rule.effect  # type: ignore[attr-defined]
        if effect == "void":
            cap, why = last, Msg("gate.veto_void")
        elif effect == "bar_top":
            cap, why = g.grades[min(1, len(g.grades) - 1)].id, Msg("gate.veto_bar_top")
        else:
            cap, why = rule.max_grade, Msg("gate.veto_max")  # type: ignore[attr-defined]
        hits[i].append(GateHit(iid, scheme.indicators[iid].name, cap, why))
    for gate in g.gates:
        for i in range(len(plan.units)):
            reasons = _gate_failures(plan, st, gate.require_target_met, gate.require_min_points, i)
            if reasons:
                hits[i].append(
                    GateHit(gate.id, gate.name, gate.max_grade, Msg("all", items=tuple(reasons)))
                )
    return hits


def _gate_failures(
    plan: Plan, st: Standing, targets: list[str], min_points: dict[str, float], i: int
) -> list[Msg]:
    scheme = plan.scheme
    cat = scheme.units[plan.units[i]].category
    out = []
    for iid in targets:
        ind = scheme.indicators[iid]
        if not ind.applies_to(cat):
            continue
        j = plan.ind_index(iid)
        x, t = st.values[i, j], plan.target[i, j]
        d = 1.0 if ind.direction == "higher" else -1.0
        if np.isnan(x):
            out.append(Msg("gate.no_value", name=ind.name))
        elif d * (x - t) < 0:
            out.append(Msg("gate.target", name=ind.name, x=fmt(x), t=fmt(t)))
    for iid, need in min_points.items():
        ind = scheme.indicators[iid]
        if not ind.applies_to(cat):
            continue
        p = st.points[i, plan.ind_index(iid)]
        if np.isnan(p) or p < need - 1e-9:
            out.append(Msg("gate.points", name=ind.name, p=fmt(p), need=fmt(need)))
    return out


def grade_units(
    plan: Plan, st: Standing, vetoes: list[tuple[str, int]]
) -> tuple[IntVec, tuple[GradeDecision, ...]]:
    """Grade index (0 = best) of every unit and the decision behind it."""
    g = plan.scheme.grading
    assert g is not None
    by_category = g.scope == "category"
    basis = "points" if by_category else plan.scheme.ranking.basis
    groups = plan.cat_index if by_category else np.zeros(len(plan.units), dtype=np.int64)
    key = rank_key(plan, st, basis)
    tie_keys = tie_break_keys(plan, st, g.tie_break)
    order = ordering(key, tie_keys, groups)
    hits = gate_hits(plan, st, vetoes)
    index = {gr.id: k for k, gr in enumerate(g.grades)}
    cap = np.array([max((index[h.max_grade] for h in hs), default=0) for hs in hits])
    grade = np.zeros(len(plan.units), dtype=np.int64)
    decisions: list[GradeDecision | None] = [None] * len(plan.units)
    for gid in np.unique(groups):
        members = order[groups[order] == gid]
        name = plan.categories[gid] if by_category else "all"
        quotas = tuple(
            quota_limit(gr, members.size, g.rounding, name if by_category else None)
            for gr in g.grades
        )
        used = [0] * len(g.grades)
        ties = _ties(plan, key, tie_keys, g.tie_break, members)
        for pos, i in enumerate(members):
            k, skipped = _place(g, st, int(i), int(cap[i]), quotas, used, hits[i])
            used[k] += 1
            grade[i] = k
            decisions[i] = GradeDecision(
                grade=g.grades[k].id,
                group=name,
                position=pos + 1,
                group_size=members.size,
                basis=basis,
                basis_value=float(key[i]),
                quotas=quotas,
                gates=tuple(hits[i]),
                skipped=tuple(skipped),
                tied_with=ties[int(i)][0],
                tie_break=ties[int(i)][1],
            )
    return grade, tuple(d for d in decisions if d is not None)


def _place(
    g: Grading,
    st: Standing,
    i: int,
    cap: int,
    quotas: tuple[Quota, ...],
    used: list[int],
    hits: list[GateHit],
) -> tuple[int, list[tuple[str, Msg]]]:
    skipped: list[tuple[str, Msg]] = []
    last = len(g.grades) - 1
    for k, gr in enumerate(g.grades):
        if k == last:
            return k, skipped
        if k < cap:
            ids = [x.id for x in g.grades]
            held = max(hits, key=lambda h: ids.index(h.max_grade))
            skipped.append((gr.id, Msg("skip.held", name=held.name, reason=held.reason)))
            continue
        if gr.min_score is not None and not st.score[i] >= gr.min_score - 1e-9:
            skipped.append(
                (gr.id, Msg("skip.min_score", score=fmt(st.score[i]), min=fmt(gr.min_score)))
            )
            continue
        if gr.min_share is not None and not st.share[i] >= gr.min_share - 1e-12:
            skipped.append(
                (
                    gr.id,
                    Msg(
                        "skip.min_share", share=fmt(st.share[i] * 100), min=fmt(gr.min_share * 100)
                    ),
                )
            )
            continue
        limit = quotas[k].limit
        if limit is not None and used[k] >= limit:
            skipped.append((gr.id, Msg("skip.quota", limit=limit)))
            continue
        return k, skipped
    return last, skipped  # pragma: no cover - the loop always returns at the last grade


def _ties(
    plan: Plan,
    key: NDArray[np.float64],
    tie_keys: list[NDArray[np.float64]],
    chain: list[str],
    members: IntVec,
) -> dict[int, tuple[tuple[str, ...], str | None]]:
    """For each unit: the units tied with it on the basis, and the key that ordered them."""
    out: dict[int, tuple[tuple[str, ...], str | None]] = {}
    values = key[members]
    for v in np.unique(values):
        run = members[values == v]
        names = tuple(plan.units[i] for i in run)
        for pos, i in enumerate(run):
            others = tuple(n for n in names if n != plan.units[i])
            decided: str | None = None
            if others:
                nb = run[pos + 1] if pos + 1 < run.size else run[pos - 1]
                decided = next(
                    (c for c, tk in zip(chain, tie_keys, strict=True) if tk[i] != tk[nb]), None
                )
            out[int(i)] = (others, decided)
    return out

"""Annual grades under quota: cadres (优秀/称职/基本称职/不称职) and leadership teams
(好/较好/一般/较差).

1. **Composite score** = Σ component × weight over the components (appraisal, regular checks,
   the unit's own result, the office's assessment …). A missing component is, by ``missing``:
   left out with the other weights renormalised (``renormalise``), counted as 0 (``zero``), or
   makes the grade pending (``pending``). Scores are compared at ``decimals`` places.
2. **Gates** (:mod:`kaohe.cadres.gates`) leave a grade pending or hold it below a cap.
3. **Quota of the top grade, per pool of units** (``pool``: each unit alone by default, all
   units together, or named pools): ``share`` × participants (those graded, or all), rounded by
   ``floor``/``half_up``/``ceil``. The share of a unit is the caller's (e.g. raised by the
   rulebook's tilt table for units ranked near the top), else the default; a pool adds its
   units' exact quotas (``6 × 30% + 4 × 50% = 3.8``) and rounds once
   (:func:`kaohe.quota.pooled_quota`).
4. Within each pool, subjects are ordered by score (higher first), then by the ``tie_break``
   keys. The first eligible ones (no gate below the top, at least the top grade's
   ``min_score``) take the quota. When the last place inside the quota is tied with the first
   one outside it, ``ties: break`` lets the ``tie_break`` order decide and ``ties: exclude``
   gives the top grade to none of the tied (so the quota is never exceeded).
5. Every other subject gets the best grade below the top that its gate allows and whose
   ``min_score`` it meets; the last grade takes the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kaohe.cadres.design import ChecksDesign, GradeSet, GradingDesign
from kaohe.cadres.gates import PENDING, Gate, cadre_gates, external_gates
from kaohe.cadres.people import People
from kaohe.cadres.quota import RoundingName
from kaohe.cadres.words import Listing, Msg, fmt, join
from kaohe.errors import DataError, Issue
from kaohe.i18n import language
from kaohe.quota import pooled_quota
from kaohe.rulebook.inputs import HISTORY_COLUMNS

FloatVec = NDArray[np.float64]
IntVec = NDArray[np.int64]
BoolVec = NDArray[np.bool_]


@dataclass(frozen=True)
class _Arrays:
    values: FloatVec  # subjects × components
    used: FloatVec  # the weights used per subject (renormalised), 0 when left out
    score: FloatVec  # rounded to decimals; NaN = no score
    pending: BoolVec
    cap: IntVec
    gates: tuple[Gate, ...]
    position: IntVec  # 1-based place among the graded of the pool; 0 when pending
    graded_in_pool: IntVec
    participants: IntVec  # of the pool
    share: FloatVec  # of the unit
    limit: IntVec  # of the pool
    pool: IntVec  # the pool's code (the unit's own with pool: unit)
    pools: tuple[str, ...]  # pool code → id
    pool_units: IntVec  # pool code → units of the subjects in it
    pool_exact: FloatVec  # pool code → exact quota
    pool_terms: tuple[tuple[tuple[float, int], ...], ...]  # pool code → (share, participants)
    grade: IntVec  # index; PENDING
    tie_excluded: BoolVec
    tied_at_boundary: BoolVec
    below_min_top: BoolVec


@dataclass(frozen=True)
class AnnualGrades:
    """The annual grades of one kind of subject (``cadre`` or ``team``) in one year.

    ``frame`` has one row per subject: the id column (``cadre_id`` or ``team_id``), unit, year,
    score, grade (id), grade_name, position, participants, share, quota. :attr:`table` adds an
    ``explanation`` column; :meth:`explain` gives one subject's sentences.
    """

    kind: str
    year: int
    design: GradeSet
    default_share: float
    ids: NDArray[np.object_]
    units: NDArray[np.object_]
    _a: _Arrays

    @property
    def id_column(self) -> str:
        return f"{self.kind}_id"

    @cached_property
    def _index(self) -> dict[str, int]:
        return {str(s): k for k, s in enumerate(self.ids)}

    def grade_ids(self) -> NDArray[np.object_]:
        ids = np.array([g.id for g in self.design.grades] + [self.design.pending.id], dtype=object)
        return ids[self._a.grade]  # PENDING (-1) takes the last entry

    @cached_property
    def frame(self) -> pd.DataFrame:
        a, gs = self._a, self.design
        names = np.array([g.name for g in gs.grades] + [gs.pending.name], dtype=object)
        pooled = (
            {"pool": np.array(a.pools, dtype=object)[a.pool]} if gs.quota.pool != "unit" else {}
        )
        return pd.DataFrame(
            {
                self.id_column: self.ids,
                "unit": self.units,
                **pooled,
                "year": self.year,
                "score": a.score,
                "grade": self.grade_ids(),
                "grade_name": names[a.grade],
                "position": a.position,
                "participants": a.participants,
                "share": a.share,
                "quota": a.limit,
            }
        )

    @cached_property
    def table(self) -> pd.DataFrame:
        """:attr:`frame` with the explanation of every subject (in the language in force)."""
        with language(None):  # the language read once, not per sentence
            texts = [join(self.explain_at(i)) for i in range(len(self.ids))]
        return self.frame.assign(explanation=texts)

    def history(self) -> pd.DataFrame:
        """The rows of a grade history: person_id, kind, year, unit, grade (id; pending too)."""
        return pd.DataFrame(
            {
                "person_id": self.ids,
                "kind": self.kind,
                "year": self.year,
                "unit": self.units,
                "grade": self.grade_ids(),
            }
        )

    def explain(self, subject: str) -> list[Msg]:
        return self.explain_at(self._index[subject])

    def explain_at(self, i: int) -> list[Msg]:
        a, gs = self._a, self.design
        out = [_composite_msg(gs, a, i)]
        hits = [g for g in a.gates if g.failing[i]]
        for g in hits:
            if g.max_grade == PENDING:
                out.append(Msg("a.pending", reason=g.reason(i)))
            else:
                out.append(Msg("a.cap", reason=g.reason(i), grade=gs.grades[g.max_grade].name))
        if a.grade[i] == PENDING:
            if np.isnan(a.score[i]) and not any(g.max_grade == PENDING for g in hits):
                out.append(Msg("a.pending", reason=Msg("g.no_score")))
            return out
        top = gs.grades[0].name
        n_in, place = int(a.graded_in_pool[i]), int(a.position[i])
        if gs.quota.pool == "unit":
            out.append(Msg("a.placed", unit=self.units[i], n=n_in, p=place))
            out.append(
                Msg(
                    "a.quota",
                    top=top,
                    n=int(a.participants[i]),
                    pct=fmt(a.share[i] * 100),
                    exact=fmt(round(a.share[i] * a.participants[i], 9)),
                    rounding=RoundingName(gs.quota.rounding),
                    limit=int(a.limit[i]),
                )
            )
        else:
            pool = self._pool_name(int(a.pool[i]))
            terms = [Msg("a.quota_term", n=k, pct=fmt(s * 100)) for s, k in a.pool_terms[a.pool[i]]]
            out.append(Msg("a.placed_pool", pool=pool, n=n_in, p=place))
            out.append(
                Msg(
                    "a.quota_pool",
                    top=top,
                    pool=pool,
                    terms=_Sum(terms),
                    exact=fmt(a.pool_exact[a.pool[i]]),
                    rounding=RoundingName(gs.quota.rounding),
                    limit=int(a.limit[i]),
                )
            )
        if not math.isclose(a.share[i], self.default_share, abs_tol=1e-12):
            out.append(Msg("a.tilt", pct=fmt(a.share[i] * 100)))
        k = int(a.grade[i])
        if k > 0 and a.cap[i] == 0:
            if a.below_min_top[i]:
                out.append(_min_msg(gs, 0, a.score[i]))
            elif a.tie_excluded[i]:
                n_tied = int(np.sum(a.tie_excluded & (a.pool == a.pool[i]))) - 1
                out.append(Msg("a.tie_excluded", n=n_tied, top=top))
            else:
                out.append(Msg("a.quota_full", top=top, limit=int(a.limit[i])))
        for j in range(max(int(a.cap[i]), 1), k):
            out.append(_min_msg(gs, j, a.score[i]))
        if a.tied_at_boundary[i]:
            same = (a.pool == a.pool[i]) & a.tied_at_boundary
            others = ", ".join(str(s) for s in self.ids[same] if s != self.ids[i])
            out.append(Msg("a.tie_broken", others=others, key=tie_keys_text(gs)))
        out.append(Msg("a.grade", grade=gs.grades[k].name))
        return out

    def _pool_name(self, code: int) -> Msg:
        """The pool as the explanations name it: all the units, or a named pool."""
        pools, k = self.design.quota.pool, int(self._a.pool_units[code])
        if isinstance(pools, dict):
            return Msg("pool.named", name=pools[self._a.pools[code]].name, k=k)
        return Msg("pool.all", k=k)


class _Sum:
    """Terms added up, as the arithmetic of an explanation writes them (rendered when read)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Msg]) -> None:
        self.parts = parts

    def __str__(self) -> str:
        return " + ".join(str(p) for p in self.parts)


def tie_keys_text(gs: GradeSet) -> Listing:
    """The quota's tie-break keys as a person reads them: components by their names."""
    parts = []
    for key in gs.quota.tie_break:
        base = key.removeprefix("-")
        if base in gs.components:
            msg = Msg("tie.component", name=gs.components[base].name)
        else:
            msg = Msg(f"tie.{base}")
        parts.append(Msg("tie.lowest_first", key=msg) if key.startswith("-") else msg)
    return Listing(parts)


def _min_msg(gs: GradeSet, k: int, score: float) -> Msg:
    g = gs.grades[k]
    return Msg(
        "a.min_score", score=fmt(score, gs.decimals), grade=g.name, min=fmt(g.min_score or 0)
    )


def _composite_msg(gs: GradeSet, a: _Arrays, i: int) -> Msg:
    comps = list(gs.components.values())
    terms, missing = [], []
    for k, c in enumerate(comps):
        if c.weight == 0:
            continue
        v = a.values[i, k]
        if np.isnan(v):
            missing.append(c.name)
            if gs.missing == "zero":
                terms.append(str(Msg("c.term", name=c.name, v=0, w=fmt(a.used[i, k]))))
            continue
        terms.append(str(Msg("c.term", name=c.name, v=fmt(v, gs.decimals), w=fmt(a.used[i, k]))))
    if np.isnan(a.score[i]):
        if missing and gs.missing == "pending" and terms:
            return Msg("c.missing", name=", ".join(missing))
        return Msg("c.no_score")
    note = ""
    if missing and gs.missing == "renormalise":
        total = sum(c.weight for c, v in zip(comps, a.values[i], strict=True) if not np.isnan(v))
        note = str(Msg("c.renormalised", names=", ".join(missing), total=fmt(total)))
    elif missing:
        note = str(Msg("c.missing_zero", name=", ".join(missing)))
    return Msg("c.score", expr=" + ".join(terms), score=fmt(a.score[i], gs.decimals), note=note)


# --------------------------------------------------------------------------- the computation


def composite(values: FloatVec, gs: GradeSet) -> tuple[FloatVec, FloatVec]:
    """(score, weights used) for subjects × components; NaN score where none can be formed."""
    w = np.array([c.weight for c in gs.components.values()], dtype=np.float64)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    if gs.missing == "zero":
        used = np.broadcast_to(w / w.sum(), values.shape).copy()
        score = filled @ (w / w.sum())
        score[~present[:, w > 0].any(1)] = np.nan
        return score, used
    on = np.where(present, w[None, :], 0.0)
    total = on.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        used = np.where(total[:, None] > 0, on / np.where(total > 0, total, 1.0)[:, None], 0.0)
        score = np.where(total > 0, (filled * used).sum(1), np.nan)
    if gs.missing == "pending":
        score[(~present & (w > 0)[None, :]).any(1)] = np.nan
    return score, used


def grade_annual(
    subjects: pd.DataFrame,
    components: pd.DataFrame,
    gs: GradeSet,
    year: int,
    *,
    kind: str,
    top_shares: Mapping[str, float] | None = None,
    default_share: float | None = None,
    gates: list[Gate] | None = None,
) -> AnnualGrades:
    """Grade subjects (columns ``id`` and ``unit``) from their components (indexed by id, one
    column per component of ``gs``; a missing row or cell is a missing component).

    ``top_shares``: unit id → share of the top grade (e.g. 0.25 for a tilted unit); a unit not
    in it takes ``default_share``, else the design's ``quota.share``.
    """
    ids = subjects["id"].to_numpy(dtype=object)
    units = subjects["unit"].to_numpy(dtype=object)
    _check_components(components, ids, gs)
    cols = list(gs.components)
    values = (
        components.reindex(index=pd.Index(ids), columns=cols).to_numpy(dtype=np.float64)
        if len(ids)
        else np.empty((0, len(cols)))
    )
    raw, used = composite(values, gs)
    score = np.round(raw, gs.decimals)
    gates = gates or []
    n = len(ids)
    pending = np.isnan(score)
    cap = np.zeros(n, dtype=np.int64)
    for g in gates:
        if g.max_grade == PENDING:
            pending |= g.failing
        else:
            cap = np.where(g.failing, np.maximum(cap, g.max_grade), cap)
    default = gs.quota.share if default_share is None else float(default_share)
    shares = dict(top_shares or {})
    unit_codes, unit_names = pd.factorize(pd.Series(units, dtype=object), sort=True)
    unit_codes = unit_codes.astype(np.int64)
    n_u = len(unit_names)
    pool_of_unit, pool_ids = _pools(gs, [str(u) for u in unit_names], unit_codes, ids)
    pool_codes = pool_of_unit[unit_codes]  # of each subject
    n_p = len(pool_ids)
    graded_per_unit = np.bincount(unit_codes[~pending], minlength=n_u)
    counted = (
        graded_per_unit
        if gs.quota.participants == "graded"
        else np.bincount(unit_codes, minlength=n_u)
    )
    unit_share = np.array([shares.get(str(u), default) for u in unit_names], dtype=np.float64)
    quota = pooled_quota(unit_share, counted, pool_of_unit, gs.quota.rounding)
    pool_limit = quota.counts
    counted_pool = np.bincount(pool_of_unit, weights=counted, minlength=n_p).astype(np.int64)
    graded_per_pool = np.bincount(pool_codes[~pending], minlength=n_p)

    order = np.lexsort(
        [*_tie_keys(gs, ids, score, values)[::-1], np.where(pending, 1, 0), pool_codes]
    )
    u_sorted = pool_codes[order]
    s_sorted = score[order]
    min_top = gs.grades[0].min_score
    below_min_top = np.zeros(n, dtype=bool)
    if min_top is not None:
        below_min_top = ~pending & (np.nan_to_num(score, nan=-np.inf) < min_top - 1e-9)
    eligible = (~pending & (cap == 0) & ~below_min_top)[order]
    pos = _rank_within(u_sorted, eligible)  # 0-based among eligible in the unit
    limit_sorted = pool_limit[u_sorted]
    taken = eligible & (pos < limit_sorted)
    tie_excluded_s = np.zeros(n, dtype=bool)
    tied_s = np.zeros(n, dtype=bool)
    last_in = eligible & (pos == limit_sorted - 1)
    first_out = eligible & (pos == limit_sorted)
    b_last = pd.Series(s_sorted[last_in], index=u_sorted[last_in])
    b_next = pd.Series(s_sorted[first_out], index=u_sorted[first_out])
    both = b_last.index.intersection(b_next.index)
    clash = both[b_last[both].to_numpy() == b_next[both].to_numpy()]
    if len(clash):
        boundary = np.full(n_p, np.nan)
        boundary[clash.to_numpy()] = b_last[clash].to_numpy()
        at = eligible & (s_sorted == boundary[u_sorted])
        if gs.quota.ties == "exclude":
            tie_excluded_s = at
            taken &= ~at
        else:
            tied_s = at
    grade_s = np.full(n, -2, dtype=np.int64)
    grade_s[taken] = 0
    pend_s, cap_s = pending[order], cap[order]
    last = len(gs.grades) - 1
    for k in range(1, last):
        m = (grade_s == -2) & ~pend_s & (cap_s <= k)
        mk = gs.grades[k].min_score
        if mk is not None:
            m &= s_sorted >= mk - 1e-9
        grade_s[m] = k
    grade_s[(grade_s == -2) & ~pend_s] = last
    grade_s[pend_s] = PENDING
    position_s = np.where(pend_s, 0, _rank_within(u_sorted, ~pend_s) + 1)

    def unsort(x: NDArray[np.generic]) -> NDArray[np.generic]:
        out = np.empty_like(x)
        out[order] = x
        return out

    arrays = _Arrays(
        values=values,
        used=used,
        score=score,
        pending=pending,
        cap=cap,
        gates=tuple(gates),
        position=unsort(position_s).astype(np.int64),
        graded_in_pool=graded_per_pool[pool_codes].astype(np.int64),
        participants=counted_pool[pool_codes],
        share=unit_share[unit_codes],
        limit=pool_limit[pool_codes].astype(np.int64),
        grade=unsort(grade_s).astype(np.int64),
        tie_excluded=unsort(tie_excluded_s).astype(bool),
        tied_at_boundary=unsort(tied_s).astype(bool),
        below_min_top=below_min_top,
        pool=pool_codes,
        pools=tuple(pool_ids),
        pool_units=np.bincount(pool_of_unit, minlength=n_p).astype(np.int64),
        pool_exact=quota.exact,
        pool_terms=quota.terms,
    )
    return AnnualGrades(kind, year, gs, default, ids, units, arrays)


def _pools(
    gs: GradeSet, unit_names: list[str], unit_codes: IntVec, ids: NDArray[np.object_]
) -> tuple[IntVec, list[str]]:
    """(the pool code of each unit, the pool ids by code): with ``pool: unit`` each unit is its
    own pool (the codes the units'); a unit in none of the named pools is refused, naming the
    subjects it holds."""
    spec = gs.quota.pool
    if spec == "unit":
        return np.arange(len(unit_names), dtype=np.int64), list(unit_names)
    if spec == "all":
        return np.zeros(len(unit_names), dtype=np.int64), ["all"] if unit_names else []
    where = {u: pid for pid, p in spec.items() for u in p.units}
    issues = []
    for k, unit in enumerate(unit_names):
        if unit not in where:
            held = [str(x) for x in ids[unit_codes == k]]
            shown = ", ".join(held[:10]) + (" …" if len(held) > 10 else "")
            issues.append(
                Issue(f"unit {unit!r} is in none of the quota's pools ({', '.join(spec)}): {shown}")
            )
    if issues:
        raise DataError(issues)
    names = [pid for pid in spec if any(where[u] == pid for u in unit_names)]
    code = {pid: c for c, pid in enumerate(names)}
    return np.array([code[where[u]] for u in unit_names], dtype=np.int64), names


def _rank_within(groups: IntVec, member: BoolVec) -> IntVec:
    """0-based count of earlier members in the same (sorted, contiguous) group."""
    c = np.cumsum(member.astype(np.int64))
    start = np.r_[0, np.flatnonzero(np.diff(groups)) + 1] if groups.size else np.array([], int)
    before = np.zeros(groups.size, dtype=np.int64)
    if groups.size:
        first_of = np.repeat(start, np.diff(np.r_[start, groups.size]))
        before = c[first_of] - member[first_of]
    return (c - member - before).astype(np.int64)


def _tie_keys(
    gs: GradeSet, ids: NDArray[np.object_], score: FloatVec, values: FloatVec
) -> list[NDArray[np.float64] | IntVec]:
    """Sort keys, most significant first: the score (higher first), then each tie_break key."""
    cols = list(gs.components)

    def desc(x: FloatVec) -> FloatVec:
        return np.where(np.isnan(x), np.inf, -x)

    keys: list[NDArray[np.float64] | IntVec] = [desc(score)]
    for key in gs.quota.tie_break:
        if key == "id":
            keys.append(_id_order(ids))
        elif key == "score":
            keys.append(desc(score))
        else:
            keys.append(desc(np.round(values[:, cols.index(key)], gs.decimals)))
    if "id" not in gs.quota.tie_break:
        keys.append(_id_order(ids))
    return keys


def _id_order(ids: NDArray[np.object_]) -> IntVec:
    """The place of each id in sorted order (ids sort as text)."""
    order = np.argsort(ids.astype(str), kind="stable")
    out = np.empty(ids.size, dtype=np.int64)
    out[order] = np.arange(ids.size)
    return out


def _check_components(components: pd.DataFrame, ids: NDArray[np.object_], gs: GradeSet) -> None:
    issues: list[Issue] = []
    dup = components.index[components.index.duplicated()].unique()
    issues += [Issue(f"component scores are given twice for {d!r}") for d in dup]
    extra = sorted(set(map(str, components.index)) - set(map(str, ids)))
    if extra:
        shown = ", ".join(extra[:10]) + (" …" if len(extra) > 10 else "")
        issues.append(Issue(f"component scores for {len(extra)} unknown subject(s): {shown}"))
    unknown_cols = [c for c in components.columns if c not in gs.components]
    if unknown_cols:
        issues.append(
            Issue(f"unknown component column(s) {unknown_cols}; known: {list(gs.components)}")
        )
    if issues:
        raise DataError(issues)


# --------------------------------------------------------------------------- cadres and teams


def grade_cadres(
    people: People,
    components: pd.DataFrame,
    design: GradingDesign,
    *,
    top_shares: Mapping[str, float] | None = None,
    default_share: float | None = None,
    checks: pd.DataFrame | None = None,
    checks_design: ChecksDesign | None = None,
    caps: Mapping[str, tuple[str, str]] | None = None,
) -> AnnualGrades:
    """Annual grades of every cadre of ``people`` in ``design.year``.

    ``components``: indexed by cadre id. ``checks``: the :func:`~kaohe.cadres.checks.checks_summary`
    of the year (its ``below_top`` feeds the checks gate). ``caps``: cadre id → (grade id or the
    pending id, reason), for conditions decided elsewhere.
    """
    gs = design.cadre
    if gs is None:
        raise DataError(Issue("the grading design has no cadre section"))
    c = people.cadres
    ids = c["cadre_id"].to_numpy(dtype=object)
    below = None
    if checks is not None:
        below = checks["below_top"].reindex(pd.Index(ids)).to_numpy(dtype=np.float64)
    top_check = checks_design.grades[0].name if checks_design is not None else "好"
    gates = cadre_gates(c, gs, design.year, design.as_of_date, below, top_check)
    gates += external_gates(ids, caps or {}, gs)
    subjects = pd.DataFrame({"id": ids, "unit": c["unit"].to_numpy(dtype=object)})
    return grade_annual(
        subjects,
        components,
        gs,
        design.year,
        kind="cadre",
        top_shares=top_shares,
        default_share=default_share,
        gates=gates,
    )


def grade_teams(
    people: People,
    components: pd.DataFrame,
    design: GradingDesign,
    *,
    top_shares: Mapping[str, float] | None = None,
    default_share: float | None = None,
    caps: Mapping[str, tuple[str, str]] | None = None,
) -> AnnualGrades:
    """Annual grades of every leadership team (quota per unit, like cadres; only external caps
    act as gates — e.g. a unit's veto)."""
    gs = design.team
    if gs is None:
        raise DataError(Issue("the grading design has no team section"))
    t = people.teams
    ids = t["team_id"].to_numpy(dtype=object)
    subjects = pd.DataFrame({"id": ids, "unit": t["unit"].to_numpy(dtype=object)})
    return grade_annual(
        subjects,
        components,
        gs,
        design.year,
        kind="team",
        top_shares=top_shares,
        default_share=default_share,
        gates=external_gates(ids, caps or {}, gs),
    )


def component_frame(**columns: Mapping[str, float] | pd.Series) -> pd.DataFrame:
    """A components table from named columns (each: subject id → value), e.g.
    ``component_frame(appraisal=result.scores(), checks=summary["points"])``."""
    return pd.DataFrame({k: pd.Series(v, dtype=np.float64) for k, v in columns.items()})


def by_unit(subjects: pd.Series, unit_of: pd.Series, values: Mapping[str, float]) -> pd.Series:
    """A unit's value (e.g. its own assessment score) for each subject of the unit."""
    return pd.Series(
        unit_of.map(dict(values)).to_numpy(dtype=np.float64), index=subjects.to_numpy()
    )


def history(*grades: AnnualGrades) -> pd.DataFrame:
    """The grade history table the rulebook reads: person_id, kind, year, unit, grade."""
    if not grades:
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    return pd.concat([g.history() for g in grades], ignore_index=True)

"""Indicator points: each rule applied to all units at once, then clamped, flagged and, where a
value is missing or not applicable, handled by the indicator's declared policy — never silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe import rules as _rules  # noqa: F401  (registers the implementations)
from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT, Dataset
from kaohe.errors import DataError, Issue
from kaohe.plan import Plan
from kaohe.rules.base import REGISTRY, RuleInput
from kaohe.rulespec import RuleBase

Vec = NDArray[np.float64]

# flags of a (unit, indicator) cell, combined as bits
MISSING_VALUE = 1
NOT_APPLICABLE_VALUE = 2
FILLED_PEER_AVERAGE = 4
FILLED_ZERO = 8
RENORMALISED = 16
CAPPED = 32
FLOORED = 64
ZERO_WEIGHT = 128
VETO_TRIGGERED = 256
IMPUTED = 512
WINSORISED = 1024
TRANSFORMED = 2048
DENOMINATED = 4096

FLAG_NAMES: dict[int, str] = {
    MISSING_VALUE: "missing",
    NOT_APPLICABLE_VALUE: "not_applicable",
    FILLED_PEER_AVERAGE: "peer_average",
    FILLED_ZERO: "zero_filled",
    RENORMALISED: "renormalised",
    CAPPED: "capped",
    FLOORED: "floored",
    ZERO_WEIGHT: "zero_weight",
    VETO_TRIGGERED: "vetoed",
    IMPUTED: "imputed",
    WINSORISED: "winsorised",
    TRANSFORMED: "transformed",
    DENOMINATED: "denominated",
}


def flag_names(bits: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES.items() if bits & bit]


@dataclass(frozen=True)
class Segment:
    """One rule as applied to the units of the categories that use it."""

    rule: RuleBase
    units: NDArray[np.bool_]
    raw: Vec
    lo: Vec
    hi: Vec
    terms: dict[str, Vec]
    #: the values compared at peer precision, where that changed any (RuleOutput.compared)
    compared: Vec | None = None


@dataclass(frozen=True)
class IndicatorTrace:
    """Everything needed to explain an indicator's points for any unit."""

    indicator: str
    segments: tuple[Segment, ...]
    peer_average: Vec  # the average used where FILLED_PEER_AVERAGE (NaN elsewhere)


def score_indicator(
    plan: Plan, data: Dataset, j: int, points: Vec, flags: NDArray[np.int16]
) -> IndicatorTrace:
    """Fill column ``j`` of ``points`` and ``flags``; return the trace of the arithmetic."""
    scheme = plan.scheme
    iid = plan.indicators[j]
    ind = scheme.indicators[iid]
    applies = plan.applies[:, j]
    status = data.status[:, j]
    present = applies & (status == PRESENT)
    kind = plan.kinds[j]
    segments = []
    col = np.full(len(plan.units), np.nan)
    for rule, users in _rule_groups(plan, j):
        peers_scope = getattr(rule, "peers", None) or scheme.peers
        groups = plan.cat_index if peers_scope == "category" else np.zeros_like(plan.cat_index)
        inp = RuleInput(
            indicator=iid,
            x=data.values[:, j],
            valid=present,
            full=plan.leaf_full[:, j],
            direction=1 if ind.direction == "higher" else -1,
            groups=groups,
            target=plan.target[:, j],
            baseline=plan.baseline[:, j],
            previous=plan.previous[:, j],
            kind=kind,
            as_of=scheme.period.as_of,
            items=data.items.get(iid),
            item_points=_item_points(rule),
            unit_ids=plan.units,
        )
        out = REGISTRY[rule.type].compute(rule, inp)
        lo = np.broadcast_to(np.asarray(out.lo, dtype=np.float64), col.shape)
        hi = np.broadcast_to(np.asarray(out.hi, dtype=np.float64), col.shape)
        use = users & present
        if rule.type == "judgement":
            use = users & applies & (status != NOT_APPLICABLE)  # an empty cell: no deduction
        clamped = np.minimum(np.maximum(out.raw, lo), hi)
        col = np.where(use, clamped, col)
        flags[:, j] |= np.where(use & (out.raw > hi), CAPPED, 0).astype(np.int16)
        flags[:, j] |= np.where(use & (out.raw < lo), FLOORED, 0).astype(np.int16)
        if out.capped is not None:
            flags[:, j] |= np.where(use & out.capped, CAPPED, 0).astype(np.int16)
        if out.floored is not None:
            flags[:, j] |= np.where(use & out.floored, FLOORED, 0).astype(np.int16)
        segments.append(Segment(rule, users & applies, out.raw, lo, hi, out.terms, out.compared))
        if rule.type == "veto":
            hit = use & (out.terms["triggered"] > 0)
            flags[:, j] |= np.where(hit, VETO_TRIGGERED, 0).astype(np.int16)
    if kind == "base":
        # weight 0 (分值为0): measured, shown, but worth nothing; under a sum parent the
        # points are 0 whatever the rule says (a bonus above full marks included)
        zero_w = applies & (plan.leaf_weight[:, j] == 0)
        worthless = zero_w & (plan.leaf_full[:, j] == 0) & ~np.isnan(col)
        col = np.where(worthless, 0.0, col)
        flags[:, j] |= np.where(zero_w, ZERO_WEIGHT, 0).astype(np.int16)
    avg = _fill_gaps(plan, data, j, col, flags)
    points[:, j] = col
    return IndicatorTrace(iid, tuple(segments), avg)


def _item_points(rule: RuleBase) -> Vec | None:
    pts = rule.item_points()
    return None if pts is None else np.array(list(pts.values()), dtype=np.float64)


def _rule_groups(plan: Plan, j: int) -> list[tuple[RuleBase, NDArray[np.bool_]]]:
    """The indicator's rules, each with the units whose category uses it."""
    ind = plan.scheme.indicators[plan.indicators[j]]
    main = np.ones(len(plan.units), dtype=bool)
    out: list[tuple[RuleBase, NDArray[np.bool_]]] = []
    for cid, rule in ind.category_rules.items():
        users = plan.cat_index == plan.categories.index(cid)
        main &= ~users
        out.append((rule, users))
    return [(ind.rule, main), *out]


def _fill_gaps(plan: Plan, data: Dataset, j: int, col: Vec, flags: NDArray[np.int16]) -> Vec:
    """Apply the missing / not-applicable policy where a value is absent."""
    ind = plan.scheme.indicators[plan.indicators[j]]
    applies = plan.applies[:, j]
    status = data.status[:, j]
    avg = np.full(col.shape, np.nan)
    gaps: list[tuple[int, str, int]]
    if ind.rule.type == "judgement":
        gaps = [(NOT_APPLICABLE, ind.not_applicable, NOT_APPLICABLE_VALUE)]
    elif ind.missing is None and ind.effective_kind != "base":
        # bonus, deduction and veto items: an empty cell means none reported — 0, not a gap
        none = plan.applies[:, j] & (status == MISSING)
        col[none] = 0.0
        gaps = [(NOT_APPLICABLE, ind.not_applicable, NOT_APPLICABLE_VALUE)]
    else:
        gaps = [
            (MISSING, ind.missing_policy, MISSING_VALUE),
            (NOT_APPLICABLE, ind.not_applicable, NOT_APPLICABLE_VALUE),
        ]
    scored = applies & ~np.isnan(col)
    for state, policy, bit in gaps:
        hole = applies & (status == state)
        if not hole.any():
            continue
        flags[:, j] |= np.where(hole, bit, 0).astype(np.int16)
        if policy == "error":
            names = [plan.units[i] for i in np.flatnonzero(hole)]
            raise DataError(
                Issue(
                    f"missing value for {', '.join(names[:6])}; the scheme requires one",
                    path=f"indicators.{plan.indicators[j]}",
                )
            )
        if policy == "zero":
            col[hole] = 0.0
            flags[:, j] |= np.where(hole, FILLED_ZERO, 0).astype(np.int16)
        elif policy == "peer_average":
            for c in np.unique(plan.cat_index[hole]):
                same = plan.cat_index == c
                donors = same & scored
                if not donors.any():
                    raise DataError(
                        Issue(
                            f"no unit of category {plan.categories[c]} has a value to average "
                            "for the units missing one",
                            path=f"indicators.{plan.indicators[j]}",
                        )
                    )
                avg[same & hole] = float(np.mean(col[donors]))
            col[hole] = avg[hole]
            flags[:, j] |= np.where(hole, FILLED_PEER_AVERAGE, 0).astype(np.int16)
        else:  # renormalise: leave NaN; the parent rescales over what is present
            col[hole] = np.nan
            flags[:, j] |= np.where(hole, RENORMALISED, 0).astype(np.int16)
    return avg

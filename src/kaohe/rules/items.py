"""Rules over counted items (incidents, awards) and the veto."""

from __future__ import annotations

import numpy as np

from kaohe.i18n import say
from kaohe.rules.base import RuleInput, RuleOutput, Vec, fmt, rule
from kaohe.rulespec import BonusItems, CountDeduction, Veto


def _item_total(r: CountDeduction | BonusItems, inp: RuleInput) -> tuple[Vec, Vec]:
    """(points from all counted items, number of items) per unit."""
    if inp.items is None or inp.item_points is None:
        per = r.per_count if isinstance(r, CountDeduction) and r.per_count is not None else 0.0
        count = np.where(np.isnan(inp.x), 0.0, inp.x)
        return count * per, count
    counts = np.nan_to_num(inp.items, nan=0.0)
    return counts @ inp.item_points, counts.sum(axis=1)


def _items_text(r: CountDeduction | BonusItems, t: dict[str, float]) -> str:
    parts = [
        f"{fmt(t[f'n:{k}'])} × {fmt(p)}"
        for k, p in (r.item_points() or {}).items()
        if t.get(f"n:{k}", 0.0)
    ]
    if not parts and isinstance(r, CountDeduction) and r.per_count is not None:
        parts = [f"{fmt(t['count'])} × {fmt(r.per_count)}"] if t["count"] else []
    return " + ".join(parts) if parts else "0"


def _item_terms(
    r: CountDeduction | BonusItems, inp: RuleInput, total: Vec, count: Vec
) -> dict[str, Vec]:
    terms = {"total": total, "count": count}
    if inp.items is not None:
        for j, k in enumerate(r.item_points() or {}):
            terms[f"n:{k}"] = np.nan_to_num(inp.items[:, j], nan=0.0)
    return terms


# ----------------------------------------------------------------------- count_deduction


def _f_count_deduction(r: CountDeduction, t: dict[str, float]) -> str:
    items = _items_text(r, t)
    if t["F"] > 0:
        return f"{fmt(t['F'])} − ({items}) = {fmt(t['raw'])}"
    return f"−({items}) = {fmt(t['raw'])}"


@rule("count_deduction", _f_count_deduction)
def count_deduction(r: CountDeduction, inp: RuleInput) -> RuleOutput:
    total, count = _item_total(r, inp)
    raw = inp.full - total
    terms = _item_terms(r, inp, total, count)
    if inp.kind == "base":
        floor = 0.0 if r.floor is None else r.floor
        lo = np.maximum(floor, inp.full - r.cap) if r.cap is not None else floor
        return RuleOutput(raw, lo=lo, hi=inp.full, terms=terms)
    lo_d: float = -r.cap if r.cap is not None else (r.floor if r.floor is not None else -np.inf)
    return RuleOutput(raw, lo=lo_d, hi=0.0, terms=terms)


# ----------------------------------------------------------------------- bonus_items


def _f_bonus_items(r: BonusItems, t: dict[str, float]) -> str:
    return f"{_items_text(r, t)} = {fmt(t['raw'])}"


@rule("bonus_items", _f_bonus_items)
def bonus_items(r: BonusItems, inp: RuleInput) -> RuleOutput:
    total, count = _item_total(r, inp)
    hi = r.cap if r.cap is not None else np.inf
    return RuleOutput(inp.full + total, lo=0.0, hi=hi, terms=_item_terms(r, inp, total, count))


# ----------------------------------------------------------------------- veto


def _f_veto(r: Veto, t: dict[str, float]) -> str:
    return veto_text(r, bool(t["triggered"]))


def veto_text(r: Veto, triggered: bool, grade_name: str | None = None) -> str:
    """What a veto did, the grade it caps at by its name (``grade_name``; the id if none)."""
    if not triggered:
        return say("f.veto_no")
    effect = say(f"veto.{r.effect}", g=grade_name or r.max_grade)
    return say("f.veto_yes", effect=effect)


@rule("veto", _f_veto)
def veto(r: Veto, inp: RuleInput) -> RuleOutput:
    triggered = (np.nan_to_num(inp.x, nan=0.0) != 0).astype(np.float64)
    return RuleOutput(np.zeros(inp.x.shape), terms={"triggered": triggered})

"""Rules that place a unit among its peers: rank tables, rank steps, best, efficacy, 进位."""

from __future__ import annotations

import numpy as np

from kaohe.rules.base import (
    RuleInput,
    RuleOutput,
    Vec,
    fail,
    fmt,
    group_rank,
    peer_count,
    reference_values,
    rule,
    safe_div,
)
from kaohe.rulespec import Efficacy, RankImprovement, RankStep, RankTable, RatioToBest


def peer_rank(inp: RuleInput, ties: str = "min") -> Vec:
    """Rank of each unit's value among its peers, 1 the best, in the indicator's direction."""
    return group_rank(inp.direction * inp.x, inp.valid, inp.groups, ties)


# ----------------------------------------------------------------------- rank_table


def _f_rank_table(r: RankTable, t: dict[str, float]) -> str:
    rank = fmt(t["rank"])
    if r.ties == "average" and t["tied"] > 1:
        return (
            f"rank {rank} of {fmt(t['peers'])}, tied with {fmt(t['tied'] - 1)} other(s): "
            f"average of their table entries = {fmt(t['raw'])}"
        )
    table = r.points if r.points is not None else r.shares
    assert table is not None
    if t["rank"] > len(table):
        return f"rank {rank} of {fmt(t['peers'])}: beyond the table → {fmt(t['raw'])}"
    if r.shares is not None:
        return (
            f"rank {rank} of {fmt(t['peers'])} → {fmt(r.shares[int(t['rank']) - 1])} × "
            f"{fmt(t['F'])} = {fmt(t['raw'])}"
        )
    return f"rank {rank} of {fmt(t['peers'])} → table entry {fmt(t['raw'])}"


def _table_points(r: RankTable, rank: Vec, full: Vec) -> Vec:
    k = np.nan_to_num(rank, nan=1e9).astype(np.int64)
    table = np.asarray(r.points if r.points is not None else r.shares, dtype=np.float64)
    in_table = (k >= 1) & (k <= table.size)
    entry = table[np.clip(k - 1, 0, table.size - 1)]
    if r.shares is not None:
        entry = entry * full
    return np.where(in_table, entry, r.rest)


@rule("rank_table", _f_rank_table)
def rank_table(r: RankTable, inp: RuleInput) -> RuleOutput:
    rank = peer_rank(inp)
    n = peer_count(inp.valid, inp.groups)
    avg = peer_rank(inp, "average")
    tied = 2.0 * (avg - rank) + 1.0  # size of the run of tied units
    if r.ties == "average":
        # mean of the table entries over the places the tied units occupy
        total = np.zeros(rank.shape)
        width = int(np.nanmax(tied)) if np.any(inp.valid) else 1
        for j in range(width):
            place = rank + j
            total += np.where(j < tied, _table_points(r, place, inp.full), 0.0)
        raw = total / tied
    else:
        raw = _table_points(r, rank, inp.full)
    return RuleOutput(raw, terms={"rank": rank, "peers": n, "tied": tied})


# ----------------------------------------------------------------------- rank_step


def _f_rank_step(r: RankStep, t: dict[str, float]) -> str:
    return (
        f"rank {fmt(t['rank'])} of {fmt(t['peers'])}: {fmt(t['top'])} − "
        f"{fmt(r.step)} × ({fmt(t['rank'])} − 1) = {fmt(t['raw'])}"
    )


@rule("rank_step", _f_rank_step)
def rank_step(r: RankStep, inp: RuleInput) -> RuleOutput:
    rank = peer_rank(inp)
    top = inp.full if r.top is None else np.full(inp.x.shape, r.top)
    raw = top - r.step * (rank - 1.0)
    return RuleOutput(
        raw,
        lo=r.floor,
        terms={"rank": rank, "top": top, "peers": peer_count(inp.valid, inp.groups)},
    )


# ----------------------------------------------------------------------- ratio_to_best


def _f_ratio_to_best(r: RatioToBest, t: dict[str, float]) -> str:
    frac = (
        f"{fmt(t['x'])} / {fmt(t['best'])}"
        if t["direction"] > 0
        else f"{fmt(t['best'])} / {fmt(t['x'])}"
    )
    return f"best among peers {fmt(t['best'])}; {fmt(t['F'])} × {frac} = {fmt(t['raw'])}"


@rule("ratio_to_best", _f_ratio_to_best)
def ratio_to_best(r: RatioToBest, inp: RuleInput) -> RuleOutput:
    best = reference_values("peer_best", inp)
    if inp.direction > 0:
        bad = inp.valid & (best <= 0)
        if bad.any():
            fail(inp, bad, "ratio_to_best needs a positive best value, but the best peer has ≤ 0")
        ratio = safe_div(inp.x, best)
    else:
        bad = inp.valid & (inp.x < 0)
        if bad.any():
            fail(inp, bad, "ratio_to_best with lower-is-better needs values ≥ 0")
        ratio = np.where(inp.x > 0, safe_div(best, inp.x), 1.0)
    return RuleOutput(inp.full * ratio, lo=0.0, hi=inp.full, terms={"best": best})


# ----------------------------------------------------------------------- efficacy


def _f_efficacy(r: Efficacy, t: dict[str, float]) -> str:
    top = r.base + r.span
    return (
        f"score = {fmt(r.base)} + {fmt(r.span)} × ({fmt(t['x'])} − {fmt(t['unacceptable'])}) / "
        f"({fmt(t['satisfactory'])} − {fmt(t['unacceptable'])}) = {fmt(t['score'])}; "
        f"{fmt(t['F'])} × {fmt(t['score'])} / {fmt(top)} = {fmt(t['raw'])}"
    )


@rule("efficacy", _f_efficacy)
def efficacy(r: Efficacy, inp: RuleInput) -> RuleOutput:
    sat = reference_values(r.satisfactory, inp)
    una = reference_values(r.unacceptable, inp)
    span = sat - una
    ratio = np.where(span != 0, safe_div(inp.x - una, span), 1.0)
    score = r.base + r.span * ratio
    top = r.base + r.span
    return RuleOutput(
        inp.full * score / top,
        lo=inp.full * r.base / top,
        hi=inp.full,
        terms={"satisfactory": sat, "unacceptable": una, "score": score},
    )


# ----------------------------------------------------------------------- rank_improvement


def _f_rank_improvement(r: RankImprovement, t: dict[str, float]) -> str:
    gained = t["gained"]
    head = f"rank last year {fmt(t['previous_rank'])}, now {fmt(t['rank'])}: "
    if gained > 0:
        return head + f"{fmt(gained)} place(s) up × {fmt(r.rate)} = {fmt(t['raw'])}"
    if gained == 0:
        return head + "no change = 0"
    if r.fall_rate == 0:
        return head + f"{fmt(-gained)} place(s) down, which costs nothing = 0"
    return head + f"{fmt(-gained)} place(s) down × −{fmt(r.fall_rate)} = {fmt(t['raw'])}"


@rule("rank_improvement", _f_rank_improvement)
def rank_improvement(r: RankImprovement, inp: RuleInput) -> RuleOutput:
    rank = peer_rank(inp)
    prev_valid = inp.valid & ~np.isnan(inp.previous)
    previous_rank = group_rank(inp.direction * inp.previous, prev_valid, inp.groups)
    gained = previous_rank - rank
    raw = np.where(gained > 0, gained * r.rate, gained * r.fall_rate)
    hi = r.cap if r.cap is not None else (inp.full if inp.kind == "base" else np.inf)
    lo = r.floor if r.floor is not None else (0.0 if r.fall_rate == 0 else -np.inf)
    return RuleOutput(
        raw, lo=lo, hi=hi, terms={"rank": rank, "previous_rank": previous_rank, "gained": gained}
    )

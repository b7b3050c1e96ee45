"""Rules that place a unit among its peers: rank tables, rank steps, best, efficacy, 进位."""

from __future__ import annotations

import numpy as np

from kaohe.i18n import say
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
    rank, n = fmt(t["rank"]), fmt(t["peers"])
    if r.ties == "average" and t["tied"] > 1:
        return say("f.rank_table_avg", r=rank, n=n, k=fmt(t["tied"] - 1), raw=fmt(t["raw"]))
    table = r.points if r.points is not None else r.shares
    assert table is not None
    if t["rank"] > len(table):
        return say("f.rank_table_beyond", r=rank, n=n, raw=fmt(t["raw"]))
    if r.shares is not None:
        return say(
            "f.rank_table_share",
            r=rank,
            n=n,
            share=fmt(r.shares[int(t["rank"]) - 1]),
            F=fmt(t["F"]),
            raw=fmt(t["raw"]),
        )
    return say("f.rank_table_points", r=rank, n=n, raw=fmt(t["raw"]))


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
    return say(
        "f.rank_step",
        r=fmt(t["rank"]),
        n=fmt(t["peers"]),
        top=fmt(t["top"]),
        step=fmt(r.step),
        raw=fmt(t["raw"]),
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
    return say("f.ratio_to_best", best=fmt(t["best"]), F=fmt(t["F"]), frac=frac, raw=fmt(t["raw"]))


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
    return say(
        "f.efficacy",
        base=fmt(r.base),
        span=fmt(r.span),
        x=fmt(t["x"]),
        u=fmt(t["unacceptable"]),
        s=fmt(t["satisfactory"]),
        score=fmt(t["score"]),
        F=fmt(t["F"]),
        top=fmt(r.base + r.span),
        raw=fmt(t["raw"]),
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
    head = say("f.rank_change", p=fmt(t["previous_rank"]), r=fmt(t["rank"]))
    if gained > 0:
        return head + say("f.rank_up", g=fmt(gained), rate=fmt(r.rate), raw=fmt(t["raw"]))
    if gained == 0:
        return head + say("f.rank_same")
    if r.fall_rate == 0:
        return head + say("f.rank_down_free", g=fmt(-gained))
    return head + say("f.rank_down", g=fmt(-gained), rate=fmt(r.fall_rate), raw=fmt(t["raw"]))


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

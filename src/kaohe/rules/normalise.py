"""Normalisations for indicator-style (composite index) schemes.

Each maps a value to a fraction (1 = best) and then onto ``to: [l, u]`` (default ``[0, full]``),
except the z-score, which is ``mean + sd x z`` and unbounded.
"""

from __future__ import annotations

import numpy as np

from kaohe.i18n import say
from kaohe.rules.base import (
    RuleInput,
    RuleOutput,
    Vec,
    fmt,
    group_rank,
    peer_count,
    peer_stat,
    reference_values,
    rule,
    safe_div,
)
from kaohe.rulespec import (
    Borda,
    DistanceToMax,
    DistanceToReference,
    DistanceToTarget,
    FractionOfMax,
    Goalposts,
    MinMax,
    Rank,
    RankPercentile,
    Scaled,
    ZScore,
)


def _onto(
    frac: Vec, to: tuple[float, float] | None, inp: RuleInput, bounded: bool = True
) -> RuleOutput:
    lo = np.full(frac.shape, to[0]) if to else np.zeros(frac.shape)
    hi = np.full(frac.shape, to[1]) if to else inp.full
    raw = lo + (hi - lo) * frac
    terms = {"frac": frac, "l": lo, "u": hi}
    if bounded:
        return RuleOutput(raw, lo=np.minimum(lo, hi), hi=np.maximum(lo, hi), terms=terms)
    return RuleOutput(raw, terms=terms)


def _onto_text(t: dict[str, float]) -> str:
    return f"{fmt(t['l'])} + ({fmt(t['u'])} − {fmt(t['l'])}) × {fmt(t['frac'])} = {fmt(t['raw'])}"


# ----------------------------------------------------------------------- minmax


def _f_minmax(r: MinMax, t: dict[str, float]) -> str:
    if t["direction"] > 0:
        expr = f"({fmt(t['x'])} − {fmt(t['min'])}) / ({fmt(t['max'])} − {fmt(t['min'])})"
    else:
        expr = f"({fmt(t['max'])} − {fmt(t['x'])}) / ({fmt(t['max'])} − {fmt(t['min'])})"
    return say("fraction", expr=expr, note="", frac=fmt(t["frac"]), onto=_onto_text(t))


@rule("minmax", _f_minmax)
def minmax(r: MinMax, inp: RuleInput) -> RuleOutput:
    lo = peer_stat(inp.x, inp.valid, inp.groups, np.min)
    hi = peer_stat(inp.x, inp.valid, inp.groups, np.max)
    span = hi - lo
    num = inp.x - lo if inp.direction > 0 else hi - inp.x
    frac = np.where(span > 0, safe_div(num, span), 1.0)
    out = _onto(frac, r.to, inp)
    out.terms.update({"min": lo, "max": hi})
    return out


# ----------------------------------------------------------------------- zscore


def _f_zscore(r: ZScore, t: dict[str, float]) -> str:
    sign = "" if t["direction"] > 0 else "−"
    return (
        f"z = {sign}({fmt(t['x'])} − {fmt(t['mean'])}) / {fmt(t['sd'])} = {fmt(t['z'])}; "
        f"{fmt(r.mean)} + {fmt(r.sd)} × {fmt(t['z'])} = {fmt(t['raw'])}"
    )


def _sample_sd(v: Vec) -> float:
    return float(np.std(v, ddof=1)) if v.size > 1 else 0.0


@rule("zscore", _f_zscore)
def zscore(r: ZScore, inp: RuleInput) -> RuleOutput:
    mean = peer_stat(inp.x, inp.valid, inp.groups, np.mean)
    sd = peer_stat(inp.x, inp.valid, inp.groups, _sample_sd)
    z = np.where(sd > 0, inp.direction * safe_div(inp.x - mean, sd), 0.0)
    return RuleOutput(r.mean + r.sd * z, terms={"mean": mean, "sd": sd, "z": z})


# ----------------------------------------------------------------------- goalposts


def _f_goalposts(r: Goalposts, t: dict[str, float]) -> str:
    if t["direction"] > 0:
        expr = f"({fmt(t['x'])} − {fmt(r.lower)}) / ({fmt(r.upper)} − {fmt(r.lower)})"
    else:
        expr = f"({fmt(r.upper)} − {fmt(t['x'])}) / ({fmt(r.upper)} − {fmt(r.lower)})"
    note = say("truncated") if r.truncate else ""
    return say("fraction", expr=expr, note=note, frac=fmt(t["frac"]), onto=_onto_text(t))


@rule("goalposts", _f_goalposts)
def goalposts(r: Goalposts, inp: RuleInput) -> RuleOutput:
    num = inp.x - r.lower if inp.direction > 0 else r.upper - inp.x
    frac = num / (r.upper - r.lower)
    if not r.truncate:
        return _onto(frac, r.to, inp, bounded=False)
    over, under = frac > 1.0, frac < 0.0
    out = _onto(np.clip(frac, 0.0, 1.0), r.to, inp, bounded=True)
    # truncated: held at the top of the points (capped) or at their bottom (floored); with a
    # reversed ``to`` the fraction's 1 is the bottom
    rising = out.terms["u"] >= out.terms["l"]
    out.capped = np.where(rising, over, under)
    out.floored = np.where(rising, under, over)
    return out


# ----------------------------------------------------------------------- distance_to_target


def _f_distance(r: DistanceToTarget, t: dict[str, float]) -> str:
    expr = f"({fmt(t['x'])} − {fmt(t['worst'])}) / ({fmt(t['target'])} − {fmt(t['worst'])})"
    note = say("capped_at_1") if r.cap else ""
    return say("fraction", expr=expr, note=note, frac=fmt(t["frac"]), onto=_onto_text(t))


@rule("distance_to_target", _f_distance)
def distance_to_target(r: DistanceToTarget, inp: RuleInput) -> RuleOutput:
    worst = reference_values("peer_worst", inp)
    den = inp.target - worst
    # a target no better than the worst peer is met by every peer: fraction 1
    frac = np.where(inp.direction * den > 0, safe_div(inp.x - worst, den), 1.0)
    if r.cap:
        frac = np.minimum(frac, 1.0)
    out = _onto(frac, r.to, inp, bounded=r.cap)
    out.terms.update({"worst": worst, "target": inp.target})
    return out


# ----------------------------------------------------------------------- rank_percentile


def _f_rank_percentile(r: RankPercentile, t: dict[str, float]) -> str:
    return say(
        "f.rank_percentile",
        below=fmt(t["below"]),
        n=fmt(t["peers"] - 1),
        frac=fmt(t["frac"]),
        onto=_onto_text(t),
    )


@rule("rank_percentile", _f_rank_percentile)
def rank_percentile(r: RankPercentile, inp: RuleInput) -> RuleOutput:
    # rank from the bottom, ties taking the lowest place: 1 + the number of peers strictly below
    below = group_rank(-inp.direction * inp.x, inp.valid, inp.groups) - 1.0
    n = peer_count(inp.valid, inp.groups)
    frac = np.where(n > 1, safe_div(below, n - 1.0), 1.0)
    out = _onto(frac, r.to, inp)
    out.terms.update({"below": below, "peers": n})
    return out


# ----------------------------------------------------------------------- scaled


def _f_scaled(r: Scaled, t: dict[str, float]) -> str:
    if t["direction"] > 0:
        expr = f"({fmt(t['x'])} − {fmt(r.lower)}) / ({fmt(r.upper)} − {fmt(r.lower)})"
    else:
        expr = f"({fmt(r.upper)} − {fmt(t['x'])}) / ({fmt(r.upper)} − {fmt(r.lower)})"
    return say("fraction", expr=expr, note="", frac=fmt(t["frac"]), onto=_onto_text(t))


@rule("scaled", _f_scaled)
def scaled(r: Scaled, inp: RuleInput) -> RuleOutput:
    num = inp.x - r.lower if inp.direction > 0 else r.upper - inp.x
    return _onto(num / (r.upper - r.lower), r.to, inp, bounded=False)


# ----------------------------------------------------------------------- distance_to_max


@rule("distance_to_max", _f_minmax)
def distance_to_max(r: DistanceToMax, inp: RuleInput) -> RuleOutput:
    # 1 − (best − x)/(best − worst): the min-max fraction, written from the best end
    return minmax(MinMax(type="minmax", to=r.to, peers=r.peers), inp)


# ----------------------------------------------------------------------- distance_to_reference


def _f_distance_ref(r: DistanceToReference, t: dict[str, float]) -> str:
    cap = say("capped_at_1") if r.cap else ""
    expr = (
        f"1 − ({fmt(t['reference'])} − {fmt(t['x'])}) / ({fmt(t['reference'])} − {fmt(t['worst'])})"
    )
    if t["direction"] < 0:
        expr = (
            f"1 − ({fmt(t['x'])} − {fmt(t['reference'])}) / "
            f"({fmt(t['worst'])} − {fmt(t['reference'])})"
        )
    return say("fraction", expr=expr, note=cap, frac=fmt(t["frac"]), onto=_onto_text(t))


@rule("distance_to_reference", _f_distance_ref)
def distance_to_reference(r: DistanceToReference, inp: RuleInput) -> RuleOutput:
    worst = reference_values("peer_worst", inp)
    k = inp.unit_ids.index(r.unit)
    ref = np.full(inp.x.shape, inp.x[k])
    den = ref - worst
    frac = np.where(den != 0, 1.0 - safe_div(ref - inp.x, den), 1.0)
    if r.cap:
        frac = np.minimum(frac, 1.0)
    out = _onto(frac, r.to, inp, bounded=False)
    out.terms.update({"reference": ref, "worst": worst})
    return out


# ----------------------------------------------------------------------- fraction_of_max


def _f_fraction_of_max(r: FractionOfMax, t: dict[str, float]) -> str:
    expr = (
        f"{fmt(t['x'])} / {fmt(t['best'])}"
        if t["direction"] > 0
        else f"{fmt(t['best'])} / {fmt(t['x'])}"
    )
    return say("fraction", expr=expr, note="", frac=fmt(t["frac"]), onto=_onto_text(t))


@rule("fraction_of_max", _f_fraction_of_max)
def fraction_of_max(r: FractionOfMax, inp: RuleInput) -> RuleOutput:
    best = reference_values("peer_best", inp)
    frac = safe_div(inp.x, best) if inp.direction > 0 else safe_div(best, inp.x)
    out = _onto(frac, r.to, inp, bounded=False)
    out.terms["best"] = best
    return out


# ----------------------------------------------------------------------- rank / borda


def _f_rank(r: Rank, t: dict[str, float]) -> str:
    return say("f.rank_count", below=fmt(t["below"]), raw=fmt(t["raw"]))


@rule("rank", _f_rank)
def rank(r: Rank, inp: RuleInput) -> RuleOutput:
    below = group_rank(-inp.direction * inp.x, inp.valid, inp.groups) - 1.0
    return RuleOutput(below + 1.0, terms={"below": below})


@rule("borda", _f_rank)
def borda(r: Borda, inp: RuleInput) -> RuleOutput:
    below = group_rank(-inp.direction * inp.x, inp.valid, inp.groups) - 1.0
    return RuleOutput(below, terms={"below": below})

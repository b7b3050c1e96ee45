"""Rules that compare a unit's value with its own target, baseline or a fixed scale."""

from __future__ import annotations

import datetime as dt

import numpy as np

from kaohe.i18n import say
from kaohe.rules.base import RuleInput, RuleOutput, Vec, fail, fmt, reference_values, rule, safe_div
from kaohe.rulespec import Bands, Judgement, Linear, Proportional, Rescale, TargetMet, TimeProgress


def _met(x: Vec, t: Vec, d: int) -> Vec:
    return (d * (x - t) >= 0).astype(np.float64)


# ----------------------------------------------------------------------- target_met


def _f_target_met(r: TargetMet, t: dict[str, float]) -> str:
    pts = fmt(t["F"]) if t["met"] else fmt(min(r.else_points, t["F"]))
    met = say("met") if t["met"] else say("not_met")
    return say("f.target_met", x=fmt(t["x"]), t=fmt(t["target"]), met=met, pts=pts)


@rule("target_met", _f_target_met)
def target_met(r: TargetMet, inp: RuleInput) -> RuleOutput:
    met = _met(inp.x, inp.target, inp.direction)
    raw = np.where(met > 0, inp.full, np.minimum(r.else_points, inp.full))
    return RuleOutput(raw, terms={"target": inp.target, "met": met})


# ----------------------------------------------------------------------- proportional


def _completion(x: Vec, t: Vec, d: int) -> Vec:
    """x/t for higher-is-better, t/x for lower-is-better (x ≤ 0 counts as fully complete)."""
    if d > 0:
        return safe_div(x, t)
    return np.where(x > 0, safe_div(t, x), np.inf)


def _f_proportional(r: Proportional, t: dict[str, float]) -> str:
    expr = (
        f"{fmt(t['x'])} / {fmt(t['target'])}"
        if t["direction"] > 0
        else f"{fmt(t['target'])} / {fmt(t['x'])}"
    )
    return say("f.proportional", expr=expr, ratio=fmt(t["ratio"]), F=fmt(t["F"]), raw=fmt(t["raw"]))


@rule("proportional", _f_proportional)
def proportional(r: Proportional, inp: RuleInput) -> RuleOutput:
    ratio = _completion(inp.x, inp.target, inp.direction)
    with np.errstate(invalid="ignore"):
        # clamped (and flagged) at F × cap_ratio by the caller; 0 × ∞ is 0 here, not NaN
        raw = np.where(inp.full == 0, 0.0, inp.full * ratio)
    return RuleOutput(
        raw, lo=r.floor, hi=inp.full * r.cap_ratio, terms={"target": inp.target, "ratio": ratio}
    )


# ----------------------------------------------------------------------- linear / baseline


def _f_linear(r: Linear, t: dict[str, float]) -> str:
    kind = say(f"ref.{r.reference}") if isinstance(r.reference, str) else say("ref.fixed")
    if r.measure == "percent":
        delta = f"({fmt(t['x'])} / {fmt(t['reference'])} − 1) × 100"
    else:
        delta = f"{fmt(t['x'])} − {fmt(t['reference'])}"
    if t["direction"] < 0:
        delta = f"−({delta})"
    n = t["steps"]
    return say(
        "f.linear",
        ref=fmt(t["reference"]),
        kind=kind,
        delta_expr=delta,
        delta=fmt(t["delta"]),
        step=fmt(r.step),
        n=fmt(n),
        whole=say("whole_steps") if r.steps == "whole" else "",
        base=fmt(t["base"]),
        sign="+" if n >= 0 else "−",
        abs_n=fmt(abs(n)),
        rate=fmt(r.rate_above if n > 0 else r.rate_below),
        raw=fmt(t["raw"]),
    )


def _linear(r: Linear, inp: RuleInput) -> RuleOutput:
    ref = reference_values(r.reference, inp)
    present = inp.valid
    if r.measure == "percent":
        bad = present & (ref == 0)
        if bad.any():
            fail(inp, bad, "measure percent divides by the reference, which is 0")
        delta = (safe_div(inp.x, ref) - 1.0) * 100.0
    else:
        delta = inp.x - ref
    delta = inp.direction * delta
    n = delta / r.step
    if r.steps == "whole":
        # −0.3 / 0.1 is −2.9999999999999996 in binary: round away the noise before truncating
        n = np.trunc(np.round(n, 9))
    base = inp.full if r.base is None else np.full(inp.x.shape, r.base)
    raw = base + np.where(n > 0, n * r.rate_above, n * r.rate_below)
    return RuleOutput(
        raw,
        lo=r.floor,
        hi=inp.full + r.bonus_max,
        terms={"reference": ref, "delta": delta, "steps": n, "base": base},
    )


rule("linear", _f_linear)(_linear)
rule("baseline", _f_linear)(_linear)


# ----------------------------------------------------------------------- bands


def _band_measure(r: Bands, inp: RuleInput) -> Vec:
    if r.measure == "value":
        return inp.x
    return _completion(inp.x, inp.target, inp.direction) * 100.0


def _f_bands(r: Bands, t: dict[str, float]) -> str:
    what = say("measure.completion") if r.measure == "completion" else say("measure.value")
    i = int(t["band"])
    if i < 0:
        return say("f.bands_none", what=what, m=fmt(t["measure"]), pts=fmt(r.else_points))
    b = r.bands[i]
    edge = f"≥ {fmt(b.min)}" if b.min is not None else f"≤ {fmt(b.max or 0.0)}"
    pts = fmt(b.points) if b.points is not None else f"{fmt(b.share or 0.0)} × {fmt(t['F'])}"
    return say(
        "f.bands", what=what, m=fmt(t["measure"]), edge=edge, k=i + 1, pts=pts, raw=fmt(t["raw"])
    )


@rule("bands", _f_bands)
def bands(r: Bands, inp: RuleInput) -> RuleOutput:
    m = _band_measure(r, inp)
    use_min = r.bands[0].min is not None
    # try the most demanding band first; the first one reached wins
    order = sorted(
        range(len(r.bands)),
        key=lambda i: -(r.bands[i].min or 0.0) if use_min else (r.bands[i].max or 0.0),
    )
    band = np.full(m.shape, -1.0)
    raw = np.full(m.shape, r.else_points, dtype=np.float64)
    for i in reversed(order):
        b = r.bands[i]
        hit = (m >= b.min) if use_min else (m <= b.max)  # type: ignore[operator]
        pts = np.full(m.shape, b.points) if b.points is not None else (b.share or 0.0) * inp.full
        raw = np.where(hit, pts, raw)
        band = np.where(hit, float(i), band)
    terms: dict[str, Vec] = {"measure": m, "band": band}
    if r.measure == "completion":
        terms["target"] = inp.target
    return RuleOutput(raw, terms=terms)


# ----------------------------------------------------------------------- judgement


def _f_judgement(r: Judgement, t: dict[str, float]) -> str:
    if not t["deduction"]:
        return say("f.judgement_none", F=fmt(t["F"]))
    return say("f.judgement", F=fmt(t["F"]), d=fmt(t["deduction"]), raw=fmt(t["raw"]))


@rule("judgement", _f_judgement)
def judgement(r: Judgement, inp: RuleInput) -> RuleOutput:
    ded = np.where(np.isnan(inp.x), 0.0, inp.x)
    max_ded = inp.full if r.max_deduction is None else np.full(inp.x.shape, r.max_deduction)
    return RuleOutput(
        inp.full - ded,
        lo=np.maximum(inp.full - max_ded, 0.0),
        hi=inp.full,
        terms={"deduction": ded},
    )


# ----------------------------------------------------------------------- time_progress


def elapsed_share(start: dt.date, end: dt.date, as_of: dt.date) -> float:
    """Share of the period's days elapsed by the end of ``as_of``, both ends counted (时间进度:
    1 January – 30 June of 2024 is 182 of its 366 days), within [0, 1]. The one count of Kaohe:
    the ``time_progress`` rule, the monitoring's linear profile and the board's 比进度 use it."""
    total = (end - start).days + 1
    done = (as_of - start).days + 1
    return float(min(max(done / total, 0.0), 1.0))


def _f_time_progress(r: TimeProgress, t: dict[str, float]) -> str:
    head = say(
        "f.time_progress",
        e=fmt(t["elapsed"]),
        t=fmt(t["target"]),
        exp=fmt(t["expected"]),
        x=fmt(t["x"]),
        ratio=fmt(t["ratio"]),
    )
    if r.scoring == "met":
        return head + (f" ≥ 1 → {fmt(t['F'])}" if t["ratio"] >= 1 else f" < 1 → {fmt(t['raw'])}")
    return head + f"{say('sum.sep')}{fmt(t['F'])} × {fmt(t['ratio'])} = {fmt(t['raw'])}"


@rule("time_progress", _f_time_progress)
def time_progress(r: TimeProgress, inp: RuleInput) -> RuleOutput:
    as_of = r.as_of or inp.as_of
    assert as_of is not None  # checked with the scheme (kaohe.checks)
    e = elapsed_share(r.start, r.end, as_of)
    expected = inp.target * e
    ratio = np.where(expected > 0, safe_div(inp.x, expected), np.inf)
    if r.scoring == "met":
        raw = np.where(ratio >= 1.0, inp.full, np.minimum(r.else_points, inp.full))
        hi: Vec | float = np.inf
    else:
        with np.errstate(invalid="ignore"):
            # clamped (and flagged) at F × cap_ratio by the caller; 0 × ∞ is 0 here, not NaN
            raw = np.where(inp.full == 0, 0.0, inp.full * ratio)
        hi = inp.full * r.cap_ratio
    return RuleOutput(
        raw,
        lo=0.0,
        hi=hi,
        terms={
            "target": inp.target,
            "elapsed": np.full(inp.x.shape, e),
            "expected": expected,
            "ratio": ratio,
        },
    )


# ----------------------------------------------------------------------- rescale


def _f_rescale(r: Rescale, t: dict[str, float]) -> str:
    lo_s, hi_s = r.source
    frac = f"({fmt(t['x'])} − {fmt(lo_s)}) / ({fmt(hi_s)} − {fmt(lo_s)})"
    if t["direction"] < 0:
        frac = f"1 − {frac}"
    return f"{fmt(t['B'])} + ({fmt(t['A'])} − {fmt(t['B'])}) × {frac} = {fmt(t['raw'])}"


@rule("rescale", _f_rescale)
def rescale(r: Rescale, inp: RuleInput) -> RuleOutput:
    lo_s, hi_s = r.source
    frac = (inp.x - lo_s) / (hi_s - lo_s)
    if inp.direction < 0:
        frac = 1.0 - frac
    b = np.full(inp.x.shape, r.to[0]) if r.to else np.zeros(inp.x.shape)
    a = np.full(inp.x.shape, r.to[1]) if r.to else inp.full
    raw = b + (a - b) * frac
    return RuleOutput(raw, lo=np.minimum(a, b), hi=np.maximum(a, b), terms={"A": a, "B": b})

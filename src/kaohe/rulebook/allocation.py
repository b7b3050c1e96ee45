"""统筹职级职数: a total shared among units, in whole numbers, by the largest-remainder method.

Each unit's exact quota is ``clip(λ × weight, min, max)``, with the one λ that makes the quotas
sum to the total (units held at a bound give up or take what the others share in proportion to
their weights: the "fix the capped units, redistribute" iteration, solved exactly). Each unit
then gets the whole part of its quota, and the places left go one each to the largest
fractional remainders (Hamilton's method). Equal remainders are broken by the order given
(the better overall rank first), then by unit id. All arithmetic is in exact fractions, so the
same inputs always give the same counts.

Units of weight 0 get their minimum, unless the units with weight cannot take the total even
at their maxima: then the rest is shared equally among the units of weight 0 (within their
bounds). A total below the sum of the minimums or above the sum of the maximums is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from kaohe.errors import Issue
from kaohe.rulebook.decisions import Decision, Link
from kaohe.rulebook.inputs import Prepared
from kaohe.rulebook.model import CountMap, RankQuotaAllocation, RulebookError
from kaohe.rulebook.text import Sentence, num

Bound = Literal["min", "max"] | None


class InfeasibleError(ValueError):
    """The bounds make the total impossible."""


@dataclass(frozen=True)
class Allocation:
    counts: tuple[int, ...]
    quotas: tuple[Fraction, ...]  # exact shares, within the bounds, summing to the total
    floors: tuple[int, ...]
    extra: tuple[int | None, ...]  # place in the line for the places left (1-based), or None
    bound: tuple[Bound, ...]  # held at its minimum or maximum
    per_weight: Fraction | None  # λ: places per unit of weight of the units not held


def largest_remainder(
    total: int,
    weights: Sequence[float | Fraction],
    minimum: Sequence[int] | None = None,
    maximum: Sequence[int | None] | None = None,
) -> Allocation:
    """Share ``total`` among ``len(weights)`` units as integers summing to ``total``, each
    within [minimum, maximum]; equal remainders go to the unit listed first.

    Raises :class:`InfeasibleError` when ``sum(minimum) > total`` or ``sum(maximum) < total``.
    """
    n = len(weights)
    w = [Fraction(x) for x in weights]
    if any(x < 0 for x in w):
        raise ValueError("weights must be ≥ 0")
    lo = [int(x) for x in (minimum if minimum is not None else [0] * n)]
    hi: list[int | None] = list(maximum) if maximum is not None else [None] * n
    for i in range(n):
        h = hi[i]
        if h is not None and h < lo[i]:
            raise InfeasibleError(f"unit {i + 1}: minimum {lo[i]} is above maximum {h}")
    if sum(lo) > total:
        raise InfeasibleError(f"the minimums add up to {sum(lo)}, more than the total {total}")
    if n == 0 and total > 0:
        raise InfeasibleError(f"there are no units to share {total} among")
    caps = [h for h in hi if h is not None]
    if len(caps) == n and sum(caps) < total:
        raise InfeasibleError(f"the maximums add up to {sum(caps)}, less than the total {total}")
    quotas, lam = _quotas(total, w, lo, hi)
    floors = [q.numerator // q.denominator for q in quotas]
    left = total - sum(floors)
    line = sorted(
        (i for i in range(n) if quotas[i] > floors[i]), key=lambda i: (floors[i] - quotas[i], i)
    )
    extra: list[int | None] = [None] * n
    counts = list(floors)
    for place, i in enumerate(line, start=1):
        extra[i] = place
        if place <= left:
            counts[i] += 1
    bound: list[Bound] = []
    for i in range(n):
        h = hi[i]
        if w[i] > 0 and lam is not None:
            wanted = lam * w[i]
            held: Bound = "max" if h is not None and wanted > h else None
            bound.append("min" if wanted < lo[i] else held)
        elif quotas[i] == lo[i] and (lo[i] > 0 or w[i] == 0):
            bound.append("min")
        else:
            bound.append("max" if h is not None and quotas[i] == h else None)
    return Allocation(tuple(counts), tuple(quotas), tuple(floors), tuple(extra), tuple(bound), lam)


def _quotas(
    total: int, w: list[Fraction], lo: list[int], hi: list[int | None]
) -> tuple[list[Fraction], Fraction | None]:
    n = len(w)
    pos = [i for i in range(n) if w[i] > 0]
    zero = [i for i in range(n) if w[i] == 0]
    if not pos:
        q, _ = _fill(Fraction(total), [Fraction(1)] * n, lo, hi)
        return q, None
    q = [Fraction(lo[i]) for i in range(n)]
    room = sum(lo[i] for i in zero)
    caps = [hi[i] for i in pos]
    if all(c is not None for c in caps) and sum(c for c in caps if c is not None) + room <= total:
        rest = total
        for i in pos:
            h = hi[i]
            assert h is not None
            q[i] = Fraction(h)
            rest -= h
        sub, _ = _fill(
            Fraction(rest), [Fraction(1)] * len(zero), [lo[i] for i in zero], [hi[i] for i in zero]
        )
        for i, v in zip(zero, sub, strict=True):
            q[i] = v
        return q, None
    sub, lam = _fill(
        Fraction(total - room), [w[i] for i in pos], [lo[i] for i in pos], [hi[i] for i in pos]
    )
    for i, v in zip(pos, sub, strict=True):
        q[i] = v
    return q, lam


def _fill(
    total: Fraction, w: list[Fraction], lo: list[int], hi: list[int | None]
) -> tuple[list[Fraction], Fraction]:
    """clip(λ w, lo, hi) summing to ``total``, and λ (all w > 0; feasibility checked by the
    caller). S(λ) is piecewise linear and non-decreasing: walk its breakpoints, then solve."""

    def at(lam: Fraction) -> list[Fraction]:
        out = []
        for wi, a, b in zip(w, lo, hi, strict=True):
            v = max(lam * wi, Fraction(a))
            out.append(v if b is None else min(v, Fraction(b)))
        return out

    points = sorted(
        {Fraction(a) / wi for wi, a in zip(w, lo, strict=True)}
        | {Fraction(b) / wi for wi, b in zip(w, hi, strict=True) if b is not None}
    )
    before, s_before = Fraction(0), sum(at(Fraction(0)), Fraction(0))
    if s_before >= total:
        return at(Fraction(0)), Fraction(0)
    for p in points:
        s = sum(at(p), Fraction(0))
        if s >= total:
            lam = before + (total - s_before) * (p - before) / (s - s_before)
            return at(lam), lam
        before, s_before = p, s
    # beyond the last breakpoint only units without a maximum grow
    slope = sum((wi for wi, b in zip(w, hi, strict=True) if b is None), Fraction(0))
    lam = before + (total - s_before) / slope
    return at(lam), lam


# --------------------------------------------------------------------------- the rule


def resolve(value: CountMap | None, unit: str, category: str) -> int | None:
    if value is None or not isinstance(value, dict):
        return value
    for key in (unit, category, "default"):
        if key in value:
            return value[key]
    return None


def allocate(rid: str, rule: RankQuotaAllocation, inputs: Prepared) -> list[Decision]:
    table = inputs.results
    categories = set(table.category)
    issues = [
        Issue(
            f"{key!r} is neither a unit, a category nor default",
            path=f"rules.{rid}.{field}.{key}",
        )
        for field, given in (("min", rule.min), ("max", rule.max))
        if isinstance(given, dict)
        for key in given
        if key != "default" and key not in table.index and key not in categories
    ]
    if issues:
        raise RulebookError(issues)
    weight = [Fraction(rule.default_weight)] * len(table)
    for k in reversed(range(len(rule.weights))):  # the first matching row wins
        for i in map(int, table.mask(rule.weights[k].when).nonzero()[0]):
            weight[i] = Fraction(rule.weights[k].weight)
    staff = inputs.staff(rid) if rule.by_headcount else {}
    used = [
        w * staff.get(u, 0) if rule.by_headcount else w
        for w, u in zip(weight, table.units, strict=True)
    ]
    pairs = list(zip(table.units, table.category, strict=True))
    lo = [resolve(rule.min, u, c) or 0 for u, c in pairs]
    hi = [resolve(rule.max, u, c) for u, c in pairs]
    order = sorted(range(len(table)), key=lambda i: (int(table.rank[i]), table.units[i]))
    try:
        alloc = largest_remainder(
            rule.total,
            [used[i] for i in order],
            [lo[i] for i in order],
            [hi[i] for i in order],
        )
    except InfeasibleError as exc:
        where = "max" if "maximums" in str(exc) else "min"
        raise RulebookError(
            Issue(f"total {rule.total} cannot be shared: {exc}", path=f"rules.{rid}.{where}")
        ) from None
    at = {i: k for k, i in enumerate(order)}
    total_weight = sum(used, Fraction(0))
    unbounded = not any(alloc.bound)
    left = rule.total - sum(alloc.floors)
    out = []
    for i, uid in enumerate(table.units):
        k = at[i]
        links = [Link("results", uid, "rank", int(table.rank[i]))]
        if table.grade[i]:
            links.append(Link("results", uid, "grade", table.grade[i]))
        head: Sentence | str = ""
        if rule.by_headcount:
            links.append(Link("headcount", uid, "headcount", staff.get(uid, 0)))
            head = Sentence("alloc.by_headcount", h=staff.get(uid, 0), w=num(float(used[i])))
        b = alloc.bound[k]
        if b == "min":
            how = Sentence("alloc.at_min", v=lo[i])
        elif b == "max":
            how = Sentence("alloc.at_max", v=hi[i])
        elif used[i] == 0 or alloc.per_weight is None:
            how = Sentence("alloc.equal")
        elif unbounded:
            how = Sentence(
                "alloc.prop", total=rule.total, w=num(float(used[i])), W=num(float(total_weight))
            )
        else:
            how = Sentence("alloc.lam", lam=num(float(alloc.per_weight)), w=num(float(used[i])))
        place = alloc.extra[k]
        remainder = num(float(alloc.quotas[k] - alloc.floors[k]))
        extra: Sentence | str = ""
        if place is not None:
            extra = (
                Sentence("alloc.extra", r=remainder, k=place)
                if place <= left
                else Sentence("alloc.no_extra", r=remainder)
            )
        sentence = Sentence(
            "alloc.count",
            unit=table.label(i),
            weight=num(float(weight[i])),
            headcount=head,
            quota=num(float(alloc.quotas[k])),
            how=how,
            floor=alloc.floors[k],
            extra=extra,
            count=alloc.counts[k],
        )
        out.append(
            Decision(
                rid,
                "unit",
                uid,
                table.label(i),
                uid,
                "rank_quota",
                alloc.counts[k],
                tuple(links),
                sentence,
            )
        )
    return out

"""提高评优比例: the share of top grades (优秀) each unit may give its staff.

A unit's share is ``base_share``, raised to the highest ``share`` among the rows of the tilt
table whose condition it meets, and lowered to ``max_share`` when one is set. The count for a
unit with ``n`` participants is ``share × n`` rounded by the rule's ``rounding`` (default: down,
since a quota is a ceiling), at least ``min_count`` and never more than ``n``; the product is
first rounded to 9 decimals so that 0.3 × 10 is 3, not 3.0000000000000004 (as the engine's own
grade quotas do).
"""

from __future__ import annotations

import numpy as np

from kaohe.quota import quota_counts
from kaohe.rulebook.decisions import Decision, Link
from kaohe.rulebook.inputs import Prepared, UnitTable
from kaohe.rulebook.model import ExcellentShareTilt, Rounding, When, grade_list
from kaohe.rulebook.text import Sentence, num, pct


def excellent_count(share: float, n: int, rounding: Rounding = "floor", min_count: int = 0) -> int:
    """How many of ``n`` participants may be graded excellent under ``share``."""
    return min(n, max(int(quota_counts(share, n, rounding)), min_count))


def excellent_shares(rule: ExcellentShareTilt, table: UnitTable) -> dict[str, float]:
    """Unit id → the unit's excellent share (what the annual grading of cadres takes)."""
    shares, _ = _shares(rule, table)
    return {u: float(s) for u, s in zip(table.units, shares, strict=True)}


def _shares(rule: ExcellentShareTilt, table: UnitTable) -> tuple[np.ndarray, np.ndarray]:
    """The shares, and for each unit the row of the table that set it (-1: the base)."""
    share = np.full(len(table), rule.base_share)
    row = np.full(len(table), -1)
    for k, step in enumerate(rule.raises):
        better = table.mask(step.when) & (step.share > share)
        share[better] = step.share
        row[better] = k
    if rule.max_share is not None:
        share = np.minimum(share, rule.max_share)
    return share, row


def tilt(rid: str, rule: ExcellentShareTilt, inputs: Prepared) -> list[Decision]:
    table = inputs.results
    share, row = _shares(rule, table)
    staff = inputs.staff(rid) if inputs.headcount is not None or inputs.history else None
    out = []
    for i, uid in enumerate(table.units):
        s = float(share[i])
        links = [
            Link("results", uid, "grade", table.grade[i] or None),
            Link("results", uid, "rank", int(table.rank[i])),
            Link("results", uid, "rank_in_category", int(table.rank_in_category[i])),
        ]
        k = int(row[i])
        if k < 0:
            head = Sentence("tilt.base", unit=table.label(i), share=pct(s))
        else:
            head = Sentence(
                "tilt.raised",
                unit=table.label(i),
                reason=reasons(rule.raises[k].when, table, i),
                base=pct(rule.base_share),
                share=pct(s),
            )
        tail: list[Sentence] = []
        raised = rule.raises[k].share if k >= 0 else rule.base_share
        if rule.max_share is not None and raised > rule.max_share:
            tail.append(Sentence("tilt.capped", cap=pct(rule.max_share)))
        if staff is not None and uid in staff:
            n = staff[uid]
            links.append(Link("headcount", uid, "headcount", n))
            tail.append(
                Sentence(
                    "tilt.count",
                    n=n,
                    share=pct(s),
                    exact=num(round(s * n, 9)),
                    rounding=Sentence(f"rounding.{rule.rounding}"),
                    count=excellent_count(s, n, rule.rounding, rule.min_count),
                )
            )
        sentence = Sentence("joined", head=head, tail=tuple(tail)) if tail else head
        out.append(
            Decision(
                rid, "unit", uid, table.label(i), uid, "excellent_share", s, tuple(links), sentence
            )
        )
    return out


def reasons(when: When, table: UnitTable, i: int) -> tuple[Sentence, ...]:
    """Why unit ``i`` meets ``when``, one sentence per key."""
    out = []
    if grade_list(when.grade):
        out.append(Sentence("cond.grade", v=table.grade_name[i] or table.grade[i]))
    if when.rank_at_most is not None:
        out.append(Sentence("cond.rank", r=int(table.rank[i]), k=when.rank_at_most))
    if when.rank_in_category_at_most is not None:
        out.append(
            Sentence(
                "cond.rank_in_category",
                r=int(table.rank_in_category[i]),
                k=when.rank_in_category_at_most,
            )
        )
    if when.category is not None:
        out.append(Sentence("cond.category", v=table.category_label(i)))
    if when.vetoed is not None:
        out.append(Sentence("cond.vetoed" if when.vetoed else "cond.not_vetoed"))
    return tuple(out)

"""Evaluating a rulebook: a pure function of the rulebook and the results it reads.

``evaluate(rulebook, inputs)`` reads nothing else (no files, clock or settings): the same inputs
give the same decisions, in the same order, bit for bit, and changed results change every
decision that depends on them, since everything is computed afresh.
"""

from __future__ import annotations

from collections.abc import Callable

from kaohe.rulebook.accountability import accountability
from kaohe.rulebook.allocation import allocate
from kaohe.rulebook.decisions import Decision, Decisions, RuleOutcome
from kaohe.rulebook.honours import commend, merit
from kaohe.rulebook.inputs import Prepared, RulebookInputs, prepare
from kaohe.rulebook.model import (
    AccountabilityList,
    Commendation,
    ExcellentShareTilt,
    MaterialReward,
    PromotionPool,
    PromotionStatistics,
    RankQuotaAllocation,
    RuleBase,
    Rulebook,
    RulebookError,
    ThirdClassMerit,
)
from kaohe.rulebook.promotion import pool, statistics
from kaohe.rulebook.rewards import reward
from kaohe.rulebook.tilt import tilt


def evaluate(rulebook: Rulebook, inputs: RulebookInputs) -> Decisions:
    """Every rule's decisions, rule by rule in the rulebook's order.

    Raises :class:`RulebookError` (located in the rulebook's file when it came from one) when a
    rule cannot be applied as written, and :class:`kaohe.errors.DataError` when an input table
    is missing what a rule reads.
    """
    prepared = prepare(inputs)
    try:
        done = _run(rulebook, prepared)
    except RulebookError as exc:
        raise RulebookError([rulebook.locate(i) for i in exc.issues]) from None
    outcomes = tuple(
        RuleOutcome(rid, rule.type, rule.name or rid, rule.public, tuple(done[rid]))
        for rid, rule in rulebook.rules.items()
    )
    return Decisions(rulebook.name, prepared.year, outcomes)


def _run(rulebook: Rulebook, prepared: Prepared) -> dict[str, list[Decision]]:
    done: dict[str, list[Decision]] = {}
    # merits first: a commendation may be replaced by a merit of the same year
    merits = {r: x for r, x in rulebook.rules.items() if isinstance(x, ThirdClassMerit)}
    for rid, m in merits.items():
        done[rid] = merit(rid, m, prepared)
    for rid, rule in rulebook.rules.items():
        if rid in done:
            continue
        if isinstance(rule, Commendation):
            done[rid] = commend(rid, rule, prepared, done)
        else:
            done[rid] = _RULES[type(rule)](rid, rule, prepared)
    return done


_RULES: dict[type[RuleBase], Callable[[str, object, Prepared], list[Decision]]] = {
    ExcellentShareTilt: tilt,  # type: ignore[dict-item]
    RankQuotaAllocation: allocate,  # type: ignore[dict-item]
    MaterialReward: reward,  # type: ignore[dict-item]
    PromotionPool: pool,  # type: ignore[dict-item]
    PromotionStatistics: statistics,  # type: ignore[dict-item]
    AccountabilityList: accountability,  # type: ignore[dict-item]
}

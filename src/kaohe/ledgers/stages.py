"""The stages of a major project (重点项目) and the changes allowed between them.

A project moves forward along the pipeline 储备 reserve → 签约 signed → 开工 started → 在建
under construction → 竣工 completed, possibly skipping a stage (a government-invested project is
never signed; a small one may be completed without a separate 在建 stage). It never moves back,
and it never disappears: leaving the pipeline is the stage 终止 dropped, with its reason.
Completed and dropped are final.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from kaohe.ledgers.words import Words

Stage = Literal["reserve", "signed", "started", "under_construction", "completed", "dropped"]
PipelineStage = Literal["reserve", "signed", "started", "under_construction", "completed"]
PlannedStage = Literal["signed", "started", "under_construction", "completed"]

STAGES: tuple[Stage, ...] = get_args(Stage)
PIPELINE: tuple[PipelineStage, ...] = get_args(PipelineStage)
PLANNED: tuple[PlannedStage, ...] = get_args(PlannedStage)
FINAL: frozenset[Stage] = frozenset({"completed", "dropped"})
ORDER: dict[str, int] = {s: k for k, s in enumerate(STAGES)}


def transition_problem(
    old: Stage, new: Stage, old_on: dt.date | None, on: dt.date | None, reason: str
) -> tuple[str, dict[str, object]] | None:
    """Why a project may not move from ``old`` (entered ``old_on``) to ``new`` on ``on`` with
    ``reason``: a catalogue key and its values, or None when the change is allowed."""
    o, n = stage_word(old), stage_word(new)
    if old in FINAL:
        return "err.stage.final", {"old": o, "new": n}
    if new == old:
        return "err.stage.same", {"old": o}
    if new != "dropped" and ORDER[new] < ORDER[old]:
        return "err.stage.back", {"old": o, "new": n}
    if on is None:
        return "err.stage.no_date", {"new": n}
    if old_on is not None and on < old_on:
        return "err.stage.date_back", {"new": n, "on": on, "old": o, "old_on": old_on}
    if new == "dropped" and not reason.strip():
        return "err.stage.drop_reason", {}
    return None


def stage_word(stage: str) -> Words:
    """The stage's name (储备, 签约 … in Chinese), rendered when read."""
    return Words(f"stage.{stage}")

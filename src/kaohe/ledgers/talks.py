"""谈心谈话 from the rulebook's accountability list.

The results rulebook's ``accountability_list`` rule lists the units and people at the bottom
(:mod:`kaohe.rulebook.accountability`); :func:`talks_from` turns each listed subject into a talk
matter, pending until the talk is recorded (who talked, when, the outcome), in one list
(``batch``) that closes only when every talk in it is recorded
(:func:`kaohe.ledgers.workflow.close_list`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from kaohe.ledgers.matters import Matter
from kaohe.ledgers.words import word
from kaohe.rulebook.decisions import Decisions


@dataclass(frozen=True, slots=True)
class TalkSource:
    """One subject of an accountability list: a unit's leadership team or a person."""

    rule: str
    subject_kind: str  # "unit" or "person"
    subject: str  # unit id or person id
    name: str
    unit: str  # the unit the talk concerns
    reason: str  # the decision's explanation


def sources_from_decisions(decisions: Decisions) -> tuple[TalkSource, ...]:
    """The subjects of every accountability-list decision (action ``talk``)."""
    return tuple(
        TalkSource(d.rule, d.subject_kind, d.subject, d.name, d.unit or d.subject, d.text())
        for d in decisions
        if d.action == "talk"
    )


def talks_from(
    sources: Iterable[TalkSource],
    batch: str,
    opened: dt.date,
    deadline: dt.date,
    leader: str = "",
) -> tuple[Matter, ...]:
    """One pending talk per subject, numbered ``<batch>-001``… in the list's order."""
    out = []
    for k, s in enumerate(sources, start=1):
        whom = word("talk.team", unit=s.name) if s.subject_kind == "unit" else s.name
        out.append(
            Matter(
                id=f"{batch}-{k:03d}",
                kind="talk",
                title=word("talk.title", whom=whom),
                opened=opened,
                deadline=deadline,
                units=(s.unit,),
                leader=leader,
                subject=whom,
                batch=batch,
                source=f"{s.rule}: {s.reason}",
            )
        )
    return tuple(out)

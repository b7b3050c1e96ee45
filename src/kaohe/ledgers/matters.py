"""Follow-up matters (督办事项): one record type for what an office assigns and chases.

Four kinds share the record, each with its own state machine (:mod:`kaohe.ledgers.workflow`):

* ``supervision`` 督办 — lead and assisting units, the leader responsible, a deadline,
  milestones, progress reports, delays with reasons, closure (销号) with evidence, reopening;
* ``challenge`` 揭榜领题 — a hard problem listed publicly; units claim it (one or several, each
  with a plan and milestones), submit their results, and the office accepts or returns each;
* ``talk`` 谈心谈话 — created from the rulebook's accountability list: whom (``subject``), then
  who talked, when and the outcome (a ``record`` event), and follow-ups; a talk list
  (``batch``) closes only when every talk in it is recorded;
* ``case`` 领导包案 — a petition case taken by a named leader, with a deadline and a resolution.

What happens to a matter is its list of :class:`Event` records, in date order; its state at any
date is the state after the events up to that date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

Kind = Literal["supervision", "challenge", "talk", "case"]
State = Literal[
    "open", "closed", "listed", "claimed", "accepted", "withdrawn", "pending", "held", "resolved"
]
Action = Literal[
    "progress",
    "delay",
    "close",
    "reopen",
    "claim",
    "submit",
    "accept",
    "return",
    "withdraw",
    "record",
    "follow_up",
    "resolve",
]
ClaimStatus = Literal["claimed", "submitted", "accepted", "returned"]
Role = Literal["responsible", "assisting"]

KINDS: tuple[Kind, ...] = get_args(Kind)
STATES: tuple[State, ...] = get_args(State)
ACTIONS: tuple[Action, ...] = get_args(Action)
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a matter on ``on``.

    ``unit``: the unit acting (a claim, a submission, a progress report) or concerned (an
    acceptance, a return); ``by``: who (the talker of a talk, the office's reviewer);
    ``text``: the report, plan, reason, outcome or resolution; ``deadline``: the new deadline
    of a delay."""

    action: Action
    on: dt.date
    unit: str = ""
    by: str = ""
    text: str = ""
    deadline: dt.date | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Milestone:
    """A step with its due date (``unit``: the claimant whose plan it belongs to, if any)."""

    name: str
    due: dt.date
    unit: str = ""
    done: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Matter:
    """One follow-up matter (see the module's text for what each field means by kind).

    ``units``: the lead units of a supervision task, the unit of a talk or a case (a challenge
    has none: its claimants come from its ``claim`` events). ``leader``: the leader responsible
    (督办), who listed it (揭榜), who took the case (包案). ``subject``: whom a talk is with; the
    petitioner or matter of a case. ``batch``: the list a matter belongs to (a talk list).
    ``level``: e.g. 重大/一般 for a challenge (the item of a bonus rule)."""

    id: str
    kind: Kind
    title: str
    opened: dt.date
    deadline: dt.date | None = None
    units: tuple[str, ...] = ()
    assisting: tuple[str, ...] = ()
    leader: str = ""
    subject: str = ""
    level: str = ""
    batch: str = ""
    public: bool = False
    source: str = ""  # where it came from, e.g. the rulebook decision that listed a talk
    evidence: tuple[str, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class ListClosure:
    """A list of matters (a talk list) closed on ``on``: every talk in it was recorded."""

    batch: str
    on: dt.date
    matters: tuple[str, ...]

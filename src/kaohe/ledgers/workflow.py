"""The state machines of follow-up matters: which event may happen in which state, what it
needs, and what follows.

========== ==================== ======================================================
kind       states               events (needs) → state
========== ==================== ======================================================
supervision open, closed        progress (text), delay (text, later deadline),
                                close 销号 (evidence) → closed; reopen (text) → open
challenge  listed, claimed,     claim (unit, plan as text) → claimed; submit (a claimant,
           accepted, closed,    text); accept (a claimant who submitted) → accepted;
           withdrawn            return (a claimant who submitted, text); delay;
                                withdraw (text) → withdrawn; close → closed (once accepted)
talk       pending, held        record (by: who talked, text: the outcome) → held;
                                follow_up (text); delay
case       open, resolved       progress, delay, resolve (text: the resolution) → resolved;
                                reopen (text) → open
========== ==================== ======================================================

Events come in date order, none before the matter was opened. :func:`apply` adds one event (or
raises :class:`~kaohe.ledgers.problems.TransitionError`); :func:`replay` gives the matter's
:class:`Standing` after each event; :func:`parties` says, at a standing, which units owe what
and whether it is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from kaohe.ledgers.matters import (
    Action,
    ClaimStatus,
    Event,
    Kind,
    ListClosure,
    Matter,
    Role,
    State,
)
from kaohe.ledgers.problems import Problem, TransitionError
from kaohe.ledgers.words import Words

PartyStatus = Literal["open", "done", "lapsed"]

INITIAL: dict[Kind, State] = {
    "supervision": "open",
    "challenge": "listed",
    "talk": "pending",
    "case": "open",
}
#: States in which nothing more is owed (no deadline runs).
SETTLED: frozenset[State] = frozenset({"closed", "withdrawn", "held", "resolved"})


class _Bad(Protocol):
    """How event_problem reports a problem of the event."""

    def __call__(self, field: str, key: str, **values: object) -> Problem: ...


@dataclass(frozen=True, slots=True)
class Step:
    """An event allowed in ``sources``, leading to ``target`` (None: the state stays)."""

    sources: frozenset[State]
    target: State | None
    needs: tuple[str, ...] = ()


def _step(sources: str, target: State | None, *needs: str) -> Step:
    return Step(frozenset(sources.split()), target, needs)  # type: ignore[arg-type]


STEPS: dict[tuple[Kind, Action], Step] = {
    ("supervision", "progress"): _step("open", None, "text"),
    ("supervision", "delay"): _step("open", None, "text", "deadline"),
    ("supervision", "close"): _step("open", "closed", "evidence"),
    ("supervision", "reopen"): _step("closed", "open", "text"),
    ("challenge", "claim"): _step("listed claimed accepted", "claimed", "unit", "text"),
    ("challenge", "progress"): _step("claimed accepted", None, "text"),
    ("challenge", "submit"): _step("claimed accepted", None, "unit", "text"),
    ("challenge", "accept"): _step("claimed accepted", "accepted", "unit"),
    ("challenge", "return"): _step("claimed accepted", None, "unit", "text"),
    ("challenge", "delay"): _step("listed claimed accepted", None, "text", "deadline"),
    ("challenge", "withdraw"): _step("listed claimed", "withdrawn", "text"),
    ("challenge", "close"): _step("accepted", "closed"),
    ("talk", "record"): _step("pending", "held", "by", "text"),
    ("talk", "follow_up"): _step("held", None, "text"),
    ("talk", "delay"): _step("pending", None, "text", "deadline"),
    ("case", "progress"): _step("open", None, "text"),
    ("case", "delay"): _step("open", None, "text", "deadline"),
    ("case", "resolve"): _step("open", "resolved", "text"),
    ("case", "reopen"): _step("resolved", "open", "text"),
}

#: What a claimant's status must be for an event naming it, and what it becomes.
CLAIM_STEPS: dict[Action, tuple[frozenset[ClaimStatus | None], ClaimStatus | None]] = {
    "claim": (frozenset({None}), "claimed"),
    "submit": (frozenset({"claimed", "returned"}), "submitted"),
    "accept": (frozenset({"submitted"}), "accepted"),
    "return": (frozenset({"submitted"}), "returned"),
    "progress": (frozenset({"claimed", "submitted", "returned", "accepted"}), None),
}


@dataclass(frozen=True, slots=True)
class Standing:
    """A matter after the events up to ``on``: its state, the deadline in force and, for a
    challenge, each claimant's status in the order of their claims."""

    on: dt.date
    state: State
    deadline: dt.date | None
    claims: tuple[tuple[str, ClaimStatus], ...] = ()

    def claim(self, unit: str) -> ClaimStatus | None:
        return next((s for u, s in self.claims if u == unit), None)


def start(m: Matter) -> Standing:
    return Standing(m.opened, INITIAL[m.kind], m.deadline)


def next_standing(m: Matter, s: Standing, e: Event, index: int | None = None) -> Standing:
    """The standing after event ``e``; raises :class:`TransitionError` if it is not allowed."""
    problem = event_problem(m, s, e, index)
    if problem is not None:
        raise TransitionError(problem)
    step = STEPS[(m.kind, e.action)]
    claims = s.claims
    if m.kind == "challenge" and e.unit and e.action in CLAIM_STEPS:
        new = CLAIM_STEPS[e.action][1]
        if e.action == "claim":
            claims = (*claims, (e.unit, "claimed"))
        elif new is not None:
            claims = tuple((u, new if u == e.unit else c) for u, c in claims)
    deadline = e.deadline if e.action == "delay" else s.deadline
    if e.action == "reopen" and e.deadline is not None:
        deadline = e.deadline
    state = step.target or s.state
    if e.action == "claim" and s.state == "accepted":
        state = "accepted"  # a later claimant does not undo an acceptance
    return Standing(e.on, state, deadline, claims)


def event_problem(m: Matter, s: Standing, e: Event, index: int | None = None) -> Problem | None:
    """Why event ``e`` may not happen to ``m`` at standing ``s`` (None: it may)."""

    def bad(field: str, key: str, **values: object) -> Problem:
        return Problem(m.id, field, key, values, part="events", index=index)

    step = STEPS.get((m.kind, e.action))
    if step is None:
        return bad(
            "action", "err.event.kind", action=_w("action", e.action), kind=_w("kind", m.kind)
        )
    if s.state not in step.sources:
        return bad(
            "action",
            "err.event.state",
            action=_w("action", e.action),
            state=_w("state", s.state),
            allowed=tuple(_w("state", x) for x in sorted(step.sources)),
        )
    if e.on < s.on:
        return bad("on", "err.event.date_back", on=e.on, last=s.on)
    for need in step.needs:
        if not getattr(e, need):
            return bad(
                need, "err.event.needs", action=_w("action", e.action), what=_w("field", need)
            )
    late = e.deadline is not None and s.deadline is not None and e.deadline > s.deadline
    if e.action == "delay" and s.deadline is not None and not late:
        return bad("deadline", "err.event.delay_earlier", new=e.deadline, old=s.deadline)
    return _party_problem(m, s, e, bad)


def _party_problem(m: Matter, s: Standing, e: Event, bad: _Bad) -> Problem | None:
    if not e.unit:
        return None
    if m.kind != "challenge":
        if e.unit not in (*m.units, *m.assisting):
            return bad("unit", "err.event.not_party", unit=e.unit)
        return None
    rule = CLAIM_STEPS.get(e.action)
    if rule is None:
        return bad("unit", "err.event.no_unit", action=_w("action", e.action))
    current = s.claim(e.unit)
    if current not in rule[0]:
        key = "err.event.claimed_twice" if e.action == "claim" else "err.event.claim_status"
        now = _w("claim", current) if current else _w("claim", "none")
        return bad("unit", key, unit=e.unit, action=_w("action", e.action), status=now)
    return None


def _w(table: str, key: str) -> Words:
    return Words(f"{table}.{key}")


def apply(m: Matter, e: Event) -> Matter:
    """The matter with ``e`` added; raises :class:`TransitionError` if it is not allowed."""
    standing = replay(m)[-1]
    next_standing(m, standing, e, len(m.events))
    return replace(m, events=(*m.events, e))


def replay(m: Matter) -> tuple[Standing, ...]:
    """The standing at the opening and after each event (raises at the first bad event)."""
    out = [start(m)]
    for k, e in enumerate(m.events):
        out.append(next_standing(m, out[-1], e, k))
    return tuple(out)


def standing_at(m: Matter, on: dt.date) -> Standing | None:
    """The standing on ``on`` (None: not opened yet)."""
    if m.opened > on:
        return None
    s = start(m)
    for k, e in enumerate(m.events):
        if e.on > on:
            break
        s = next_standing(m, s, e, k)
    return s


def parties(m: Matter, s: Standing) -> tuple[tuple[str, Role, PartyStatus], ...]:
    """Who owes what at ``s``: (unit, role, open/done/lapsed). A challenge's parties are its
    claimants (done once accepted, lapsed when the listing ends without accepting them)."""
    if m.kind == "challenge":
        ended = s.state in ("closed", "withdrawn")
        return tuple(
            (u, "responsible", "done" if c == "accepted" else "lapsed" if ended else "open")
            for u, c in s.claims
        )
    status: PartyStatus = "done" if s.state in SETTLED else "open"
    return tuple((u, "responsible", status) for u in m.units) + tuple(
        (u, "assisting", status) for u in m.assisting
    )


def is_overdue(s: Standing, status: PartyStatus, at: dt.date) -> bool:
    return status == "open" and s.deadline is not None and s.deadline < at


def close_list(matters: Iterable[Matter], batch: str, on: dt.date) -> ListClosure:
    """Close the talk list ``batch`` on ``on``; raises :class:`TransitionError` naming every
    talk of the list not recorded by then."""
    talks = [m for m in matters if m.batch == batch and m.kind == "talk"]
    if not talks:
        raise TransitionError(Problem(batch, "batch", "err.list.empty", {"batch": batch}))
    pending = [m for m in talks if (s := standing_at(m, on)) is None or s.state != "held"]
    if pending:
        raise TransitionError(
            [
                Problem(m.id, "batch", "err.list.pending", {"batch": batch, "subject": m.subject})
                for m in pending
            ]
        )
    return ListClosure(batch, on, tuple(m.id for m in talks))


def check_matter(m: Matter, units: Mapping[str, object] | None = None) -> list[Problem]:
    """Everything wrong with one record: its fields for its kind, its milestones, and the
    first event its state machine refuses (the events after it are checked as if it had
    not happened, so that one file shows every bad event at once)."""
    out = _field_problems(m, units)
    s = start(m)
    for k, e in enumerate(m.events):
        if units is not None and e.unit and e.unit not in units:
            out.append(Problem(m.id, "unit", "err.unknown_unit", {"value": e.unit}, "events", k))
            continue
        problem = event_problem(m, s, e, k)
        if problem is not None:
            out.append(problem)
            continue
        s = next_standing(m, s, e, k)
    out += _milestone_problems(m, s)
    return out


def _field_problems(m: Matter, units: Mapping[str, object] | None) -> list[Problem]:
    out: list[Problem] = []

    def bad(field: str, key: str, **values: object) -> None:
        out.append(Problem(m.id, field, key, values))

    for name in ("id", "title"):
        if not str(getattr(m, name)).strip():
            bad(name, "err.required")
    kind = _w("kind", m.kind)
    if m.kind == "challenge":
        if m.units:
            bad("units", "err.matter.challenge_units")
    elif len(m.units) != 1 and m.kind in ("talk", "case"):
        bad("units", "err.matter.one_unit", kind=kind)
    elif not m.units:
        bad("units", "err.matter.needs", kind=kind, what=_w("field", "units"))
    if m.assisting and m.kind != "supervision":
        bad("assisting", "err.matter.assisting")
    for u in set(m.units) & set(m.assisting):
        bad("assisting", "err.matter.both", unit=u)
    needs = {"supervision": ("leader",), "case": ("leader",), "talk": ("subject",)}
    for name in (*needs.get(m.kind, ()), "deadline"):
        if not getattr(m, name):
            bad(name, "err.matter.needs", kind=kind, what=_w("field", name))
    if m.deadline is not None and m.deadline < m.opened:
        bad("deadline", "err.matter.deadline_early", deadline=m.deadline, opened=m.opened)
    for u in (*m.units, *m.assisting):
        if units is not None and u not in units:
            bad("units" if u in m.units else "assisting", "err.unknown_unit", value=u)
    return out


def _milestone_problems(m: Matter, final: Standing) -> list[Problem]:
    out: list[Problem] = []
    owners = {u for u, _ in final.claims} | set(m.units) | set(m.assisting)
    for k, ms in enumerate(m.milestones):

        def bad(field: str, key: str, k: int = k, **values: object) -> None:
            out.append(Problem(m.id, field, key, values, part="milestones", index=k))

        if not ms.name.strip():
            bad("name", "err.required")
        if ms.due < m.opened:
            bad("due", "err.milestone.early", due=ms.due, opened=m.opened)
        if ms.done is not None and ms.done < m.opened:
            bad("done", "err.milestone.early", due=ms.done, opened=m.opened)
        if ms.unit and ms.unit not in owners:
            bad("unit", "err.event.not_party", unit=ms.unit)
    return out

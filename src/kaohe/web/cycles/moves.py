"""A cycle's moves through its states (collecting, reviewing, publicity, objections handled,
final), each checked against what is still open: values to review, objections, results."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import CycleError, check_revision
from kaohe.web.results.service import latest_results
from kaohe.web.store.models import (
    CYCLE_STATES,
    Cycle,
)
from kaohe.web.submissions.service import pending

# state → the states it may move to
TRANSITIONS = {
    "draft": ("collecting",),
    "collecting": ("reviewing",),
    "reviewing": ("collecting", "publicity"),
    "publicity": ("objections_handled",),
    "objections_handled": ("final",),
    "final": (),
}


def move(
    session: Session,
    cycle: Cycle,
    state: str,
    actor: str = "system",
    read_revision: int | None = None,
) -> Cycle:
    """Move a cycle to ``state``, if allowed from where it is and its preconditions hold (and,
    given the revision the mover read, if nobody changed the cycle since)."""
    audit.lock_fresh(session, cycle)  # the cycle as it is now, no one else moving it
    check_revision(cycle, read_revision)
    if state not in CYCLE_STATES:
        raise CycleError(f"unknown state {state!r}; states: {', '.join(CYCLE_STATES)}")
    if state not in TRANSITIONS[cycle.state]:
        allowed = ", ".join(TRANSITIONS[cycle.state]) or "none (the cycle is final)"
        raise CycleError(f"a cycle in {cycle.state} cannot move to {state}; allowed: {allowed}")
    if state == "objections_handled":
        from kaohe.web.objections.service import open_count

        if open_count(session, cycle):
            raise CycleError(f"{open_count(session, cycle)} objections are not answered yet")
        if pending(session, cycle):
            raise CycleError(f"{pending(session, cycle)} corrected values are not reviewed yet")
    if state == "publicity":
        waiting = pending(session, cycle)
        if waiting:
            raise CycleError(f"{waiting} submitted values are not reviewed yet")
        if latest_results(session, cycle) is None:
            raise CycleError("compute the results before publishing them")
    before = cycle.state
    cycle.state = state
    session.flush()
    audit.record(
        session,
        actor,
        "cycle.move",
        f"cycle:{cycle.id}",
        before={"state": before},
        after={"state": state},
    )
    return cycle

"""Appraisal ballots (民主测评票) entered by form: the office types in one paper ballot at a time.

A ballot entered by form is checked as an uploaded one is — by the cadres core's
:func:`~kaohe.cadres.build_ballots` (unknown person or group, invalid or missing choice, a rater
required when the design is not anonymous) — and against the ballots already stored for the
cycle: a ballot id used before, a group's headcount already reached for that person
(over-voting), a rater who has already rated that person. Any problem refuses the ballot whole,
with nothing written. A saved ballot is one row of ``ballots`` (with who entered it and when),
one ``personnel_imports`` row (so the computation shows as stale, as after an upload) and one
audit entry, in one transaction.

Anonymity: with ``anonymous: true`` in the design the form asks for no rater and none is stored;
otherwise the rater is stored, and only the office ever sees it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.cadres import build_ballots
from kaohe.cadres.design import AppraisalDesign
from kaohe.errors import DataError, Issue
from kaohe.web.audit import chain as audit
from kaohe.web.personnel.service import _need_roster, ballot_rows, need_designs
from kaohe.web.store.models import Ballot, Cycle, PersonnelImport, now

FORM = "ballot_form"  # what a form entry is called among the imports


@dataclass(frozen=True)
class EnteredBallot:
    """What the office typed: the ballot's id (blank: one is given), the person, the rater
    group, the rater (ignored for an anonymous design) and the choice of every item."""

    ballot_id: str
    subject: str
    group: str
    rater: str
    choices: Mapping[str, str]


def _problem(column: str, message: str) -> Issue:
    return Issue(message, column=column)


def enter_ballot(session: Session, cycle: Cycle, entry: EnteredBallot, actor: str) -> Ballot:
    """Check and keep one ballot; raises DataError (every problem, by form field) or
    PersonnelError (designs or roster missing), and nothing is written then."""
    audit.lock(session)  # one writer at a time from here: the checks below stay true
    design = need_designs(session, cycle).appraisal
    cadres, teams = _need_roster(session)
    key = entry.ballot_id.strip() or _next_id(session, cycle)
    row: dict[str, str | None] = {
        "ballot_id": key,
        "subject_id": entry.subject.strip(),
        "group": entry.group.strip(),
    }
    for item in design.items:
        row[item] = (entry.choices.get(item) or "").strip() or None
    rater = None if design.anonymous else (entry.rater.strip() or None)
    if not design.anonymous:
        row["rater"] = rater
    frame = pd.DataFrame([row], dtype=object)
    try:
        ballots = build_ballots(frame, design, set(cadres) | set(teams)).frame
    except DataError as exc:
        raise DataError([_problem(i.column or "", i.message) for i in exc.issues]) from None
    subject, group = str(ballots["subject_id"].iloc[0]), str(ballots["group"].iloc[0])
    issues = _against_stored(session, cycle, design, key, subject, group, rater)
    if issues:
        raise DataError(issues)
    stored = ballot_rows(ballots, design).iloc[0]
    ballot = Ballot(
        cycle_id=cycle.id,
        ballot_key=key,
        subject_key=subject,
        rater_group=group,
        rater=rater,
        choices=str(stored["choices"]),
        value=float(stored["value"]),
        entered_by=actor,
        entered_at=now(),
    )
    session.add(ballot)
    after = {
        "ballot": key,
        "subject": subject,
        "group": group,
        "choices": {i: row[i] for i in design.items},
        "value": ballot.value,
    }
    if rater is not None:
        after["rater"] = rater
    digest = hashlib.sha256(audit.canonical(after).encode("utf-8")).hexdigest()
    session.add(
        PersonnelImport(
            cycle_id=cycle.id, what=FORM, filename=key, sha256=digest, rows=1, actor=actor
        )
    )
    audit.record(session, actor, "personnel.ballot.enter", f"cycle:{cycle.id}", after=after)
    session.flush()
    return ballot


def _next_id(session: Session, cycle: Cycle) -> str:
    n = session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.cycle_id == cycle.id)
    ).scalar_one()
    while True:
        n += 1
        key = f"F{n:06d}"
        taken = session.execute(
            select(Ballot.id).where(Ballot.cycle_id == cycle.id, Ballot.ballot_key == key)
        ).first()
        if taken is None:
            return key


def _against_stored(
    session: Session,
    cycle: Cycle,
    design: AppraisalDesign,
    key: str,
    subject: str,
    group: str,
    rater: str | None,
) -> list[Issue]:
    """Duplicate id, over-voting and a second ballot of one rater, against the stored ballots."""
    issues: list[Issue] = []
    mine = Ballot.cycle_id == cycle.id
    if session.execute(select(Ballot.id).where(mine, Ballot.ballot_key == key)).first():
        issues.append(_problem("ballot_id", f"ballot {key!r} has already been entered"))
    headcount = design.groups[group].headcount
    if headcount is not None:
        n = session.execute(
            select(func.count())
            .select_from(Ballot)
            .where(mine, Ballot.subject_key == subject, Ballot.rater_group == group)
        ).scalar_one()
        if n >= headcount:
            issues.append(
                _problem(
                    "group",
                    f"over-voting: {subject!r} already has {n} ballot(s) in group {group!r} "
                    f"({design.groups[group].name}), whose headcount is {headcount}",
                )
            )
    if rater is not None:
        twice = session.execute(
            select(Ballot.id).where(mine, Ballot.subject_key == subject, Ballot.rater == rater)
        ).first()
        if twice:
            issues.append(_problem("rater", f"rater {rater!r} has already rated {subject!r}"))
    return issues


def choice_names(design: AppraisalDesign, stored: str) -> list[str]:
    """A stored ballot's choices (points joined by ``|``) as the scale's names (— for an
    abstention; the points themselves when no level has them)."""
    names = {}
    for lv in reversed(design.scale):  # the first level with those points wins
        names[f"{lv.points:g}"] = lv.name
    return [names.get(p, p) if p else "—" for p in stored.split("|")]

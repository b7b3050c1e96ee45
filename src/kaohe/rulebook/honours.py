"""嘉奖 and 记三等功: awards that follow from people's annual grades.

*Commendation*: every person of the rule's ``kind`` graded excellent in the year (a grade listed
in ``excellent``), at the unit of that year's row — unless a rule named in ``replaced_by`` gives
them a third-class merit that year.

*Third-class merit*: ``years`` (default 3) consecutive **calendar** years graded excellent,
ending in the year. The run follows the person (``person_id``) across units; the merit goes to
the unit of the last year. A year with no row for the person breaks the run. A year whose row
has no grade (empty, or a text listed in ``ungraded``, e.g. on leave) breaks it too, unless
``ungraded_years: skip`` — then it neither counts nor breaks. Any other grade breaks it. With
``reset_after_award`` (the default) the years of a merit do not count again: the next merit
needs another ``years`` excellent years (2024 after 2022–2024 is the first year of a new run);
without it every further excellent year of an unbroken run brings a merit. Earlier merits are
those this rule gives over the whole history, not records of merits actually awarded.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kaohe.rulebook.decisions import Decision, Link
from kaohe.rulebook.inputs import History, Prepared
from kaohe.rulebook.model import Commendation, ThirdClassMerit
from kaohe.rulebook.text import Sentence


def run_lengths(h: History, rule: ThirdClassMerit) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """For each row (sorted by person, then year): how many excellent years the run ending there
    holds (0 on a row that breaks it), and which rows are skipped (ungraded, not breaking)."""
    n = len(h)
    exc = h.graded(rule.excellent)
    if rule.ungraded_years == "skip":
        skip = ~exc & ((h.grade == "") | h.graded(rule.ungraded))
    else:
        skip = np.zeros(n, dtype=bool)
    if n == 0:
        return np.zeros(0, dtype=np.int64), skip
    new_person = np.r_[True, h.code[1:] != h.code[:-1]]
    gap = np.r_[True, (h.year[1:] - h.year[:-1]) != 1]
    reset = new_person | gap | (~exc & ~skip)
    seg = np.cumsum(reset) - 1
    counted = np.cumsum(exc, dtype=np.int64)
    starts = np.flatnonzero(reset)
    base = counted[starts] - exc[starts]
    return counted - base[seg], skip


def merit_rows(h: History, rule: ThirdClassMerit, year: int) -> NDArray[np.int64]:
    """Rows (of ``h``) of the people given the merit in ``year``."""
    run, _ = run_lengths(h, rule)
    exc = h.graded(rule.excellent)
    if rule.reset_after_award:
        award = exc & (run > 0) & (run % rule.years == 0)
    else:
        award = exc & (run >= rule.years)
    return np.flatnonzero(award & (h.year == year))


def merit(rid: str, rule: ThirdClassMerit, inputs: Prepared) -> list[Decision]:
    history, year = inputs.need_history(rid)
    h = history.of_kind(rule.kind)
    rows = merit_rows(h, rule, year)
    _, skip = run_lengths(h, rule)
    excellent = np.flatnonzero(h.graded(rule.excellent))
    pos = np.searchsorted(excellent, rows)
    n = rule.years
    person, years, units, grades = h.person, h.year, h.unit, h.grade
    out = []
    for r, p in zip(rows.tolist(), pos.tolist(), strict=True):
        run = excellent[p - n + 1 : p + 1].tolist()
        pid = str(person[r])
        links = tuple(
            Link("history", pid, "grade", str(grades[k]), int(years[k]), str(units[k])) for k in run
        )
        tail: list[Sentence] = []
        moved = list(dict.fromkeys(str(units[k]) for k in run))
        if len(moved) > 1:
            moves = "→".join(inputs.unit_name(str(units[k])) for k in run)
            tail.append(Sentence("merit.moved", units=moves))
        skipped = [int(years[k]) for k in range(run[0], run[-1]) if skip[k]]
        if skipped:
            tail.append(Sentence("merit.skipped", years=tuple(skipped)))
        head = Sentence(
            "merit",
            person=_who(h, r),
            unit=inputs.unit_name(str(units[r])),
            first=int(years[run[0]]),
            last=int(years[run[-1]]),
            n=n,
            years=tuple(int(years[k]) for k in run),
        )
        sentence = Sentence("joined", head=head, tail=tuple(tail)) if tail else head
        out.append(
            Decision(
                rid,
                "person",
                pid,
                str(h.name[r]),
                str(units[r]),
                "third_class_merit",
                year,
                links,
                sentence,
            )
        )
    return out


def commend(
    rid: str, rule: Commendation, inputs: Prepared, merits: dict[str, list[Decision]]
) -> list[Decision]:
    history, year = inputs.need_history(rid)
    h = history.of_kind(rule.kind)
    rows = np.flatnonzero((h.year == year) & h.graded(rule.excellent))
    replaced = {d.subject for other in rule.replaced_by for d in merits[other]}
    out = []
    for r, pid, unit, grade, name in zip(
        rows.tolist(),
        h.person[rows].tolist(),
        h.unit[rows].tolist(),
        h.grade[rows].tolist(),
        h.name[rows].tolist(),
        strict=True,
    ):
        if pid in replaced:
            continue
        # the grade by its name; a grade id with no name known is one the rule counts as
        # excellent, so it is said so (优秀), never shown as the id
        named = h.grade_label(r)
        shown: Sentence | str = Sentence("grade.excellent") if named == grade else named
        sentence = Sentence(
            "commend", person=name or pid, unit=inputs.unit_name(unit), year=year, grade=shown
        )
        out.append(
            Decision(
                rid,
                "person",
                pid,
                name,
                unit,
                "commendation",
                year,
                (Link("history", pid, "grade", grade, year, unit),),
                sentence,
            )
        )
    return out


def _who(h: History, r: int) -> str:
    """A person as named in explanations: the name, else the id."""
    return str(h.name[r]) or str(h.person[r])

"""谈心谈话 and follow-up: units and people at the bottom, listed with the reason.

Units are listed when their grade (id or name) is in ``unit_grades`` or, with ``vetoed`` (the
default), when a veto struck them; people of the ``kinds`` listed when their grade in the year
is in ``person_grades``.
"""

from __future__ import annotations

import numpy as np

from kaohe.rulebook.decisions import Decision, Link
from kaohe.rulebook.inputs import Prepared
from kaohe.rulebook.model import AccountabilityList
from kaohe.rulebook.text import Sentence


def accountability(rid: str, rule: AccountabilityList, inputs: Prepared) -> list[Decision]:
    table = inputs.results
    out = []
    for i, uid in enumerate(table.units):
        reasons: list[Sentence] = []
        links: list[Link] = []
        grade, name = table.grade[i], table.grade_name[i]
        if (grade and grade in rule.unit_grades) or (name and name in rule.unit_grades):
            reasons.append(Sentence("account.grade", grade=name or grade))
            links.append(Link("results", uid, "grade", grade))
        if rule.vetoed and table.vetoed[i]:
            reasons.append(Sentence("account.veto", vetoes=table.veto_label(i)))
            links.append(Link("results", uid, "vetoed", table.vetoed[i]))
        if reasons:
            sentence = Sentence(
                "account.unit", unit=table.label(i), reasons=tuple(reasons), action=rule.action
            )
            out.append(
                Decision(
                    rid,
                    "unit",
                    uid,
                    table.label(i),
                    uid,
                    "talk",
                    rule.action,
                    tuple(links),
                    sentence,
                )
            )
    if not rule.person_grades:
        return out
    history, year = inputs.need_history(rid)
    h = history
    rows = np.flatnonzero(
        (h.year == year) & np.isin(h.kind, rule.kinds) & h.graded(rule.person_grades)
    )
    for r in rows.tolist():
        pid, unit, grade = str(h.person[r]), str(h.unit[r]), str(h.grade[r])
        sentence = Sentence(
            "account.person",
            person=str(h.name[r]) or pid,
            unit=inputs.unit_name(unit),
            year=year,
            grade=h.grade_label(r),
            action=rule.action,
        )
        out.append(
            Decision(
                rid,
                "person",
                pid,
                str(h.name[r]),
                unit,
                "talk",
                rule.action,
                (Link("history", pid, "grade", grade, year, unit),),
                sentence,
            )
        )
    return out

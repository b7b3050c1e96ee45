"""物质奖励: amounts for units by their grade, and for moving up the ranking (进位奖).

A unit's amount is the ``by_grade`` amount of its grade (matched by grade id or name) plus, when
``rise`` is set, ``per_place`` for every place gained against the previous cycle (overall rank,
or rank in category for units whose category did not change), up to ``cap``, when at least
``min_places`` were gained. Units absent from the previous results get no rise reward. With
``exclude_vetoed`` (the default) a vetoed unit gets nothing. Units whose amount is 0 get no
decision.
"""

from __future__ import annotations

from kaohe.errors import DataError, Issue
from kaohe.rulebook.decisions import Decision, Link
from kaohe.rulebook.inputs import Prepared
from kaohe.rulebook.model import MaterialReward
from kaohe.rulebook.text import Sentence, num


def reward(rid: str, rule: MaterialReward, inputs: Prepared) -> list[Decision]:
    table, prev = inputs.results, inputs.previous
    if rule.rise is not None and prev is None:
        raise DataError(
            Issue(f"rule {rid!r} rewards moving up (rise): give the previous cycle's results")
        )
    out = []
    for i, uid in enumerate(table.units):
        if rule.exclude_vetoed and table.vetoed[i]:
            continue
        links: list[Link] = []
        parts: list[Sentence] = []
        amount = 0.0
        grade = table.grade[i]
        for key in (grade, table.grade_name[i]):
            if key and key in rule.by_grade:
                amount += rule.by_grade[key]
                links.append(Link("results", uid, "grade", grade))
                parts.append(
                    Sentence(
                        "reward.grade",
                        grade=table.grade_name[i] or grade,
                        amount=num(rule.by_grade[key]),
                    )
                )
                break
        rise = rule.rise
        if rise is not None and prev is not None and uid in prev.index:
            j = prev.index[uid]
            by_category = rise.rank == "category"
            if not by_category or prev.category[j] == table.category[i]:
                before = int((prev.rank_in_category if by_category else prev.rank)[j])
                after = int((table.rank_in_category if by_category else table.rank)[i])
                places = before - after
                if places >= rise.min_places:
                    raw = places * rise.per_place
                    paid = raw if rise.cap is None else min(raw, rise.cap)
                    amount += paid
                    field = "rank_in_category" if by_category else "rank"
                    links += [
                        Link("previous", uid, field, before),
                        Link("results", uid, field, after),
                    ]
                    parts.append(
                        Sentence(
                            "reward.rise",
                            rank_kind=Sentence(f"reward.rank_{rise.rank}"),
                            before=before,
                            after=after,
                            places=places,
                            per=num(rise.per_place),
                            raw=num(raw),
                            cap=Sentence("reward.cap", cap=num(paid)) if paid < raw else "",
                        )
                    )
        if amount <= 0:
            continue
        sentence = Sentence(
            "reward.total",
            unit=table.label(i),
            parts=tuple(parts),
            amount=num(amount),
            currency=rule.currency,
        )
        out.append(
            Decision(
                rid, "unit", uid, table.label(i), uid, "reward", amount, tuple(links), sentence
            )
        )
    return out

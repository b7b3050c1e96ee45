"""The cadre list of a computation as the office (or a unit, its own) reads it: filtered by unit
and grade, searched by name or id, a page at a time in the scheme's order of units (then each
cadre's place in the unit's ranking), each cadre by name, and the filtered list for export."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from kaohe.i18n import t
from kaohe.web import lists
from kaohe.web.store.models import AnnualGrade, Cadre, PersonnelComputation

#: the export's headers, in its order
HEADS = (
    "personnel.cadre",
    "lists.key",
    "personnel.unit",
    "personnel.place",
    "score",
    "grade",
    "personnel.quota",
)


@dataclass(frozen=True)
class Filters:
    unit: str = ""  # a unit id of the scheme
    grade: str = ""  # a grade's name as computed
    q: str = ""  # part of a cadre's name or id

    def query(self) -> dict[str, str]:
        return lists.query(unit=self.unit, grade=self.grade, q=self.q)


def read_filters(
    params: Mapping[str, str], units: Sequence[str], grades: Sequence[str], lang: str
) -> tuple[Filters, dict[str, str]]:
    """The filters of a query string, and a message per field that could not be read."""
    errors: dict[str, str] = {}
    unit = lists.choice(params, "unit", units, errors, lang)
    grade = lists.choice(params, "grade", grades, errors, lang)
    return Filters(unit, grade, lists.text(params, "q")), errors


def grade_names(session: Session, run: PersonnelComputation | None) -> list[str]:
    """The grades a computation gave its cadres, most often given first."""
    if run is None:
        return []
    rows = session.execute(
        select(AnnualGrade.grade_name, func.count())
        .where(AnnualGrade.computation_id == run.id, AnnualGrade.kind == "cadre")
        .group_by(AnnualGrade.grade_name)
        .order_by(func.count().desc(), AnnualGrade.grade_name)
    )
    return [str(name) for name, _ in rows]


def counts_in_words(session: Session, run: PersonnelComputation, lang: str) -> list[str]:
    """A computation's counts as a person reads them: "等次 335", "考核结果运用 174", then each
    kind and grade by name ("干部·称职 244"), not as stored (``cadre:competent``)."""
    counts = json.loads(run.counts)
    said = [
        f"{t('personnel.count_grades', lang)} {counts.get('grades', 0)}",
        f"{t('personnel.decisions', lang)} {counts.get('decisions', 0)}",
    ]
    rows = session.execute(
        select(AnnualGrade.kind, AnnualGrade.grade, AnnualGrade.grade_name)
        .where(AnnualGrade.computation_id == run.id)
        .distinct()
    )
    names = {f"{kind}:{grade}": (kind, name) for kind, grade, name in rows}
    for key, n in counts.items():
        if key in ("grades", "decisions"):
            continue
        kind, name = names.get(key, (key.split(":", 1)[0], key.split(":", 1)[-1]))
        said.append(f"{t('personnel.' + kind, lang)}·{name} {n}")
    return said


def _select(
    run: PersonnelComputation, f: Filters, own: str | None, order: Sequence[str]
) -> tuple[Select[AnnualGrade, str], list[ColumnElement[bool]]]:
    where: list[ColumnElement[bool]] = [
        AnnualGrade.computation_id == run.id,
        AnnualGrade.kind == "cadre",
    ]
    if own is not None:
        where.append(AnnualGrade.unit == own)
    if f.unit:
        where.append(AnnualGrade.unit == f.unit)
    if f.grade:
        where.append(AnnualGrade.grade_name == f.grade)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                AnnualGrade.subject_key.like(like, escape="\\"),
                Cadre.name.like(like, escape="\\"),
            )
        )
    place = case({u: i for i, u in enumerate(order)}, value=AnnualGrade.unit, else_=len(order))
    query = (
        select(AnnualGrade, Cadre.name)
        .outerjoin(Cadre, Cadre.cadre_key == AnnualGrade.subject_key)
        .where(*where)
        .order_by(place, AnnualGrade.unit, AnnualGrade.position, AnnualGrade.subject_key)
    )
    return query, where


def page(
    session: Session,
    run: PersonnelComputation | None,
    f: Filters,
    own: str | None,
    order: Sequence[str],
    offset: int = 0,
    size: int = lists.PAGE,
) -> tuple[list[tuple[AnnualGrade, str]], lists.Window]:
    """One page of the filtered list (``own``: only this unit's, whatever is asked) and where it
    stands."""
    if run is None:
        return [], lists.window(0, 0, size)
    query, where = _select(run, f, own, order)
    total = session.execute(
        select(func.count())
        .select_from(AnnualGrade)
        .outerjoin(Cadre, Cadre.cadre_key == AnnualGrade.subject_key)
        .where(*where)
    ).scalar_one()
    w = lists.window(offset, int(total), size)
    rows = session.execute(query.offset(w.offset).limit(size)).all()
    return [(g, name or g.subject_key) for g, name in rows], w


def every(
    session: Session,
    run: PersonnelComputation | None,
    f: Filters,
    own: str | None,
    order: Sequence[str],
    units: Mapping[str, str],
) -> Iterator[list[object]]:
    """Every row of the filtered list as exported (at most :data:`lists.EXPORT_LIMIT`)."""
    if run is None:
        return
    query, _ = _select(run, f, own, order)
    for g, name in session.execute(query.limit(lists.EXPORT_LIMIT)):
        yield [
            name or g.subject_key,
            g.subject_key,
            units.get(g.unit, g.unit),
            g.position or "",
            round(g.score, 2) if g.score is not None else "",
            g.grade_name,
            f"{g.quota} / {g.participants}",
        ]


def heads(lang: str) -> list[str]:
    return [t(h, lang) for h in HEADS]

"""The ledgers' summaries as plain tables (a title, a header, rows of cells), for the terminal
and for a workbook alike. Headers and labels are in the language in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kaohe.ledgers.frames import ProjectFrame
from kaohe.ledgers.matters import KINDS
from kaohe.ledgers.stages import PIPELINE, STAGES
from kaohe.ledgers.summary import (
    Due,
    Funnel,
    MatterCounts,
    TalkList,
    month_ends,
    stage_counts,
)
from kaohe.ledgers.words import fmt, word

Cell = str | int | float | dt.date | None


@dataclass(frozen=True)
class Sheet:
    """One table of a report."""

    key: str  # a short name, e.g. for the sheet of a workbook
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def funnel_sheet(f: Funnel, names: Mapping[str, str] | None = None) -> Sheet:
    """Projects by stage per group on the date, what entered each stage in the period, and
    the investment; the last row is the total."""
    header = (
        word(f"rep.by.{f.by}"),
        *(word(f"stage.{s}") for s in STAGES),
        word("rep.total"),
        *(word("rep.entered", stage=word(f"stage.{s}")) for s in PIPELINE[1:]),
        word("field.total_investment"),
        word("field.completed_investment"),
    )
    rows: list[tuple[Cell, ...]] = []
    labels = [*((names or {}).get(k, k) or word("rep.none") for k in f.keys), word("rep.all")]
    for g, label in enumerate(labels):
        rows.append(
            (
                label,
                *(int(x) for x in f.counts[g]),
                int(f.counts[g].sum()),
                *(int(x) for x in f.entered[g, 1:]),
                _round(f.total_investment[g]),
                _round(f.invested[g]),
            )
        )
    title = word(f"rep.funnel.{f.by}", on=f.on)
    return Sheet(f"funnel_{f.by}", title, header, tuple(rows))


def monthly_sheet(frame: ProjectFrame, start: dt.date, end: dt.date) -> Sheet:
    """How many projects were in each stage at the end of each month."""
    dates = month_ends(start, end)
    counts = stage_counts(frame, dates)
    header = (word("rep.month_end"), *(word(f"stage.{s}") for s in STAGES), word("rep.total"))
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (d, *(int(x) for x in c), int(c.sum())) for d, c in zip(dates, counts, strict=True)
    )
    return Sheet("monthly", word("rep.monthly"), header, rows)


def matters_sheet(c: MatterCounts, names: Mapping[str, str] | None = None) -> Sheet:
    keys = ("field.unit", "rep.kind", "rep.count", "rep.done", "rep.open", "rep.overdue")
    header = tuple(word(k) for k in (*keys, "rep.due_soon"))
    rows: list[tuple[Cell, ...]] = []
    for u, unit in enumerate(c.units):
        for k, kind in enumerate(KINDS):
            if c.total[u, k]:
                rows.append(
                    (
                        (names or {}).get(unit, unit),
                        word(f"kind.{kind}"),
                        *(int(a[u, k]) for a in (c.total, c.done, c.open, c.overdue, c.due_soon)),
                    )
                )
    return Sheet("matters", word("rep.matters", on=c.on), header, tuple(rows))


def due_sheet(items: Sequence[Due], names: Mapping[str, str] | None = None) -> Sheet:
    keys = ("col.matter", "rep.kind", "col.title", "field.unit", "rep.role", "col.milestone")
    header = tuple(word(k) for k in (*keys, "field.deadline", "rep.days", "field.leader"))
    rows = tuple(
        (
            d.matter,
            word(f"kind.{d.kind}"),
            d.title,
            (names or {}).get(d.unit, d.unit),
            word(f"role.{d.role}") if d.role else "",
            d.milestone,
            d.deadline,
            word("rep.late", days=d.days) if d.overdue else word("rep.left", days=-d.days),
            d.leader,
        )
        for d in items
    )
    return Sheet("due", word("rep.due"), header, rows)


def talks_sheet(lists: Sequence[TalkList]) -> Sheet:
    header = tuple(
        word(k) for k in ("col.batch", "rep.talks", "rep.recorded", "rep.pending", "rep.list")
    )
    rows = tuple(
        (
            t.batch,
            len(t.talks),
            len(t.recorded),
            word("comma").join(t.pending),
            word("rep.closed", on=t.closed)
            if t.closed
            else word("rep.closable")
            if t.closable
            else word("rep.not_closable"),
        )
        for t in lists
    )
    return Sheet("talks", word("rep.talk_lists"), header, rows)


def _round(x: Any) -> float:
    return float(fmt(float(x)))

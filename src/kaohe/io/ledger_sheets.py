"""Writing the ledgers: blank templates, the register and the matters as files that
:mod:`kaohe.io.ledger_files` reads back, and the summaries as a workbook. Every file is
written atomically (it appears complete, or not at all)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from kaohe.io.atomic import atomic_file
from kaohe.io.ledger_files import (
    EVENT_COLUMNS,
    LIST_COLUMNS,
    MATTER_COLUMNS,
    MILESTONE_COLUMNS,
    PROJECT_COLUMNS,
)
from kaohe.ledgers.matters import ACTIONS, KINDS, ListClosure, Matter
from kaohe.ledgers.projects import Project
from kaohe.ledgers.report import Sheet
from kaohe.ledgers.stages import STAGES
from kaohe.ledgers.words import both, word

Row = list[Any]


def header(key: str) -> str:
    """A column's header as the templates write it: ``签约日期 [signed_on]``."""
    if key.startswith("completed:"):
        return f"{word('col.month', month=key.partition(':')[2])} [{key}]"
    return f"{word('col.' + key)} [{key}]"


def _join(values: Iterable[str]) -> str:
    return "、".join(values)


def project_row(p: Project, months: Sequence[str]) -> Row:
    cells: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "unit": p.unit,
        "task_force": p.task_force,
        "sector": p.sector,
        "level": p.level,
        "stage": word(f"stage.{p.stage}"),
        "total_investment": p.total_investment,
        "planned_investment": p.planned_investment,
        "completed_investment": p.completed_investment,
        "evidence": _join(p.evidence),
    }
    for c in p.history:
        cells[f"{c.stage}_on"] = c.on if c.on is not None else word("before")
        if c.stage == "dropped":
            cells["drop_reason"] = c.reason
    for s, d in p.planned:
        cells[f"planned_{s}"] = d
    monthly = dict(p.monthly)
    return [cells.get(k) for k in PROJECT_COLUMNS] + [monthly.get(m) for m in months]


def project_months(projects: Sequence[Project]) -> list[str]:
    return sorted({m for p in projects for m, _ in p.monthly})


def write_projects(projects: Sequence[Project], path: str | Path) -> Path:
    """The register as ``.xlsx`` (sheet 项目) or ``.csv``, one row per project."""
    months = project_months(projects)
    head = [header(k) for k in (*PROJECT_COLUMNS, *(f"completed:{m}" for m in months))]
    rows = [project_row(p, months) for p in projects]
    return _write(path, [(word("sheet.projects"), head, rows)])


def matter_rows(matters: Sequence[Matter]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {"matters": [], "events": [], "milestones": []}
    for m in matters:
        cells = {
            **{k: getattr(m, k) for k in ("id", "title", "opened", "deadline", "leader")},
            **{k: getattr(m, k) for k in ("subject", "level", "batch", "source")},
            "kind": word(f"kind.{m.kind}"),
            "units": _join(m.units),
            "assisting": _join(m.assisting),
            "public": word("yes") if m.public else word("no"),
            "evidence": _join(m.evidence),
        }
        out["matters"].append([cells[k] for k in MATTER_COLUMNS])
        for e in m.events:
            out["events"].append(
                [
                    m.id,
                    e.on,
                    word(f"action.{e.action}"),
                    e.unit,
                    e.by,
                    e.text,
                    e.deadline,
                    _join(e.evidence),
                ]
            )
        for s in m.milestones:
            out["milestones"].append([m.id, s.unit, s.name, s.due, s.done])
    return out


def write_matters(
    matters: Sequence[Matter], path: str | Path, closures: Sequence[ListClosure] = ()
) -> Path:
    """The matters as a workbook: sheets 事项, 进展, 节点 and 名单."""
    rows = matter_rows(matters)
    lists: list[Row] = [[c.batch, c.on] for c in closures]
    sheets = [
        (word("sheet.matters"), [header(k) for k in MATTER_COLUMNS], rows["matters"]),
        (word("sheet.events"), [header(k) for k in EVENT_COLUMNS], rows["events"]),
        (word("sheet.milestones"), [header(k) for k in MILESTONE_COLUMNS], rows["milestones"]),
        (word("sheet.lists"), [header(k) for k in LIST_COLUMNS], lists),
    ]
    return _write(path, sheets)


def write_template(
    kind: Literal["projects", "matters"], path: str | Path, months: Sequence[str] = ()
) -> Path:
    """A blank workbook to fill in: the sheets with their headers, and a 说明 sheet listing
    the choices of each list column."""
    if kind == "projects":
        keys = (*PROJECT_COLUMNS, *(f"completed:{m}" for m in months))
        sheets: list[tuple[str, list[str], list[Row]]] = [
            (word("sheet.projects"), [header(k) for k in keys], [])
        ]
    else:
        sheets = [
            (word(f"sheet.{name}"), [header(k) for k in cols], [])
            for name, cols in (
                ("matters", MATTER_COLUMNS),
                ("events", EVENT_COLUMNS),
                ("milestones", MILESTONE_COLUMNS),
                ("lists", LIST_COLUMNS),
            )
        ]
    choices = [
        [word("col.stage"), *(both(f"stage.{s}")[0] for s in STAGES)],
        [word("col.kind"), *(both(f"kind.{k}")[0] for k in KINDS)],
        [word("col.action"), *(both(f"action.{a}")[0] for a in ACTIONS)],
    ]
    return _write(path, [*sheets, ("说明", [word("rep.choices")], choices)])


def write_report(sheets: Sequence[Sheet], path: str | Path) -> Path:
    """Summaries as a workbook (one sheet each) or, for ``.csv``, the first one."""
    return _write(path, [(s.title[:31], list(s.header), [list(r) for r in s.rows]) for s in sheets])


def _write(path: str | Path, sheets: Sequence[tuple[str, list[str], list[Row]]]) -> Path:
    path = Path(path)
    with atomic_file(path) as tmp:
        if path.suffix.lower() == ".csv":
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                title, head, rows = sheets[0]
                w.writerow(head)
                w.writerows([_csv(c) for c in r] for r in rows)
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            used: set[str] = set()
            for title, head, rows in sheets:
                ws = wb.create_sheet(_unique(title, used))
                ws.append(head)
                for r in rows:
                    ws.append(r)
            wb.save(tmp)
    return path


def _csv(c: Any) -> Any:
    if c is None:
        return ""
    if isinstance(c, dt.date):
        return c.isoformat()
    return c


def _unique(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "sheet"
    out, k = base, 2
    while out in used:
        out = f"{base[:27]} ({k})"
        k += 1
    used.add(out)
    return out

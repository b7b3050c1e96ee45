"""Reading the ledgers from Excel or CSV: the project register and the follow-up matters.

Each file is read whole and checked whole, all or nothing: any problem rejects it, and the error
lists every problem with its file, sheet, row and column, in Chinese or English. Headers may be
the key (``signed_on``), its label in either language (``签约日期``, ``Signed on``) or both
(``签约日期 [signed_on]``, as the templates write them). Values of a list of choices (stages,
kinds, actions) may be written by id or by name in either language; dates as ``2022-03-01``,
``2022/3/1``, ``2022年3月1日`` or an Excel date; several units or evidence references in one cell
are separated by ``、`` ``,`` ``;`` or a new line.

* The register (``--projects``): one table (a CSV file, or the sheet ``项目``/``projects`` of a
  workbook, or its only sheet), one row per project (:data:`PROJECT_COLUMNS`, and optionally
  ``completed:YYYY-MM`` columns of the investment completed each month).
* The matters (``--matters``, one or more files): the tables ``事项``/``matters`` (one row per
  matter), ``进展``/``events`` (what happened, one row each), ``节点``/``milestones`` and
  ``名单``/``lists`` (talk lists closed) — sheets of a workbook, or CSV files named so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from kaohe.dataset import CellRef, Dataset, Table, column_label, header_key, row_bound
from kaohe.errors import DataError, Issue
from kaohe.io.data_files import data_tables, read_tables
from kaohe.ledgers.derive import derive, derived_indicators
from kaohe.ledgers.frames import MatterFrame, ProjectFrame, compile_matters, compile_projects
from kaohe.ledgers.matters import ACTIONS, KINDS, Event, ListClosure, Matter, Milestone
from kaohe.ledgers.merge import dataset_with_ledgers
from kaohe.ledgers.problems import LedgerError, Problem, TransitionError
from kaohe.ledgers.projects import Project, check_project, history_from_dates
from kaohe.ledgers.stages import PLANNED, STAGES, Stage
from kaohe.ledgers.words import both, word
from kaohe.ledgers.workflow import check_matter, close_list
from kaohe.scheme import Scheme

STAGE_DATES = tuple(f"{s}_on" for s in STAGES)
PLANNED_DATES = tuple(f"planned_{s}" for s in PLANNED)
PROJECT_COLUMNS = (
    "id",
    "name",
    "unit",
    "task_force",
    "sector",
    "level",
    "stage",
    "total_investment",
    "planned_investment",
    "completed_investment",
    *PLANNED_DATES,
    *STAGE_DATES,
    "drop_reason",
    "evidence",
)
MATTER_COLUMNS = (
    "id",
    "kind",
    "title",
    "opened",
    "deadline",
    "units",
    "assisting",
    "leader",
    "subject",
    "level",
    "batch",
    "public",
    "source",
    "evidence",
)
EVENT_COLUMNS = ("matter", "on", "action", "unit", "by", "text", "deadline", "evidence")
MILESTONE_COLUMNS = ("matter", "unit", "milestone", "due", "done")
LIST_COLUMNS = ("batch", "closed")
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # sheet → (columns, required)
    "projects": (PROJECT_COLUMNS, ("id", "name", "unit")),
    "matters": (MATTER_COLUMNS, ("id", "kind", "title", "opened")),
    "events": (EVENT_COLUMNS, ("matter", "on", "action")),
    "milestones": (MILESTONE_COLUMNS, ("matter", "milestone", "due")),
    "lists": (LIST_COLUMNS, ("batch", "closed")),
}
_MONTH_KEY = re.compile(r"^completed:(\d{4}-\d{2})$")
_MONTH_LABEL = re.compile(r"^(\d{4}-\d{2})\s*完成投资$|^Completed\s+(\d{4}-\d{2})$")
_SPLIT = re.compile(r"[、,，;；\n]+")
_CN_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$")
BEFORE_WORDS = frozenset({"期初", "before"})
_YES = frozenset({"是", "yes", "y", "true", "1", "公开", "√"})
_NO = frozenset({"否", "no", "n", "false", "0", "不公开", "×"})


@dataclass(frozen=True)
class ProjectFile:
    """A register read from a file: its projects, in the file's order."""

    source: str
    projects: tuple[Project, ...]
    rows: Mapping[str, CellRef]  # project id → the row it was read from


@dataclass(frozen=True)
class MatterFiles:
    """Matters read from one or more files, with the talk lists closed in them."""

    source: str
    matters: tuple[Matter, ...]
    closures: tuple[ListClosure, ...]
    rows: Mapping[str, CellRef]  # matter id → the row it was read from


# --------------------------------------------------------------------------- a table's cells


class _Reader:
    """The columns of one table by key, each cell parsed and every bad one reported."""

    def __init__(self, table: Table, what: str) -> None:
        self.table = table
        self.issues: list[Issue] = []
        allowed, required = TABLES[what]
        self.pos: dict[str, int] = {}
        self.months: dict[str, int] = {}
        labels = _labels(allowed)
        for k, head in enumerate(table.header):
            text = "" if head is None else str(head).strip()
            if not text:
                continue
            key = header_key(text)
            month = _month(key) if what == "projects" else None
            if month is not None:
                self.months[month] = k
                self.pos[f"completed:{month}"] = k
            elif labels.get(key) is not None:
                self.pos[labels[key]] = k
            else:
                shown = word("comma").join(f"{both('col.' + a)[0]} [{a}]" for a in allowed)
                self._at(table.header_row, k, word("err.col.unknown", header=text, allowed=shown))
        self.rows = [(n, c) for n, c in table.rows if any(c) and any(_given(v) for v in c)]
        for n, cells in self.rows:  # no database stores a NUL character: refused at its cell
            for k, v in enumerate(cells):
                if isinstance(v, str) and "\x00" in v:
                    self._at(n, k, word("err.cell.nul"))
        width = max((len(c) for _, c in self.rows), default=0)
        self._columns = list(
            zip(*(list(c) + [None] * (width - len(c)) for _, c in self.rows), strict=True)
        )
        for key in required:
            if key not in self.pos:
                self.issues.append(
                    table.ref(table.header_row).issue(word("err.col.missing", column=key))
                )
        self.ok = all(key in self.pos for key in required)

    def _at(self, row: int | None, k: int | None, text: str) -> None:
        column = None if k is None else column_label(k, self.table)
        self.issues.append(self.table.ref(row, column).issue(text))

    def ref(self, i: int, key: str | None) -> CellRef:
        k = self.pos.get(key) if key is not None else None
        return self.table.ref(self.rows[i][0], None if k is None else column_label(k, self.table))

    def bad(self, i: int, key: str | None, text: str) -> None:
        self.issues.append(self.ref(i, key).issue(text))

    def raw(self, key: str) -> list[Any]:
        k = self.pos.get(key)
        if k is None or k >= len(self._columns):
            return [None] * len(self.rows)
        return list(self._columns[k])

    def text(self, key: str) -> list[str]:
        return [_str(v) for v in self.raw(key)]

    def split(self, key: str) -> list[tuple[str, ...]]:
        return [tuple(p.strip() for p in _SPLIT.split(t) if p.strip()) for t in self.text(key)]

    def dates(self, key: str) -> list[dt.date | None]:
        return self._dates(key, self.raw(key))

    def stage_dates(self, key: str) -> tuple[list[dt.date | None], list[bool]]:
        """A stage's dates, and where the cell says the stage was reached before the period
        (``期初`` / ``before``: no date)."""
        raw = self.raw(key)
        before = [isinstance(v, str) and v.strip().lower() in BEFORE_WORDS for v in raw]
        if any(before):
            raw = [None if b else v for v, b in zip(raw, before, strict=True)]
        return self._dates(key, raw), before

    def _dates(self, key: str, cells: list[Any]) -> list[dt.date | None]:
        values = [_cn_date(v) if isinstance(v, str) else v for v in cells]
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", errors="coerce")
        missing = parsed.isna().to_numpy()
        for i in np.flatnonzero(missing).tolist():
            if _given(values[i]):
                self.bad(i, key, word("err.cell.date", value=values[i]))
        days = parsed.to_numpy(dtype="datetime64[D]").tolist()  # datetime.date, or None for NaT
        return [None if m else d for d, m in zip(days, missing.tolist(), strict=True)]

    def numbers(self, key: str) -> list[float | None]:
        raw = self.raw(key)
        cells = pd.Series(raw, dtype=object)
        strings = np.array([isinstance(v, str) for v in raw], dtype=bool)
        if strings.any():
            cleaned = cells[strings].str.strip().str.replace(r"[,，]", "", regex=True)
            cells[strings] = cleaned.where(cleaned != "", None)
        values = np.array(pd.to_numeric(cells, errors="coerce"), dtype=np.float64)
        flags = [isinstance(r, bool) for r in raw]
        for i in np.flatnonzero(np.isnan(values) | np.array(flags, dtype=bool)).tolist():
            if _given(raw[i]):
                self.bad(i, key, word("err.cell.number", value=raw[i]))
            values[i] = np.nan
        return [None if v != v else v for v in values.tolist()]

    def choice(
        self, key: str, table: str, ids: Sequence[str], aliases: Mapping[str, str] | None = None
    ) -> list[str | None]:
        lookup = {**_choices(table, ids), **(aliases or {})}
        out: list[str | None] = []
        for i, t in enumerate(self.text(key)):
            hit = lookup.get(t) if t else None
            if t and hit is None:
                allowed = word("comma").join(both(f"{table}.{x}")[0] for x in ids)
                self.bad(i, key, word("err.cell.choice", value=t, allowed=allowed))
            out.append(hit)
        return out

    def bools(self, key: str) -> list[bool | None]:
        out: list[bool | None] = []
        for i, t in enumerate(self.text(key)):
            low = t.lower()
            out.append(True if low in _YES else False if low in _NO else None)
            if t and out[-1] is None:
                self.bad(i, key, word("err.cell.bool", value=t))
        return out

    def required(self, key: str, values: Sequence[object]) -> None:
        for i, v in enumerate(values):
            if v is None or v == "":
                self.bad(i, key, word("err.required"))

    def unique(self, key: str, ids: Sequence[str]) -> None:
        first: dict[str, int] = {}
        for i, v in enumerate(ids):
            if not v:
                continue
            if v in first:
                self.bad(i, key, word("err.dup_id", value=v, row=self.rows[first[v]][0]))
            else:
                first[v] = i


#: Other headers people write for a column (used where the table has that column).
HEADER_ALIASES = {
    "单位": "unit",
    "地区": "unit",
    "期限": "deadline",
    "新期限": "deadline",
    "节点名称": "milestone",
    "谈话对象": "subject",
    "当事人": "subject",
    "包案领导": "leader",
    "总投资（亿元）": "total_investment",
}


def _order(issue: Issue) -> tuple[int, int]:
    """Row, then column (by its letters) — the order a person reads a sheet."""
    letters = (issue.column or "").split(" ")[0]
    n = 0
    for ch in letters if letters.isalpha() and letters.isupper() else "":
        n = n * 26 + ord(ch) - 64
    return issue.row or 0, n


def _labels(allowed: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {k: v for k, v in HEADER_ALIASES.items() if v in allowed}
    for key in allowed:
        out[key] = key
        for label in both(f"col.{key}"):
            out.setdefault(label, key)
            out.setdefault(label.lower(), key)
    return out


def _choices(table: str, ids: Sequence[str]) -> dict[str, str]:
    out = {}
    for x in ids:
        out[x] = x
        zh, en = both(f"{table}.{x}")
        out[zh], out[en], out[en.lower()] = x, x, x
    return out


def _month(key: str) -> str | None:
    m = _MONTH_KEY.match(key) or _MONTH_LABEL.match(key)
    return next((g for g in m.groups() if g), None) if m else None


def _given(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and str(v).strip() != ""


def _str(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _cn_date(v: Any) -> Any:
    if isinstance(v, str):
        m = _CN_DATE.match(v)
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        return v.strip() or None
    return v


def _units(values: Sequence[str], names: Mapping[str, str] | None) -> list[str]:
    """Unit ids, from ids or names (``names``: unit id → name)."""
    if names is None:
        return list(values)
    by_name = {n: u for u, n in names.items()}
    return [v if v in names else by_name.get(v, v) for v in values]


# --------------------------------------------------------------------------- the register


def load_projects(path: str | Path, units: Mapping[str, str] | None = None) -> ProjectFile:
    """Read and check a register file (``units``: unit id → name; units may be written by
    either). Raises :class:`DataError` listing every problem, located."""
    tables, _ = read_tables(path)
    table = _pick(tables, "projects", str(path))
    r = _Reader(table, "projects")
    if not r.ok:
        raise DataError(r.issues)
    projects = _projects(r, units)
    if r.issues:
        raise DataError(sorted(r.issues, key=_order))
    rows = {p.id: r.ref(i, "id") for i, p in enumerate(projects)}
    return ProjectFile(str(path), tuple(projects), rows)


def _pick(tables: list[Table], what: str, path: str) -> Table:
    named = [t for t in tables if t.sheet is not None and _table_kind(t) == what]
    if named:
        return named[0]
    if len(tables) == 1:
        return tables[0]
    zh, en = both(f"sheet.{what}")
    raise DataError(Issue(word("err.file.no_sheet", zh=zh, en=en), file=path))


def _projects(r: _Reader, units: Mapping[str, str] | None) -> list[Project]:
    ids, names = r.text("id"), r.text("name")
    r.unique("id", ids)
    unit = _units(r.text("unit"), units)
    stage = cast(list[Stage | None], r.choice("stage", "stage", STAGES))
    read = {s: r.stage_dates(f"{s}_on") for s in STAGES}
    dates = {s: d for s, (d, _) in read.items()}
    before = {s: b for s, (_, b) in read.items()}
    planned = {s: r.dates(f"planned_{s}") for s in PLANNED}
    amounts = {
        k: r.numbers(k) for k in ("total_investment", "planned_investment", "completed_investment")
    }
    months = {m: r.numbers(f"completed:{m}") for m in sorted(r.months)}
    monthly = [
        tuple((m, v) for m, v in zip(months, row, strict=True) if v is not None)
        for row in zip(*months.values(), strict=True)
    ] or [()] * len(r.rows)
    text = {k: r.text(k) for k in ("task_force", "sector", "level", "drop_reason")}
    evidence = r.split("evidence")
    out = []
    for i in range(len(r.rows)):
        pid = ids[i]
        history, problems = history_from_dates(
            pid,
            {s: dates[s][i] for s in STAGES},
            stage[i],
            text["drop_reason"][i],
            evidence[i] if dates["dropped"][i] else (),
            [s for s in STAGES if before[s][i]],
        )
        p = Project(
            id=pid,
            name=names[i],
            unit=unit[i],
            history=history,
            task_force=text["task_force"][i],
            sector=text["sector"][i],
            level=text["level"][i],
            total_investment=amounts["total_investment"][i],
            planned_investment=amounts["planned_investment"][i],
            completed_investment=amounts["completed_investment"][i],
            monthly=monthly[i],
            planned=tuple((s, d) for s in PLANNED if (d := planned[s][i]) is not None),
            evidence=evidence[i],
        )
        for problem in problems + check_project(p, units):
            r.bad(i, _project_column(p, problem, r), problem.text())
        out.append(p)
    return out


def _project_column(p: Project, problem: Problem, r: _Reader) -> str | None:
    """The column of the cell a problem is about."""
    field = problem.field
    if problem.part == "history" and problem.index is not None:
        change = p.history[problem.index]
        field = "drop_reason" if field == "reason" else f"{change.stage}_on"
        if change.on is None:
            field = "stage"
    return field if field in r.pos else None


# --------------------------------------------------------------------------- matters

KIND_ALIASES = {"督办事项": "supervision", "包案": "case", "信访包案": "case", "谈话": "talk"}
ACTION_ALIASES = {"验收": "accept", "通过验收": "accept", "跟踪督办": "follow_up", "办结": "close"}


@dataclass(frozen=True)
class _Row:
    """A matter as read from its row (None: its kind or date could not be read)."""

    reader: _Reader
    i: int
    matter: Matter | None


#: One event or milestone with the reader and row it came from.
_Child = tuple[_Reader, Any, int]


def load_matters(
    paths: Sequence[str | Path], units: Mapping[str, str] | None = None
) -> MatterFiles:
    """Read and check the matter files: the matters, their events, milestones and closed talk
    lists, from the sheets (or CSV files) so named. Raises :class:`DataError` listing every
    problem, located."""
    issues: list[Issue] = []
    readers = _readers(paths, issues)
    every = [r for rs in readers.values() for r in rs]
    if issues or not all(r.ok for r in every):
        raise DataError(issues + [i for r in every for i in r.issues])
    rows = [row for r in readers["matters"] for row in _matter_rows(r, units)]
    known = {row.matter.id for row in rows if row.matter is not None}
    events = _group(readers["events"], known, _events, units)
    stones = _group(readers["milestones"], known, _milestones, units)
    first: dict[str, _Row] = {}
    matters = []
    for row in rows:
        m = row.matter
        if m is None:
            continue
        if m.id in first:
            before = first[m.id]
            where = f"{before.reader.table.name} row {before.reader.rows[before.i][0]}"
            row.reader.bad(row.i, "id", word("err.dup_id", value=m.id, row=where))
            continue
        first[m.id] = row
        ev = sorted(events.get(m.id, []), key=lambda c: (c[1].on, id(c[0]), c[2]))
        ms = stones.get(m.id, [])
        m = replace(m, events=tuple(c[1] for c in ev), milestones=tuple(c[1] for c in ms))
        for problem in check_matter(m, units):
            _locate_matter(problem, row, ev, ms)
        matters.append(m)
    closures = [c for r in readers["lists"] for c in _closures(r, matters)]
    issues += [i for r in every for i in sorted(r.issues, key=_order)]
    if issues:
        raise DataError(issues)
    refs = {m: row.reader.ref(row.i, "id") for m, row in first.items()}
    return MatterFiles(", ".join(str(p) for p in paths), tuple(matters), tuple(closures), refs)


def _readers(paths: Sequence[str | Path], issues: list[Issue]) -> dict[str, list[_Reader]]:
    out: dict[str, list[_Reader]] = {k: [] for k in ("matters", "events", "milestones", "lists")}
    for path in paths:
        tables, _ = read_tables(path)
        for table in tables:
            kind = _table_kind(table) or ("matters" if len(tables) == 1 else None)
            if kind is None or kind == "projects":
                names = word("comma").join(both(f"sheet.{k}")[0] for k in out)
                where = table.ref(table.header_row)
                text = word("err.file.unknown_table", table=table.name, names=names)
                issues.append(where.issue(text))
                continue
            out[kind].append(_Reader(table, kind))
    if not out["matters"] and not issues:
        zh, en = both("sheet.matters")
        files = ", ".join(map(str, paths))
        issues.append(Issue(word("err.file.no_sheet", zh=zh, en=en), file=files))
    return out


def _table_kind(table: Table) -> str | None:
    """Which table this is, by its sheet's name (or a CSV file's name)."""
    name = (table.sheet or Path(table.file or table.name).stem).strip().lower()
    for kind in TABLES:
        if name in {x.lower() for x in (kind, *both(f"sheet.{kind}"))}:
            return kind
    return None


def _matter_rows(r: _Reader, units: Mapping[str, str] | None) -> list[_Row]:
    ids, titles = r.text("id"), r.text("title")
    r.required("id", ids)
    r.required("title", titles)
    kinds = r.choice("kind", "kind", KINDS, KIND_ALIASES)
    r.required("kind", [k or r.text("kind")[i] for i, k in enumerate(kinds)])
    opened = r.dates("opened")
    r.required("opened", [o or r.raw("opened")[i] for i, o in enumerate(opened)])
    deadline = r.dates("deadline")
    lead = [tuple(_units(list(x), units)) for x in r.split("units")]
    assisting = [tuple(_units(list(x), units)) for x in r.split("assisting")]
    text = {k: r.text(k) for k in ("leader", "subject", "level", "batch", "source")}
    public = r.bools("public")
    evidence = r.split("evidence")
    out = []
    for i in range(len(r.rows)):
        kind, when = kinds[i], opened[i]
        if kind is None or when is None:
            out.append(_Row(r, i, None))
            continue
        m = Matter(
            id=ids[i],
            kind=kind,  # type: ignore[arg-type]
            title=titles[i],
            opened=when,
            deadline=deadline[i],
            units=lead[i],
            assisting=assisting[i],
            leader=text["leader"][i],
            subject=text["subject"][i],
            level=text["level"][i],
            batch=text["batch"][i],
            public=kind == "challenge" if public[i] is None else bool(public[i]),
            source=text["source"][i],
            evidence=evidence[i],
        )
        out.append(_Row(r, i, m))
    return out


def _group(
    readers: list[_Reader],
    known: set[str],
    parse: Any,
    units: Mapping[str, str] | None,
) -> dict[str, list[_Child]]:
    """Events or milestones by their matter's id; one naming an unknown matter is reported."""
    out: dict[str, list[_Child]] = {}
    for r in readers:
        for i, (mid, child) in enumerate(parse(r, units)):
            if mid and mid not in known:
                r.bad(i, "matter", word("err.ref.matter", value=mid))
            elif child is not None:
                out.setdefault(mid, []).append((r, child, i))
    return out


def _events(r: _Reader, units: Mapping[str, str] | None) -> list[tuple[str, Event | None]]:
    mids = r.text("matter")
    r.required("matter", mids)
    on = r.dates("on")
    r.required("on", [d or r.raw("on")[i] for i, d in enumerate(on)])
    actions = r.choice("action", "action", ACTIONS, ACTION_ALIASES)
    r.required("action", [a or r.text("action")[i] for i, a in enumerate(actions)])
    unit = _units(r.text("unit"), units)
    deadline = r.dates("deadline")
    by, text, evidence = r.text("by"), r.text("text"), r.split("evidence")
    out: list[tuple[str, Event | None]] = []
    for i in range(len(r.rows)):
        a, d = actions[i], on[i]
        event = None
        if a is not None and d is not None:
            event = Event(a, d, unit[i], by[i], text[i], deadline[i], evidence[i])  # type: ignore[arg-type]
        out.append((mids[i], event))
    return out


def _milestones(r: _Reader, units: Mapping[str, str] | None) -> list[tuple[str, Milestone | None]]:
    mids, names = r.text("matter"), r.text("milestone")
    r.required("matter", mids)
    due, done = r.dates("due"), r.dates("done")
    r.required("due", [d or r.raw("due")[i] for i, d in enumerate(due)])
    unit = _units(r.text("unit"), units)
    out: list[tuple[str, Milestone | None]] = []
    for i in range(len(r.rows)):
        d = due[i]
        out.append((mids[i], None if d is None else Milestone(names[i], d, unit[i], done[i])))
    return out


_EVENT_FIELDS = {"action", "on", "unit", "by", "text", "deadline", "evidence"}


def _locate_matter(problem: Problem, row: _Row, ev: list[_Child], ms: list[_Child]) -> None:
    """Report a problem of a matter at its cell: the matter's row, or an event's or a
    milestone's row."""
    if problem.part in ("events", "milestones") and problem.index is not None:
        r, _, i = (ev if problem.part == "events" else ms)[problem.index]
        field = "milestone" if problem.field == "name" else problem.field
        r.bad(i, field if field in r.pos else None, problem.text())
        return
    field = problem.field
    row.reader.bad(row.i, field if field in row.reader.pos else None, problem.text())


def _closures(r: _Reader, matters: list[Matter]) -> list[ListClosure]:
    batches, closed = r.text("batch"), r.dates("closed")
    r.required("batch", batches)
    out = []
    for i, (batch, on) in enumerate(zip(batches, closed, strict=True)):
        if not batch or on is None:
            continue
        try:
            out.append(close_list(matters, batch, on))
        except TransitionError as exc:
            for problem in exc.problems:
                r.bad(i, "closed" if problem.field == "batch" else None, problem.text())
    return out


# --------------------------------------------------------------------------- assessment data


def load_assessment_data(
    scheme: Scheme,
    data: str | Path,
    projects: str | Path | None = None,
    matters: Sequence[str | Path] = (),
    as_of: dt.date | None = None,
) -> tuple[Dataset, list[Issue]]:
    """The dataset of a data file with the indicators the scheme derives from the ledgers
    counted from the register and the matter files; (dataset, warnings). Every problem of
    every file is reported at once."""
    tables, warnings = data_tables(data, row_bound(scheme))
    ledgers = load_ledgers(scheme, projects, matters)
    if (projects or matters) and not derived_indicators(scheme):
        warnings.append(Issue(word("warn.not_used")))
    try:
        derived = derive(scheme, ledgers.projects, ledgers.matters, as_of)
    except LedgerError as exc:
        raise DataError([ledgers.locate(p) for p in exc.problems]) from None
    dataset, more = dataset_with_ledgers(scheme, tables, derived)
    return dataset, warnings + more


@dataclass(frozen=True)
class Ledgers:
    """The ledgers read for a scheme, compiled with its units."""

    projects: ProjectFrame | None
    matters: MatterFrame | None
    rows: Mapping[str, CellRef]

    def locate(self, problem: Problem) -> Issue:
        """A problem of a record at the record's row (else at its path)."""
        ref = self.rows.get(problem.record)
        return ref.issue(problem.text()) if ref is not None else problem.issue()


def load_ledgers(
    scheme: Scheme, projects: str | Path | None = None, matters: Sequence[str | Path] = ()
) -> Ledgers:
    """Read the register and the matter files for ``scheme`` (units by id or name); every
    problem of both in one :class:`DataError`."""
    names = {u: x.name for u, x in scheme.units.items()}
    pf, mf = read_ledgers(projects, matters, names)
    units = tuple(scheme.units)
    return Ledgers(
        compile_projects(pf.projects, units, pf.source) if pf else None,
        compile_matters(mf.matters, units, mf.source) if mf else None,
        {**(pf.rows if pf else {}), **(mf.rows if mf else {})},
    )


def read_ledgers(
    projects: str | Path | None,
    matters: Sequence[str | Path],
    units: Mapping[str, str] | None = None,
) -> tuple[ProjectFile | None, MatterFiles | None]:
    """The register and the matter files (either may be absent), every problem of both in one
    :class:`DataError`."""
    errors: list[Issue] = []
    pf = mf = None
    try:
        pf = load_projects(projects, units) if projects is not None else None
    except DataError as exc:
        errors += exc.issues
    try:
        mf = load_matters(matters, units) if matters else None
    except DataError as exc:
        errors += exc.issues
    if errors:
        raise DataError(errors)
    return pf, mf

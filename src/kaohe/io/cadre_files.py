"""Reading and writing the files of cadre assessment: people, ballots, checks, judges' marks,
other scores, the designs (YAML) and the results (CSV or Excel). A year's files at once, for
``kaohe cadres grade``, are :mod:`kaohe.io.cadre_year_files`'.

Every table file is read whole and checked whole: any bad cell rejects the file, and the error
lists every problem located by file, sheet, row and column. Headers may be the key alone
(``cadre_id``) or a label with the key in brackets (``干部编号 [cadre_id]``), as written by the
exports here. CSV is read as UTF-8 (GB18030 accepted); Excel ``.xlsx`` by its sheets.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel

from kaohe.cadres.annual import AnnualGrades
from kaohe.cadres.appraisal import Ballots, build_ballots
from kaohe.cadres.arena import build_marks
from kaohe.cadres.assessment import build_scores
from kaohe.cadres.checks import build_checks
from kaohe.cadres.design import (
    AppraisalDesign,
    ArenaDesign,
    ChecksDesign,
    GradingDesign,
    build_design,
)
from kaohe.cadres.frames import ROW, Source, text_column
from kaohe.cadres.people import CADRE_COLUMNS, STATUSES, TEAM_COLUMNS, People, build_people
from kaohe.dataset import header_key
from kaohe.errors import DataError, Issue, SchemeError
from kaohe.io.atomic import atomic_file
from kaohe.io.cells import plain_text, safe_frame
from kaohe.io.formulas import formula_issues
from kaohe.io.yamlfile import LineMap, load_yaml, read_yaml

D = TypeVar("D", bound=BaseModel)

TEAM_SHEETS = ("teams", "领导班子")
CADRE_SHEETS = ("cadres", "干部")

#: Chinese labels of the columns, for the headers of exported files (``label [key]``).
LABELS: dict[str, str] = {
    "team_id": "班子编号",
    "cadre_id": "干部编号",
    "unit": "单位",
    "pool": "名额池",
    "name": "名称",
    "position": "职务",
    "rank_level": "职级",
    "status": "状态",
    "status_start": "状态开始日期",
    "status_end": "状态结束日期",
    "ballot_id": "票号",
    "subject_id": "测评对象",
    "group": "评议组",
    "rater": "评议人",
    "year": "年度",
    "quarter": "季度",
    "grade": "等次",
    "grade_name": "等次名称",
    "score": "得分",
    "position_in_unit": "单位内名次",
    "position_in_pool": "名额池内名次",
    "participants": "参评人数",
    "share": "优秀比例",
    "quota": "优秀名额",
    "explanation": "说明",
    "person_id": "人员编号",
    "kind": "类型",
    "contestant_id": "选手编号",
    "panel": "评审组",
    "judge_id": "评委编号",
    "rank": "名次",
}


# --------------------------------------------------------------------------- reading tables


def read_frames(path: str | Path) -> list[tuple[pd.DataFrame, Source]]:
    """The tables of a CSV file or of every sheet of a workbook, as text cells, each with a
    ``_row`` column holding the row number a person sees."""
    path = Path(path)
    if not path.exists():
        raise DataError(Issue("file not found", file=str(path)))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return [(_read_csv(path), Source(str(path)))]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise DataError(Issue(f"unknown file type {suffix!r}; use .csv or .xlsx", file=str(path)))


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(Issue("not UTF-8 text; save the file as CSV UTF-8", file=str(path)))
    if not text.strip():
        raise DataError(Issue("the file is empty", file=str(path)))
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    frame = _keyed(frame.map(plain_text))
    frame[ROW] = range(2, len(frame) + 2)
    return _drop_empty(frame)


def _read_xlsx(path: Path) -> list[tuple[pd.DataFrame, Source]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(Issue(f"not a readable .xlsx workbook: {exc}", file=str(path))) from None
    out: list[tuple[pd.DataFrame, Source]] = []
    problems: list[Issue] = []
    try:
        for ws in wb.worksheets:
            if ws.title.startswith("_") or ws.title in ("说明", "readme", "README"):
                continue
            rows = [[plain_text(c) for c in r] for r in ws.iter_rows(values_only=True)]
            start = next((k for k, r in enumerate(rows) if any(_filled(c) for c in r)), None)
            if start is None:
                continue
            header = [str(c).strip() if c is not None else "" for c in rows[start]]
            body = [r + [None] * (len(header) - len(r)) for r in rows[start + 1 :]]
            frame = _keyed(pd.DataFrame([r[: len(header)] for r in body], columns=header))
            frame[ROW] = range(start + 2, start + 2 + len(frame))
            out.append((_drop_empty(frame), Source(str(path), ws.title)))
            problems += formula_issues(ws, str(path), partial(_header_at, header))
    finally:
        wb.close()
    if problems:
        raise DataError(problems)
    if not out:
        raise DataError(Issue("the workbook has no sheet with data", file=str(path)))
    return out


def _header_at(header: list[str], k: int) -> str:
    return header_key(header[k]) if k < len(header) else str(k + 1)


def _filled(c: Any) -> bool:
    return c is not None and not (isinstance(c, str) and not c.strip())


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = pd.Index([header_key(h) for h in frame.columns])
    keep = [c for c in frame.columns if c and not str(c).startswith("Unnamed")]
    out: pd.DataFrame = frame.loc[:, keep]
    return out


def _drop_empty(frame: pd.DataFrame) -> pd.DataFrame:
    cells = [text_column(frame, c) for c in frame.columns if c != ROW]
    if not cells:
        return frame.iloc[0:0]
    filled = np.zeros(len(frame), dtype=bool)
    for col in cells:
        filled |= col.notna().to_numpy()
    return frame.loc[filled].reset_index(drop=True)


def _one_table(path: str | Path) -> tuple[pd.DataFrame, Source]:
    frames = read_frames(path)
    if len(frames) > 1:
        raise DataError(
            Issue(
                f"the workbook has {len(frames)} sheets with data; keep one "
                "(or name the others starting with _)",
                file=str(path),
            )
        )
    return frames[0]


# --------------------------------------------------------------------------- loading


def load_people(
    cadres: str | Path, teams: str | Path | None = None, units: Collection[str] | None = None
) -> People:
    """Teams and cadres, from two files or from one workbook with sheets ``teams``/``领导班子``
    and ``cadres``/``干部``. All-or-nothing: every problem of both tables in one DataError."""
    if teams is None and Path(cadres).suffix.lower() in (".xlsx", ".xlsm"):
        sheets = {src.sheet: (f, src) for f, src in read_frames(cadres)}
        c = next((sheets[s] for s in CADRE_SHEETS if s in sheets), None)
        t = next((sheets[s] for s in TEAM_SHEETS if s in sheets), None)
        if c is None:
            raise DataError(
                Issue("the workbook has no sheet named cadres or 干部", file=str(cadres))
            )
        return build_people(
            c[0], t[0] if t else None, units, cadres_source=c[1], teams_source=t[1] if t else None
        )
    cf, cs = _one_table(cadres)
    tf, ts = _one_table(teams) if teams is not None else (None, None)
    return build_people(cf, tf, units, cadres_source=cs, teams_source=ts)


def load_ballots(
    path: str | Path,
    design: AppraisalDesign,
    subjects: Collection[str] | None = None,
    headcounts: Mapping[tuple[str, str], int] | None = None,
) -> Ballots:
    frame, source = _one_table(path)
    return build_ballots(frame, design, subjects, source, headcounts)


def load_checks(
    path: str | Path, design: ChecksDesign, cadre_units: Mapping[str, str]
) -> pd.DataFrame:
    frame, source = _one_table(path)
    return build_checks(frame, design, cadre_units, source)


def load_marks(
    path: str | Path, design: ArenaDesign, contestants: Collection[str] | None = None
) -> pd.DataFrame:
    frame, source = _one_table(path)
    return build_marks(frame, design, contestants, source)


def load_scores(
    path: str | Path, design: GradingDesign, people: People
) -> tuple[str, pd.DataFrame]:
    """Other components of the annual grade (e.g. the office's assessment): (kind, the numbers
    indexed by subject id), checked by :func:`~kaohe.cadres.assessment.build_scores`."""
    frame, source = _one_table(path)
    return build_scores(frame, design, people, source)


def load_design(path: str | Path, kind: type[D]) -> D:
    """A design from YAML; SchemeError with every problem at its line."""
    return _design(*read_yaml(Path(path)), kind)


def parse_design(text: str, kind: type[D], name: str) -> D:
    """A design from YAML text (e.g. stored by the platform); errors as ``load_design``'s."""
    return _design(*load_yaml(text, name), kind)


def _design(raw: Any, lines: LineMap, issues: list[Issue], kind: type[D]) -> D:
    if raw is None and issues:
        raise SchemeError(issues)
    try:
        design = build_design(kind, raw)
    except SchemeError as exc:
        issues += [lines.locate(i) for i in exc.issues]
    if issues:
        raise SchemeError(sorted(issues, key=lambda i: i.line or 0))
    return design


# --------------------------------------------------------------------------- writing


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as written: headers ``label [key]``, every text cell made inert."""
    out = frame.drop(columns=[c for c in frame.columns if c == ROW])
    out.columns = pd.Index([f"{LABELS[c]} [{c}]" if c in LABELS else c for c in out.columns])
    return safe_frame(out)


def people_frames(people: People) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(teams, cadres) as written to files: dates as ``YYYY-MM-DD``, status as its Chinese name."""
    cadres = people.cadres.copy()
    for col in ("status_start", "status_end"):
        cadres[col] = cadres[col].dt.strftime("%Y-%m-%d")
    cadres["status"] = cadres["status"].map({k: zh for k, (zh, _) in STATUSES.items()})
    return people.teams[list(TEAM_COLUMNS)], cadres[list(CADRE_COLUMNS)]


def write_people(people: People, path: str | Path) -> Path:
    """One workbook with sheets ``teams`` and ``cadres`` (readable again by load_people)."""
    teams, cadres = people_frames(people)
    return write_workbook({"teams": teams, "cadres": cadres}, path)


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Tables to an .xlsx workbook (headers ``label [key]``, frozen header row), atomically."""
    path = Path(path)
    with atomic_file(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for name, frame in sheets.items():
            _labelled(frame).to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in list(col)[:200])
                ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width + 2))
    return path


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """A table to CSV (UTF-8 with a byte-order mark, for Excel) or .xlsx, by the file's suffix."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return write_workbook({"data": frame}, path)
    with atomic_file(path) as tmp:
        _labelled(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def write_grades(grades: AnnualGrades, path: str | Path) -> Path:
    """Annual grades with the explanation of every person (CSV or .xlsx)."""
    return write_table(grades_for_export(grades), path)


def grades_for_export(grades: AnnualGrades) -> pd.DataFrame:
    """The grades table as the files write it: the place is the one in the unit, or in the
    quota's pool when the quota is pooled (the table then has the column ``pool``)."""
    table = grades.table
    place = "position_in_pool" if "pool" in table.columns else "position_in_unit"
    return table.rename(columns={"position": place})

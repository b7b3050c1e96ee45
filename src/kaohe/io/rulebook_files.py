"""Reading a rulebook from YAML (every error located at a line) and writing its decisions.

``write_decisions`` writes, all or nothing, into one folder:

* ``decisions.csv`` — every decision, one row each (columns: :data:`DECISION_COLUMNS`);
* ``public.csv`` — the same, only the rules marked ``public: true`` (for the public board);
* ``decisions.xlsx`` — a summary sheet of the rules, then one sheet per rule.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from kaohe.i18n import lang
from kaohe.i18n import language as in_language
from kaohe.io.atomic import atomic_dir
from kaohe.io.cells import safe_row
from kaohe.io.yamlfile import LineMap, load_yaml, read_yaml
from kaohe.rulebook.decisions import DECISION_COLUMNS, Decisions, decision_row, decision_rows
from kaohe.rulebook.model import Rulebook, RulebookError, build_rulebook

OUTPUT_FILES = ("decisions.csv", "public.csv", "decisions.xlsx")

HEADERS: dict[str, tuple[str, str]] = {
    "rule": ("规则", "Rule"),
    "type": ("规则类型", "Rule type"),
    "subject_kind": ("对象类型", "Subject kind"),
    "subject": ("对象编号", "Subject"),
    "name": ("名称", "Name"),
    "unit": ("所在单位", "Unit"),
    "action": ("决定", "Decision"),
    "value": ("数值", "Value"),
    "inputs": ("依据", "Inputs"),
    "explanation": ("说明", "Explanation"),
    "public": ("公开", "Public"),
    "count": ("决定数", "Decisions"),
    "summary": ("规则一览", "Rules"),
    "description": ("说明", "Description"),
}


def load_rulebook(path: str | Path) -> Rulebook:
    """Read and validate a rulebook file.

    Raises :class:`RulebookError` whose issues read like
    ``rulebook.yaml:12: rules.quota.total: total must be ≥ 0, got -3``.
    """
    path = Path(path)
    raw, lines, issues = read_yaml(path)
    return _validate(raw, lines, issues)


def parse_rulebook_text(text: str, name: str = "rulebook.yaml") -> Rulebook:
    """Validate a rulebook given as YAML text (e.g. stored by the platform); errors as above."""
    raw, lines, issues = load_yaml(text, name)
    return _validate(raw, lines, issues)


def _validate(raw: Any, lines: LineMap, issues: list[Any]) -> Rulebook:
    if raw is None and issues:
        raise RulebookError(issues)
    try:
        book = build_rulebook(raw)
    except RulebookError as exc:
        issues = issues + [lines.locate(i) for i in exc.issues]
    if issues:
        raise RulebookError(sorted(issues, key=lambda i: i.line or 0))
    return book.with_source(lines)


# --------------------------------------------------------------------------- decisions


def write_decisions(decisions: Decisions, out: str | Path, language: str | None = None) -> Path:
    """Write ``decisions.csv``, ``public.csv`` and ``decisions.xlsx`` into the folder ``out``
    atomically (explanations in ``language``: ``zh`` or ``en``; default the one in force)."""
    out = Path(out)
    with in_language(language), atomic_dir(out, OUTPUT_FILES) as tmp:
        write_csv(decisions, tmp / "decisions.csv")
        write_csv(decisions.public(), tmp / "public.csv")
        write_xlsx(decisions, tmp / "decisions.xlsx")
    return out


def write_csv(decisions: Decisions, path: Path) -> None:
    """Every decision, one row each; floats in full precision, explanations in the language in
    force."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(safe_row(DECISION_COLUMNS))
        for row in decision_rows(decisions):
            w.writerow(safe_row("" if v is None else v for v in row))


def _h(key: str) -> str:
    zh, en = HEADERS[key]
    return en if lang() == "en" else zh


def write_xlsx(decisions: Decisions, path: Path) -> None:
    """A summary sheet, then one sheet per rule (titled by the rule's name, made unique)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    summary = wb.create_sheet(_h("summary"))
    summary.append(safe_row(_h(k) for k in ("rule", "name", "type", "public", "count")))
    for o in decisions.outcomes:
        summary.append(safe_row([o.rule, o.name, o.type, o.public, len(o)]))
    used: set[str] = {_h("summary")}
    columns = DECISION_COLUMNS[2:]  # rule and type: the sheet's
    for o in decisions.outcomes:
        ws = wb.create_sheet(_sheet_title(o.name or o.rule, used))
        ws.append(safe_row(_h(c) for c in columns))
        for d in o.decisions:
            ws.append(safe_row(decision_row(o, d)[2:]))
    wb.save(path)


def _sheet_title(name: str, used: set[str]) -> str:
    bad = set("[]:*?/\\")
    base = "".join("_" if ch in bad else ch for ch in name)[:31] or "rule"
    title, k = base, 2
    while title.lower() in {u.lower() for u in used}:
        suffix = f" ({k})"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(title)
    return title


# --------------------------------------------------------------------------- inputs


def read_results_table(path: str | Path) -> Any:
    """A results table from a ``results.csv`` (as ``kaohe run`` writes it), checked as the
    rulebook reads it; problems raise :class:`kaohe.errors.DataError` naming the file."""
    from kaohe.errors import DataError, Issue

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(Issue(f"not a results CSV: {exc}", file=str(path))) from None
    return parse_results_table(text, str(path))


def parse_results_table(text: str, name: str = "results.csv") -> Any:
    """A results table from the text of a ``results.csv`` named ``name`` (e.g. one kept by the
    platform), checked as the rulebook reads it."""
    import io

    import pandas as pd

    from kaohe.errors import DataError, Issue
    from kaohe.rulebook.inputs import unit_table

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(Issue(f"not a results CSV: {exc}", file=name)) from None
    try:
        unit_table(frame, "results")
    except DataError as exc:
        raise DataError([i.located(file=name) for i in exc.issues]) from None
    return frame.set_index("unit")


def read_people_table(path: str | Path) -> Any:
    """A grade-history or promotions table (CSV or .xlsx, headers ``key`` or ``label [key]``)
    as text cells."""
    from kaohe.cadres.frames import ROW
    from kaohe.io.cadre_files import read_frames

    frame, _ = read_frames(Path(path))[0]
    return frame.drop(columns=[ROW]).replace("", None)

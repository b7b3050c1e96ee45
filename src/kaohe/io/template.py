"""The data-entry workbook of a scheme: one sheet per owner department with only its indicators.

Each sheet lists the units as rows and the department's indicators as columns; headers carry the
indicator's name, unit of measure and id (``地区生产总值增速（%） [gdp_growth]``), so the filled
workbook reads back with :func:`kaohe.io.data_files.load_data` as it is. Cells get Excel data
validation (number ranges, whole counts, 是/否 for vetoes); cells of indicators that do not apply
to a unit's category are greyed out and must stay empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kaohe.i18n import t
from kaohe.io.atomic import atomic_file
from kaohe.io.cells import safe_row
from kaohe.scheme import Indicator, Scheme

NO_OWNER = "_none"


def template_columns(scheme: Scheme, iid: str) -> list[tuple[str, str]]:
    """(header, kind) of every column an indicator takes: its value or items, and a note."""
    ind = scheme.indicators[iid]
    uom = f"（{ind.unit_of_measure}）" if ind.unit_of_measure else ""
    items = ind.rule.item_points()
    cols: list[tuple[str, str]] = []
    if items is None:
        kind = "veto" if ind.rule.type == "veto" else "number"
        cols.append((f"{ind.name}{uom} [{iid}]", kind))
    else:
        for item in items:
            cols.append((f"{ind.name}·{item} [{iid}:{item}]", "count"))
    if ind.rule.type in ("judgement", "bonus_items", "count_deduction"):
        cols.append((f"{ind.name}·{t('note', 'zh')} [{iid}:note]", "note"))
    return cols


def departments(scheme: Scheme) -> dict[str, list[str]]:
    """Indicator ids by owner department, in scheme order (unowned ones last): the ones
    people enter — an indicator counted from a ledger (``derive``) is nobody's to type."""
    out: dict[str, list[str]] = {d: [] for d in scheme.departments}
    for iid, ind in scheme.indicators.items():
        if ind.derive is None:
            out.setdefault(ind.owner or NO_OWNER, []).append(iid)
    return {d: v for d, v in out.items() if v}


def write_template(scheme: Scheme, path: str | Path) -> Path:
    from openpyxl import Workbook

    path = Path(path)
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "说明"
    _instructions(first, scheme)
    for dep, iids in departments(scheme).items():
        title = scheme.departments[dep].name if dep in scheme.departments else "未指定部门"
        _department_sheet(wb.create_sheet(_safe_title(title)), scheme, iids)
    with atomic_file(path) as tmp:
        wb.save(tmp)
    return path


def _safe_title(name: str) -> str:
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]


def _department_sheet(ws: Any, scheme: Scheme, iids: list[str]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    heads = ["考核对象 [unit]", "名称 [name]", "类别 [category]"]
    kinds: list[tuple[str, str]] = []
    for iid in iids:
        for head, kind in template_columns(scheme, iid):
            heads.append(head)
            kinds.append((iid, kind))
    ws.append(safe_row(heads))
    for c in range(1, len(heads) + 1):
        cell = ws.cell(row=1, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = 16 if c > 3 else 12
    ws.row_dimensions[1].height = 48
    for k, (iid, _) in enumerate(kinds):
        ind = scheme.indicators[iid]
        ws.cell(row=1, column=4 + k).comment = Comment(_describe(scheme, ind), "kaohe")
    units = list(scheme.units.items())
    for uid, unit in units:
        ws.append(safe_row([uid, unit.name, scheme.categories[unit.category].name]))
    grey = PatternFill("solid", fgColor="BFBFBF")
    last = len(units) + 1
    for k, (iid, kind) in enumerate(kinds):
        col = get_column_letter(4 + k)
        ind = scheme.indicators[iid]
        rows = [r for r, (_, u) in enumerate(units, start=2) if ind.applies_to(u.category)]
        dv = _validation(ind, kind, f"{col}{rows[0]}") if rows else None
        if dv is not None:
            ws.add_data_validation(dv)
        for r, (_, unit) in enumerate(units, start=2):
            if ind.applies_to(unit.category):
                if dv is not None:
                    dv.add(f"{col}{r}")
            else:
                ws[f"{col}{r}"].fill = grey
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{last}"


def _validation(ind: Indicator, kind: str, anchor: str) -> Any:
    """Excel validation for one column; ``anchor`` is its first validated cell (e.g. ``D3``)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if kind == "note":
        return None
    if kind == "veto":
        dv = DataValidation(type="list", formula1='"否,是"', allow_blank=True)
        dv.error = "请选择 是 或 否"
    elif kind == "count":
        dv = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        dv.error = "请填写不小于 0 的整数（次数/项数）"
    else:
        lo, hi = ind.range if ind.range is not None else (None, None)
        if ind.rule.type == "judgement":
            lo = 0.0 if lo is None else lo
        # a number in range, or N/A / 不适用 (not applicable): a custom formula, relative to
        # the anchor cell, since Excel's decimal validation would refuse the text
        tests = [f"ISNUMBER({anchor})"]
        if lo is not None:
            tests.append(f"{anchor}>={lo:g}")
        if hi is not None:
            tests.append(f"{anchor}<={hi:g}")
        number = f"AND({','.join(tests)})" if len(tests) > 1 else tests[0]
        formula = f'OR({number},{anchor}="N/A",{anchor}="不适用")'
        dv = DataValidation(type="custom", formula1=formula, allow_blank=True)
        dv.error = f"请填写数值{_range_text(lo, hi)}；不适用请填 N/A"
    dv.errorTitle = "数据不符合要求"
    dv.showErrorMessage = True
    return dv


def _range_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"，范围 {lo:g} 至 {hi:g}"
    if lo is not None:
        return f"，不小于 {lo:g}"
    if hi is not None:
        return f"，不大于 {hi:g}"
    return ""


def _describe(scheme: Scheme, ind: Indicator) -> str:
    parts = [ind.name]
    if ind.unit_of_measure:
        parts.append(f"计量单位：{ind.unit_of_measure}")
    parts.append("越高越好" if ind.direction == "higher" else "越低越好")
    if ind.range is not None:
        lo, hi = ind.range
        parts.append(f"范围：{'' if lo is None else f'{lo:g}'} ~ {'' if hi is None else f'{hi:g}'}")
    if ind.rule.type == "judgement":
        parts.append("填写扣分分值，扣分须在备注列说明理由；不扣分留空")
    if ind.rule.type == "veto":
        parts.append("触发否决填“是”，否则填“否”或留空")
    if ind.description:
        parts.append(ind.description)
    return "\n".join(parts)


def _instructions(ws: Any, scheme: Scheme) -> None:
    from openpyxl.styles import Font

    ws.append(safe_row([f"{scheme.name} — 数据填报模板"]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    for line in (
        "1. 每个牵头部门一张工作表，只列本部门负责的指标；每行一个考核对象。",
        "2. 填写数值本身，不要带单位或百分号（计量单位见表头）。",
        "3. 灰色单元格表示该指标不适用于该类别，请保持空白；确不适用可填 N/A（不适用）。",
        "4. 否决项填“是/否”；计次类指标填整数次数；评价类指标填扣分值并在备注列写明理由。",
        "5. 请勿修改表头方括号中的代码，它用于识别指标。本工作表不会被读取。",
    ):
        ws.append([line])
    ws.append([])
    ws.append(["指标代码", "指标名称", "计量单位", "方向", "牵头部门", "适用类别", "说明"])
    for c in range(1, 8):
        ws.cell(row=ws.max_row, column=c).font = Font(bold=True)
    for iid, ind in scheme.indicators.items():
        cats = "、".join(c.name for cid, c in scheme.categories.items() if ind.applies_to(cid))
        owner = scheme.departments[ind.owner].name if ind.owner in scheme.departments else ""
        ws.append(
            safe_row(
                [
                    iid,
                    ind.name,
                    ind.unit_of_measure,
                    "越高越好" if ind.direction == "higher" else "越低越好",
                    owner,
                    cats,
                    ind.description,
                ]
            )
        )
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["F"].width = 30
    ws.column_dimensions["G"].width = 50

"""Small schemes and file writers shared by the tests of the file edges (scheme, data, CLI)."""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from kaohe.errors import DataError, Issue, SchemeError

#: The minimal scheme of docs/scheme.md, verbatim.
MINIMAL = """\
name: 示例考核方案
categories:
  development: {name: 重点开发区, full_marks: 100}
  ecology: {name: 重点生态功能区, full_marks: 100}
units:
  jining: {name: 集宁区, category: development}
  siziwang: {name: 四子王旗, category: ecology}
dimensions:
  economy: {name: 经济发展}
indicators:
  gdp_growth:
    name: 地区生产总值增速
    parent: economy
    unit_of_measure: "%"
    weights: {development: 60, ecology: 30}   # 分值 by category
    target: 6.5
    rule: {type: linear, below_rate: 2, above_rate: 1, bonus_max: 5}
  forest_cover:
    name: 森林覆盖率
    parent: economy
    weights: {development: 40, ecology: 70}
    target: {default: 20, ecology: 25}
    rule: {type: proportional}
grading:
  grades:
    - {id: excellent, name: 优秀, quota: {share: 0.3}, min_score: 90}
    - {id: good, name: 良好}
"""

#: A scheme exercising every kind of data cell: numbers with a range, an indicator for one
#: category only, owner departments, a judgement, counted bonus and deduction items, a veto.
DATA_SCHEME = """\
name: 数据测试方案
categories:
  development: {name: 重点开发区}
  ecology: {name: 重点生态功能区}
departments:
  stats: {name: 市统计局}
  forestry: {name: 市林草局}
  office: {name: 考核办}
units:
  jining: {name: 集宁区, category: development}
  fengzhen: {name: 丰镇市, category: development}
  siziwang: {name: 四子王旗, category: ecology}
  zhuozi: {name: 卓资县, category: ecology}
dimensions:
  economy: {name: 经济发展}
  green: {name: 生态环境}
  work: {name: 工作评价}
  extra: {name: 加减分}
indicators:
  gdp_growth:
    name: 地区生产总值增速
    parent: economy
    owner: stats
    unit_of_measure: "%"
    range: [-50, 50]
    weights: {development: 60, ecology: 30}
    target: 6.5
    rule: {type: linear, below_rate: 2, above_rate: 1, bonus_max: 5}
  industry:
    name: 工业增加值
    parent: economy
    owner: stats
    unit_of_measure: 亿元
    weights: {development: 20}
    target: 100
    rule: {type: proportional}
  forest_cover:
    name: 森林覆盖率
    parent: green
    owner: forestry
    unit_of_measure: "%"
    range: [0, 100]
    weights: {development: 10, ecology: 60}
    target: {default: 20, ecology: 25}
    rule: {type: proportional}
  work_eval:
    name: 工作评价
    parent: work
    owner: office
    weights: 10
    rule: {type: judgement}
  awards:
    name: 表彰奖励
    parent: extra
    owner: office
    rule: {type: bonus_items, levels: {national: 3, city: 1}, evidence_required: true}
  incidents:
    name: 安全事故
    parent: extra
    owner: office
    rule: {type: count_deduction, levels: {warning: 2, criminal: 12}}
  safety_veto:
    name: 重大安全事故
    parent: extra
    owner: office
    rule: {type: veto, effect: void}
grading:
  grades:
    - {id: excellent, name: 优秀, quota: {count: 1}}
    - {id: good, name: 良好}
"""

#: Header and rows of a complete, valid wide data file for DATA_SCHEME.
GOOD_HEADER = [
    "unit",
    "gdp_growth",
    "industry",
    "forest_cover",
    "work_eval",
    "work_eval:note",
    "awards:national",
    "awards:city",
    "awards:note",
    "incidents:warning",
    "incidents:criminal",
    "safety_veto",
]
GOOD_ROWS: list[list[Any]] = [
    ["jining", 7.2, 120, 15, None, None, 1, None, "国务院表彰文件", None, None, "否"],
    ["fengzhen", 5.5, 90, 12, 2, "材料报送迟延", None, None, None, 1, None, None],
    ["siziwang", 4, None, 30, None, None, None, None, None, None, None, "否"],
    ["zhuozi", 3, None, 40, None, None, None, None, None, None, None, None],
]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based number of the line holding the nth occurrence of ``needle``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} (occurrence {nth}) is not in the text")


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def write_csv(
    path: Path,
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(["" if c is None else c for c in row])
    return path


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    """A workbook with one sheet per entry, rows written as given (the first is the header)."""
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def scheme_issues(tmp_path: Path, text: str, name: str = "scheme.yaml") -> list[Issue]:
    """Load ``text`` as a scheme file; it must fail. Return the issues."""
    from kaohe import load_scheme

    path = write_text(tmp_path / name, text)
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    return info.value.issues


def data_issues(scheme: Any, path: Path) -> list[Issue]:
    """Load a data file; it must fail. Return the issues."""
    from kaohe.io.data_files import load_data

    with pytest.raises(DataError) as info:
        load_data(scheme, path)
    return info.value.issues


def only(issues: Sequence[Issue]) -> Issue:
    assert len(issues) == 1, "\n".join(str(i) for i in issues)
    return issues[0]


def shown(issues: Sequence[Issue]) -> str:
    return "\n".join(str(i) for i in issues)

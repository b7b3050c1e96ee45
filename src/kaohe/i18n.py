"""Labels shown to people, in Chinese (default) and English.

Set ``KAOHE_LANG=en`` (or pass ``--lang en`` on the command line) for English.
"""

from __future__ import annotations

import os

LABELS: dict[str, tuple[str, str]] = {
    "unit": ("考核对象", "Unit"),
    "unit_id": ("编号", "Id"),
    "name": ("名称", "Name"),
    "category": ("类别", "Category"),
    "score": ("得分", "Score"),
    "full_marks": ("满分", "Full marks"),
    "share": ("得分率", "Share"),
    "rank_in_category": ("类别内排名", "Rank in category"),
    "rank": ("总排名", "Overall rank"),
    "grade": ("等次", "Grade"),
    "grade_id": ("等次代码", "Grade id"),
    "vetoed": ("否决项", "Vetoes"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "target": ("目标值", "Target"),
    "rule": ("评分规则", "Rule"),
    "arithmetic": ("计算过程", "Arithmetic"),
    "points": ("得分", "Points"),
    "flags": ("标记", "Flags"),
    "dimension": ("维度", "Dimension"),
    "subtotal": ("小计", "Subtotal"),
    "all_units": ("总表", "All units"),
    "indicator_points": ("指标得分", "Indicator points"),
    "notes": ("说明", "Notes"),
    "results_title": ("考核结果", "Assessment results"),
    "grade_decision": ("等次评定", "Grade decision"),
    "unit_of_measure": ("计量单位", "Unit of measure"),
    "owner": ("牵头部门", "Owner department"),
    "direction": ("方向", "Direction"),
    "higher": ("越高越好", "higher is better"),
    "lower": ("越低越好", "lower is better"),
    "range": ("取值范围", "Range"),
    "note": ("备注", "Note"),
    "source": ("数据来源", "Source"),
    "errors_found": ("发现 {n} 个问题：", "{n} problem(s) found:"),
    "warnings_found": ("{n} 条提示：", "{n} warning(s):"),
    "scheme_ok": (
        "考核方案有效：{units} 个考核对象，{categories} 个类别，{indicators} 项指标",
        "Scheme is valid: {units} units, {categories} categories, {indicators} indicators",
    ),
    "data_ok": ("数据有效：{cells} 个数据单元", "Data are valid: {cells} cells"),
    "written": ("结果已写入 {path}", "Results written to {path}"),
    "template_written": ("填报模板已写入 {path}", "Data-entry template written to {path}"),
    "void": ("（得分无效）", " (score void)"),
    "instructions": ("填报说明", "Instructions"),
}


def lang() -> str:
    value = os.environ.get("KAOHE_LANG", "zh").lower()
    return "en" if value.startswith("en") else "zh"


def t(key: str, language: str | None = None, **fmt: object) -> str:
    zh, en = LABELS[key]
    text = en if (language or lang()) == "en" else zh
    return text.format(**fmt) if fmt else text

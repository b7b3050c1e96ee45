"""Reading monitoring data from files: every form of a period, every bad cell located, in
Chinese and English, and nothing half-read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from kaohe.errors import DataError
from kaohe.i18n import language
from kaohe.io.series_files import load_series, period_index, period_keys
from kaohe.monitoring.plan import MonitorPlan

from .helpers import plan

QUARTERLY_FAI = {
    "indicators": {
        "revenue": {"kind": "cumulative"},
        "fai": {
            "indicator": "growth",
            "name": "固定资产投资额（累计）",
            "kind": "cumulative",
            "compare": "growth",
            "periods": ["2022-03", "2022-06", "2022-09", "2022-12"],
            "threshold": "g",
        },
    },
    "thresholds": {"g": {"measure": "gap"}},
}


def _csv(tmp_path: Path, text: str, name: str = "series.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _errors(p: MonitorPlan, path: Path, lang: str, year_shift: int = 0) -> list[str]:
    with language(lang), pytest.raises(DataError) as err:
        load_series(p, path, year_shift)
    return [str(i) for i in err.value.issues]


def test_every_form_of_a_period_reads() -> None:
    keys = period_keys(plan().calendar)
    for text in ("2022-03", "2022-3", "202203", "2022年3月", "3月", "mar", "2022/03", "2022-03-31"):
        assert keys[text] == 2, text
    last_year = period_keys(plan().calendar, 1)
    assert last_year["2021-03"] == 2
    assert last_year["3月"] == 2
    assert "2022-03" not in last_year


def test_a_good_file_reads_with_names_and_dates(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "考核对象,指标,监测期,数值,报送日期\n"
        "甲县,一般公共预算收入,2022年1月,10,2022-02-08\n"
        "a,revenue,2022-02-28,22,\n"
        "乙县,revenue,1月,N/A,\n"
        "丙县,revenue,2022-01,,\n",
    )
    series, warnings = load_series(plan(QUARTERLY_FAI), path)
    assert warnings == []
    assert series.values[0, 0, :2].tolist() == [10.0, 22.0]
    assert str(series.reported[0, 0, 0]) == "2022-02-08"
    assert series.status[0, 1, 0] == 2  # not applicable
    assert series.status[0, 2, 0] == 1  # an empty value is no value
    assert series.sources[("revenue", "a", "2022-02")].row == 3


def test_an_excel_workbook_with_date_cells(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "调度"
    ws.append(["单位名称 [unit]", "指标", "period", "value"])
    ws.append(["甲县", "fai", dt.datetime(2022, 3, 1), 120.5])
    ws.append(["乙县", "固定资产投资额（累计）", dt.date(2022, 6, 30), 80])
    notes = wb.create_sheet("说明")
    notes.append(["这张表不读"])
    path = tmp_path / "series.xlsx"
    wb.save(path)
    series, _ = load_series(plan(QUARTERLY_FAI), path)
    assert series.values[1, 0, 2] == 120.5
    assert series.values[1, 1, 5] == 80.0


def test_every_bad_cell_is_located_in_both_languages(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "unit,indicator,period,value\n"
        "a,revenue,2022-01,10\n"  # 2: good
        "a,revenue,2022-13,11\n"  # 3: undeclared period
        "a,revenue,2022-01,10\n"  # 4: entered twice
        "戊县,revenue,2022-01,3\n"  # 5: unknown unit
        "b,revenu,2022-01,3\n"  # 6: unknown indicator
        "b,revenue,2022-02,12；3\n"  # 7: text in a number cell
        "b,fai,2022-02,40\n"  # 8: not dispatched in February
        "c,revenue,2022-01,5%\n",  # 9: a percent sign
    )
    p = plan(QUARTERLY_FAI)
    zh = _errors(p, path, "zh")
    assert zh == [
        f"{path} row 3, column C (period): 未声明的监测期 2022-13；已声明：2022-01, 2022-02, "
        "2022-03, 2022-04 … 2022-12（写编号如 2022-01，或日期）",
        f"{path} row 4, column D (value): a / revenue / 2022-01 填了两次；第一次在 row 2, "
        "column D (value)",
        f"{path} row 5, column A (unit): 未知的考核对象 戊县",
        f"{path} row 6, column B (indicator): 未调度的指标 revenu（是否应为 revenue？）；"
        "调度的指标：revenue, fai",
        f"{path} row 7, column D (value): 数值单元格中不是数字：12；3",
        f"{path} row 8, column C (period): 固定资产投资额（累计） 在2月不调度（调度期：2022-03, "
        "2022-06, 2022-09, 2022-12）",
        f"{path} row 9, column D (value): 数值单元格中不是数字：5%（不写 %，单位见方案）",
    ]
    en = _errors(p, path, "en")
    assert en[0].endswith(
        "undeclared monitoring period '2022-13'; declared: 2022-01, 2022-02, 2022-03, 2022-04 … "
        "2022-12 (write an id such as 2022-01, or a date)"
    )
    assert en[1].endswith(
        "a / revenue / 2022-01 is entered twice; the first is at row 2, column D (value)"
    )
    assert en[3].endswith(
        "indicator 'revenu' is not dispatched (did you mean 'revenue'?); dispatched: revenue, fai"
    )
    assert en[5].endswith(
        "固定资产投资额（累计） is not dispatched in Feb (dispatched in: 2022-03, 2022-06, "
        "2022-09, 2022-12)"
    )


def test_the_headers_are_checked(tmp_path: Path) -> None:
    missing = _csv(tmp_path, "unit,indicator,value\na,revenue,1\n")
    assert _errors(plan(), missing, "zh") == [
        f"{missing} row 1: 监测数据表需要 unit（考核对象）、indicator（指标）、period（监测期）"
        "和 value（数值）四列，缺少：period"
    ]
    unknown = _csv(tmp_path, "unit,indicator,period,value,remark\na,revenue,2022-01,1,x\n", "b.csv")
    assert "unknown column 'remark'" in _errors(plan(), unknown, "en")[0]
    empty = _csv(tmp_path, "unit,indicator,period,value\n", "c.csv")
    assert _errors(plan(), empty, "en") == [f"{empty}: the file has no rows of monitoring data"]


def test_last_years_file_names_last_years_periods(tmp_path: Path) -> None:
    p = plan()
    good = _csv(tmp_path, "unit,indicator,period,value\na,revenue,2021-03,30\nb,revenue,3月,20\n")
    series, _ = load_series(p, good, year_shift=1)
    assert series.values[0, 0, 2] == 30.0
    assert series.values[0, 1, 2] == 20.0
    wrong = _csv(tmp_path, "unit,indicator,period,value\na,revenue,2022-03,30\n", "w.csv")
    assert "(write an id such as 2021-01, or a date)" in _errors(p, wrong, "en", 1)[0]


def test_a_value_outside_the_declared_range(tmp_path: Path) -> None:
    p = plan({"indicators": {"revenue": {"kind": "cumulative", "range": [0, 500]}}})
    path = _csv(tmp_path, "unit,indicator,period,value\na,revenue,2022-01,-3\n")
    assert _errors(p, path, "en") == [
        f"{path} row 2, column D (value): -3 is outside the range [0, 500] declared for "
        "一般公共预算收入"
    ]


def test_a_value_for_a_unit_it_does_not_apply_to_is_a_warning(tmp_path: Path) -> None:
    from .helpers import BASE

    inds = {k: dict(v) for k, v in BASE["indicators"].items()}
    inds["revenue"]["weights"] = {"dev": 60}
    inds["growth"]["weights"] = {"dev": 40, "eco": 100}
    p = plan({"indicators": {"revenue": {"kind": "cumulative"}}}, indicators=inds)
    path = _csv(tmp_path, "unit,indicator,period,value\nc,revenue,2022-01,3\na,revenue,2022-01,4\n")
    with language("zh"):
        series, warnings = load_series(p, path)
    assert [str(w) for w in warnings] == [
        f"{path} row 2, column D (value): 一般公共预算收入 不适用于生态区，该值不计"
    ]
    assert series.present.sum() == 1


def test_the_period_option() -> None:
    p = plan()
    assert period_index(p, "2022-06") == 5
    assert period_index(p, "6月") == 5
    with language("en"), pytest.raises(DataError, match="unknown period '13月'"):
        period_index(p, "13月")

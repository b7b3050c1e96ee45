"""Write the ILLUSTRATIVE data of the Ulanqab example: data.xlsx and data.csv.

Every unit-level number here is made up (plausible, not official). The workbook is created by
Kaohe's own template writer — one sheet per owner department, units as rows — and then filled
cell by cell with openpyxl, so the example exercises the template round trip. data.csv holds the
same values as one wide table whose headers are indicator ids (``awards:国家级``,
``peace_building:note``, …).

Run from the repository root (deterministic: the same files every time, up to the workbook's
timestamps)::

    .venv/bin/python examples/ulanqab/make_data.py
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import load_workbook

from kaohe.dataset import header_key
from kaohe.io.scheme_file import load_scheme
from kaohe.io.template import write_template

HERE = Path(__file__).resolve().parent
SCHEME = HERE / "scheme.yaml"
XLSX = HERE / "data.xlsx"
CSV = HERE / "data.csv"
PANEL = HERE / "panel.csv"
PANEL_YEARS = (2020, 2021, 2022)
SEED = 20221231

U = (
    "jining",
    "fengzhen",
    "zhuozi",
    "chayouqian",
    "huade",
    "shangdu",
    "xinghe",
    "liangcheng",
    "chayouzhong",
    "chayouhou",
    "siziwang",
)


def _row(*values: float | str | None) -> dict[str, float | str | None]:
    """Values in the order of ``U`` (None: the indicator does not apply, or no value)."""
    assert len(values) == len(U)
    return dict(zip(U, values, strict=True))


# Central values by indicator, in the order of U:
#   jining fengzhen zhuozi chayouqian | huade shangdu xinghe liangcheng | zhong hou siziwang
# with (noise sd, decimals). sd 0 keeps a value exactly as designed (targets met or not, gates).
CENTRES: dict[str, tuple[dict[str, Any], float, int]] = {
    "gdp_growth": (_row(6.3, 7.2, 5.9, 6.6, 5.2, 4.6, 6.4, 6.9, 4.5, 5.9, 5.6), 0.15, 1),
    "industry_growth": (_row(9.5, 14.0, 10.5, 11.5, 7.5, 6.0, 12.0, 10.5, 5.0, 9.0, 13.0), 0.5, 1),
    "fai_growth": (_row(22, 35, 13.5, 28, 9, 10.5, 25, 30, 9.2, 18, 41), 1.0, 1),
    "budget_revenue": (
        _row(11.5, 9.45, 4.15, 6.2, 2.8, 3.1, 3.7, 4.05, 2.5, 3.2, 3.45),
        0.0,
        2,
    ),
    "urban_income_growth": (_row(5.6, 5.9, 4.6, 5.3, 4.8, 4.4, 5.2, 5.5, 4.5, 5.0, 5.4), 0.15, 1),
    "rural_income_growth": (_row(7.1, 7.4, 7.0, 7.6, 6.6, 6.8, 7.2, 7.5, 6.4, 7.0, 7.3), 0.1, 1),
    "project_start_rate": (
        _row(100, 100, 96.0, 100, 100, 94.5, 100, 100, 92.0, 100, 100),
        0.0,
        1,
    ),
    "reserve_projects": (_row(180, 150, 70, 130, 45, 60, 75, 80, 50, 65, 90), 4.0, 0),
    "signed_projects": (_row(78, 70, 55, 60, 25, 28, 38, 42, 20, 30, 45), 0.0, 0),
    "funds_in_place": (_row(52, 61, 18, 40, 9.5, 12, 21, 17, 7.5, 14, 26), 1.0, 1),
    "online_rate": (_row(81, 79, 74, 74, 70, 70, 77, 73, 74, 75, 72), 0.8, 1),
    "cross_region": (
        _row(5200, 3100, 1200, 2600, 800, 950, 1700, 1500, 700, 1100, 1300),
        60.0,
        0,
    ),
    # 卓资县 was not in this year's third-party sample: missing → peer average (see scheme)
    "business_env": (_row(88, 86, None, 82, 76, 76, 83, 86, 80, 81, 79), 1.0, 1),
    "petition_resolution": (_row(95, 96, 93, 96, 90, 90, 97, 94, 91, 95, 92), 0.5, 1),
    "petition_rate": (_row(9.5, 7.0, 6.0, 5.2, 5.8, 7.5, 3.9, 4.6, 6.8, 4.1, 5.0), 0.2, 1),
    "grid_coverage": (_row(100, 98.5, 96.0, 97.0, 96.0, 95.5, 100, 99.0, 90.0, 96.5, 95.0), 0.0, 1),
    "deliberation": (_row(36, 24, 9, 15, 8, 10, 14, 12, 5, 11, 7), 0.0, 0),
    "vegetation_cover": (
        _row(22.5, 27.0, 41.0, 29.0, 31.0, 33.0, 38.0, 44.0, 34.0, 37.0, 30.0),
        0.3,
        1,
    ),
    "afforestation": (_row(1.5, 4.3, 7.0, 5.6, 5.2, 6.1, 6.3, 7.0, 11.0, 11.5, 19.0), 0.1, 1),
    "pm25": (_row(27, 28, 20, 25, 19, 21, 24, 20, 18, 17, 16), 0.5, 0),
    "good_air_days": (
        _row(86.5, 84.0, 90.5, 88.0, 92.3, 91.0, 89.0, 93.2, 94.0, 95.1, 96.2),
        0.3,
        1,
    ),
    # share of monitored river sections; 商都县 has no monitored section here: N/A → renormalise
    "water_quality": (
        _row(66.7, 75.0, 100, 80.0, 75.0, "N/A", 100, 83.3, 70.0, 100, 100),
        0.0,
        1,
    ),
    "energy_intensity": (
        _row(0.60, 3.88, 1.42, 2.05, 1.03, 0.90, 1.90, 1.26, 0.97, 1.58, 0.69),
        0.0,
        2,
    ),
    "grain_output": (
        _row(None, None, None, None, 10.2, 34.1, 18.6, 15.8, 12.9, 11.4, 25.3),
        0.0,
        1,
    ),
    "livestock": (_row(None, None, None, None, 2.5, 4.1, 6.3, 8.2, 1.2, 3.8, 5.5), 0.2, 1),
    "agri_processing": (_row(None, None, None, None, 58, 61, 67, 71, None, None, None), 0.5, 1),
    "cadre_training": (_row(100, 100, 95, 100, 96, 96, 100, 100, 94, 100, 98), 0.0, 0),
    "arena_contest": (_row(91, 86, 84, 88, 80, 76, 89, 92, 77, 85, 84), 1.0, 1),
}

# Judgement items: points deducted, with the reason (reasons are required).
DEDUCTIONS: dict[str, dict[str, tuple[float, str]]] = {
    "peace_building": {
        "shangdu": (1.5, "矛盾纠纷排查化解不到位，发生集体进京访 1 起（示例）"),
        "zhuozi": (1.0, "群众安全感满意度测评排名同类末位（示例）"),
    },
    "grassland_balance": {
        "chayouzhong": (1.5, "禁牧休牧期间查实偷牧问题 3 起，整改不及时（示例）"),
    },
    "party_building": {
        "shangdu": (2.0, "“亮晒比”行动推进迟缓，3 个嘎查村未完成承诺公示（示例）"),
        "chayouzhong": (1.0, "软弱涣散村党组织整顿未按期销号 1 个（示例）"),
    },
}

# Bonus items by level, with their evidence (evidence is required by the scheme).
AWARDS: dict[str, tuple[dict[str, int], str]] = {
    "chayouqian": ({"国家级": 1}, "入选全国首批农业现代化示范区（示例）"),
    "xinghe": ({"国家级": 1}, "平安中国建设示范县（示例）"),
    "fengzhen": (
        {"自治区级": 1, "市级": 1},
        "合金新材料产业园自治区级评价优秀；市级表彰 1 项（示例）",
    ),
    "siziwang": ({"自治区级": 1}, "自治区全域旅游示范区创建单位（示例）"),
    "jining": ({"市级": 2}, "白海子镇基层治理、党群服务中心标准化建设获市级表彰 2 项（示例）"),
    "liangcheng": (
        {"国家级": 1, "自治区级": 1, "市级": 1},
        "国家农业产业强镇（示例）；自治区级乡村旅游重点村（示例）；市级表彰 1 项（示例）",
    ),
    "zhuozi": ({"市级": 2}, "生态旅游、乡村振兴工作获市级表彰 2 项（示例）"),
}

# Counted deductions: discipline by level (":班子成员" = a member of the leadership team, doubled).
DISCIPLINE: dict[str, dict[str, int]] = {
    "zhuozi": {"通报批评": 2},
    "shangdu": {"通报批评": 1},
    "huade": {"调整职务:班子成员": 1, "党纪政务处分": 1},
    "chayouzhong": {"诫勉": 1},
}
DISCIPLINE_NOTES = {
    "zhuozi": "整治“庸懒散”通报批评 2 人次（示例）",
    "shangdu": "履职不到位通报批评 1 人次（示例）",
    "huade": "班子成员因履职不到位被调整职务 1 人次，另党纪处分 1 人次（示例）",
    "chayouzhong": "诫勉 1 人次（示例）",
}
ACCIDENTS = {"shangdu": 1, "huade": 3}
ACCIDENT_NOTES = {u: f"一般生产安全责任事故 {n} 起（示例）" for u, n in ACCIDENTS.items()}

# Vetoes: every unit answers 是/否.
MAJOR_ACCIDENT = {"huade"}  # 一票否决 (score void)
ECO_DAMAGE = {"chayouhou"}  # 一票否优 (not 优秀)


def values(seed: int = SEED) -> dict[str, dict[str, Any]]:
    """{column key: {unit id: cell value}} — the keys are those of the template headers."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, Any]] = {}
    for iid, (centres, sd, decimals) in CENTRES.items():
        col: dict[str, Any] = {}
        for uid in U:
            c = centres[uid]
            if c is None or isinstance(c, str):
                if c is not None:
                    col[uid] = c
                continue
            noise = float(rng.normal(0.0, sd)) if sd > 0 else 0.0
            v = round(float(c) + noise, decimals)
            col[uid] = int(v) if decimals == 0 else v
        out[iid] = col
    # the GDP growth of the 进位 item is this year's GDP growth itself
    out["rank_progress"] = dict(out["gdp_growth"])
    # cap percentages at 100 after noise
    for iid in ("online_rate", "petition_resolution", "grid_coverage"):
        out[iid] = {u: min(v, 100) for u, v in out[iid].items()}
    for iid, table in DEDUCTIONS.items():
        out[iid] = {u: d for u, (d, _) in table.items()}
        out[f"{iid}:note"] = {u: why for u, (_, why) in table.items()}
    for uid, (levels, evidence) in AWARDS.items():
        for level, n in levels.items():
            out.setdefault(f"awards:{level}", {})[uid] = n
        out.setdefault("awards:note", {})[uid] = evidence
    for uid, counts in DISCIPLINE.items():
        for item, n in counts.items():
            out.setdefault(f"discipline:{item}", {})[uid] = n
    out["discipline:note"] = dict(DISCIPLINE_NOTES)
    out["safety_accidents"] = dict(ACCIDENTS)
    out["safety_accidents:note"] = dict(ACCIDENT_NOTES)
    out["major_accident"] = {u: "是" if u in MAJOR_ACCIDENT else "否" for u in U}
    out["eco_damage"] = {u: "是" if u in ECO_DAMAGE else "否" for u in U}
    return out


def write_xlsx(data: dict[str, dict[str, Any]]) -> list[str]:
    """Write the template, fill it; return the column keys in the order of the workbook."""
    scheme = load_scheme(SCHEME)
    write_template(scheme, XLSX)
    wb = load_workbook(XLSX)
    keys: list[str] = []
    used: set[str] = set()
    for ws in wb.worksheets:
        if ws.title == "说明":
            continue
        header = [header_key(c.value) for c in ws[1]]
        for row in range(2, ws.max_row + 1):
            uid = ws.cell(row=row, column=1).value
            for col, key in enumerate(header, start=1):
                value = data.get(key, {}).get(uid)
                if value is not None:
                    ws.cell(row=row, column=col, value=value)
                    used.add(key)
        keys += [k for k in header if k not in ("unit", "name", "category")]
    unused = set(data) - used
    assert not unused, f"no template column for {sorted(unused)}"
    wb.save(XLSX)
    return keys


def write_csv(data: dict[str, dict[str, Any]], keys: list[str]) -> None:
    scheme = load_scheme(SCHEME)
    with CSV.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["unit", "name", *keys])
        for uid, unit in scheme.units.items():
            cells = [data.get(k, {}).get(uid) for k in keys]
            w.writerow([uid, unit.name, *["" if v is None else v for v in cells]])


def write_panel_csv(keys: list[str]) -> None:
    """Three years for ``kaohe panel``: 2022 is data.csv; 2020 and 2021 draw other noise."""
    scheme = load_scheme(SCHEME)
    with PANEL.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["year", "unit", "name", *keys])
        for year in PANEL_YEARS:
            data = values(SEED + year - 2022)
            for uid, unit in scheme.units.items():
                cells = [data.get(k, {}).get(uid) for k in keys]
                w.writerow([year, uid, unit.name, *["" if v is None else v for v in cells]])


def main() -> None:
    data = values()
    keys = write_xlsx(data)
    write_csv(data, keys)
    write_panel_csv(keys)
    print(f"wrote {XLSX.name}, {CSV.name} and {PANEL.name} ({len(keys)} columns, {len(U)} units)")


if __name__ == "__main__":
    main()

"""Generate the ILLUSTRATIVE cadre data of the Ulanqab example (fixed seed, reproducible).

Everything here is made up: the names, positions, statuses, ballots, checks, office scores and
the grade history of 2020–2021. Only the 11 county-level units come from the example scheme.
The 2022 grades are computed by Kaohe from the generated ballots and checks.

    python examples/ulanqab/cadres/make_cadres.py [--out DIR]
"""

from __future__ import annotations

import argparse
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from kaohe.cadres import (
    appraise,
    build_ballots,
    build_checks,
    build_people,
    by_unit,
    cap_checks,
    checks_summary,
    component_frame,
    grade_cadres,
    grade_teams,
    history,
)
from kaohe.cadres.design import AppraisalDesign, ChecksDesign, GradingDesign
from kaohe.io.cadre_files import load_design, write_grades, write_people

HERE = Path(__file__).resolve().parent
SEED = 20221231
UNITS = {
    "jining": "集宁区",
    "fengzhen": "丰镇市",
    "zhuozi": "卓资县",
    "huade": "化德县",
    "shangdu": "商都县",
    "xinghe": "兴和县",
    "liangcheng": "凉城县",
    "chayouqian": "察哈尔右翼前旗",
    "chayouzhong": "察哈尔右翼中旗",
    "chayouhou": "察哈尔右翼后旗",
    "siziwang": "四子王旗",
}
#: Illustrative scores of the units' own 2022 assessment (share of full marks, %).
UNIT_SCORES = {
    "jining": 91.2,
    "fengzhen": 86.5,
    "zhuozi": 80.1,
    "huade": 83.4,
    "shangdu": 78.9,
    "xinghe": 81.7,
    "liangcheng": 85.0,
    "chayouqian": 88.3,
    "chayouzhong": 79.6,
    "chayouhou": 82.2,
    "siziwang": 84.1,
}
#: Illustrative tilt: units ranked near the top get a higher excellent share (from the rulebook).
TILT = {"jining": 0.25, "chayouqian": 0.25, "fengzhen": 0.22}
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建国志宏海波晓东文斌")
POSITIONS = [
    "书记",
    "旗县长",
    "副书记",
    "常务副职",
    "副职",
    "局长",
    "副局长",
    "乡镇党委书记",
    "乡镇长",
    "科长",
]
RANKS = [
    "一级巡视员",
    "二级巡视员",
    "一级调研员",
    "二级调研员",
    "三级调研员",
    "四级调研员",
    "一级主任科员",
]


def make_people(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    teams = pd.DataFrame(
        {
            "team_id": [f"{u}-team" for u in UNITS],
            "unit": list(UNITS),
            "name": [f"{n}领导班子" for n in UNITS.values()],
        }
    )
    rows = []
    for u in UNITS:
        for k in range(int(rng.integers(26, 35))):
            cid = f"{u}-{k + 1:03d}"
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
            status, start, end = "正常", "", ""
            r = rng.random()
            if r < 0.03:
                status, start = "立案审查", "2022-08-15"
                end = "2022-11-20" if rng.random() < 0.3 else ""
            elif r < 0.06:
                status, start, end = "处分影响期", "2021-10-01", "2022-09-30"
            elif r < 0.10:
                status, start = "试用期", "2022-03-01"
            rows.append(
                {
                    "cadre_id": cid,
                    "name": name,
                    "unit": u,
                    "team_id": f"{u}-team" if k < 7 else "",
                    "position": POSITIONS[min(k, len(POSITIONS) - 1)],
                    "rank_level": RANKS[min(k // 4, len(RANKS) - 1)],
                    "status": status,
                    "status_start": start,
                    "status_end": end,
                }
            )
    return teams, pd.DataFrame(rows)


def make_ballots(rng: np.random.Generator, ids: list[str], design: AppraisalDesign) -> pd.DataFrame:
    choices = [lv.name for lv in design.scale]
    quality = dict(zip(ids, rng.beta(5, 2, size=len(ids)), strict=True))
    rows = []
    for cid in ids:
        q = quality[cid]
        p = np.array([q, 0.8 * (1 - q), 0.15 * (1 - q) + 0.02, 0.05 * (1 - q) + 0.01])
        p /= p.sum()
        for gid, g in design.groups.items():
            n = int(rng.integers(0 if gid == "users" else g.min_sample, (g.headcount or 8) + 1))
            for _ in range(n):
                row = {"ballot_id": f"B{len(rows) + 1:06d}", "subject_id": cid, "group": g.name}
                for iid in design.items:
                    row[iid] = str(rng.choice(choices, p=p))
                rows.append(row)
    return pd.DataFrame(rows)


def make_checks(rng: np.random.Generator, ids: list[str]) -> pd.DataFrame:
    grades = ["好", "较好", "一般", "较差"]
    rows = []
    for cid in ids:
        base = rng.normal(85, 6)
        for q in (1, 2, 3, 4):
            s = float(np.clip(base + rng.normal(0, 4), 40, 100))
            g = grades[0 if s >= 86 else 1 if s >= 75 else 2 if s >= 60 else 3]
            rows.append(
                {"cadre_id": cid, "year": 2022, "quarter": q, "grade": g, "score": round(s, 1)}
            )
    return pd.DataFrame(rows)


def make_history(rng: np.random.Generator, cadres: pd.DataFrame) -> pd.DataFrame:
    """Illustrative 2020 and 2021 grades; a few cadres were in another unit then (transfers),
    a few were not yet cadres (missing years)."""
    units = list(UNITS)
    rows = []
    for r in cadres.itertuples():
        for year in (2020, 2021):
            if rng.random() < 0.05:
                continue  # not assessed that year
            unit = r.unit if rng.random() > 0.06 else str(rng.choice(units))
            g = rng.choice(["excellent", "competent", "basic"], p=[0.22, 0.76, 0.02])
            rows.append(
                {
                    "person_id": r.cadre_id,
                    "kind": "cadre",
                    "year": year,
                    "unit": unit,
                    "grade": str(g),
                }
            )
    for u in units:
        for year in (2020, 2021):
            rows.append(
                {
                    "person_id": f"{u}-team",
                    "kind": "team",
                    "year": year,
                    "unit": u,
                    "grade": str(rng.choice(["good", "fairly_good"], p=[0.35, 0.65])),
                }
            )
    return pd.DataFrame(rows)


def main(out: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    appraisal = load_design(HERE / "appraisal.yaml", AppraisalDesign)
    checks_design = load_design(HERE / "checks.yaml", ChecksDesign)
    grading = load_design(HERE / "grading.yaml", GradingDesign)
    teams, cadres = make_people(rng)
    people = build_people(cadres, teams, UNITS)
    ids = people.cadres["cadre_id"].tolist()
    ballots = make_ballots(rng, ids, appraisal)
    checks = make_checks(rng, ids)
    office = pd.DataFrame({"cadre_id": ids, "office": rng.normal(84, 6, len(ids)).round(1)})
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in {
        "teams.csv": teams,
        "cadres.csv": cadres,
        "ballots.csv": ballots,
        "checks.csv": checks,
        "office.csv": office,
    }.items():
        frame.to_csv(out / name, index=False, encoding="utf-8")
    write_people(people, out / "people.xlsx")

    result = appraise(build_ballots(ballots, appraisal, ids), appraisal, ids)
    units = dict(zip(people.cadres["cadre_id"], people.cadres["unit"], strict=True))
    capped = cap_checks(build_checks(checks, checks_design, units), checks_design)
    summary = checks_summary(capped.checks, checks_design, grading.year)
    components = component_frame(
        appraisal=result.scores(),
        checks=summary["points"],
        unit=by_unit(people.cadres["cadre_id"], people.cadres["unit"], UNIT_SCORES),
        office=office.set_index("cadre_id")["office"],
    )
    cadre_grades = grade_cadres(
        people, components, grading, top_shares=TILT, checks=summary, checks_design=checks_design
    )
    team_components = component_frame(
        unit=by_unit(people.teams["team_id"], people.teams["unit"], UNIT_SCORES),
        office=dict(
            zip(people.teams["team_id"], rng.normal(85, 4, len(people.teams)).round(1), strict=True)
        ),
    )
    team_grades = grade_teams(people, team_components, grading)
    write_grades(cadre_grades, out / "cadre_grades_2022.xlsx")
    write_grades(team_grades, out / "team_grades_2022.xlsx")
    past = make_history(rng, people.cadres)
    full = pd.concat([past, history(cadre_grades, team_grades)], ignore_index=True)
    full = full.sort_values(["kind", "person_id", "year"])
    # the years each has held their rank level (the rulebook's promotion pool reads them)
    full["years_at_level"] = [
        zlib.crc32(str(p).encode()) % 5 + int(y) - 2020
        for p, y in zip(full["person_id"], full["year"], strict=True)
    ]
    full.to_csv(out / "grade_history.csv", index=False, encoding="utf-8")
    # every ninth cadre of 2021 promoted in 2022 (the rulebook's promotion statistics)
    promoted = full[(full["year"] == 2021) & (full["kind"] == "cadre")].iloc[::9]
    pd.DataFrame(
        {
            "person_id": promoted["person_id"],
            "year": 2022,
            "unit": promoted["unit"],
            "position": "副职",
        }
    ).to_csv(out / "promotions.csv", index=False, encoding="utf-8")
    counts = cadre_grades.frame["grade"].value_counts().to_dict()
    print(f"{len(ids)} cadres, {len(ballots)} ballots, {len(checks)} checks; 2022 grades {counts}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    main(parser.parse_args().out)

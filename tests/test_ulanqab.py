"""The Ulanqab worked example (examples/ulanqab), end to end through the command line."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kaohe.cli.main import main
from kaohe.io.scheme_file import load_scheme
from kaohe.scheme import Scheme

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ulanqab"
SCHEME = EXAMPLE / "scheme.yaml"
XLSX = EXAMPLE / "data.xlsx"
CSV = EXAMPLE / "data.csv"
UNITS = {
    "集宁区",
    "丰镇市",
    "卓资县",
    "化德县",
    "商都县",
    "兴和县",
    "凉城县",
    "察哈尔右翼前旗",
    "察哈尔右翼中旗",
    "察哈尔右翼后旗",
    "四子王旗",
}


def _invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, [*args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _run(data: Path, out: Path) -> Path:
    _invoke("run", str(SCHEME), str(data), "-o", str(out))
    return out


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return load_scheme(SCHEME)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the example on the workbook."""
    return _run(XLSX, tmp_path_factory.mktemp("ulanqab") / "out")


@pytest.fixture(scope="module")
def rows(out: Path) -> list[dict[str, str]]:
    return _rows(out)


@pytest.fixture(scope="module")
def explain(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "explain.json").read_text(encoding="utf-8"))
    return doc


def _by_category(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault(r["category"], []).append(r)
    return groups


# --------------------------------------------------------------------------- the command line


def test_it_checks_the_scheme_and_the_workbook_without_problems() -> None:
    result = _invoke("check", str(SCHEME), str(XLSX))
    assert "11" in result.stdout
    assert result.stderr == ""  # not even a warning


def test_it_writes_the_three_result_files(out: Path) -> None:
    for name in ("results.csv", "results.xlsx", "explain.json"):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name


def test_it_prints_every_unit_in_the_ranking_tables(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["run", str(SCHEME), str(XLSX), "-o", str(tmp_path / "o")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    for name in UNITS:
        assert name in result.stdout, name
    for category in ("重点开发区", "农产品主产区", "重点生态功能区"):
        assert category in result.stdout


def test_it_explains_one_unit_by_its_chinese_name() -> None:
    result = _invoke("explain", str(SCHEME), str(XLSX), "集宁区")
    assert "集宁区" in result.stdout
    assert "地区生产总值增速" in result.stdout


# --------------------------------------------------------------------------- results.csv


def test_it_gives_one_row_per_unit_with_the_result_and_dimension_columns(
    rows: list[dict[str, str]], scheme: Scheme
) -> None:
    assert len(rows) == 11
    assert {r["name"] for r in rows} == UNITS
    columns = set(rows[0])
    needed = {"unit", "name", "category", "score", "rank_in_category", "rank", "grade"}
    assert needed <= columns
    assert set(scheme.dimensions) <= columns
    assert all(r["grade"] for r in rows)


def test_it_numbers_ranks_within_each_category_from_one(rows: list[dict[str, str]]) -> None:
    for category, members in _by_category(rows).items():
        ordered = sorted(members, key=lambda r: int(r["rank_in_category"]))
        for k, r in enumerate(ordered):
            rank = int(r["rank_in_category"])
            if rank != k + 1:  # a shared rank is allowed only for an equal score
                prev = ordered[k - 1]
                assert rank == int(prev["rank_in_category"]), (category, r["unit"])
                assert math.isclose(float(r["score"]), float(prev["score"])), (category, r["unit"])
            if k:  # a better rank never has a lower score (void units score 0, ranked last)
                assert float(ordered[k - 1]["score"]) >= float(r["score"]), (category, r["unit"])


def test_it_ranks_all_units_overall_from_one_to_eleven(rows: list[dict[str, str]]) -> None:
    assert sorted(int(r["rank"]) for r in rows) == list(range(1, 12))


def test_it_never_gives_a_grade_beyond_its_quota(
    rows: list[dict[str, str]], scheme: Scheme
) -> None:
    grading = scheme.grading
    assert grading is not None
    assert grading.rounding == "half_up"
    for category, members in _by_category(rows).items():
        n = len(members)
        for grade in grading.grades:
            if grade.quota is None:
                continue
            assert grade.quota.share is not None
            limit = math.floor(grade.quota.share * n + 0.5)  # half_up, computed independently
            held = sum(r["grade"] == grade.id for r in members)
            assert held <= limit, (category, grade.id, held, limit)


def test_it_binds_the_quota_of_the_top_grade(
    rows: list[dict[str, str]], explain: dict[str, Any]
) -> None:
    """Some unit meets 优秀's minimum, is held by no gate or veto, and still is not 优秀."""
    decisions = {u["unit"]: u["grade_decision"] for u in explain["units"]}
    squeezed = [
        r["unit"]
        for r in rows
        if float(r["score"]) >= 90
        and r["grade"] != "excellent"
        and not decisions[r["unit"]]["gates"]
    ]
    assert squeezed


def test_it_vetoes_one_unit_and_voids_its_score(rows: list[dict[str, str]]) -> None:
    void = [r for r in rows if "major_accident" in r["vetoed"]]
    assert [r["name"] for r in void] == ["化德县"]
    assert float(void[0]["score"]) == 0
    assert void[0]["grade"] == "poor"
    assert int(void[0]["rank"]) == 11


def test_it_bars_the_top_grade_of_a_unit_with_a_bar_top_veto(rows: list[dict[str, str]]) -> None:
    barred = [r for r in rows if "eco_damage" in r["vetoed"]]
    assert barred
    for r in barred:
        assert r["grade"] != "excellent"
        assert float(r["score"]) > 0  # the points are kept


def test_it_holds_a_unit_below_excellent_by_the_award_gate(
    rows: list[dict[str, str]], explain: dict[str, Any]
) -> None:
    grade = {r["unit"]: r["grade"] for r in rows}
    gated = [
        u["unit"]
        for u in explain["units"]
        if any(h["source"] == "award_gate" for h in u["grade_decision"]["gates"])
        and u["rank_in_category"] == 1
    ]
    assert gated
    for unit in gated:
        assert grade[unit] == "good"


def test_it_spreads_the_valid_scores_like_a_real_assessment(rows: list[dict[str, str]]) -> None:
    scores = [float(r["score"]) for r in rows if "major_accident" not in r["vetoed"]]
    assert min(scores) >= 65
    assert max(scores) <= 105
    assert max(scores) - min(scores) >= 15
    assert {r["grade"] for r in rows} >= {"excellent", "good", "fair", "poor"}


def test_it_orders_the_categories_differently_from_the_overall_ranking(
    rows: list[dict[str, str]],
) -> None:
    firsts = [r for r in rows if r["rank_in_category"] == "1"]
    assert len(firsts) == 3
    assert sorted(int(r["rank"]) for r in firsts) != [1, 2, 3]


# --------------------------------------------------------------------------- explain.json


def test_it_explains_every_indicator_of_every_unit(explain: dict[str, Any], scheme: Scheme) -> None:
    assert {u["unit"] for u in explain["units"]} == set(scheme.units)
    for u in explain["units"]:
        category = scheme.units[u["unit"]].category
        expected = {iid for iid, ind in scheme.indicators.items() if ind.applies_to(category)}
        got = {i["indicator"] for i in u["indicators"]}
        assert got == expected, u["unit"]
        for i in u["indicators"]:
            assert isinstance(i["arithmetic"], str), (u["unit"], i["indicator"])
            assert i["arithmetic"].strip(), (u["unit"], i["indicator"])


def test_it_differentiates_the_content_by_category(explain: dict[str, Any]) -> None:
    per_unit = {u["unit"]: {i["indicator"] for i in u["indicators"]} for u in explain["units"]}
    assert "grassland_balance" in per_unit["siziwang"]
    assert "grassland_balance" not in per_unit["jining"]
    assert "agri_processing" in per_unit["liangcheng"]
    assert "grain_output" not in per_unit["jining"]


def test_it_fills_the_missing_and_not_applicable_cells_by_their_policy(
    explain: dict[str, Any],
) -> None:
    flags = {
        (u["unit"], i["indicator"]): i["flags"] for u in explain["units"] for i in u["indicators"]
    }
    assert "peer_average" in flags[("zhuozi", "business_env")]
    assert "renormalised" in flags[("shangdu", "water_quality")]


# --------------------------------------------------------------------------- reproducibility


def test_it_gives_the_same_results_from_the_csv_as_from_the_workbook(
    out: Path, tmp_path: Path
) -> None:
    from_csv = _run(CSV, tmp_path / "csv")
    assert (from_csv / "results.csv").read_bytes() == (out / "results.csv").read_bytes()


def test_it_gives_byte_identical_results_when_run_twice(tmp_path: Path) -> None:
    first = _run(XLSX, tmp_path / "first")
    second = _run(XLSX, tmp_path / "second")
    assert (first / "results.csv").read_bytes() == (second / "results.csv").read_bytes()


def _make_data() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ulanqab_make_data", EXAMPLE / "make_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_ships_the_data_that_make_data_writes(
    out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_data = _make_data()
    monkeypatch.setattr(make_data, "XLSX", tmp_path / "data.xlsx")
    monkeypatch.setattr(make_data, "CSV", tmp_path / "data.csv")
    make_data.main()
    assert (tmp_path / "data.csv").read_bytes() == CSV.read_bytes()
    again = _run(tmp_path / "data.xlsx", tmp_path / "again")
    assert (again / "results.csv").read_bytes() == (out / "results.csv").read_bytes()

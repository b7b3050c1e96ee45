"""Panels: several years under one scheme — within or across years, trends, files and CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kaohe import assess, build_scheme
from kaohe.cli.main import main
from kaohe.dataset import Dataset
from kaohe.errors import DataError, SchemeError
from kaohe.io.data_files import load_data, load_panel
from kaohe.io.scheme_file import load_scheme
from kaohe.panel import assess_panel, cagr, span

ROOT = Path(__file__).resolve().parent.parent
ULANQAB = ROOT / "examples" / "ulanqab"


def scheme(missing: str = "error", **extra: Any) -> Any:
    """Units a, b; x min-max normalised to [0, 10]; y a plain rescale worth 10."""
    return build_scheme(
        {
            "name": "t",
            "categories": {"c": {"name": "C"}},
            "units": {"a": {"name": "A", "category": "c"}, "b": {"name": "B", "category": "c"}},
            "indicators": {
                "x": {"name": "X", "weights": 10, "rule": {"type": "minmax"}},
                "y": {
                    "name": "Y",
                    "weights": 10,
                    "missing": missing,
                    "rule": {"type": "rescale", "from": [0, 10]},
                },
            },
            **extra,
        }
    )


def years(s: Any, table: dict[str, dict[str, tuple[float, float]]]) -> dict[str, Dataset]:
    return {
        y: Dataset.from_mapping(
            s, {"a": {"x": v["x"][0], "y": v["y"][0]}, "b": {"x": v["x"][1], "y": v["y"][1]}}
        )
        for y, v in table.items()
    }


DATA = {"2023": {"x": (10.0, 20.0), "y": (5.0, 5.0)}, "2024": {"x": (30.0, 40.0), "y": (5.0, 5.0)}}


# --------------------------------------------------------------------------- by hand


def test_cagr_and_span_by_hand() -> None:
    assert cagr(100.0, 121.0, 2) == pytest.approx(0.1, abs=1e-15)
    assert cagr(80.0, 40.0, 1) == pytest.approx(-0.5, abs=1e-15)
    assert cagr(0.0, 10.0, 2) is None  # from zero: undefined
    assert cagr(10.0, 10.0, 0) is None  # one year: no period
    assert span("2020", "2024", 3) == 4  # years missing in between still count
    assert span("2024Q1", "2024Q3", 3) == 2  # not whole numbers: count the periods given


def test_within_normalises_each_year_alone() -> None:
    s = scheme()
    p = assess_panel(s, years(s, DATA), "within")
    # each year: min-max over that year's two units → a 0, b 10; y: 5/10 of 10 = 5
    for y in ("2023", "2024"):
        assert list(p.results[y].score) == [5.0, 15.0]
    t = {r["unit"]: r for r in p.trends()}
    assert t["a"]["change"] == 0.0
    assert t["b"]["cagr"] == 0.0


def test_across_normalises_all_years_together() -> None:
    s = scheme()
    p = assess_panel(s, years(s, DATA), "across")
    # min 10, max 40 over both years: a 2023 0, b 2023 10/30 × 10, a 2024 20/30 × 10, b 2024 10
    assert p.results["2023"].score == pytest.approx([5.0, 5.0 + 10 / 3], abs=1e-12)
    assert p.results["2024"].score == pytest.approx([5.0 + 20 / 3, 15.0], abs=1e-12)
    t = {r["unit"]: r for r in p.trends()}
    assert t["a"]["change"] == pytest.approx(20 / 3, abs=1e-12)
    assert t["a"]["cagr"] == pytest.approx((5 + 20 / 3) / 5 - 1, abs=1e-12)
    assert t["b"]["rank_2023"] == 1
    assert t["b"]["rank_change"] == 0
    # ranks and grades stay year by year: each year has its own 1 and 2
    assert sorted(p.results["2024"].rank) == [1, 2]


def test_the_scheme_chooses_the_mode_and_the_caller_overrides_it() -> None:
    s = scheme(panel={"normalise": "across"})
    data = years(s, DATA)
    assert assess_panel(s, data).normalise == "across"
    assert assess_panel(s, data, "within").normalise == "within"


def test_across_explains_each_year_with_the_peers_of_all_years() -> None:
    s = scheme()
    p = assess_panel(s, years(s, DATA), "across")
    x = p.results["2024"].explain("a", "en").to_dict()["indicators"][0]
    assert (x["terms"]["min"], x["terms"]["max"]) == (10.0, 40.0)  # 2023's a and 2024's b
    assert x["arithmetic"].startswith("fraction (30 − 10) / (40 − 10)")


@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=4, max_size=4),
    st.lists(st.floats(0, 100, allow_nan=False), min_size=4, max_size=4),
)
def test_within_is_bit_for_bit_the_engine_year_by_year(xs: list[float], ys: list[float]) -> None:
    s = scheme()
    table = {
        "2023": {"x": (xs[0], xs[1]), "y": (ys[0] / 10, ys[1] / 10)},
        "2024": {"x": (xs[2], xs[3]), "y": (ys[2] / 10, ys[3] / 10)},
    }
    data = years(s, table)
    p = assess_panel(s, data, "within")
    for y, d in data.items():
        assert np.array_equal(p.results[y].score, assess(s, d).score)


def test_across_with_one_year_is_within() -> None:
    s = scheme()
    data = {"2023": years(s, DATA)["2023"]}
    a, w = assess_panel(s, data, "across"), assess_panel(s, data, "within")
    assert np.array_equal(a.latest.score, w.latest.score)
    assert np.array_equal(a.latest.points, w.latest.points)


def test_trends_leave_a_blank_where_a_unit_was_screened_out() -> None:
    s = scheme("zero", preprocessing={"screen": {"min_share": 1.0}})
    data = {
        "2023": Dataset.from_mapping(s, {"a": {"x": 1, "y": 1}, "b": {"x": 2}}),
        "2024": Dataset.from_mapping(s, {"a": {"x": 1, "y": 1}, "b": {"x": 2, "y": 2}}),
    }
    t = {r["unit"]: r for r in assess_panel(s, data, "within").trends()}
    assert t["b"]["score_2023"] is None
    assert t["b"]["change"] is None
    assert t["b"]["cagr"] is None
    assert t["a"]["score_2023"] is not None


def test_across_refuses_what_cannot_span_years() -> None:
    s = scheme(preprocessing={"screen": {"min_share": 1.0}})
    with pytest.raises(SchemeError, match="screen"):
        assess_panel(s, years(s, DATA), "across")
    with pytest.raises(SchemeError, match="within or across"):
        assess_panel(scheme(), years(scheme(), DATA), "sideways")
    with pytest.raises(SchemeError, match="at least one year"):
        assess_panel(scheme(), {}, "within")


# --------------------------------------------------------------------------- files


def write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_a_year_column_splits_the_file(tmp_path: Path) -> None:
    s = scheme()
    f = write(
        tmp_path / "p.csv",
        [
            ["年度", "unit", "x", "y"],
            [2023, "a", 1, 1],
            [2023, "b", 2, 2],
            ["2024", "a", 3, 3],
            [2024.0, "b", 4, 4],
        ],
    )
    data, _ = load_panel(s, [f])
    assert list(data) == ["2023", "2024"]
    assert data["2024"].values.tolist() == [[3.0, 3.0], [4.0, 4.0]]


def test_files_given_per_year(tmp_path: Path) -> None:
    s = scheme()
    f1 = write(tmp_path / "a.csv", [["unit", "x", "y"], ["a", 1, 1], ["b", 2, 2]])
    f2 = write(tmp_path / "b.csv", [["unit", "x", "y"], ["a", 3, 3], ["b", 4, 4]])
    data, _ = load_panel(s, [f"2021={f1}", f"2022={f2}"])
    assert data["2022"].values.tolist() == [[3.0, 3.0], [4.0, 4.0]]


def test_bad_panels_name_the_row(tmp_path: Path) -> None:
    s = scheme()
    f = write(
        tmp_path / "p.csv",
        [["year", "unit", "x", "y"], [2023, "a", 1, 1], ["", "b", 2, 2], [2024, "a", "many", 3]],
    )
    with pytest.raises(DataError) as exc:
        load_panel(s, [f])
    text = str(exc.value)
    assert "p.csv row 3, column A (year): the year is empty" in text
    no_year = write(tmp_path / "n.csv", [["unit", "x", "y"], ["a", 1, 1]])
    with pytest.raises(DataError, match="no year column"):
        load_panel(s, [no_year])
    wrong = write(tmp_path / "w.csv", [["year", "unit", "x", "y"], [2020, "a", 1, 1]])
    with pytest.raises(DataError, match="year 2020 in a file given for 2021"):
        load_panel(s, [f"2021={wrong}"])


def test_bad_cells_of_every_year_are_reported_with_their_year(tmp_path: Path) -> None:
    s = scheme()
    f = write(
        tmp_path / "p.csv",
        [
            ["year", "unit", "x", "y"],
            [2023, "a", 1, 1],
            [2023, "b", 2, 2],
            [2024, "a", "many", 3],
            [2024, "b", 1, 1],
        ],
    )
    with pytest.raises(DataError) as exc:
        load_panel(s, [f])
    assert "p.csv row 4, column C (x): 2024:" in str(exc.value)


def test_kaohe_run_takes_one_year_with_a_year_column_and_refuses_several(tmp_path: Path) -> None:
    s = scheme()
    one = write(
        tmp_path / "o.csv", [["year", "unit", "x", "y"], [2023, "a", 1, 1], [2023, "b", 2, 2]]
    )
    assert load_data(s, one)[0].values.tolist() == [[1.0, 1.0], [2.0, 2.0]]
    two = write(
        tmp_path / "t.csv", [["year", "unit", "x", "y"], [2023, "a", 1, 1], [2024, "b", 2, 2]]
    )
    with pytest.raises(DataError, match=r"2 years .*kaohe panel"):
        load_data(s, two)


# --------------------------------------------------------------------------- command line


def test_kaohe_panel_on_the_ulanqab_example(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main,
        [
            "panel",
            str(ULANQAB / "scheme.yaml"),
            str(ULANQAB / "panel.csv"),
            "-o",
            str(out),
            "--lang",
            "en",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Results of 3 years written" in r.output
    assert sorted(p.name for p in out.iterdir()) == [
        "explain.json",
        "results.csv",
        "trends.csv",
        "trends.png",
    ]
    with (out / "results.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["year"] for r in rows} == {"2020", "2021", "2022"}
    # 2022 of the panel is the example's data.csv: the same results, to the last digit
    s = load_scheme(ULANQAB / "scheme.yaml")
    single = assess(s, load_data(s, ULANQAB / "data.csv")[0])
    got = {r["unit"]: float(r["score"]) for r in rows if r["year"] == "2022"}
    assert got == {u: float(v) for u, v in zip(single.units, single.score, strict=True)}
    doc = json.loads((out / "explain.json").read_text(encoding="utf-8"))
    assert doc["normalise"] == "within"
    assert set(doc["years"]) == {"2020", "2021", "2022"}
    with (out / "trends.csv").open(encoding="utf-8") as fh:
        trends = list(csv.DictReader(fh))
    assert len(trends) == len(s.units)
    assert "cagr" in trends[0]


def test_kaohe_panel_writes_nothing_on_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "out"
    bad = write(tmp_path / "p.csv", [["year", "unit"], ["", "x"]])
    r = CliRunner().invoke(main, ["panel", str(ULANQAB / "scheme.yaml"), str(bad), "-o", str(out)])
    assert r.exit_code != 0
    assert "p.csv 第 2 行" in r.output  # the CLI says the place in the language chosen
    assert not out.exists()

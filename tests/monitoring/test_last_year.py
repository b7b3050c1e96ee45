"""The annual assessment's ``previous`` from last year's values (``previous_from: last_year``):
hand-computed on three units — an energy intensity scored against last year's own value (no
rise: full marks, each 1% of rise 0.5 off) and 进位 (a point per place gained on last year's
ranking); a unit without last year's value keeps ``previous`` as written; the explanation says
where each previous value came from. From files (``kaohe run --last-year``) too."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kaohe import build_scheme
from kaohe.cli.main import main
from kaohe.dataset import Dataset
from kaohe.engine import assess
from kaohe.errors import SchemeError
from kaohe.monitoring.last_year import reads_last_year, with_last_year

SCHEME: dict[str, Any] = {
    "name": "上年值测试方案",
    "period": {"start": "2022-01-01", "end": "2022-12-31"},
    "categories": {"all": {"name": "全部"}},
    "units": {
        u: {"name": n, "category": "all"} for u, n in (("a", "甲"), ("b", "乙"), ("c", "丙"))
    },
    "indicators": {
        "energy": {
            "name": "单位GDP能耗",
            "direction": "lower",
            "weights": 10,
            "previous_from": "last_year",
            "previous": {"c": 1.0},  # 丙 has no value last year: this one is used
            "rule": {
                "type": "linear",
                "reference": "previous",
                "measure": "percent",
                "below_rate": 0.5,
            },
        },
        "gdp": {
            "name": "GDP增速位次进位",
            "previous_from": "last_year",
            "rule": {"type": "rank_improvement", "rate": 1, "peers": "all"},
        },
        "typed": {
            "name": "上年值手填",
            "weights": 10,
            "previous": 5,
            "rule": {
                "type": "linear",
                "reference": "previous",
                "measure": "percent",
                "below_rate": 1,
            },
        },
    },
}

THIS_YEAR = {
    "a": {"energy": 1.02, "gdp": 6.0, "typed": 4.0},
    "b": {"energy": 0.90, "gdp": 5.0, "typed": 5.0},
    "c": {"energy": 1.10, "gdp": 4.0, "typed": 6.0},
}
LAST_YEAR = {"energy": {"a": 1.0, "b": 1.0}, "gdp": {"a": 4.0, "b": 6.0, "c": 5.0}}


def test_previous_values_come_from_last_year_by_hand() -> None:
    scheme = build_scheme(SCHEME)
    assert reads_last_year(scheme) == ["energy", "gdp"]
    filled = with_last_year(scheme, LAST_YEAR)
    assert filled.indicators["energy"].last_year == {"a": 1.0, "b": 1.0}
    assert filled.indicators["typed"] is scheme.indicators["typed"]  # not read from last year
    res = assess(filled, Dataset.from_mapping(filled, THIS_YEAR))
    points = {u: res.explain(u) for u in "abc"}
    rows: dict[str, dict[str, tuple[Any, ...]]] = {
        u: {i.indicator: (i.previous, i.previous_from, i.points) for i in e.indicators}
        for u, e in points.items()
    }
    # energy: 甲 1.02 on 1.0 is a rise of 2% → 10 − 0.5 × 2 = 9; 乙 fell → 10; 丙 1.10 on the
    # previous written for it, 1.0: a rise of 10% → 10 − 5 = 5
    assert rows["a"]["energy"] == (1.0, "last_year", pytest.approx(9.0))
    assert rows["b"]["energy"] == (1.0, "last_year", pytest.approx(10.0))
    assert rows["c"]["energy"] == (1.0, "scheme", pytest.approx(5.0))
    # 进位: last year 乙 6 > 丙 5 > 甲 4 (places 3, 1, 2 for 甲 乙 丙); this year 甲 6 > 乙 5 >
    # 丙 4: 甲 gains 2 places (+2), 乙 and 丙 lose one (no points lost: fall_rate 0)
    assert {u: rows[u]["gdp"] for u in "abc"} == {
        "a": (4.0, "last_year", pytest.approx(2.0)),
        "b": (6.0, "last_year", pytest.approx(0.0)),
        "c": (5.0, "last_year", pytest.approx(0.0)),
    }
    assert rows["a"]["typed"][:2] == (5.0, "scheme")
    # the explanation says where the previous value came from, in both languages
    energy = next(i for i in points["a"].indicators if i.indicator == "energy")
    assert "上年值 1 取自上年数据" in energy.arithmetic
    assert energy.to_dict()["previous_from"] == "last_year"
    typed = next(i for i in points["a"].indicators if i.indicator == "typed")
    assert "取自上年数据" not in typed.arithmetic
    # the same as typing last year's values into the scheme by hand
    by_hand = dict(SCHEME, indicators=dict(SCHEME["indicators"]))
    by_hand["indicators"]["energy"] = {
        **SCHEME["indicators"]["energy"],
        "previous_from": "scheme",
        "previous": {"a": 1.0, "b": 1.0, "c": 1.0},
    }
    by_hand["indicators"]["gdp"] = {
        **SCHEME["indicators"]["gdp"],
        "previous_from": "scheme",
        "previous": LAST_YEAR["gdp"],
    }
    typed_scheme = build_scheme(by_hand)
    again = assess(typed_scheme, Dataset.from_mapping(typed_scheme, THIS_YEAR))
    assert [r["score"] for r in again.rows()] == [r["score"] for r in res.rows()]


def test_without_last_year_the_scheme_is_as_written() -> None:
    scheme = build_scheme(SCHEME)
    with pytest.raises(SchemeError) as err:  # 甲 and 乙 have neither last year's nor a written one
        with_last_year(scheme, {"gdp": LAST_YEAR["gdp"]})
    assert "missing for a, b (no value last year, none written)" in str(err.value)
    assert "indicators.energy.previous" in str(err.value)
    plain = build_scheme({**SCHEME, "indicators": {"typed": SCHEME["indicators"]["typed"]}})
    assert with_last_year(plain, LAST_YEAR) is plain
    only = {u: {"typed": v["typed"]} for u, v in THIS_YEAR.items()}
    res = assess(plain, Dataset.from_mapping(plain, only))
    typed = next(i for i in res.explain("a").indicators if i.indicator == "typed")
    assert (typed.previous, typed.previous_from) == (5.0, "scheme")


def _write(path: Path, rows: dict[str, dict[str, float]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit", "energy", "gdp", "typed"])
        for u, vals in rows.items():
            w.writerow([u, *(vals.get(k, "") for k in ("energy", "gdp", "typed"))])


def test_kaohe_run_reads_last_years_data_file(tmp_path: Path) -> None:
    import yaml

    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(yaml.safe_dump(SCHEME, allow_unicode=True), encoding="utf-8")
    now, last = tmp_path / "data.csv", tmp_path / "data_2021.csv"
    _write(now, THIS_YEAR)
    _write(
        last,
        {
            "a": {"energy": 1.0, "gdp": 4.0, "typed": 1},
            "b": {"energy": 1.0, "gdp": 6.0},
            "c": {"gdp": 5.0},
        },
    )
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main, ["run", str(scheme), str(now), "--last-year", str(last), "-o", str(out), "-q"]
    )
    assert r.exit_code == 0, r.output
    explain = json.loads((out / "explain.json").read_text(encoding="utf-8"))
    units = {u["unit"]: u for u in explain["units"]}
    energy = next(i for i in units["a"]["indicators"] if i["indicator"] == "energy")
    assert (energy["previous"], energy["previous_from"], energy["points"]) == (
        1.0,
        "last_year",
        9.0,
    )
    # last year's values, read against this year's scheme (a gap allowed)
    from kaohe.cli.main import _with_last_year
    from kaohe.io.scheme_file import load_scheme

    filled = _with_last_year(load_scheme(scheme), last)
    assert {i: ind.last_year for i, ind in filled.indicators.items()} == {
        "energy": {"a": 1.0, "b": 1.0},
        "gdp": {"a": 4.0, "b": 6.0, "c": 5.0},
        "typed": None,
    }
    # kaohe explain shows it
    r = CliRunner().invoke(main, ["explain", str(scheme), str(now), "a", "--last-year", str(last)])
    assert r.exit_code == 0, r.output
    assert "取自上年数据" in r.output

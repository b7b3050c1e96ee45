"""The Ulanqab ledger example (examples/ulanqab/ledgers): its files are what its script writes,
and the indicators it derives are those its design says."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import pytest

from kaohe.engine import assess
from kaohe.io.ledger_files import load_assessment_data, load_ledgers, load_matters, load_projects
from kaohe.io.scheme_file import load_scheme
from kaohe.ledgers.workflow import is_overdue, parties, standing_at
from kaohe.results import Results

HERE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "ledgers"
AS_OF = (2022, 12, 31)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_ledgers", HERE / "make_ledgers.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> Results:
    scheme = load_scheme(HERE / "scheme.yaml")
    data, _ = load_assessment_data(
        scheme, HERE / "data.csv", HERE / "projects.xlsx", [HERE / "matters.xlsx"]
    )
    return assess(scheme, data)


def _values(res: Results, iid: str) -> dict[str, float]:
    j = res.plan.indicators.index(iid)
    return dict(zip(res.plan.units, res.data.values[:, j].tolist(), strict=True))


def test_the_files_are_what_the_script_writes(tmp_path: Path) -> None:
    _script().main(tmp_path)
    for name in ("scheme.yaml", "data.csv"):
        assert (tmp_path / name).read_text("utf-8") == (HERE / name).read_text("utf-8"), name
    assert load_projects(tmp_path / "projects.xlsx").projects == (
        load_projects(HERE / "projects.xlsx").projects
    )
    assert load_matters([tmp_path / "matters.xlsx"]).matters == (
        load_matters([HERE / "matters.xlsx"]).matters
    )


def test_the_start_rate_is_the_designed_one(results: Results) -> None:
    rates = _values(results, "project_start_rate")
    designed = {"zhuozi": 24 / 25, "shangdu": 17 / 18, "chayouzhong": 11 / 12}  # one not started
    for uid, rate in rates.items():
        assert math.isclose(rate, 100 * designed.get(uid, 1.0)), uid


def test_accepted_challenges_give_their_bonus(results: Results) -> None:
    j = results.plan.indicators.index("challenge_bonus")
    points = dict(zip(results.plan.units, results.points[:, j].tolist(), strict=True))
    assert {u: p for u, p in points.items() if p} == {
        "jining": 1.0,  # 重大, accepted
        "fengzhen": 1.0,  # 重大, accepted (察右前旗's claim on it was returned)
        "liangcheng": 0.5,
        "siziwang": 0.5,
        "chayouhou": 0.5,
    }


def test_the_resolution_rate_counts_the_open_cases(results: Results) -> None:
    still_open = {"shangdu": 2, "huade": 1, "chayouzhong": 2, "zhuozi": 1, "siziwang": 1}
    for uid, rate in _values(results, "petition_resolution").items():
        assert math.isclose(rate, 100 * (6 - still_open.get(uid, 0)) / 6), uid


def test_the_overdue_count_is_what_each_matter_says_on_the_date() -> None:
    """The vectorised count against the state machine replayed matter by matter."""
    import datetime as dt

    scheme = load_scheme(HERE / "scheme.yaml")
    on = dt.date(*AS_OF)
    matters = load_matters([HERE / "matters.xlsx"]).matters
    expected = dict.fromkeys(scheme.units, 0)
    for m in matters:
        s = standing_at(m, on)
        if m.kind in ("supervision", "case") and s is not None:
            for unit, role, status in parties(m, s):
                if role == "responsible" and is_overdue(s, status, on):
                    expected[unit] += 1
    ledgers = load_ledgers(scheme, HERE / "projects.xlsx", [HERE / "matters.xlsx"])
    from kaohe.ledgers.derive import derive

    derived = derive(scheme, ledgers.projects, ledgers.matters, on)
    got = derived.indicators["overdue_matters"].values.tolist()
    assert dict(zip(scheme.units, got, strict=True)) == expected
    assert sum(expected.values()) > 0

"""Evaluating a whole rulebook: pure, deterministic, recomputed from changed results; the
illustrative Ulanqab rulebook on the engine's own results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kaohe
from kaohe.io.rulebook_files import load_rulebook
from kaohe.rulebook import Decisions, RulebookInputs, evaluate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"


@pytest.fixture(scope="module")
def ulanqab() -> pd.DataFrame:
    return kaohe.assess(EXAMPLE / "scheme.yaml", EXAMPLE / "data.csv").to_pandas()


def _people(units: list[str], n: int = 400, seed: int = 7) -> pd.DataFrame:
    """Illustrative cadres with three years of grades; some move between units."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        home = units[k % len(units)]
        for year in (2022, 2023, 2024):
            unit = units[(k + 1) % len(units)] if year == 2024 and k % 17 == 0 else home
            grade = rng.choice(["excellent", "称职", "基本称职"], p=[0.45, 0.5, 0.05])
            if k % 31 == 0 and year == 2023:
                grade = ""  # on leave
            rows.append(
                {
                    "person_id": f"c{k:04d}",
                    "kind": "cadre",
                    "year": year,
                    "unit": unit,
                    "grade": grade,
                    "name": f"干部{k}",
                    "years_at_level": int(rng.integers(0, 6)),
                }
            )
    return pd.DataFrame(rows)


def _promotions(history: pd.DataFrame) -> pd.DataFrame:
    picked = history[history.year == 2024].iloc[::8]
    return pd.DataFrame(
        {"person_id": picked.person_id, "year": 2024, "unit": picked.unit, "position": "副科长"}
    )


def _evaluate(
    results: pd.DataFrame, history: pd.DataFrame, promotions: pd.DataFrame | None = None
) -> Decisions:
    book = load_rulebook(EXAMPLE / "rulebook.yaml")
    previous = results.assign(rank=results["rank"].to_numpy()[::-1])
    return evaluate(
        book,
        RulebookInputs(
            results=results,
            previous=previous,
            history=history,
            promotions=_promotions(history) if promotions is None else promotions,
        ),
    )


def test_the_ulanqab_rulebook_decides_every_rule(ulanqab: pd.DataFrame) -> None:
    history = _people(list(ulanqab.index))
    d = _evaluate(ulanqab, history)
    assert [o.rule for o in d.outcomes] == list(load_rulebook(EXAMPLE / "rulebook.yaml").rules)
    assert all(len(o) > 0 for o in d.outcomes), [(o.rule, len(o)) for o in d.outcomes]
    assert sum(d.counts("rank_quota").values()) == 40
    excellent = set(ulanqab.index[ulanqab.grade == "excellent"])
    assert {u for u, s in d.shares("excellent_share").items() if s > 0.2} >= excellent
    assert set(d.values("county_reward")) >= excellent
    talks = {x.subject for x in d.rule("talks") if x.subject_kind == "unit"}
    assert talks == {"huade", "chayouhou"}  # graded poor and vetoed; vetoed
    merits = {x.subject for x in d.rule("merit")}
    commended = {x.subject for x in d.rule("commendation")}
    assert not merits & commended
    in_2024 = history[(history.year == 2024) & (history.grade == "excellent")]
    assert merits | commended == set(in_2024.person_id)
    assert {o.rule for o in d.public().outcomes} == {
        "excellent_share",
        "rank_quota",
        "county_reward",
        "merit",
        "commendation",
        "promotion_share",
    }


def test_the_same_inputs_give_the_same_decisions_bit_for_bit(ulanqab: pd.DataFrame) -> None:
    history = _people(list(ulanqab.index))
    a = _evaluate(ulanqab, history)
    shuffled = history.sample(frac=1, random_state=1)
    promoted = _promotions(history).sample(frac=1, random_state=2)
    b = _evaluate(ulanqab.copy(), shuffled, promoted)
    assert list(a) == list(b)
    assert a.to_pandas().equals(b.to_pandas())


def test_changed_results_change_the_decisions(ulanqab: pd.DataFrame) -> None:
    history = _people(list(ulanqab.index))
    before = _evaluate(ulanqab, history)
    changed = ulanqab.copy()
    worst, best = changed.index[changed["rank"] == 11][0], changed.index[changed["rank"] == 1][0]
    changed.loc[[best, worst], "rank"] = [11, 1]
    changed.loc[worst, "grade"] = "excellent"
    changed.loc[worst, "vetoed"] = ""
    after = _evaluate(changed, history)
    assert before.shares("excellent_share")[worst] < after.shares("excellent_share")[worst]
    assert before.counts("rank_quota")[worst] < after.counts("rank_quota")[worst]
    assert worst in after.values("county_reward")

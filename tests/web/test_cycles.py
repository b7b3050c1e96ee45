"""Cycles: states and their preconditions, values never overwritten, no self-review."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kaohe.web.accounts import service as accounts
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.cycles.service import CycleError
from kaohe.web.results import service as results
from kaohe.web.reviews import service as reviews
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import Value
from kaohe.web.submissions import service as submissions

SCHEME = (Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "scheme.yaml").read_text(
    encoding="utf-8"
)


def test_it_moves_a_cycle_only_along_its_states(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        cycle = cycles.create_cycle(s, cycles.store_scheme(s, SCHEME), "2022")
        with pytest.raises(CycleError, match="cannot move to publicity; allowed: collecting"):
            moves.move(s, cycle, "publicity")
        moves.move(s, cycle, "collecting")
        rep = accounts.add_user(s, "rep", "a-long-password", "reporter", department="stats")
        v = submissions.submit(s, cycle, "jining", "gdp_growth", "6.5", user=rep)
        moves.move(s, cycle, "reviewing")
        with pytest.raises(CycleError, match="1 submitted values are not reviewed yet"):
            moves.move(s, cycle, "publicity")
        with pytest.raises(CycleError, match="by the person who entered it"):
            reviews.review(s, v, True, rep)
        with pytest.raises(CycleError, match="comment is required"):
            reviews.review(s, v, False, None)
        reviews.review(s, v, True, None)
        with pytest.raises(CycleError, match="compute the results"):
            moves.move(s, cycle, "publicity")


TINY = """
name: tiny
categories: {c: {name: C}}
units: {jining: {name: 集宁区, category: c}}
indicators:
  gdp_growth: {name: GDP, weights: 10, rule: {type: rescale, from: [0, 10]}}
"""


def test_a_new_value_is_a_new_version_and_the_latest_approved_counts(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        cycle = cycles.create_cycle(s, cycles.store_scheme(s, TINY), "2022")
        moves.move(s, cycle, "collecting")
        first = submissions.submit(s, cycle, "jining", "gdp_growth", "6.5")
        reviews.review(s, first, True)
        second = submissions.submit(s, cycle, "jining", "gdp_growth", "7.1", "corrected")
        assert (first.version, second.version) == (1, 2)
        scheme = cycles.scheme_of(cycle, s)
        assert results.dataset(s, cycle, scheme).values[0, 0] == 6.5  # 7.1 is not approved yet
        reviews.review(s, second, True)
        assert results.dataset(s, cycle, scheme).values[0, 0] == 7.1
        count = s.execute(select(func.count()).select_from(Value)).scalar_one()
        assert count == 2  # nothing overwritten


def test_the_same_scheme_text_is_the_same_version(engine: Engine) -> None:
    with transaction(session_factory(engine)) as s:
        a = cycles.store_scheme(s, SCHEME)
        b = cycles.store_scheme(s, SCHEME)
        c = cycles.store_scheme(s, SCHEME.replace("2022年度（示例）", "2023年度（示例）"))
        assert a.id == b.id
        assert c.id != a.id

"""On the platform, an indicator's previous value comes from last year's cycle of the same scheme
(``previous_from: last_year``), on SQLite and PostgreSQL: last year's approved annual values
become this year's previous values, and the stored explanation says so; a unit whose value last
year was not approved keeps the previous written in the scheme."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine

from kaohe.web.accounts import service as accounts
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.results import service as results
from kaohe.web.reviews import service as reviews
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.submissions import service as submissions

SCHEME = """
name: 上年值方案
period: {start: 2022-01-01, end: 2022-12-31}
departments:
  ndrc: {name: 发改委}
categories:
  all: {name: 全部}
units:
  a: {name: 甲, category: all}
  b: {name: 乙, category: all}
  c: {name: 丙, category: all}
indicators:
  energy:
    name: 单位GDP能耗
    owner: ndrc
    direction: lower
    weights: 10
    previous_from: last_year
    previous: {c: 1.0}
    rule: {type: linear, reference: previous, measure: percent, below_rate: 0.5}
"""


def test_previous_values_come_from_last_years_cycle(engine: Engine) -> None:
    factory = session_factory(engine)
    with transaction(factory) as s:
        rep = accounts.add_user(s, "rep", "last-year-pass", "reporter", department="ndrc")
        rev = accounts.add_user(s, "rev", "last-year-pass", "reviewer", department="ndrc")
        last = cycles.create_cycle(
            s, cycles.store_scheme(s, SCHEME.replace("2022-", "2021-"), "t"), "2021", "t"
        )
        moves.move(s, last, "collecting", "t")
        this = cycles.create_cycle(s, cycles.store_scheme(s, SCHEME, "t"), "2022", "t")
        moves.move(s, this, "collecting", "t")
        for cycle, cells, approve in (
            (last, {"a": "1.0", "b": "1.0"}, True),
            (last, {"c": "2.0"}, False),  # submitted, never approved: not last year's value
            (this, {"a": "1.02", "b": "0.9", "c": "1.1"}, True),
        ):
            for unit, raw in cells.items():
                v = submissions.submit(s, cycle, unit, "energy", raw, user=rep)
                if approve:
                    reviews.review(s, v, True, rev)
        res = results.compute(s, this)
        snap = results.latest_results(s, this)
        assert snap is not None
        stored = {u["unit"]: u for u in json.loads(snap.explain)["units"]}
    got: dict[str, tuple[Any, ...]] = {
        u: (i.previous, i.previous_from, i.points) for u in "abc" for i in res.explain(u).indicators
    }
    assert got == {
        "a": (1.0, "last_year", pytest.approx(9.0)),  # 1.02 on 1.0: 2% up, 10 − 1
        "b": (1.0, "last_year", pytest.approx(10.0)),
        "c": (1.0, "scheme", pytest.approx(5.0)),  # 1.1 on the written 1.0: 10% up, 10 − 5
    }
    (energy,) = stored["a"]["indicators"]
    assert energy["previous_from"] == "last_year"
    assert "上年值 1 取自上年数据" in energy["arithmetic"]

"""Period values through the JSON API, on SQLite and PostgreSQL: entered (a version per
changed cell, audited), listed, reviewed at once (set-based, all or none), and then the warnings
they make — the worked example of docs/monitoring.md. Bad input (an undeclared period, a month
entered twice, another department's indicator, text in a number cell) is refused whole with
each problem located."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.audit.verification import verify
from kaohe.web.monitoring import service as mon
from kaohe.web.settings import Settings
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import AuditEntry, Cycle

from .test_monitoring import _setup, values_count

VALUES = "/api/v1/cycles/1/periods/values"
REVIEWS = "/api/v1/cycles/1/periods/reviews"
NEWEST = "/api/v1/cycles/1/periods/newest"


@pytest.fixture
def api(engine: Engine, database_url: str) -> dict[str, Any]:
    _setup(engine)
    with transaction(session_factory(engine)) as s:
        tokens = {
            name: accounts.issue_token(s, name, "api test")
            for name in ("rep-fin", "rev-fin", "rep-dev", "rev-dev", "office")
        }
    app = create_app(Settings(database_url=database_url))
    out: dict[str, Any] = {"app": app}
    for name, token in tokens.items():
        c = TestClient(app)
        c.headers["Authorization"] = f"Bearer {token}"
        out[name] = c
    return out


def cells(rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    keys = ("unit", "indicator", "period", "value")
    return {"values": [dict(zip(keys, r, strict=True)) for r in rows]}


def test_period_values_entered_listed_reviewed_and_warned(
    api: dict[str, Any], engine: Engine
) -> None:
    fin, dev = api["rep-fin"], api["rep-dev"]
    r = fin.post(
        VALUES,
        json=cells(
            [
                (u, "revenue", q, v)
                for q, vs in (("2022-Q1", "27 33 30 15"), ("2022-Q2", "54 66 60 45"))
                for u, v in zip("abcd", vs.split(), strict=True)
            ]
        ),
    )
    assert r.status_code == 201, r.text
    assert {(v["unit"], v["period"], v["version"], v["state"]) for v in r.json()} >= {
        ("a", "2022-Q1", 1, "submitted")
    }
    fai = [("a", "224"), ("b", "216"), ("c", "220"), ("d", "210")]
    rows = [(u, "fai", "2022-Q2", v) for u, v in fai]
    rows += [("a", "fai", "2022-Q1", "110"), ("b", "fai", "2022-Q1", "105")]
    rows += [("c", "fai", "2022-Q1", "108")]
    assert dev.post(VALUES, json=cells(rows)).status_code == 201
    # the same again writes nothing; a changed value is a new version
    assert dev.post(VALUES, json=cells(rows)).json() == []
    again = dev.post(VALUES, json=cells([("c", "fai", "2022-Q1", "109")])).json()
    assert [(v["version"], v["value"]) for v in again] == [(2, "109")]
    assert dev.post(VALUES, json=cells([("c", "fai", "2022-Q1", "108")])).status_code == 201
    # listed: a department sees its own, the office every one; filters
    mine = fin.get(NEWEST).json()
    assert {v["indicator"] for v in mine} == {"revenue"}
    assert len(mine) == 8
    assert len(api["office"].get(NEWEST).json()) == 15
    got = api["office"].get(NEWEST, params={"unit": "c", "indicator": "fai", "period": "2022-Q1"})
    assert [(v["version"], v["value"], v["state"]) for v in got.json()] == [(3, "108", "submitted")]
    assert api["office"].get(NEWEST, params={"period": "2022-Q7"}).status_code == 422
    # reviewed at once: a department's reviewer, its own indicators only, all or none
    ids = [v["id"] for v in dev.get(NEWEST).json()]
    r = api["rev-fin"].post(REVIEWS, json={"values": ids, "approve": True})
    assert r.status_code == 409
    assert "不是您部门的" in r.text
    r = api["rev-dev"].post(REVIEWS, json={"values": ids, "approve": False})
    assert r.status_code == 409
    assert "退回须写明理由" in r.text
    r = api["rev-dev"].post(REVIEWS, json={"values": ids, "approve": True})
    assert r.status_code == 200, r.text
    assert {v["state"] for v in r.json()} == {"approved"}
    assert len(r.json()) == 7
    r = api["rev-dev"].post(REVIEWS, json={"values": ids[:1], "approve": True})
    assert r.status_code == 409  # reviewed already
    ids = [v["id"] for v in fin.get(NEWEST).json()]
    assert api["rev-fin"].post(REVIEWS, json={"values": ids, "approve": True}).status_code == 200
    # the warnings at the second quarter, as on the pages (docs/monitoring.md's table)
    with session_factory(engine)() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        m = mon.compute(s, cycle)
        assert m is not None
        assert m.period == "2022-Q2"
        colours = {(w.unit, w.series): w.colour for w in m.warnings(m.current)}
        assert colours[("d", "revenue")] == "red"
        assert colours[("b", "fai")] == "amber"
        assert colours[("a", "fai")] == "green"
        actions = [
            (e.action, e.target)
            for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        ]
        assert ("value.submit", "cycle:1/c/fai@2022-Q1") in actions
        assert ("value.approve", "cycle:1/d/revenue@2022-Q2") in actions
        assert verify(s).ok, verify(s).breaks


def test_bad_period_values_are_located_and_nothing_is_written(
    api: dict[str, Any], engine: Engine
) -> None:
    before = values_count(engine)
    r = api["rep-dev"].post(
        VALUES,
        json=cells(
            [
                ("a", "fai", "2022-Q1", "110"),
                ("b", "fai", "2022-Q5", "105"),  # an undeclared period
                ("a", "fai", "2022-Q1", "111"),  # entered twice
                ("a", "revenue", "2022-Q1", "27"),  # another department's
                ("c", "fai", "2022-Q1", "1o8"),  # not a number
                ("zz", "fai", "2022-Q1", "1"),  # no such unit
            ]
        ),
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0].startswith("values[1].period: 未声明的监测期 2022-Q5")
    assert detail[1].startswith("values[2]: ")
    assert "values[0]" in detail[1]
    assert detail[2].startswith("values[3].indicator: revenue 不是您部门的调度指标")
    assert detail[3].startswith("values[4].value: 不是数字")
    assert detail[4].startswith("values[5].unit: 未知的考核对象 zz")
    assert values_count(engine) == before
    # the unit's account and the public have no access; a reporter cannot review
    assert TestClient(api["app"]).get(NEWEST).status_code == 401
    assert api["rep-dev"].post(REVIEWS, json={"values": [1], "approve": True}).status_code == 403

"""The JSON API: bearer tokens, the same permissions and checks as the pages, all-or-nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.settings import Settings
from kaohe.web.store import writer
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion, Value


@pytest.fixture(scope="module")
def api(demo_url: str) -> tuple[TestClient, dict[str, str], int]:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        tokens = {
            u: accounts.issue_token(s, u, "test")
            for u in ("rep-stats", "rev-stats", "office", "unit-jining")
        }
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "API test")
        moves.move(s, cycle, "collecting")
        cid = cycle.id
    engine.dispose()
    return TestClient(create_app(Settings(database_url=demo_url))), tokens, cid


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_it_needs_a_valid_token(api: tuple[TestClient, dict[str, str], int]) -> None:
    c, tokens, _ = api
    assert c.get("/api/v1/cycles").status_code == 401
    assert c.get("/api/v1/cycles", headers=bearer("kh_forged")).status_code == 401
    listed = c.get("/api/v1/cycles", headers=bearer(tokens["rep-stats"])).json()
    assert {x["name"] for x in listed} >= {"API test"}


def test_the_public_reads_published_results(api: tuple[TestClient, dict[str, str], int]) -> None:
    c, _, cid = api
    rows = c.get("/api/v1/cycles/1/results").json()
    assert len(rows) == 11
    assert c.get(f"/api/v1/cycles/{cid}/results").status_code == 404  # not published


def test_a_batch_of_values_is_saved_whole_or_not_at_all(
    api: tuple[TestClient, dict[str, str], int], demo_url: str
) -> None:
    c, tokens, cid = api
    url = f"/api/v1/cycles/{cid}/values"
    bad = c.post(
        url,
        headers=bearer(tokens["rep-stats"]),
        json={
            "cells": [
                {"unit": "jining", "column": "gdp_growth", "value": "6.5"},
                {"unit": "fengzhen", "column": "gdp_growth", "value": "6,5"},
                {"unit": "jining", "column": "pm25", "value": "30"},
            ]
        },
    )
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert any(d.startswith("cells[1].value: '6,5': a comma") for d in detail)
    assert any("cells[2].column: 'pm25' is not a column of your department" in d for d in detail)
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        n = s.execute(select(func.count()).select_from(Value).where(Value.cycle_id == cid))
        assert n.scalar_one() == 0
    good = c.post(
        url,
        headers=bearer(tokens["rep-stats"]),
        json={
            "cells": [
                {"unit": "jining", "column": "gdp_growth", "value": "6.5"},
                {
                    "unit": "fengzhen",
                    "column": "gdp_growth",
                    "value": "6.1",
                    "note": "统计快报口径",
                },
            ]
        },
    )
    assert good.status_code == 201
    ids = [v["id"] for v in good.json()]
    with transaction(session_factory(engine)) as s:
        noted = s.get(Value, ids[1])
        assert noted is not None
        assert noted.note == "统计快报口径"
    assert (
        c.post(
            f"/api/v1/cycles/{cid}/reviews",
            headers=bearer(tokens["rep-stats"]),
            json={"values": ids, "approve": True},
        ).status_code
        == 403
    )
    done = c.post(
        f"/api/v1/cycles/{cid}/reviews",
        headers=bearer(tokens["rev-stats"]),
        json={"values": ids, "approve": True},
    )
    assert done.status_code == 200
    assert {v["state"] for v in done.json()} == {"approved"}
    engine.dispose()


def test_values_are_saved_in_the_writers_batch(
    api: tuple[TestClient, dict[str, str], int], demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's saves run in the group-commit writer's batches, as the forms' do: inside
    ``writer.run_batch`` (which commits), not on the request's own session."""
    c, tokens, cid = api
    batches: list[tuple[int, int, int]] = []  # (saves, rows before, rows after) per batch
    real = writer.run_batch
    engine = open_engine(demo_url)

    def rows() -> int:
        with session_factory(engine)() as s:
            query = select(func.count()).select_from(Value).where(Value.cycle_id == cid)
            return int(s.execute(query).scalar_one())

    def watching(sessions: Any, jobs: list[Any]) -> Any:
        before = rows()
        out = real(sessions, jobs)
        batches.append((len(jobs), before, rows()))
        return out

    monkeypatch.setattr(writer, "run_batch", watching)
    url = f"/api/v1/cycles/{cid}/values"
    cells = [
        {"unit": "xinghe", "column": "gdp_growth", "value": "5.5"},
        {"unit": "liangcheng", "column": "gdp_growth", "value": "5.6"},
    ]
    ok = c.post(url, headers=bearer(tokens["rep-stats"]), json={"cells": cells})
    assert ok.status_code == 201
    assert [(v["unit"], v["value"], v["state"]) for v in ok.json()] == [
        ("xinghe", "5.5", "submitted"),
        ("liangcheng", "5.6", "submitted"),
    ]
    n, before, after = batches[-1]
    assert (n, after - before) == (1, 2)  # one save, its two rows committed by the batch
    bad = c.post(
        url,
        headers=bearer(tokens["rep-stats"]),
        json={"cells": [{"unit": "xinghe", "column": "gdp_growth", "value": "lots"}]},
    )
    assert bad.status_code == 422
    assert len(batches) == 2  # refused inside the batch: its savepoint undone, nothing written
    assert batches[-1][1] == batches[-1][2]
    engine.dispose()


def test_it_ignores_the_session_cookie(api: tuple[TestClient, dict[str, str], int]) -> None:
    c, _, cid = api
    page = c.get("/login").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    c.post("/login", data={"username": "rep-stats", "password": "report-demo-pass", "csrf": token})
    r = c.post(
        f"/api/v1/cycles/{cid}/values",
        json={"cells": [{"unit": "jining", "column": "gdp_growth", "value": "6.5"}]},
    )
    assert r.status_code == 401  # a cross-site request riding on the cookie gets nothing


def test_the_openapi_document_lists_the_api_only(
    api: tuple[TestClient, dict[str, str], int],
) -> None:
    c, _, _ = api
    spec = c.get("/api/openapi.json").json()
    cycle = "/api/v1/cycles/{cycle_id}"
    assert set(spec["paths"]) == {
        "/api/v1/cycles",
        f"{cycle}/results",
        f"{cycle}/values",
        f"{cycle}/reviews",
        # the period values (调度数据)
        f"{cycle}/periods/values",
        f"{cycle}/periods/newest",
        f"{cycle}/periods/reviews",
        # the ledgers (台账)
        f"{cycle}/ledgers/projects",
        f"{cycle}/ledgers/projects/{{project_id}}",
        f"{cycle}/ledgers/projects/{{project_id}}/edit",
        f"{cycle}/ledgers/projects/{{project_id}}/stage",
        f"{cycle}/ledgers/changes/{{change_id}}/review",
        f"{cycle}/ledgers/matters",
        f"{cycle}/ledgers/matters/{{matter_id}}",
        f"{cycle}/ledgers/matters/{{matter_id}}/events",
        f"{cycle}/ledgers/new-matter",
    }

"""The ledgers' JSON API on SQLite and PostgreSQL: the register and matters read with a bearer
token (a unit's account: its own), a stage change proposed, refused by the core when it goes
back, approved by the reviewer and counted; a project edited; a matter created and its events
recorded through the state machine; every write in the audit log, every refusal said."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import AuditEntry, LedgerMatter

USERS = ("office", "rep-ndrc", "rev-ndrc", "unit-jining")
BASE = "/api/v1/cycles/1/ledgers"


@pytest.fixture(scope="module")
def api(demo_url: str) -> tuple[TestClient, dict[str, dict[str, str]]]:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        tokens = {u: accounts.issue_token(s, u, "ledgers api") for u in USERS}
    engine.dispose()
    heads = {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}
    return TestClient(create_app(Settings(database_url=demo_url))), heads


def _actions(url: str, target: str) -> list[dict[str, Any]]:
    eng = open_engine(url)
    with transaction(session_factory(eng)) as s:
        rows = s.execute(
            select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.seq)
        ).scalars()
        out = [{**json.loads(e.after or "{}"), "action": e.action, "actor": e.actor} for e in rows]
    eng.dispose()
    return out


def test_the_register_through_the_api(
    api: tuple[TestClient, dict[str, dict[str, str]]], demo_url: str
) -> None:
    c, heads = api
    assert c.get(f"{BASE}/projects").status_code == 401
    listed = c.get(f"{BASE}/projects", headers=heads["office"]).json()
    assert listed["total"] == 583
    assert len(listed["projects"]) == 100
    signed = c.get(f"{BASE}/projects?stage=signed&limit=500", headers=heads["office"]).json()
    assert signed["total"] > 0
    assert {p["stage"] for p in signed["projects"]} == {"signed"}
    assert c.get(f"{BASE}/projects?stage=built", headers=heads["office"]).status_code == 422
    mine = c.get(f"{BASE}/projects?unit=shangdu&limit=500", headers=heads["unit-jining"]).json()
    assert mine["total"] > 0
    assert {p["unit"] for p in mine["projects"]} == {"jining"}  # its own, whatever it asks
    other = next(p for p in signed["projects"] if p["unit"] != "jining")
    assert c.get(f"{BASE}/projects/{other['id']}", headers=heads["unit-jining"]).status_code == 404
    target = next(p for p in signed["projects"] if p["unit"] == "jining")
    url = f"{BASE}/projects/{target['id']}"
    detail = c.get(url, headers=heads["rep-ndrc"]).json()
    assert detail["code"] == target["code"]
    assert [h["stage"] for h in detail["history"]][-1] == "signed"
    last = max(h["on"] for h in detail["history"] if h["on"])
    # a stage that goes back: refused by the core, with its reason, nothing written
    back = c.post(
        f"{url}/stage",
        json={"stage": "reserve", "on": last},
        headers={**heads["rep-ndrc"], "Accept-Language": "en"},
    )
    assert back.status_code == 422
    assert "never goes back" in " ".join(back.json()["detail"])
    # a stage change proposed by the reporter, approved by the reviewer
    assert c.post(f"{url}/stage", json={"stage": "started", "on": last}).status_code == 401
    proposal = c.post(
        f"{url}/stage", json={"stage": "started", "on": last}, headers=heads["rep-ndrc"]
    )
    assert proposal.status_code == 201, proposal.text
    assert proposal.json()["state"] == "proposed"
    changes = c.get(url, headers=heads["office"]).json()["history"]
    proposed = [h for h in changes if h["state"] == "proposed"]
    assert len(proposed) == 1
    again = c.post(f"{url}/stage", json={"stage": "started", "on": last}, headers=heads["rep-ndrc"])
    assert again.status_code == 422  # one proposal at a time
    assert (
        c.post(
            f"{BASE}/changes/{proposed[0]['id']}/review",
            json={"approve": True},
            headers=heads["unit-jining"],
        ).status_code
        == 403
    )
    done = c.post(
        f"{BASE}/changes/{proposed[0]['id']}/review",
        json={"approve": True, "note": "核实"},
        headers=heads["rev-ndrc"],
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "approved"
    assert c.get(url, headers=heads["office"]).json()["stage"] == "started"
    # an edit of the owner's fields: audited; a NUL character refused
    edited = c.post(
        f"{url}/edit",
        json={"sector": "新能源", "total_investment": 12.5},
        headers=heads["rep-ndrc"],
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["sector"] == "新能源"
    assert edited.json()["total_investment"] == 12.5
    assert (
        c.post(f"{url}/edit", json={"name": "a\u0000b"}, headers=heads["rep-ndrc"]).status_code
        == 422
    )
    assert (
        c.post(f"{url}/edit", json={"total_investment": -1}, headers=heads["rep-ndrc"]).status_code
        == 422
    )
    said = [a["action"] for a in _actions(demo_url, f"cycle:1/project:{target['code']}")]
    assert said[-3:] == ["ledgers.stage.propose", "ledgers.stage.approve", "ledgers.project.edit"]


def test_matters_through_the_api(
    api: tuple[TestClient, dict[str, dict[str, str]]], demo_url: str
) -> None:
    c, heads = api
    assert c.get(f"{BASE}/matters", headers=heads["rep-ndrc"]).status_code == 403
    cases = c.get(f"{BASE}/matters?kind=case", headers=heads["office"]).json()
    assert cases["matters"]
    assert {m["kind"] for m in cases["matters"]} == {"case"}
    assert any(m["overdue"] for m in cases["matters"])
    everything = c.get(f"{BASE}/matters", headers=heads["office"]).json()["matters"]
    theirs = c.get(f"{BASE}/matters", headers=heads["unit-jining"]).json()["matters"]
    assert 0 < len(theirs) < len(everything)
    assert all(
        "jining" in (*m["units"], *m["assisting"]) for m in theirs if m["kind"] != "challenge"
    )
    hidden = next(m for m in everything if m["id"] not in {x["id"] for x in theirs})
    assert c.get(f"{BASE}/matters/{hidden['id']}", headers=heads["unit-jining"]).status_code == 404
    # the office assigns a supervision task; the unit reports progress, may not close it
    new = {
        "code": "API-1",
        "kind": "supervision",
        "title": "接口督办事项",
        "opened": "2022-03-01",
        "deadline": "2022-09-30",
        "units": ["jining"],
        "leader": "张三",
    }
    made = c.post(f"{BASE}/new-matter", json=new, headers=heads["office"])
    assert made.status_code == 201, made.text
    matter = made.json()
    assert matter["state"] == "open"
    assert c.post(f"{BASE}/new-matter", json=new, headers=heads["office"]).status_code == 422
    assert (
        c.post(
            f"{BASE}/new-matter",
            json={**new, "code": "API-2", "leader": ""},
            headers=heads["office"],
        ).status_code
        == 422
    )  # a supervision task needs its leader
    assert (
        c.post(
            f"{BASE}/new-matter", json={**new, "code": "API-3"}, headers=heads["unit-jining"]
        ).status_code
        == 403
    )
    url = f"{BASE}/matters/{matter['id']}/events"
    step = c.post(
        url,
        json={"action": "progress", "on": "2022-04-01", "text": "已开工"},
        headers=heads["unit-jining"],
    )
    assert step.status_code == 201, step.text
    assert step.json()["events"][-1]["unit"] == "jining"
    assert (
        c.post(
            url, json={"action": "close", "on": "2022-05-01"}, headers=heads["unit-jining"]
        ).status_code
        == 403
    )
    # closing needs evidence (the core's rule), then it is closed; a second closure refused
    assert (
        c.post(
            url, json={"action": "close", "on": "2022-05-01"}, headers=heads["office"]
        ).status_code
        == 422
    )
    closed = c.post(
        url,
        json={"action": "close", "on": "2022-05-01", "evidence": ["报告.pdf"]},
        headers=heads["office"],
    )
    assert closed.status_code == 201, closed.text
    assert closed.json()["state"] == "closed"
    twice = c.post(
        url,
        json={"action": "close", "on": "2022-05-02", "evidence": ["x"]},
        headers=heads["office"],
    )
    assert twice.status_code == 422
    assert c.get(f"{BASE}/matters/{matter['id']}", headers=heads["unit-jining"]).json()["events"]
    said = [a["action"] for a in _actions(demo_url, "cycle:1/matter:API-1")]
    assert said == ["ledgers.matter.create", "ledgers.matter.event", "ledgers.matter.event"]
    eng = open_engine(demo_url)
    with transaction(session_factory(eng)) as s:
        assert s.execute(select(LedgerMatter).where(LedgerMatter.code == "API-2")).first() is None
    eng.dispose()

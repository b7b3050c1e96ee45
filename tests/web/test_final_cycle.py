"""A final cycle cannot change: every write route that names a cycle (or a commitment or an
objection of one) is refused with 409 and a message, before its handler runs, and nothing is
written (the audit log does not grow). Refusals are pages in the site's layout; HEAD answers
where GET does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from kaohe.web.app import create_app
from kaohe.web.policy import POLICY, may_change
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import CYCLE_STATES, AuditEntry, Cycle, Objection

from .test_site import LOGINS, SAMPLE, client, routes, token

CYCLE_KEYS = ("{cycle_id}", "{commitment_id}", "{objection_id}")


def test_only_a_final_cycle_is_closed() -> None:
    assert [s for s in CYCLE_STATES if not may_change(s)] == ["final"]


@pytest.fixture(scope="module")
def final_app(demo_url: str) -> object:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        if s.get(Objection, 1) is None:  # an objection of the cycle, filed while it was open
            s.add(Objection(id=1, cycle_id=1, unit="jining", indicator="gdp", reason="核实"))
        s.execute(update(Cycle).where(Cycle.id == 1).values(state="final"))
    engine.dispose()
    return create_app(Settings(database_url=demo_url))


def _entries(demo_url: str) -> int:
    engine = open_engine(demo_url)
    with session_factory(engine)() as s:
        n = int(s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
    engine.dispose()
    return n


def _writes() -> list[tuple[str, str, str, bool]]:
    found = [
        r for r in routes() if r[0] not in ("GET", "HEAD") and any(k in r[1] for k in CYCLE_KEYS)
    ]
    assert len(found) >= 20  # entry, upload, review, compute, personnel, arena, commitments…
    return found


def test_every_write_to_a_final_cycle_is_refused_and_writes_nothing(
    final_app: object, demo_url: str
) -> None:
    from kaohe.web.accounts import service as accounts

    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        tokens = {
            role: accounts.issue_token(s, user, "final") for role, (user, _) in LOGINS.items()
        }
    engine.dispose()
    before = _entries(demo_url)
    machine = TestClient(final_app, follow_redirects=False)  # type: ignore[arg-type]
    for method, path, action, api in _writes():
        role = next(r for r in ("office", "reporter", "reviewer", "unit") if r in POLICY[action])
        url = path.format(**SAMPLE)
        if api:
            r = machine.request(
                method,
                url,
                headers={"Authorization": f"Bearer {tokens[role]}"},
                json={"cells": [{"unit": "jining", "column": "x", "value": "1"}], "values": [1]},
            )
            assert r.status_code == 409, (url, r.status_code, r.text[:200])
            assert "final" in r.json()["detail"] or "终结" in r.json()["detail"]
        else:
            c = client(final_app, role)
            r = c.request(method, url, data={"csrf": token(c, "/login")})
            assert r.status_code == 409, (url, role, r.status_code)
            assert "该考核已终结" in r.text, url  # the reason, in the page's language
            assert '<header class="top">' in r.text  # a page in the site's layout
    # the logins made entries; the refused writes none
    engine = open_engine(demo_url)
    with session_factory(engine)() as s:
        added = s.execute(
            select(AuditEntry.action).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
        ).scalars()
        assert set(added) <= {"login"}  # the logins of the test, no write
    engine.dispose()


def test_the_final_cycles_page_offers_no_computation(final_app: object) -> None:
    page = client(final_app, "office").get("/cycles/1/manage").text
    assert "/cycles/1/compute" not in page
    assert "已终结" in page


def test_a_missing_page_is_a_page_and_the_api_answers_json(final_app: object) -> None:
    c = TestClient(final_app, follow_redirects=False)  # type: ignore[arg-type]
    page = c.get("/no/such/page", headers={"referer": "https://evil.example/x"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "没有这个页面" in page.text
    assert 'href="/board"' in page.text
    assert "evil.example" not in page.text  # the way back is a path of this site only
    api = c.get("/api/v1/cycles/999999/results")
    assert api.status_code in (401, 404)
    assert api.headers["content-type"].startswith("application/json")
    assert "detail" in api.json()


def test_head_answers_where_get_does(final_app: object) -> None:
    c = TestClient(final_app, follow_redirects=False)  # type: ignore[arg-type]
    got, head = c.get("/board"), c.head("/board")
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]


def test_a_write_naming_an_id_out_of_range_is_refused_not_a_crash(final_app: object) -> None:
    """2**31 fits no integer column of PostgreSQL: the final-cycle check must not query with it
    (it did: a 500 ``integer out of range``, found by the API conformance test)."""
    machine = TestClient(final_app, follow_redirects=False)  # type: ignore[arg-type]
    big = {key: str(2**31) for key in ("cycle_id", "commitment_id", "objection_id")}
    for method, path, _action, api in _writes():
        url = path.format(**{**SAMPLE, **big})
        if api:
            r = machine.request(method, url, json={"cells": [], "values": [1]})
        else:
            r = machine.request(method, url, data={"csrf": "x"})
        assert r.status_code < 500, (url, r.status_code, r.text[:200])

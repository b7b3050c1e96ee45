"""The site on the demo database: every route × every role, the board's numbers, logging in,
CSRF, lockout, escaping and security headers — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kaohe import assess
from kaohe.io.data_files import load_data
from kaohe.io.scheme_file import load_scheme
from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app, routers
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.deps import Access
from kaohe.web.policy import POLICY, PUBLIC
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import ResultSnapshot, SchemeVersion, User, Value

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"
LOGINS = {  # role → a demo account
    "office": ("office", "office-demo-pass"),
    "reporter": ("rep-stats", "report-demo-pass"),
    "reviewer": ("rev-stats", "review-demo-pass"),
    "unit": ("unit-jining", "unit-demo-pass"),
}


@pytest.fixture(scope="module")
def app(demo_url: str) -> object:
    return create_app(Settings(database_url=demo_url))


def client(app: object, role: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    if role != PUBLIC:
        user, password = LOGINS[role]
        r = c.post(
            "/login", data={"username": user, "password": password, "csrf": token(c, "/login")}
        )
        assert r.status_code == 303, r.text
    return c


def token(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m, "no CSRF token on the page"
    return m.group(1)


def routes() -> list[tuple[str, str, str, bool]]:
    """(method, path, action, api) of every route; a route without an Access dependency fails."""
    out = []
    for router in routers():
        for r in router.routes:
            gates = [
                d.call
                for d in r.dependant.dependencies  # type: ignore[attr-defined]
                if isinstance(d.call, Access)
            ]
            assert len(gates) == 1, f"{r.path} must depend on exactly one Access(action)"  # type: ignore[attr-defined]
            for method in r.methods:  # type: ignore[attr-defined]
                out.append((method, r.path, gates[0].action, gates[0].api))  # type: ignore[attr-defined]
    return out


@pytest.fixture(scope="module")
def tokens(demo_url: str) -> dict[str, str]:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        out = {role: accounts.issue_token(s, user, "matrix") for role, (user, _) in LOGINS.items()}
    engine.dispose()
    return out


SAMPLE = {"cycle_id": "1", "unit": "jining", "code": "en", "objection_id": "1"}


# the board's charts and the demo's first commitment (jining's)
SAMPLE.update(chart="ranking", fmt="svg", commitment_id="1")
SAMPLE.update(evidence_id="1")
SAMPLE.update(person="jining-001")  # a cadre of the demo (personnel pages)
SAMPLE.update(project_id="1", change_id="1", matter_id="1")  # the demo's ledgers
SAMPLE.update(run_id="1")  # a robustness analysis (none in the demo: 404 for the office)


@pytest.mark.parametrize("role", [PUBLIC, "office", "reporter", "reviewer", "unit"])
def test_every_route_answers_every_role_as_the_policy_says(
    app: object, role: str, tokens: dict[str, str]
) -> None:
    c = client(app, role)
    machine = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role != PUBLIC else {}
    for method, path, action, api in routes():
        url = path.format(**SAMPLE)
        if api:
            body = {
                "cells": [{"unit": "x", "column": "y", "value": "1"}],
                "values": [1],
                "approve": True,
            }
            r = machine.request(
                method, url, headers=headers, json=body if method == "POST" else None
            )
            refused = {PUBLIC: 401}.get(role, 403)
        else:
            data = {"csrf": token(c, "/login")} if method == "POST" else None
            if path == "/login" and method == "POST":
                data = {**(data or {}), "username": "nobody", "password": "wrong-password"}
            r = c.request(method, url, data=data)
            refused = 303 if role == PUBLIC else 403
        if role in POLICY[action]:  # served: never refused, never a server error
            denied = (401, 403, 500) if api else (403, 500)  # a page's 401: a failed login
            assert r.status_code not in denied, (method, url, role, r.status_code)
            assert not r.headers.get("location", "").startswith("/login?"), (method, url)
        else:
            assert r.status_code == refused, (method, url, role, r.status_code)
            if refused == 303:
                assert r.headers["location"].startswith("/login")
        if path == "/logout" and role != PUBLIC and role in POLICY[action]:
            c = client(app, role)  # logged out: log in again


def test_the_board_shows_what_kaohe_run_computes_bit_for_bit(demo_url: str) -> None:
    scheme = load_scheme(EXAMPLE / "scheme.yaml")
    expected = assess(scheme, load_data(scheme, EXAMPLE / "data.csv")[0])
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        snap = (
            s.execute(
                select(ResultSnapshot)
                .where(ResultSnapshot.cycle_id == 1)
                .order_by(ResultSnapshot.id)
            )
            .scalars()
            .first()
        )
        assert snap is not None
        rows = {r["unit"]: r for r in json.loads(snap.rows)}
    engine.dispose()
    for row in expected.rows():
        got = rows[row["unit"]]
        assert got["score"] == row["score"]  # exact: floats round-trip through JSON
        assert (got["rank"], got["rank_in_category"], got["grade"]) == (
            row["rank"],
            row["rank_in_category"],
            row["grade"],
        )


def test_the_public_reads_ranks_units_and_csv(app: object) -> None:
    c = client(app, PUBLIC)
    page = c.get("/board/1").text
    assert "重点开发区" in page
    assert "集宁区" in page
    unit = c.get("/board/1/units/jining").text
    assert "同类最高" in unit
    assert "地区生产总值增速" in unit
    body = c.get("/board/1/results.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 11
    assert rows[0]["rank"] == "1"
    assert c.get("/board/1/units/nowhere").status_code == 404
    assert c.get("/board/99").status_code == 404


def test_english_is_one_click_away(app: object) -> None:
    c = client(app, PUBLIC)
    c.get("/lang/en?next=/board/1")
    assert "Overall rank" in c.get("/board/1").text
    assert c.get("/lang/en?next=//evil.example").headers["location"] == "/board"


def test_it_sends_security_headers_and_safe_cookies(app: object) -> None:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_it_refuses_a_form_without_its_csrf_token(app: object) -> None:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    c.get("/login")
    r = c.post(
        "/login", data={"username": "office", "password": "office-demo-pass", "csrf": "forged"}
    )
    assert r.status_code == 400
    assert "uid" not in str(c.cookies)


def test_it_stores_argon2id_hashes_only(demo_url: str) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        hashes = s.execute(select(User.password_hash)).scalars().all()
    engine.dispose()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any("demo-pass" in h for h in hashes)


def test_five_failures_slow_the_account_from_that_address_only(app: object) -> None:
    attacker = TestClient(app, follow_redirects=False, client=("203.0.113.5", 5000))  # type: ignore[arg-type]
    owner = TestClient(app, follow_redirects=False, client=("198.51.100.5", 5000))  # type: ignore[arg-type]
    for _ in range(5):
        r = attacker.post(
            "/login",
            data={
                "username": "unit-zhuozi",
                "password": "wrong-password",
                "csrf": token(attacker, "/login"),
            },
        )
        assert r.status_code == 401
    r = attacker.post(
        "/login",
        data={
            "username": "unit-zhuozi",
            "password": "unit-demo-pass",
            "csrf": token(attacker, "/login"),
        },
    )
    assert r.status_code == 429  # refused unchecked, with when to try again
    assert "请于" in r.text
    assert "考核办" in r.text
    r = owner.post(
        "/login",
        data={
            "username": "unit-zhuozi",
            "password": "unit-demo-pass",
            "csrf": token(owner, "/login"),
        },
    )
    assert r.status_code == 303  # the owner, elsewhere, is not locked out


def test_it_escapes_user_text(app: object) -> None:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.get("/login")
    r = c.post(
        "/login",
        data={
            "username": "<script>alert(1)</script>",
            "password": "wrong-password",
            "csrf": token(c, "/login"),
        },
    )
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text


def test_reporters_enter_and_reviewers_approve_through_the_pages(
    demo_url: str, app: object
) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2023 (test)")
        moves.move(s, cycle, "collecting")
        cid = cycle.id
    rep = client(app, "reporter")
    page = rep.get(f"/cycles/{cid}/entry").text
    assert 'name="cell:jining:gdp_growth"' in page
    assert 'name="cell:jining:pm25"' not in page  # another department's column
    bad = rep.post(
        f"/cycles/{cid}/entry",
        data={
            "csrf": token(rep, f"/cycles/{cid}/entry"),
            "cell:jining:gdp_growth": "6.5",
            "cell:fengzhen:gdp_growth": "6.5%",
        },
    )
    assert bad.status_code == 422
    # in the page's language, naming the unit and the indicator (issue 15)
    assert "丰镇市 · 地区生产总值增速: 数字单元格中填了文字“6.5%”；请填 6.5" in bad.text
    assert "text in a number cell" not in bad.text
    foreign = rep.post(
        f"/cycles/{cid}/entry",
        data={"csrf": token(rep, f"/cycles/{cid}/entry"), "cell:jining:pm25": "30"},
    )
    assert foreign.status_code == 422
    assert "not a column of your department" in foreign.text
    ok = rep.post(
        f"/cycles/{cid}/entry",
        data={"csrf": token(rep, f"/cycles/{cid}/entry"), "cell:jining:gdp_growth": "6.5"},
    )
    assert ok.status_code == 303
    rev = client(app, "reviewer")
    waiting = rev.get(f"/cycles/{cid}/review").text
    ids = re.findall(r'name="value" value="(\d+)"', waiting)
    assert len(ids) == 1  # only the good value was saved: the bad form saved nothing
    done = rev.post(
        f"/cycles/{cid}/review",
        data={"csrf": token(rev, f"/cycles/{cid}/review"), "value": ids, "decision": "approve"},
    )
    assert done.status_code == 303
    with transaction(session_factory(engine)) as s:
        v = s.execute(select(Value).where(Value.cycle_id == cid)).scalars().one()
        assert (v.raw, v.state, v.version) == ("6.5", "approved", 1)
    engine.dispose()


def test_a_department_uploads_its_filled_template_whole_or_not_at_all(
    demo_url: str, app: object, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (upload test)")
        moves.move(s, cycle, "collecting")
        cid = cycle.id
    rep = client(app, "reporter")
    book = rep.get(f"/cycles/{cid}/template.xlsx")
    assert book.status_code == 200
    path = tmp_path / "filled.xlsx"
    path.write_bytes(book.content)
    wb = load_workbook(path)
    ws = wb["市统计局"]
    heads = [c.value for c in ws[1]]
    col = next(k for k, h in enumerate(heads, start=1) if str(h).endswith("[gdp_growth]"))
    ws.cell(row=2, column=col, value=6.8)
    ws.cell(row=3, column=col, value="abc")
    wb.save(path)

    def send(name: str, body: bytes) -> object:
        return rep.post(
            f"/cycles/{cid}/upload",
            data={"csrf": token(rep, f"/cycles/{cid}/entry")},
            files={"file": (name, body)},
        )

    bad = send("filled.xlsx", path.read_bytes())
    assert bad.status_code == 422  # type: ignore[attr-defined]
    # the place in the page's language, the column by its letter and the indicator's name
    assert "filled.xlsx[市统计局] 第 3 行，列 D (地区生产总值增速)" in bad.text  # type: ignore[attr-defined]
    ws.cell(row=3, column=col, value=7.2)
    wb.save(path)
    shown = send("filled.xlsx", path.read_bytes())
    assert shown.status_code == 200  # type: ignore[attr-defined]  # a preview: nothing saved
    form = shown.text[shown.text.index('id="upload-confirm"') :]  # type: ignore[attr-defined]
    sent = {
        k: html.unescape(re.search(rf'name="{k}" value="([^"]*)"', form).group(1))  # type: ignore[union-attr]
        for k in ("csrf", "staged", "token")
    }
    good = rep.post(f"/cycles/{cid}/upload/confirm", data=sent)
    assert good.status_code == 303
    assert send("evil.html", b"<script>").status_code == 422  # type: ignore[attr-defined]
    with transaction(session_factory(engine)) as s:
        saved = s.execute(select(Value).where(Value.cycle_id == cid)).scalars().all()
        assert sorted(v.raw for v in saved) == ["6.8", "7.2"]  # the bad upload saved nothing
    engine.dispose()

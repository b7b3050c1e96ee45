"""Lost updates under real concurrency: two server processes (``kaohe serve --workers 2``) on
one PostgreSQL database, and two people doing the same state change at the same instant. Of
each pair exactly one wins; the other is answered 409 — never both, never a 500 (no deadlock,
no stale-data error)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kaohe.web.accounts import service as accounts
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.demo import load_demo
from kaohe.web.objections import service as objections
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import AuditEntry, Cycle, Objection, SchemeVersion, User
from kaohe.web.submissions import service as submissions

from .conftest import _postgres_database

PAIRS = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, object]]]:
    """A demo database on PostgreSQL with what the races need, served by two processes."""
    for url in _postgres_database():
        made = _prepare(url)
        port = _free_port()
        env = {**os.environ, "KAOHE_DATABASE_URL": url}
        kaohe = [sys.executable, "-c", "from kaohe.cli.main import main; main()"]
        log = tmp_path_factory.mktemp("serve") / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*kaohe, "serve", "--port", str(port), "--workers", "2"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        site = f"http://127.0.0.1:{port}"
        try:
            _wait(site)
            yield site, made
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        assert "Traceback" not in log.read_text(errors="replace"), log.read_text()


def _prepare(url: str) -> dict[str, object]:
    engine = open_engine(url)
    load_demo(engine)  # cycle 1 in publicity
    factory = session_factory(engine)
    with transaction(factory) as s:
        accounts.add_user(s, "office2", "second-office-pass", "office")
        accounts.add_user(s, "rev2-stats", "second-review-pass", "reviewer", department="stats")
        tokens = [
            accounts.issue_token(s, "rev-stats", "race"),
            accounts.issue_token(s, "rev2-stats", "race"),
        ]
        first = s.get(Cycle, 1)
        assert first is not None
        version = s.get(SchemeVersion, first.scheme_version_id)
        assert version is not None
        collecting = cycles.create_cycle(s, version, "races", "office")
        moves.move(s, collecting, "collecting", "office")
        reporter = s.execute(select(User).where(User.username == "rep-stats")).scalar_one()
        values = [
            submissions.submit(s, collecting, uid, "gdp_growth", "5.5", user=reporter).id
            for uid in list(cycles.scheme_of(collecting, s).units)[:PAIRS]
        ]
        unit = s.execute(select(User).where(User.username == "unit-jining")).scalar_one()
        filed = [
            objections.file(s, first, unit, "gdp_growth", f"第 {k} 条理由").id for k in range(PAIRS)
        ]
        drafts = [cycles.create_cycle(s, version, f"draft {k}", "office").id for k in range(PAIRS)]
        made: dict[str, object] = {
            "cycle": collecting.id,
            "values": values,
            "objections": filed,
            "drafts": drafts,
            "tokens": tokens,
            "url": url,
        }
    engine.dispose()
    return made


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(site: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{site}/login", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("the server did not answer within 60 s")


def _sent(client: httpx.Client, path: str, **request: Any) -> int:
    """POST to ``path``; the status code."""
    return int(client.post(path, **request).status_code)


def _at_once(*calls: Callable[[], int]) -> list[int]:
    """Run the calls in threads released together; their status codes."""
    barrier = threading.Barrier(len(calls))
    out: list[int] = [0] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        out[k] = calls[k]()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _login(site: str, user: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=site, follow_redirects=False, timeout=30)
    r = c.post("/login", data={"username": user, "password": password, "csrf": _csrf(c, "/login")})
    assert r.status_code == 303, r.text
    return c


def _csrf(c: httpx.Client, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m, path
    return m.group(1)


def _one_wins(codes: list[int], won: int) -> None:
    assert 500 not in codes, codes
    assert sorted(codes) == sorted([won, 409]), codes


def test_two_reviewers_of_one_value_at_once(server: tuple[str, dict[str, object]]) -> None:
    site, made = server
    first, second = (
        httpx.Client(base_url=site, timeout=30, headers={"Authorization": f"Bearer {t}"})
        for t in made["tokens"]  # type: ignore[attr-defined]
    )
    path = f"/api/v1/cycles/{made['cycle']}/reviews"
    for vid in made["values"]:  # type: ignore[attr-defined]
        codes = _at_once(
            partial(_sent, first, path, json={"values": [vid], "approve": True}),
            partial(
                _sent, second, path, json={"values": [vid], "approve": False, "comment": "数据有误"}
            ),
        )
        _one_wins(codes, 200)


def test_two_office_accounts_answering_one_objection(
    server: tuple[str, dict[str, object]],
) -> None:
    site, made = server
    one = _login(site, "office", "office-demo-pass")
    two = _login(site, "office2", "second-office-pass")
    page = "/cycles/1/objections"
    for oid in made["objections"]:  # type: ignore[attr-defined]
        accept = {"csrf": _csrf(one, page), "decision": "accept", "answer": "采纳"}
        reject = {"csrf": _csrf(two, page), "decision": "reject", "answer": "不予采纳"}
        codes = _at_once(
            partial(_sent, one, f"/objections/{oid}/answer", data=accept),
            partial(_sent, two, f"/objections/{oid}/answer", data=reject),
        )
        _one_wins(codes, 303)
    engine = open_engine(str(made["url"]))
    with transaction(session_factory(engine)) as s:
        for oid in made["objections"]:  # type: ignore[attr-defined]
            obj = s.get(Objection, oid)
            assert obj is not None
            answers = (
                s.execute(
                    select(AuditEntry.action).where(
                        AuditEntry.target == f"cycle:1/objection:{oid}",
                        AuditEntry.action.in_(("objection.accepted", "objection.rejected")),
                    )
                )
                .scalars()
                .all()
            )
            assert answers == [f"objection.{obj.state}"]  # one answer, the one the row holds
    engine.dispose()


def test_two_office_accounts_moving_one_cycle(server: tuple[str, dict[str, object]]) -> None:
    site, made = server
    one = _login(site, "office", "office-demo-pass")
    two = _login(site, "office2", "second-office-pass")
    for cid in made["drafts"]:  # type: ignore[attr-defined]
        manage = f"/cycles/{cid}/manage"
        forms = []
        for c in (one, two):
            text = c.get(manage).text
            revision = re.search(r'name="revision" value="(\d+)"', text)
            assert revision
            forms.append(
                {"csrf": _csrf(c, manage), "state": "collecting", "revision": revision.group(1)}
            )
        codes = _at_once(
            partial(_sent, one, f"/cycles/{cid}/move", data=forms[0]),
            partial(_sent, two, f"/cycles/{cid}/move", data=forms[1]),
        )
        _one_wins(codes, 303)

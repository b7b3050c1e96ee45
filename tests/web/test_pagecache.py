"""The board's page cache: the same page while nothing is written, the new one after any write,
per language, never for a logged-in user — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from kaohe.web.app import create_app
from kaohe.web.audit import chain as audit
from kaohe.web.serving import pagecache
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import Cycle


def test_a_write_shows_on_the_next_request_and_nothing_else_is_mixed_up(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    visitor = TestClient(app, follow_redirects=False)
    first = visitor.get("/board/1")
    assert first.status_code == 200
    assert visitor.get("/board/1").text == first.text
    assert "content-security-policy" in visitor.get("/board/1").headers  # headers still added
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.execute(select(Cycle).where(Cycle.id == 1)).scalar_one()
        old = cycle.name
        cycle.name = "改名后的考核 renamed"
        audit.record(s, "test", "cycle.rename", "cycle:1", before={"name": old})
    engine.dispose()
    assert "改名后的考核 renamed" in visitor.get("/board/1").text
    english = TestClient(app, follow_redirects=False)
    english.get("/lang/en?next=/board/1")
    assert english.get("/board/1").text != visitor.get("/board/1").text
    assert '<html lang="en">' in english.get("/board/1").text
    assert '<html lang="zh-CN">' in visitor.get("/board/1").text
    office = TestClient(app, follow_redirects=False)
    m = re.search(r'name="csrf" value="([^"]+)"', office.get("/login").text)
    assert m
    office.post(
        "/login", data={"username": "office", "password": "office-demo-pass", "csrf": m.group(1)}
    )
    mine = office.get("/board/1").text
    assert "office" in mine  # the header names the user: not the anonymous page
    assert mine != visitor.get("/board/1").text
    assert "office-demo-pass" not in visitor.get("/board/1").text


def test_a_write_of_another_process_shows_within_the_recheck_time(demo_url: str) -> None:
    """Another process's commit does not move this one's commit counter: the head's number is
    read again once the last reading is older than RECHECK_SECONDS."""
    app = create_app(Settings(database_url=demo_url))
    visitor = TestClient(app, follow_redirects=False)
    first = visitor.get("/board/1").text
    cache = next(m for m in middlewares(app) if isinstance(m, pagecache.PageCache))
    engine = open_engine(demo_url)
    with engine.connect() as conn:
        conn.execute(text("UPDATE cycles SET name = 'elsewhere 别处' WHERE id = 1"))
        conn.execute(text("UPDATE audit_head SET seq = seq + 1 WHERE id = 1"))
        conn.commit()
    engine.dispose()
    assert cache._known is not None  # as if that commit was made elsewhere, just now:
    cache._known = (cache._known[0], time.monotonic(), pagecache._commits[0])
    assert visitor.get("/board/1").text == first  # within the recheck time: the kept page
    time.sleep(pagecache.RECHECK_SECONDS + 0.05)
    assert "elsewhere 别处" in visitor.get("/board/1").text


def middlewares(app: object) -> list[object]:
    """The middleware instances of a built app, outermost first."""
    out = []
    node = getattr(app, "middleware_stack", None)
    while node is not None:
        out.append(node)
        node = getattr(node, "app", None)
    return out

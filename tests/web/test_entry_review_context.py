"""What the reporter and the reviewer see beside a cell (issue 15): the entry page's deadline
with 剩余天数 and its unit, a legend of cell states, the return reason on the cell; the review
page's unit of measure, last year's value (where the scheme has one) and the peers' range."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kaohe.web import clock
from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.reviews import service as reviews
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion, User
from kaohe.web.submissions import service as submissions

from .test_site import token


def _login(app: object, user: str, password: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.post("/login", data={"username": user, "password": password, "csrf": token(c, "/login")})
    assert r.status_code == 303
    return c


def _cycle(demo_url: str, days: int) -> int:
    """A collecting cycle due in ``days`` days: energy intensity (ndrc, lower is better, last
    year jining 0.62, fengzhen 3.85) entered for jining 0.60 (returned), fengzhen 3.9, zhuozi
    1.5 (all development); huade 1.0 and liangcheng 1.2 (agriculture)."""
    engine = open_engine(demo_url)
    today = clock.local(datetime.now(UTC)).date()
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        due = cycles.Schedule(collection_deadline=today + timedelta(days=days))
        cycle = cycles.create_cycle(s, version, "2024 (context)", schedule=due)
        moves.move(s, cycle, "collecting")
        rep = s.execute(select(User).where(User.username == "rep-ndrc")).scalar_one()
        rev = s.execute(select(User).where(User.username == "rev-ndrc")).scalar_one()
        for unit, raw in (
            ("jining", "0.60"),
            ("fengzhen", "3.9"),
            ("zhuozi", "1.5"),
            ("huade", "1.0"),
            ("liangcheng", "1.2"),
        ):
            v = submissions.submit(s, cycle, unit, "energy_intensity", raw, user=rep)
            if unit == "jining":
                s.flush()
                reviews.review(s, v, False, rev, "与能源统计年报不符")
        cid = cycle.id
    engine.dispose()
    return cid


def test_the_entry_page_shows_the_deadline_the_legend_and_the_return_reason(
    demo_url: str,
) -> None:
    app = create_app(Settings(database_url=demo_url))
    cid = _cycle(demo_url, 5)
    rep = _login(app, "rep-ndrc", "report-demo-pass")
    page = rep.get(f"/cycles/{cid}/entry").text
    deadline = re.search(r'<p id="deadline"[^>]*>([^<]+)</p>', page)
    assert deadline
    assert "剩余天数：5 天" in deadline.group(1)
    assert "数据采集" in page  # the cycle's state by name
    legend = page[page.index('id="legend"') :]
    legend = legend[: legend.index("</p>")]
    for state in ("未填", "待审核", "已通过", "已退回"):
        assert state in legend
    cell = page[page.index('name="cell:jining:energy_intensity"') :]
    cell = cell[: cell.index("</td>")]
    assert "退回原因：与能源统计年报不符" in cell  # on the cell, not only on hover
    late = _cycle(demo_url, -3)
    assert "已逾期 3 天" in rep.get(f"/cycles/{late}/entry").text


def test_the_review_page_shows_measure_last_year_and_peers(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    cid = _cycle(demo_url, 5)
    rev = _login(app, "rev-ndrc", "review-demo-pass")
    page = rev.get(f"/cycles/{cid}/review").text
    row = page[page.index(">丰镇市</label>") :]
    row = row[: row.index("</tr>")]
    assert "吨标准煤/万元" in row  # the unit of measure
    assert "3.85" in row  # last year's value, from the scheme
    # fengzhen's peers (development, itself left out): jining 0.6, zhuozi 1.5
    assert "0.6 ～ 1.5（2 个）" in row
    row = page[page.index(">凉城县</label>") :]
    row = row[: row.index("</tr>")]
    assert "1 ～ 1（1 个）" in row  # liangcheng's one peer: huade 1.0 (agriculture)
    units = re.findall(r'<label for="value-\d+">([^<]+)</label>', page)
    assert units == ["丰镇市", "卓资县", "化德县", "凉城县"]  # the scheme's order

"""Irreversible moves ask first (issue 15): publishing, finalising and reopening a cycle answer a
page naming the consequence, and move only when that page's button sends ``confirm=yes``; a
deadline already past is saved with a warning naming it; every action ends with a message."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.cycles.routes import irreversible, past_deadlines
from kaohe.web.cycles.service import Schedule
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import Cycle, SchemeVersion

from .test_site import client, token


def test_which_moves_ask_first() -> None:
    assert irreversible("reviewing", "publicity") == "web.consequence_publish"
    assert irreversible("objections_handled", "final") == "web.consequence_final"
    assert irreversible("reviewing", "collecting") == "web.consequence_reopen"
    assert irreversible("draft", "collecting") == ""
    assert irreversible("collecting", "reviewing") == ""
    assert irreversible("publicity", "objections_handled") == ""


def test_past_deadlines_are_named() -> None:
    today = date(2026, 12, 7)
    schedule = Schedule(
        collection_deadline=date(2026, 12, 6),
        departments={"stats": date(2026, 12, 7), "dev": date(2026, 1, 1), "x": None},
    )
    assert past_deadlines(schedule, today) == [("", date(2026, 12, 6)), ("dev", date(2026, 1, 1))]
    assert past_deadlines(Schedule(collection_deadline=today), today) == []


def _state(url: str, cid: int) -> str:
    engine = open_engine(url)
    with transaction(session_factory(engine)) as s:
        state = s.execute(select(Cycle.state).where(Cycle.id == cid)).scalar_one()
    engine.dispose()
    return str(state)


def test_reopening_asks_first_and_a_past_deadline_is_warned(demo_url: str) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (moves)")
        moves.move(s, cycle, "collecting")
        moves.move(s, cycle, "reviewing")
        cid = cycle.id
    engine.dispose()
    app = create_app(Settings(database_url=demo_url))
    office = client(app, "office")
    manage = f"/cycles/{cid}/manage"
    form = {"csrf": token(office, manage), "state": "collecting"}
    asked = office.post(f"/cycles/{cid}/move", data=form)
    assert asked.status_code == 200
    assert "退回数据采集后" in asked.text  # the consequence, named
    assert "将「2024 (moves)」从「审核」转到「数据采集」" in asked.text
    assert _state(demo_url, cid) == "reviewing"  # nothing moved
    revision = re.search(r'name="revision" value="(\d+)"', asked.text)
    assert revision
    done = office.post(
        f"/cycles/{cid}/move", data={**form, "confirm": "yes", "revision": revision.group(1)}
    )
    assert done.status_code == 303
    assert _state(demo_url, cid) == "collecting"
    assert "考核已转到「数据采集」" in office.get(manage).text

    page = office.get(manage).text
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    saved = office.post(
        f"/cycles/{cid}/schedule",
        data={
            "csrf": token(office, manage),
            "revision": revision.group(1),
            "collection_deadline": yesterday,
        },
    )
    assert saved.status_code == 303
    shown = office.get(manage).text
    assert "日期已保存" in shown
    assert f"注意：采集截止日 {yesterday} 已过" in shown
    assert "日期已保存" not in office.get(manage).text  # shown once

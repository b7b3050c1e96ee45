"""The office's robustness analysis on the platform, on SQLite and PostgreSQL: started from its
page, run in the background with its progress kept, its summary the core's own analysis of the
cycle's approved data (compared value for value), published on the board, each unit's exact
gaps on its board page; bad requests refused with a message and nothing written; a failure
recorded, shown and audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kaohe.io.robustness_files import rank_rows
from kaohe.robustness.analysis import analyse
from kaohe.web.app import create_app
from kaohe.web.cycles.service import scheme_of
from kaohe.web.results import service as results
from kaohe.web.robustness import service as robustness
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import AuditEntry, Cycle, RobustnessRun, now

from .test_site import client, token

SAMPLES = 200


@pytest.fixture(scope="module")
def app(demo_url: str) -> Any:
    return create_app(Settings(database_url=demo_url))


def _db(demo_url: str) -> Any:
    return session_factory(open_engine(demo_url))


def _start(c: TestClient, samples: str, gaps: bool = False) -> Any:
    data = {"csrf": token(c, "/cycles/1/robustness"), "samples": samples}
    if gaps:
        data["gaps"] = "on"
    return c.post("/cycles/1/robustness", data=data)


def _actions(demo_url: str) -> list[str]:
    with _db(demo_url)() as s:
        return list(s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_bad_samples_are_refused_and_nothing_is_written(app: Any, demo_url: str) -> None:
    c = client(app, "office")
    before = _actions(demo_url)
    for bad in ("abc", "50", "1000000", "-5"):
        r = _start(c, bad)
        assert r.status_code == 422, bad  # the form's value is wrong: not a conflict, not a 500
        assert "抽样次数须为 100–100000 之间的整数" in r.text
    with _db(demo_url)() as s:
        assert s.execute(select(func.count()).select_from(RobustnessRun)).scalar_one() == 0
    assert _actions(demo_url) == before


def test_a_run_is_the_cores_analysis_and_the_board_shows_it_once_published(
    app: Any, demo_url: str
) -> None:
    c = client(app, "office")
    r = _start(c, str(SAMPLES), gaps=True)
    assert r.status_code == 303
    page = c.get("/cycles/1/robustness")  # the background task has run (the test client waits)
    assert "分析 1 的结果" in page.text
    assert "集宁区" in page.text
    assert 'http-equiv="refresh"' not in page.text  # it refreshes itself only while running
    with _db(demo_url)() as s:
        run = s.get(RobustnessRun, 1)
        assert run is not None
        assert (run.state, run.done, run.total) == ("done", SAMPLES + 11, SAMPLES + 11)
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        scheme = scheme_of(cycle, s)
        data = results.dataset(s, cycle, scheme)
        found = robustness.summary(run)
        assert found is not None
    spec = scheme.robustness.model_copy(update={"samples": SAMPLES, "sensitivity": None})
    assert found.units == rank_rows(analyse(scheme, data, spec, workers=1))  # the same numbers
    assert set(found.gaps) == set(scheme.units)
    assert {"robustness.start", "robustness.done"} <= set(_actions(demo_url))

    public = TestClient(app)
    assert "尚未公开稳健性分析" in public.get("/board/1/robustness").text
    assert "差距：进一位" not in public.get("/board/1/units/jining").text
    r = c.post("/cycles/1/robustness/1/publish", data={"csrf": token(c, "/cycles/1/robustness")})
    assert r.status_code == 303
    board = public.get("/board/1/robustness").text
    assert "90% 排名区间" in board
    assert "丰镇市" in board
    assert "jining" not in board.split("<main>")[1]  # names, not ids
    unit = public.get("/board/1/units/jining").text
    assert "差距：进一位、升一等需要多少（精确）" in unit
    # a count is a whole number of projects, rounded up (the engine's threshold: 102.169142)
    assert "102.169142" not in unit
    assert "103（+25）" in unit
    with _db(demo_url)() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        lines = robustness.unit_gaps(s, cycle, "jining", "zh")
    assert lines
    assert all(line.place in unit and line.grade in unit for line in lines)
    assert "robustness.publish" in _actions(demo_url)


def test_a_second_run_waits_for_the_first_unless_it_stalled(app: Any, demo_url: str) -> None:
    with transaction(_db(demo_url)) as s:
        s.add(RobustnessRun(cycle_id=1, snapshot_id=1, samples=SAMPLES, total=SAMPLES))
    c = client(app, "office")
    r = _start(c, str(SAMPLES))
    assert r.status_code == 409
    assert "仍在运行" in r.text
    assert 'http-equiv="refresh"' in c.get("/cycles/1/robustness").text  # it watches the run
    with transaction(_db(demo_url)) as s:  # the run stops telling how far it is
        run = s.execute(select(RobustnessRun).where(RobustnessRun.state == "running")).scalar_one()
        run.updated_at = now() - timedelta(minutes=11)
    page = c.get("/cycles/1/robustness").text
    assert "已超过 10 分钟没有进展" in page
    assert _start(c, str(SAMPLES)).status_code == 303


def test_a_failed_run_is_recorded_shown_and_audited(
    app: Any, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the analysis broke")

    monkeypatch.setattr(robustness, "analyse", broken)
    c = client(app, "office")
    assert _start(c, str(SAMPLES)).status_code == 303
    page = c.get("/cycles/1/robustness").text
    assert "RuntimeError: the analysis broke" in page
    assert "失败" in page
    assert _actions(demo_url)[-1] == "robustness.failed"
    with _db(demo_url)() as s:
        failed = s.execute(
            select(RobustnessRun).where(RobustnessRun.state == "failed")
        ).scalar_one()
        failed_id = failed.id
    r = c.post(
        f"/cycles/1/robustness/{failed_id}/publish",
        data={"csrf": token(c, "/cycles/1/robustness")},
    )
    assert r.status_code == 409
    assert "尚未完成，不能公开" in r.text

"""The annual report of a platform cycle: the office's download and ``kaohe report CYCLE``
write the report ``kaohe report SCHEME DATA`` writes, of the cycle's latest result (the same
bytes both ways, and on a rerun), with the scheme version, the result and the audit head in its
header; refused with a message while the data have changed since the last computation. On
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select, update

from kaohe.cli.main import main
from kaohe.i18n import language
from kaohe.report.content import robustness_summary
from kaohe.robustness.analysis import analyse
from kaohe.web.app import create_app
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import scheme_of
from kaohe.web.monitoring import service as monitoring
from kaohe.web.results import service as results
from kaohe.web.results.report import cycle_report
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import (
    Cycle,
    ResultSnapshot,
    RobustnessRun,
    RulebookDecision,
    SchemeVersion,
    Value,
)

from .test_site import client, token

NAMES = ("集宁区", "丰镇市", "卓资县", "化德县", "商都县", "兴和县", "凉城县", "四子王旗")


@pytest.fixture(scope="module")
def office(demo_url: str) -> Any:
    return client(create_app(Settings(database_url=demo_url)), "office")


def test_the_office_downloads_the_report_of_the_cycle(office: Any, demo_url: str) -> None:
    r = office.get("/cycles/1/report.html")
    assert r.status_code == 200, r.text[:300]
    html = r.text
    assert all(name in html for name in NAMES)
    with session_factory(open_engine(demo_url))() as s:
        version = s.get(SchemeVersion, 1)
        snap = (
            s.execute(
                select(ResultSnapshot)
                .where(ResultSnapshot.cycle_id == 1)
                .order_by(ResultSnapshot.id.desc())
            )
            .scalars()
            .first()
        )
        assert version is not None
        assert snap is not None
        assert hashlib.sha256(version.text.encode()).hexdigest() in html
        assert audit.snapshot_digest(snap.rows, snap.explain) in html
    assert office.get("/cycles/1/report.html").content == r.content  # the same bytes again
    # the demo's year is monitored: its progress at the latest approved period, on the city's
    # page and each unit's (the monitoring's own records)
    with session_factory(open_engine(demo_url))() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        m = monitoring.compute(s, cycle)
    assert m is not None
    period = m.plan.calendar.label(m.current, "zh")
    assert html.count(f"调度进度（截至{period}）") == 1 + len(m.plan.units)
    first = m.warnings(m.current)[0]
    assert escape(str(first.reason)) in html
    book = load_workbook(BytesIO(office.get("/cycles/1/report.xlsx").content))
    assert len(book.sheetnames) >= 3


def test_the_command_writes_the_same_report(office: Any, demo_url: str, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        main,
        ["report", "1", "-o", str(tmp_path / "r"), "--no-pdf"],
        env={"KAOHE_DATABASE_URL": demo_url, "KAOHE_LANG": "zh"},
    )
    assert done.exit_code == 0, done.output
    written = (tmp_path / "r" / "report.html").read_bytes()
    assert written == office.get("/cycles/1/report.html").content
    wrong = CliRunner().invoke(
        main, ["report", "x", "-o", str(tmp_path / "x")], env={"KAOHE_DATABASE_URL": demo_url}
    )
    assert wrong.exit_code != 0
    assert not (tmp_path / "x").exists()


def test_the_pdf_is_a_pdf(office: Any, demo_url: str) -> None:
    pytest.importorskip("typst", reason="Typst (report.pdf) is not installed")
    if "sqlite" not in demo_url:
        pytest.skip("the PDF is the same on both databases: made once (it takes seconds)")
    r = office.get("/cycles/1/report.pdf")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")


def test_it_carries_the_public_decisions_and_the_published_robustness(
    office: Any, demo_url: str
) -> None:
    """The rulebook's public decisions of the cadre computation made from the result, and the
    robustness summary the office published of it: the same section the files' report makes
    from the core's analysis of the same values."""
    factory = session_factory(open_engine(demo_url))
    with factory() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        before = cycle_report(s, cycle, "zh", dt.date(2026, 12, 7))
        public = s.execute(select(RulebookDecision).where(RulebookDecision.public.is_(True)))
        rows = list(public.scalars())
    assert before.robustness is None  # nothing published yet
    assert rows, "the demo's computation has public decisions"
    assert {d.rule for d in before.decisions} == {r.rule for r in rows}
    assert sum(len(d.rows) for d in before.decisions) == len(rows)
    html = office.get("/cycles/1/report.html").text
    assert all(d.name in html for d in before.decisions)
    assert before.decisions[0].rows[0].explanation in html

    form = {"csrf": token(office, "/cycles/1/robustness"), "samples": "100"}
    assert office.post("/cycles/1/robustness", data=form).status_code == 303
    with factory() as s:
        run = s.execute(select(RobustnessRun).order_by(RobustnessRun.id.desc())).scalars().first()
        assert run is not None
        assert run.state == "done"
        run_id = run.id
    form = {"csrf": token(office, "/cycles/1/robustness")}
    assert office.post(f"/cycles/1/robustness/{run_id}/publish", data=form).status_code == 303
    with factory() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        after = cycle_report(s, cycle, "zh", dt.date(2026, 12, 7))
        scheme = scheme_of(cycle, s)
        data = results.dataset(s, cycle, scheme)
    spec = scheme.robustness.model_copy(update={"samples": 100, "sensitivity": None})
    with language("zh"):
        core = robustness_summary(analyse(scheme, data, spec, workers=1))
    assert after.robustness == core
    assert after.decisions == before.decisions
    html = office.get("/cycles/1/report.html").text
    assert core.settings in html
    assert all(r.name in html for r in core.rows)


def test_a_report_of_changed_data_is_refused_until_computed(office: Any, demo_url: str) -> None:
    with transaction(session_factory(open_engine(demo_url))) as s:
        s.execute(
            update(Value)
            .where(Value.cycle_id == 1, Value.unit == "jining", Value.column == "gdp_growth")
            .values(raw="9.9")
        )
    r = office.get("/cycles/1/report.html")
    assert r.status_code == 409
    assert "请先重新计算" in r.text

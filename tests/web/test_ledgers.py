"""The ledgers on the platform, on SQLite and PostgreSQL: a register and matters imported,
a stage change proposed and reviewed, a matter's event, and the indicators the scheme derives
from them read from the stored records when the office computes; bad files refused with every
problem located and nothing written; the pages through the site."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.demo import _add, _enter, demo_accounts
from kaohe.web.ledgers import reminders
from kaohe.web.ledgers import service as ledgers
from kaohe.web.ledgers.service import LedgerWebError
from kaohe.web.results import service as results
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.migrate import upgrade
from kaohe.web.store.models import (
    AuditEntry,
    Cycle,
    LedgerMatter,
    LedgerProject,
    LedgerStageChange,
    User,
)
from tests.web.conftest import _url

LEDGERS = Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "ledgers"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ledger_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A cycle of the Ulanqab ledgers scheme, its data entered and approved, no ledgers yet."""
    for url in _url(request.param, tmp_path_factory.mktemp("ledgers")):
        eng = open_engine(url)
        upgrade(eng)
        with transaction(session_factory(eng)) as s:
            text = (LEDGERS / "scheme.yaml").read_text(encoding="utf-8")
            version = cycles.store_scheme(s, text, actor="test")
            scheme = cycles.scheme_of_version(version)
            users = {a.username: _add(s, a, scheme) for a in demo_accounts(scheme)}
            cycle = cycles.create_cycle(s, version, "2022 台账", "test")
            moves.move(s, cycle, "collecting", "office")
            _enter(s, cycle, scheme, users, LEDGERS / "data.csv")
        eng.dispose()
        yield url


def _user(s: Session, name: str) -> User:
    return s.execute(select(User).where(User.username == name)).scalar_one()


def _rate(explain: dict[str, Any], unit: str, indicator: str) -> dict[str, Any]:
    u = next(x for x in explain["units"] if x["unit"] == unit)
    return next(i for i in u["indicators"] if i["indicator"] == indicator)


BAD_REGISTER = (
    "编号,项目名称,所属单位,签约日期,开工日期,当前阶段\n"
    "p1,甲项目,集宁区,2022-05-01,2022-04-01,开工\n"  # started before it was signed
    "p1,乙项目,集宁区,,,\n"  # the id again
    "p3,,没有的旗,,,\n"  # no name, an unknown unit
)


def test_import_stage_review_and_derived_results(ledger_url: str) -> None:
    eng = open_engine(ledger_url)
    factory = session_factory(eng)
    # a bad register: refused whole, every problem located, nothing written
    with transaction(factory) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        scheme = cycles.scheme_of(cycle, s)
        office = _user(s, "office")
        entries = s.execute(select(func.count()).select_from(AuditEntry)).scalar()
        with pytest.raises(LedgerWebError) as bad:
            ledgers.import_projects(
                s, cycle, scheme, "台账.csv", BAD_REGISTER.encode("utf-8"), office
            )
        text = "\n".join(bad.value.problems)
        assert "台账.csv row 2, column E" in text  # 开工日期 before 签约日期
        assert "台账.csv row 3, column A" in text  # p1 twice
        assert "台账.csv row 4, column B" in text  # no name
        assert "台账.csv row 4, column C" in text  # unknown unit
        assert "/tmp" not in text
        assert "Temp" not in text
        assert s.execute(select(func.count()).select_from(LedgerProject)).scalar() == 0
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar() == entries
    # the example's ledgers, imported by the office
    with transaction(factory) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        scheme = cycles.scheme_of(cycle, s)
        office = _user(s, "office")
        body = (LEDGERS / "projects.xlsx").read_bytes()
        assert ledgers.import_projects(s, cycle, scheme, "projects.xlsx", body, office) == 583
        body = (LEDGERS / "matters.xlsx").read_bytes()
        assert ledgers.import_matters(s, cycle, scheme, "matters.xlsx", body, office) > 100
        moves.move(s, cycle, "reviewing", "office")
        results.compute(s, cycle, "office")
    # a second import of the same register: refused at each row, nothing written
    with transaction(factory) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        body = (LEDGERS / "projects.xlsx").read_bytes()
        with pytest.raises(LedgerWebError) as again:
            ledgers.import_projects(
                s, cycle, cycles.scheme_of(cycle, s), "projects.xlsx", body, _user(s, "office")
            )
        assert len(again.value.problems) == 583
        assert "SD-018" in " ".join(again.value.problems)
    with transaction(factory) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        snap = results.latest_results(s, cycle)
        assert snap is not None
        rate = _rate(json.loads(snap.explain), "shangdu", "project_start_rate")
        # the CLI's numbers from the same files (tests/ledgers/test_cli.py): 17 ÷ 18
        assert rate["derivation"]["arithmetic"].startswith("17 ÷ 18 × 100")
        assert [r["id"] for r in rate["derivation"]["groups"][1]["records"]] == ["SD-018"]
        # SD-018 (signed 2022-02-03, planned to start 2022-03-21) starts: proposed by a reporter
        p = s.execute(select(LedgerProject).where(LedgerProject.code == "SD-018")).scalar_one()
        assert p.stage == "signed"
        reporter = _user(s, "rep-ndrc")
        with pytest.raises(LedgerWebError) as back:  # the core refuses a stage going back
            ledgers.propose_stage(
                s, cycle, p, ledgers.parse_stage("reserve", "2022-05-01", "", ""), reporter
            )
        assert "倒退" in back.value.problems[0]
        change = ledgers.propose_stage(
            s, cycle, p, ledgers.parse_stage("started", "2022-05-01", "", "开工令.pdf"), reporter
        )
        with pytest.raises(LedgerWebError):  # one proposal at a time
            ledgers.propose_stage(
                s, cycle, p, ledgers.parse_stage("completed", "2022-11-01", "", ""), reporter
            )
        with pytest.raises(LedgerWebError):  # not one's own
            ledgers.review_stage(s, cycle, p, change, True, "", reporter)
        results.compute(s, cycle, "office")  # not reviewed yet: the register still says signed
    with transaction(factory) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        snap = results.latest_results(s, cycle)
        assert snap is not None
        rate = _rate(json.loads(snap.explain), "shangdu", "project_start_rate")
        assert rate["derivation"]["arithmetic"].startswith("17 ÷ 18 × 100")
        p = s.execute(select(LedgerProject).where(LedgerProject.code == "SD-018")).scalar_one()
        change = s.execute(
            select(LedgerStageChange).where(LedgerStageChange.state == "proposed")
        ).scalar_one()
        ledgers.review_stage(s, cycle, p, change, True, "核实开工", _user(s, "rev-ndrc"))
        assert p.stage == "started"
        results.compute(s, cycle, "office")
    with transaction(factory) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        snap = results.latest_results(s, cycle)
        assert snap is not None
        rate = _rate(json.loads(snap.explain), "shangdu", "project_start_rate")
        assert rate["derivation"]["arithmetic"].startswith("18 ÷ 18 × 100 = 100")
        assert "SD-018" in [r["id"] for r in rate["derivation"]["groups"][0]["records"]]
        # the register page shows the same number the results read
        table = ledgers.derived_table(s, cycle, cycles.scheme_of(cycle, s))
        assert not table.problems
        assert table.values["shangdu"]["project_start_rate"] == "100"
        # the history keeps every row, and the audit log every step
        p = s.execute(select(LedgerProject).where(LedgerProject.code == "SD-018")).scalar_one()
        states = [c.state for c in ledgers.history(s, p, state="")]
        assert states[-1] == "approved"
        assert len(states) >= 3
        actions = set(
            s.execute(
                select(AuditEntry.action).where(AuditEntry.target.like("%project:SD-018"))
            ).scalars()
        )
        assert {"ledgers.stage.propose", "ledgers.stage.approve"} <= actions
    eng.dispose()
    office = _client(create_app(Settings(database_url=ledger_url)), "office")
    page = office.get("/cycles/1/ledgers?unit=shangdu")
    assert page.status_code == 200
    assert "重大项目开复工率" in page.text
    derived = page.text.split('id="derived"')[1].split("</details>")[0]
    assert "商都县" in derived
    assert "集宁区" not in derived


def test_matter_events_through_the_workflow(ledger_url: str) -> None:
    eng = open_engine(ledger_url)
    with transaction(session_factory(eng)) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        if not s.execute(select(LedgerMatter)).first():
            pytest.skip("needs the ledgers imported by the test before")
        scheme = cycles.scheme_of(cycle, s)
        office = _user(s, "office")
        row = s.execute(
            select(LedgerMatter).where(LedgerMatter.kind == "case").order_by(LedgerMatter.code)
        ).scalars()
        case = next(
            r
            for r in row
            if ledgers.matter_of(r, ledgers.events_of(s, r)).events == ()
            or ledgers.matter_of(r, ledgers.events_of(s, r)).events[-1].action != "resolve"
        )
        m = ledgers.matter_of(case, ledgers.events_of(s, case))
        last = max([m.opened, *(e.on for e in m.events)])
        on = last.isoformat()
        results.compute(s, cycle, "office")
        snap = results.latest_results(s, cycle)
        assert snap is not None
        late = _rate(json.loads(snap.explain), m.units[0], "overdue_matters")["derivation"]
        assert m.id in [r["id"] for g in late["groups"] for r in g["records"]]
        e = ledgers.parse_event("resolve", on, "", "", "已化解", "", "")
        ledgers.record_event(s, cycle, case, e, office)
        results.compute(s, cycle, "office")
        snap = results.latest_results(s, cycle)
        assert snap is not None
        late = _rate(json.loads(snap.explain), m.units[0], "overdue_matters")["derivation"]
        assert m.id not in [r["id"] for g in late["groups"] for r in g["records"]]
        with pytest.raises(LedgerWebError) as twice:  # resolved: not again
            ledgers.record_event(s, cycle, case, e, office)
        assert "已化解" in twice.value.problems[0]
        unit = m.units[0]
        stranger = next(u for u in scheme.units if u != unit)
        account = _user(s, f"unit-{stranger}")
        progress = ledgers.parse_event("progress", on, stranger, "", "进展", "", "")
        with pytest.raises(LedgerWebError):  # not its matter
            ledgers.record_event(s, cycle, case, progress, account)
        assert not ledgers.may_see_matter(account, m)
        assert ledgers.may_see_matter(_user(s, f"unit-{unit}"), m)
        # a new supervision task from the office's form: checked by the core first
        with pytest.raises(LedgerWebError) as bad:
            ledgers.parse_matter(
                {"code": "DB-900", "kind": "supervision", "title": "x", "opened": "2022-03-01"},
                scheme,
            )
        assert len(bad.value.problems) >= 3  # no unit, no leader, no deadline
        fields = {
            "code": "DB-900",
            "kind": "supervision",
            "title": "新增督办（测试）",
            "opened": "2022-03-01",
            "deadline": "2022-04-30",
            "units": "集宁区",
            "leader": "市领导（测试）",
        }
        made = ledgers.create_matter(s, cycle, ledgers.parse_matter(fields, scheme), office)
        assert made.units == '["jining"]'
        with pytest.raises(LedgerWebError):  # its id again
            ledgers.create_matter(s, cycle, ledgers.parse_matter(fields, scheme), office)
        overdue = [d.matter for d in ledgers.due(s, cycle, scheme, dt.date(2022, 12, 31))]
        assert "DB-900" in overdue
        # a talk list closes only when every talk is recorded
        lists = [x for x in ledgers.lists_of(s, cycle, dt.date(2023, 6, 30)) if not x.closed]
        assert lists, "the example has a talk list still open"
        open_list = next(x for x in lists if x.pending)
        with pytest.raises(LedgerWebError) as pending:
            ledgers.close_talk_list(s, cycle, open_list.batch, dt.date(2023, 6, 30), office)
        assert len(pending.value.problems) == len(open_list.pending)
        for code in open_list.pending:
            held = s.execute(select(LedgerMatter).where(LedgerMatter.code == code)).scalar_one()
            talk = ledgers.matter_of(held, ledgers.events_of(s, held))
            when = max([talk.opened, *(e.on for e in talk.events)]).isoformat()
            record = ledgers.parse_event("record", when, "", "市委组织部（测试）", "已谈话", "", "")
            ledgers.record_event(s, cycle, held, record, office)
        closed = ledgers.close_talk_list(s, cycle, open_list.batch, dt.date(2023, 6, 30), office)
        assert set(open_list.pending) <= set(closed.matters)
        with pytest.raises(LedgerWebError):  # closed once
            ledgers.close_talk_list(s, cycle, open_list.batch, dt.date(2023, 6, 30), office)
    eng.dispose()


# --------------------------------------------------------------------------- the pages

LOGINS = {
    "office": ("office", "office-demo-pass"),
    "reporter": ("rep-ndrc", "report-demo-pass"),
    "reviewer": ("rev-ndrc", "review-demo-pass"),
    "unit": ("unit-jining", "unit-demo-pass"),
}


def _client(app: Any, role: str | None) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    if role is not None:
        user, password = LOGINS[role]
        r = c.post("/login", data={"username": user, "password": password, "csrf": _csrf(c)})
        assert r.status_code == 303, r.text
    return c


def _csrf(c: TestClient, path: str = "/login") -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m
    return m.group(1)


def test_the_pages_on_the_demo(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    office = _client(app, "office")
    page = office.get("/cycles/1/ledgers?stage=started")
    assert page.status_code == 200
    assert "重点项目台账" in page.text
    assert "集宁区" in page.text
    assert office.get("/cycles/1/ledgers?offset=50").status_code == 200
    assert office.get("/cycles/1/ledgers?offset=-1").status_code == 422
    for kind in ("supervision", "challenge", "talk", "case"):
        r = office.get(f"/cycles/1/ledgers/matters?kind={kind}")
        assert r.status_code == 200
    cases = office.get("/cycles/1/ledgers/matters?kind=case").text
    assert "已逾期" in cases
    # the overdue and due-soon cases counted per unit (the unit's account: its own row only)
    assert 'id="per-unit"' in cases
    per_unit = cases.split('id="per-unit"')[1].split("</table>")[0]
    assert per_unit.count("<tr") > 2
    assert 'class="overdue"' in per_unit
    board = _client(app, None).get("/board/1/ledgers")
    assert board.status_code == 200
    assert "<svg" in board.text
    assert "全市" in board.text
    # a bad register through the import page: refused, every problem listed, nothing written
    reporter = _client(app, "reporter")
    token = _csrf(reporter, "/cycles/1/ledgers/import")
    with transaction(session_factory(open_engine(demo_url))) as s:
        before = s.execute(select(func.count()).select_from(LedgerProject)).scalar()
    r = reporter.post(
        "/cycles/1/ledgers/import",
        data={"csrf": token, "ledger": "projects"},
        files={"file": ("台账.csv", io.BytesIO(BAD_REGISTER.encode("utf-8")), "text/csv")},
    )
    assert r.status_code == 422
    assert r.text.count('<li class="error">') == 4
    assert "台账.csv row 2, column E" in r.text
    with transaction(session_factory(open_engine(demo_url))) as s:
        assert s.execute(select(func.count()).select_from(LedgerProject)).scalar() == before
        target = (
            s.execute(
                select(LedgerProject)
                .where(LedgerProject.stage == "signed")
                .order_by(LedgerProject.id)
            )
            .scalars()
            .first()
        )
        assert target is not None
        pid = target.id
        history = ledgers.history(s, target)
        last = max(c.on for c in history if c.on is not None)
    # a stage change through the project page, then its review
    url = f"/cycles/1/ledgers/projects/{pid}"
    token = _csrf(reporter, url)
    r = reporter.post(
        f"{url}/stage", data={"csrf": token, "stage": "started", "on": last.isoformat()}
    )
    assert r.status_code == 303, r.text
    reviewer = _client(app, "reviewer")
    inbox = reviewer.get("/inbox")
    assert target.code in inbox.text
    with transaction(session_factory(open_engine(demo_url))) as s:
        change = s.execute(
            select(LedgerStageChange).where(
                LedgerStageChange.project_id == pid, LedgerStageChange.state == "proposed"
            )
        ).scalar_one()
        cid = change.id
    token = _csrf(reviewer, url)
    r = reviewer.post(
        f"/cycles/1/ledgers/changes/{cid}/review", data={"csrf": token, "decision": "approve"}
    )
    assert r.status_code == 303, r.text
    assert "开工" in office.get(url).text
    # a unit sees its own projects and matters only
    unit = _client(app, "unit")
    with transaction(session_factory(open_engine(demo_url))) as s:
        other = s.execute(
            select(LedgerProject.id).where(LedgerProject.unit != "jining").limit(1)
        ).scalar_one()
    assert unit.get(f"/cycles/1/ledgers/projects/{other}").status_code == 404
    assert unit.get("/inbox").status_code == 200


# --------------------------------------------------------------------------- reminders


def test_reminders_go_through_a_local_smtp_server_and_are_audited(ledger_url: str) -> None:
    controller_mod = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd not installed")
    from aiosmtpd.handlers import Sink

    received: list[Any] = []

    class Keep(Sink):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = controller_mod.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        eng = open_engine(ledger_url)
        with transaction(session_factory(eng)) as s:
            cycle = s.get(Cycle, 1)
            assert cycle is not None
            if not s.execute(select(LedgerMatter)).first():
                pytest.skip("needs the ledgers imported by the test before")
            scheme = cycles.scheme_of(cycle, s)
            office = _user(s, "office")
            off = Settings(database_url=ledger_url)
            with pytest.raises(LedgerWebError):  # off by default
                reminders.send(s, cycle, scheme, off, office)
            units = sorted({d.unit for d in ledgers.due(s, cycle, scheme, dt.date(2022, 12, 31))})
            on = Settings(
                database_url=ledger_url,
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_from="kaohe@test.invalid",
                reminder_to=(
                    ("office", "office@test.invalid"),
                    (f"unit-{units[0]}", "unit@test.invalid"),
                    ("nobody", "nobody@test.invalid"),
                ),
            )
            sent = reminders.send(s, cycle, scheme, on, office)
            assert [r.recipient for r in sent] == ["office@test.invalid", "unit@test.invalid"]
            assert all(r.ok for r in sent)
            audited = s.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "ledgers.remind")
            ).scalar()
            assert audited == 2
        eng.dispose()
    finally:
        controller.stop()
    assert sorted(e.rcpt_tos[0] for e in received) == ["office@test.invalid", "unit@test.invalid"]
    body = received[1].content.decode("utf-8", "replace")
    assert "Subject:" in body


def test_reminders_are_posted_to_a_webhook_and_a_failure_is_kept(ledger_url: str) -> None:
    """The webhook channel (a messaging platform's gateway): each reminder posted as JSON to a
    local server started here; a 500 answer is kept as a failed reminder, audited."""
    import http.server
    import json
    import threading

    got: list[dict[str, Any]] = []
    status = [200]

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers["Content-Length"])
            got.append(json.loads(self.rfile.read(size).decode("utf-8")))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        eng = open_engine(ledger_url)
        with transaction(session_factory(eng)) as s:
            cycle = s.get(Cycle, 1)
            assert cycle is not None
            if not s.execute(select(LedgerMatter)).first():
                pytest.skip("needs the ledgers imported by the test before")
            scheme = cycles.scheme_of(cycle, s)
            office = _user(s, "office")
            name = cycle.name
            on = Settings(
                database_url=ledger_url,
                reminder_webhook=url,
                reminder_to=(("office", "office@test.invalid"),),
            )
            sent = reminders.send(s, cycle, scheme, on, office)
            assert [(r.channel, r.ok) for r in sent] == [("webhook", True)]
            status[0] = 500
            failed = reminders.send(s, cycle, scheme, on, office)
            assert [(r.channel, r.ok) for r in failed] == [("webhook", False)]
            assert failed[0].error.startswith("HTTP 500")
            kept = s.execute(
                select(AuditEntry.after)
                .where(AuditEntry.action == "ledgers.remind")
                .order_by(AuditEntry.seq.desc())
                .limit(2)
            ).scalars()
            assert [json.loads(a)["channel"] for a in kept] == ["webhook", "webhook"]
        eng.dispose()
    finally:
        server.shutdown()
    assert len(got) == 2
    assert got[0]["account"] == "office"
    assert got[0]["cycle"] == name
    assert got[0]["to"] == "office@test.invalid"
    assert got[0]["items"] > 0
    assert name in got[0]["subject"]
    assert got[0]["text"].count("\n- ") >= 1  # one line per item due


def test_a_webhook_that_is_not_http_is_refused() -> None:
    from kaohe.web.settings import SettingsError

    with pytest.raises(SettingsError, match="KAOHE_REMINDER_WEBHOOK"):
        Settings.from_env({"KAOHE_REMINDER_WEBHOOK": "file:///etc/passwd"})


# --------------------------------------------------------------------------- in a browser

PAGES = [  # (account, path, name) — every page of the ledgers
    ("office", "/cycles/1/ledgers", "register"),
    ("office", "/cycles/1/ledgers/projects/1", "project"),
    ("office", "/cycles/1/ledgers/import", "import"),
    ("office", "/cycles/1/ledgers/matters?kind=supervision", "supervision"),
    ("office", "/cycles/1/ledgers/matters?kind=challenge", "challenge"),
    ("office", "/cycles/1/ledgers/matters?kind=talk", "talk"),
    ("office", "/cycles/1/ledgers/matters?kind=case", "case"),
    ("office", "/cycles/1/ledgers/matters/1", "matter"),
    ("office", "/inbox", "inbox"),
    (None, "/board/1/ledgers", "board"),
]


def test_the_ledger_pages_in_a_browser(tmp_path: Path) -> None:
    from tests.web.test_browser import ARTIFACTS, CHROMIUM, login, serve

    if not CHROMIUM:
        pytest.skip("no chromium: install Debian's chromium or set KAOHE_TEST_CHROMIUM")
    pytest.importorskip("playwright", reason="Playwright for Python is not installed")
    from playwright.sync_api import sync_playwright

    from kaohe.web.demo import load_demo

    url = f"sqlite:///{tmp_path / 'kaohe.db'}"
    eng = open_engine(url)
    load_demo(eng)
    eng.dispose()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(url) as site, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width, height, suffix in ((1200, 900, "desktop"), (390, 844, "phone")):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(15_000)
            login(page, site, "office", "office-demo-pass")
            for account, path, name in PAGES:
                if account is None:
                    page.context.clear_cookies()
                page.goto(site + path)
                assert "500" not in page.title()
                page.screenshot(
                    path=str(ARTIFACTS / f"ledgers-{name}-{suffix}.png"), full_page=True
                )
            if suffix == "desktop":  # a refused import, a stage change waiting for review
                login(page, site, "office", "office-demo-pass")
                page.goto(f"{site}/cycles/1/ledgers/import")
                bad = tmp_path / "台账.csv"
                bad.write_text(BAD_REGISTER, encoding="utf-8")
                page.set_input_files("input[name=file]", str(bad))
                page.click("#import-form button[type=submit]")
                page.wait_for_load_state()
                assert page.locator("li.error").count() == 4
                page.screenshot(path=str(ARTIFACTS / "ledgers-import-refused.png"), full_page=True)
                page.goto(f"{site}/cycles/1/ledgers?stage=signed")
                page.locator("table a").first.click()
                page.wait_for_load_state()
                page.select_option("#stage-form select[name=stage]", "started")
                page.fill("#stage-form input[name=on]", "2022-12-30")
                page.click("#stage-form button[type=submit]")
                page.wait_for_load_state()
                assert page.locator("button[value=approve]").count() == 1
                page.screenshot(path=str(ARTIFACTS / "ledgers-project-pending.png"), full_page=True)
            page.close()
        browser.close()

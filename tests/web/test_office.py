"""The office's planning pages, the entry dashboard, evidence files and optimistic concurrency —
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kaohe.i18n import t
from kaohe.io.scheme_file import load_scheme
from kaohe.web import clock
from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.dashboard.service import Tally, tally
from kaohe.web.objections import service as objections
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import (
    AuditEntry,
    Cycle,
    Evidence,
    EvidenceBlob,
    NoIncidents,
    SchemeVersion,
    User,
    Value,
)
from kaohe.web.submissions import declarations

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"
PASSWORDS = {
    "office": "office-demo-pass",
    "rep-stats": "report-demo-pass",
    "rep-ecology_env": "report-demo-pass",
    "rev-stats": "review-demo-pass",
    "unit-jining": "unit-demo-pass",
    "unit-fengzhen": "unit-demo-pass",
    "rep2-stats": "another-reporter-pass",
    "rep-finance": "report-demo-pass",
    "rev-ecology_env": "review-demo-pass",
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(scope="module")
def app(demo_url: str) -> object:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        accounts.add_user(s, "rep2-stats", PASSWORDS["rep2-stats"], "reporter", department="stats")
    engine.dispose()
    return create_app(Settings(database_url=demo_url, max_upload_mb=0.05))


def login(app: object, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf": csrf(c, "/login")},
    )
    assert r.status_code == 303, r.text
    return c


def csrf(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def new_cycle(demo_url: str, state: str = "collecting") -> int:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "test cycle")
        if state != "draft":
            moves.move(s, cycle, state)
        cid = cycle.id
    engine.dispose()
    return cid


def count(demo_url: str, model: type) -> int:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        n = int(s.execute(select(func.count()).select_from(model)).scalar_one())
    engine.dispose()
    return n


# --- the dashboard's arithmetic, by hand ---


def test_the_tally_counts_each_cell_by_its_newest_state() -> None:
    expected = [
        ("stats", "a", "gdp"),
        ("stats", "b", "gdp"),
        ("stats", "c", "gdp"),
        ("env", "a", "pm25"),
        ("env", "b", "pm25"),
    ]
    states = {("a", "gdp"): "approved", ("b", "gdp"): "submitted", ("a", "pm25"): "returned"}
    today = date(2022, 12, 10)
    board = tally(expected, states, {"stats": date(2022, 12, 15), "env": date(2022, 12, 5)}, today)
    stats, env = board.by_department["stats"], board.by_department["env"]
    assert (stats.expected, stats.approved, stats.submitted, stats.missing) == (3, 1, 1, 1)
    assert (stats.days_left, stats.overdue) == (5, False)
    assert (env.expected, env.returned, env.missing, env.days_left, env.overdue) == (
        2,
        1,
        1,
        -5,
        True,
    )
    assert board.by_unit["a"] == Tally(expected=2, approved=1, returned=1)
    assert board.total.expected == 5
    assert board.total.done == pytest.approx(1 / 5)
    done = tally([("stats", "a", "gdp")], {("a", "gdp"): "approved"}, {}, today)
    assert not done.by_department["stats"].overdue  # nothing left to do: never overdue
    assert Tally().done == 1.0


def test_a_blank_whose_blank_means_none_is_blank_or_declared_never_missing() -> None:
    expected = [
        ("dis", "a", "warn"),  # a deduction item: blank means none
        ("dis", "b", "warn"),
        ("dis", "c", "warn"),
        ("dis", "a", "score"),  # a base value: blank is missing
        ("dis", "b", "score"),
    ]
    states = {("c", "warn"): "submitted", ("a", "score"): "approved"}
    board = tally(expected, states, {}, date(2022, 12, 10), none={"warn"}, declared={("dis", "a")})
    # a·warn: stated none; b·warn: blank; c·warn: its version counts (waiting); b·score: missing
    assert board.by_department["dis"] == Tally(
        expected=5, approved=1, submitted=1, declared=1, blank=1, missing=1
    )
    assert board.by_unit["a"] == Tally(expected=2, approved=1, declared=1)
    assert board.by_unit["b"] == Tally(expected=2, blank=1, missing=1)
    assert board.total.complete == 3  # approved 1 + declared 1 + blank 1
    assert board.total.done == pytest.approx(3 / 5)
    # declared by another department: not this one's statement
    other = tally(expected[:1], {}, {}, date(2022, 12, 10), none={"warn"}, declared={("x", "a")})
    assert other.total == Tally(expected=1, blank=1)


# --- planning: schemes and cycles ---


def test_the_office_uploads_a_scheme_and_creates_a_cycle_with_dates(
    app: object, demo_url: str
) -> None:
    office = login(app, "office")
    text = (EXAMPLE / "scheme.yaml").read_text(encoding="utf-8")
    changed = text.replace(
        "name: 乌兰察布市旗县市区差异化年度考核（示例方案）", "name: 新版本方案", 1
    )
    before = count(demo_url, SchemeVersion)
    bad = office.post(
        "/schemes",
        data={"csrf": csrf(office, "/schemes")},
        files={"file": ("broken.yaml", changed.replace("full_marks: 100", "full_marks: lots", 1))},
    )
    assert bad.status_code == 422
    assert "broken.yaml" in bad.text
    assert "full_marks" in bad.text
    assert count(demo_url, SchemeVersion) == before  # nothing kept
    ok = office.post(
        "/schemes",
        data={"csrf": csrf(office, "/schemes")},
        files={"file": ("v2.yaml", changed.encode())},
    )
    assert ok.status_code == 303
    assert count(demo_url, SchemeVersion) == before + 1
    assert "新版本方案" in office.get("/schemes").text
    form = {"csrf": csrf(office, "/schemes"), "name": "2023 年度", "scheme_version": "1"}
    r = office.post("/cycles/new", data={**form, "collection_deadline": "2023-13-01"})
    assert r.status_code == 422
    assert "collection_deadline" in r.text
    r = office.post(
        "/cycles/new",
        data={**form, "publicity_start": "2024-01-10", "publicity_end": "2024-01-03"},
    )
    assert r.status_code == 422
    assert "publicity ends" in r.text
    r = office.post("/cycles/new", data={**form, "collection_deadline": "2024-01-05"})
    assert r.status_code == 303
    cid = int(r.headers["location"].split("/")[2])
    page = office.get(f"/cycles/{cid}/manage").text
    assert 'value="2024-01-05"' in page
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision
    dates = {
        "csrf": csrf(office, f"/cycles/{cid}/manage"),
        "revision": revision.group(1),
        "collection_deadline": "2024-01-06",
        "deadline:stats": "2024-01-02",
    }
    assert office.post(f"/cycles/{cid}/schedule", data=dates).status_code == 303
    stale = office.post(f"/cycles/{cid}/schedule", data={**dates, "deadline:stats": ""})
    assert stale.status_code == 409  # read at the old revision: refused, not overwritten
    assert "reload" in stale.text
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        schedule = cycles.schedule_of(s, cycle)
        assert schedule.collection_deadline == date(2024, 1, 6)
        assert schedule.departments == {"stats": date(2024, 1, 2)}
        version_now = cycle.revision
    engine.dispose()
    moved = office.post(
        f"/cycles/{cid}/version",
        data={
            "csrf": csrf(office, "/schemes"),
            "revision": str(version_now),
            "scheme_version": "2",
        },
    )
    assert moved.status_code == 303
    page = office.get(f"/cycles/{cid}/manage").text
    revision = re.search(r'name="revision" value="(\d+)"', page)
    assert revision
    go = {"csrf": csrf(office, "/schemes"), "state": "collecting", "revision": revision.group(1)}
    assert office.post(f"/cycles/{cid}/move", data=go).status_code == 303
    again = office.post(f"/cycles/{cid}/move", data={**go, "state": "reviewing"})
    assert again.status_code == 409  # the page's revision is old now
    frozen = office.post(
        f"/cycles/{cid}/version",
        data={
            "csrf": csrf(office, "/schemes"),
            "revision": str(version_now + 2),
            "scheme_version": "1",
        },
    )
    assert frozen.status_code == 422
    assert "frozen" in frozen.text


# --- the dashboard page ---


def test_the_dashboard_shows_each_department_its_own_cells(app: object, demo_url: str) -> None:
    cid = new_cycle(demo_url)
    rep = login(app, "rep-stats")
    assert (
        rep.post(
            f"/cycles/{cid}/entry",
            data={"csrf": csrf(rep, f"/cycles/{cid}/entry"), "cell:jining:gdp_growth": "6.5"},
        ).status_code
        == 303
    )
    mine = rep.get(f"/cycles/{cid}/dashboard")
    assert mine.status_code == 200
    assert "市统计局" in mine.text
    assert "市生态环境局" not in mine.text  # another department's row is not shown
    office = login(app, "office").get(f"/cycles/{cid}/dashboard").text
    assert "市统计局" in office
    assert "市生态环境局" in office
    unit = login(app, "unit-jining").get(f"/cycles/{cid}/dashboard")
    assert unit.status_code == 403


def dashboard_row(page: str, first: str) -> list[str]:
    """The counts of the dashboard's row whose first cell is ``first`` (expected, approved,
    waiting, returned, declared none, blank (none), missing, done)."""
    name = rf"(?:<a [^>]*>)?{re.escape(first)}(?:</a>)?"  # a name links to its drill-down
    m = re.search(rf"<tr[^>]*><t[dh]>{name}</t[dh]>(.*?)</tr>", page)
    assert m, f"no row {first!r} on the dashboard"
    cells = re.findall(r'<td class="num">(?:<progress[^>]*></progress> )?([^<]*)</td>', m.group(1))
    return cells[:8]  # a department's row goes on with its days left


def test_the_published_demo_counts_blank_bonus_and_deduction_items_as_none(
    app: object, demo_url: str
) -> None:
    # By hand from examples/ulanqab/data.csv and scheme.yaml: 483 cells expected, 347 filled
    # (all approved). Of the 136 empty ones, 135 mean none — 市纪委监委 8 discipline columns ×
    # 11 units = 88, 5 filled (卓资 通报批评, 化德 党纪政务处分 and 调整职务:班子成员, 商都
    # 通报批评, 察右中 诫勉): 83; 市委组织部 awards 3 × 11 = 33, 10 filled: 23, and the
    # party_building judgement, filled for 商都 and 察右中: 9; 市应急管理局 safety_accidents,
    # filled for 化德 and 商都: 9; 市委政法委 peace_building, filled for 卓资 and 商都: 9;
    # 市林业和草原局 grassland_balance (the 3 ecology units), filled for 察右中: 2. The one left
    # is 卓资's business_env (a base value the scheme fills with the peer average): missing.
    page = login(app, "office").get("/cycles/1/dashboard").text
    assert dashboard_row(page, "市纪委监委") == ["88", "5", "0", "0", "0", "83", "0", "100%"]
    assert dashboard_row(page, "市委组织部") == ["66", "34", "0", "0", "0", "32", "0", "100%"]
    assert dashboard_row(page, "市应急管理局") == ["22", "13", "0", "0", "0", "9", "0", "100%"]
    assert dashboard_row(page, "市委政法委") == ["33", "24", "0", "0", "0", "9", "0", "100%"]
    assert dashboard_row(page, "市林业和草原局") == ["25", "23", "0", "0", "0", "2", "0", "100%"]
    assert dashboard_row(page, "市发展和改革委员会") == [
        *("55", "54", "0", "0", "0", "0", "1", "98%"),  # 54 / 55 = 98.2%
    ]
    # 482 of 483 complete: 99.8%, shown as 99% (never 100% while a cell is missing)
    assert dashboard_row(page, t("web.total", "zh")) == [
        *("483", "347", "0", "0", "0", "135", "1", "99%"),
    ]
    # 卓资: 42 cells; empty: 7 discipline, 2 awards, party_building, safety_accidents (blank),
    # business_env (missing)
    assert dashboard_row(page, "卓资县") == ["42", "30", "0", "0", "0", "11", "1", "97%"]


def test_a_department_states_a_unit_has_no_incidents(app: object, demo_url: str) -> None:
    cid = new_cycle(demo_url)
    rep = login(app, "rep-ecology_env")  # eco_damage, a veto: its blank means none
    entry = f"/cycles/{cid}/entry"
    page = rep.get(entry).text
    assert 'id="no-incidents"' in page
    assert t("web.none_not_yet", "zh") in page
    said = rep.post(
        f"/cycles/{cid}/no-incidents",
        data={"csrf": csrf(rep, entry), "unit": "jining", "do": "declare"},
    )
    assert said.status_code == 303
    page = rep.get(entry).text
    assert "市生态环境局 填报 于 " in page  # who stated it, and when
    # 4 columns × 11 units = 44 expected; eco_damage's 11 blank: jining's stated, 10 not
    board = rep.get(f"/cycles/{cid}/dashboard").text
    assert dashboard_row(board, "市生态环境局") == [
        *("44", "0", "0", "0", "1", "10", "33", "25%"),
    ]
    office = login(app, "office").get(f"/cycles/{cid}/dashboard").text
    assert dashboard_row(office, "集宁区")[4] == "1"
    assert "市生态环境局 填报" in office.split('id="no-incidents"')[1]  # the statements shown
    again = rep.post(
        f"/cycles/{cid}/no-incidents",
        data={"csrf": csrf(rep, entry), "unit": "jining", "do": "declare"},
    )
    assert again.status_code == 409
    assert t("web.none_already", "zh", unit="集宁区") in again.text
    gone = rep.post(
        f"/cycles/{cid}/no-incidents",
        data={"csrf": csrf(rep, entry), "unit": "jining", "do": "withdraw"},
    )
    assert gone.status_code == 303
    board = rep.get(f"/cycles/{cid}/dashboard").text
    assert dashboard_row(board, "市生态环境局")[4:7] == ["0", "11", "33"]
    finance = login(app, "rep-finance")  # budget_revenue only: a base value
    nothing = finance.post(
        f"/cycles/{cid}/no-incidents", data={"csrf": csrf(finance, entry), "unit": "jining"}
    )
    assert nothing.status_code == 422
    reviewer = login(app, "rev-ecology_env")
    denied = reviewer.post(
        f"/cycles/{cid}/no-incidents",
        data={"csrf": csrf(reviewer, f"/cycles/{cid}/review"), "unit": "fengzhen"},
    )
    assert denied.status_code == 403
    closed = rep.post(  # the published demo cycle: no longer collecting
        "/cycles/1/no-incidents", data={"csrf": csrf(rep, entry), "unit": "jining"}
    )
    assert closed.status_code == 409
    assert t("web.none_closed", "zh") in closed.text
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        rows = s.execute(select(NoIncidents).where(NoIncidents.cycle_id == cid)).scalars().all()
        assert [(r.department, r.unit, r.withdrawn_at is not None) for r in rows] == [
            ("ecology_env", "jining", True)  # withdrawn, kept
        ]
        logged = s.execute(
            select(AuditEntry.action, AuditEntry.actor).where(
                AuditEntry.target == f"cycle:{cid}/ecology_env/jining"
            )
        ).all()
        assert [tuple(x) for x in logged] == [
            ("no_incidents.declare", "rep-ecology_env"),
            ("no_incidents.withdraw", "rep-ecology_env"),
        ]
    engine.dispose()


def test_every_blank_that_means_none_in_the_demo_scheme_is_one_the_engine_reads_as_none() -> None:
    scheme = load_scheme(EXAMPLE / "scheme.yaml")
    none = {iid for iid, ind in scheme.indicators.items() if declarations.blank_means_none(ind)}
    assert none == {
        "rank_progress",  # rank_improvement: a bonus
        "peace_building",  # judgements: full marks unless deducted
        "grassland_balance",
        "party_building",
        "eco_damage",  # vetoes
        "major_accident",
        "awards",  # bonus items
        "safety_accidents",  # deduction counts
        "discipline",
    }
    assert "business_env" not in none  # a base value with missing: peer_average is a gap


# --- evidence ---


def test_evidence_is_checked_kept_once_and_shown_only_to_who_may_see_it(
    app: object, demo_url: str
) -> None:
    cid = new_cycle(demo_url)
    rep = login(app, "rep-stats")
    entry = f"/cycles/{cid}/entry"
    attach = f"/cycles/{cid}/evidence"
    cell = {"unit": "jining", "column": "gdp_growth"}
    first = rep.post(
        attach, data={"csrf": csrf(rep, entry), **cell}, files={"file": ("a.pdf", PDF)}
    )
    assert first.status_code == 422  # no value yet
    assert "enter the value first" in first.text
    rep.post(entry, data={"csrf": csrf(rep, entry), "cell:jining:gdp_growth": "6.5"})
    rows, blobs = count(demo_url, Evidence), count(demo_url, EvidenceBlob)
    refusals = [
        (("page.html", b"<html><script>alert(1)</script></html>"), "only these types"),
        (("photo.pdf", PNG), "not a .pdf file"),
        (("big.pdf", PDF + b"0" * 60_000), "larger than"),
        (("empty.pdf", b""), "empty"),
        (("notes.txt", b"\xff\xfe\x00bad"), "not UTF-8"),
    ]
    for file, message in refusals:
        r = rep.post(attach, data={"csrf": csrf(rep, entry), **cell}, files={"file": file})
        assert r.status_code == 422, file[0]
        assert message in r.text, file[0]
    foreign = rep.post(
        attach,
        data={"csrf": csrf(rep, entry), "unit": "jining", "column": "pm25"},
        files={"file": ("a.pdf", PDF)},
    )
    assert foreign.status_code == 422
    assert (count(demo_url, Evidence), count(demo_url, EvidenceBlob)) == (rows, blobs)
    for name in ("统计报表.pdf", "../../etc/again.pdf"):
        r = rep.post(attach, data={"csrf": csrf(rep, entry), **cell}, files={"file": (name, PDF)})
        assert r.status_code == 303
    assert count(demo_url, Evidence) == rows + 2
    assert count(demo_url, EvidenceBlob) == blobs + 1  # the same bytes are kept once
    page = rep.get(entry).text
    ids = re.findall(r'href="/evidence/(\d+)"', page)
    assert len(ids) == 2
    got = rep.get(f"/evidence/{ids[0]}")
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["content-security-policy"]
    second = rep.get(f"/evidence/{ids[1]}")
    assert "again.pdf" in second.headers["content-disposition"]
    assert "etc" not in second.headers["content-disposition"]  # no directory part kept
    for who, status in [
        ("rev-stats", 200),
        ("office", 200),
        ("unit-jining", 200),
        ("unit-fengzhen", 404),
        ("rep-ecology_env", 404),
    ]:
        assert login(app, who).get(f"/evidence/{ids[0]}").status_code == status, who
    public = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    assert public.get(f"/evidence/{ids[0]}").status_code == 303  # to the login page
    review = login(app, "rev-stats").get(f"/cycles/{cid}/review").text
    assert "统计报表.pdf" in review
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        cycle.state = "final"  # the record is closed: nothing more is attached
    engine.dispose()
    n = count(demo_url, Evidence)
    late = rep.post(attach, data={"csrf": csrf(rep, entry), **cell}, files={"file": ("b.pdf", PDF)})
    # refused by the policy for every write to a final cycle (tests/web/test_final_cycle.py)
    assert late.status_code == 409
    assert "该考核已终结" in late.text
    assert count(demo_url, Evidence) == n


def test_a_unit_attaches_evidence_to_its_objection(app: object, demo_url: str) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        demo = s.execute(select(Cycle).where(Cycle.state == "publicity")).scalars().first()
        assert demo is not None
        cid = demo.id
    engine.dispose()
    unit = login(app, "unit-jining")
    page = f"/cycles/{cid}/objections"
    r = unit.post(
        page,
        data={"csrf": csrf(unit, page), "indicator": "gdp_growth", "reason": "数据有误"},
        files={"file": ("说明.png", PNG)},
    )
    assert r.status_code == 303
    shown = unit.get(page).text
    assert "说明.png" in shown
    eid = re.findall(r'href="/evidence/(\d+)"', shown)[-1]
    assert unit.get(f"/evidence/{eid}").content == PNG
    assert login(app, "unit-fengzhen").get(f"/evidence/{eid}").status_code == 404
    assert login(app, "office").get(f"/evidence/{eid}").status_code == 200
    n = count(demo_url, Evidence)
    bad = unit.post(
        page,
        data={"csrf": csrf(unit, page), "indicator": "gdp_growth", "reason": "again"},
        files={"file": ("x.exe", b"MZ")},
    )
    assert bad.status_code == 422
    assert count(demo_url, Evidence) == n  # neither the objection nor its file was kept


def test_objections_are_filed_only_within_the_publicity_dates(demo_url: str) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.execute(select(Cycle).where(Cycle.state == "publicity")).scalars().first()
        unit = s.execute(select(User).where(User.username == "unit-jining")).scalar_one()
        assert cycle is not None
        cycle.publicity_start = date(2023, 1, 1)
        cycle.publicity_end = date(2023, 1, 7)
        for day, message in [(date(2022, 12, 31), "starts on"), (date(2023, 1, 8), "ended on")]:
            with pytest.raises(cycles.CycleError, match=message):
                objections.file(s, cycle, unit, "gdp_growth", "reason", today=day)
        objections.file(s, cycle, unit, "gdp_growth", "reason", today=date(2023, 1, 7))
        s.rollback()
    engine.dispose()


# --- optimistic concurrency ---


def test_two_reporters_on_one_cell_never_overwrite_each_other(app: object, demo_url: str) -> None:
    cid = new_cycle(demo_url)
    entry = f"/cycles/{cid}/entry"
    first, second = login(app, "rep-stats"), login(app, "rep2-stats")
    page_1, page_2 = first.get(entry).text, second.get(entry).text
    base = 'name="base:jining:gdp_growth" value="0"'
    assert base in page_1
    assert base in page_2
    form = {"base:jining:gdp_growth": "0", "base:fengzhen:gdp_growth": "0"}
    ok = first.post(
        entry, data={"csrf": csrf(first, entry), **form, "cell:jining:gdp_growth": "6.5"}
    )
    assert ok.status_code == 303
    late = second.post(
        entry,
        data={
            "csrf": csrf(second, entry),
            **form,
            "cell:jining:gdp_growth": "7.0",
            "cell:fengzhen:gdp_growth": "5.0",
        },
    )
    assert late.status_code == 409
    assert "someone else saved version 1" in late.text
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        saved = s.execute(select(Value).where(Value.cycle_id == cid)).scalars().all()
        assert [(v.unit, v.raw) for v in saved] == [("jining", "6.5")]  # all or nothing
    engine.dispose()
    # the API: a stale base_version is refused the same way
    with transaction(session_factory(open_engine(demo_url))) as s:
        token = accounts.issue_token(s, "rep2-stats", "concurrency")
    api = TestClient(app)  # type: ignore[arg-type]
    auth = {"Authorization": f"Bearer {token}"}
    cells = [{"unit": "jining", "column": "gdp_growth", "value": "7.0", "base_version": 0}]
    r = api.post(f"/api/v1/cycles/{cid}/values", json={"cells": cells}, headers=auth)
    assert r.status_code == 409
    cells[0]["base_version"] = 1
    r = api.post(f"/api/v1/cycles/{cid}/values", json={"cells": cells}, headers=auth)
    assert r.status_code == 201
    assert r.json()[0]["version"] == 2


def test_a_deadline_passed_shows_overdue(app: object, demo_url: str) -> None:
    cid = new_cycle(demo_url)
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        cycles.reschedule(
            s,
            cycle,
            # the office's today (Asia/Shanghai), as the dashboard counts days
            cycles.Schedule(
                collection_deadline=clock.local(datetime.now(UTC)).date() - timedelta(days=3)
            ),
            cycle.revision,
        )
    engine.dispose()
    page = login(app, "office").get(f"/cycles/{cid}/dashboard").text
    assert 'class="overdue"' in page
    assert "已逾期 3" in page


def test_every_write_records_the_address_it_came_from(app: object, demo_url: str) -> None:
    cid = new_cycle(demo_url)
    rep = TestClient(app, follow_redirects=False, client=("192.0.2.44", 5000))  # type: ignore[arg-type]
    r = rep.post(
        "/login",
        data={
            "username": "rep-stats",
            "password": PASSWORDS["rep-stats"],
            "csrf": csrf(rep, "/login"),
        },
    )
    assert r.status_code == 303
    entry = f"/cycles/{cid}/entry"
    assert (
        rep.post(
            entry, data={"csrf": csrf(rep, entry), "cell:jining:gdp_growth": "6.1"}
        ).status_code
        == 303
    )
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        assert (last.action, last.address) == ("value.submit", "192.0.2.44")
    engine.dispose()

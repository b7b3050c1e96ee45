"""Ballots entered by form, explanations in both languages, and the arena contest (擂台比武) on
the platform — on the demo database, SQLite and PostgreSQL.

The tests of this module share one demo database and run in order: the ballots first, then the
explanations, then the arena."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from kaohe.web.app import create_app
from kaohe.web.personnel import arena
from kaohe.web.personnel import compute as pc
from kaohe.web.personnel import service as personnel
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import (
    AnnualGrade,
    ArenaMark,
    ArenaStanding,
    AuditEntry,
    Ballot,
    Cycle,
    PersonnelImport,
    RulebookDecision,
    SchemeVersion,
)

from .test_site import client, token

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"
CADRES = EXAMPLE / "cadres"
BALLOTS = "/cycles/1/personnel/ballots"
ARENA = "/cycles/1/personnel/arena"


@pytest.fixture(scope="module")
def app(demo_url: str) -> Any:
    return create_app(Settings(database_url=demo_url))


def _session(url: str) -> Any:
    return transaction(session_factory(open_engine(url)))


def _counts(url: str) -> tuple[int, int, int, int]:
    with _session(url) as s:
        return (
            s.execute(select(func.count()).select_from(Ballot)).scalar_one(),
            s.execute(select(func.count()).select_from(PersonnelImport)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            s.execute(select(func.count()).select_from(ArenaMark)).scalar_one(),
        )


def _last_entry(url: str) -> AuditEntry:
    with _session(url) as s:
        entry: AuditEntry = s.execute(
            select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
        ).scalar_one()
        return entry


GOOD = {"de": "good", "neng": "fairly_good", "qin": "average", "ji": "good", "lian": "poor"}


def _ballot(c: TestClient, **fields: str) -> Any:
    data = {"csrf": token(c, BALLOTS), "subject": "jining-001", "group": "leaders"}
    data.update({f"item.{k}": v for k, v in GOOD.items()})
    data.update(fields)
    return c.post(BALLOTS, data={k: v for k, v in data.items() if v is not None})


# --------------------------------------------------------------------------- ballots by form


def test_the_office_enters_a_paper_ballot(app: Any, demo_url: str) -> None:
    office = client(app, "office")
    page = office.get(BALLOTS)
    assert page.status_code == 200
    for item in GOOD:  # every item with every choice of the scale
        for level in ("good", "fairly_good", "average", "poor"):
            assert f'name="item.{item}" value="{level}"' in page.text
    assert 'name="rater"' not in page.text  # the demo's appraisal is anonymous
    before = _counts(demo_url)
    r = _ballot(office, ballot_id="P0001", rater="someone")
    assert r.status_code == 200, r.text
    assert 'id="saved"' in r.text
    assert _counts(demo_url)[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    with _session(demo_url) as s:
        b = s.execute(select(Ballot).where(Ballot.ballot_key == "P0001")).scalar_one()
        assert (b.subject_key, b.rater_group, b.entered_by) == ("jining-001", "leaders", "office")
        assert b.rater is None  # anonymous: never kept, even when sent
        assert b.choices == "100|80|60|100|0"
        assert b.value == pytest.approx((100 + 80 + 60 + 2 * 100 + 0) / 6)  # 绩 weighs 2
        cycle = s.get(Cycle, 1)
        run = pc.latest_computation(s, cycle)
        assert "有新导入的数据 / files were imported since" in pc.staleness(s, cycle, run)
    entry = _last_entry(demo_url)
    assert entry.action == "personnel.ballot.enter"
    assert '"ballot":"P0001"' in entry.after
    assert "someone" not in entry.after
    listed = office.get(BALLOTS).text
    assert "P0001" in listed
    # a blank ballot number: one is given
    r = _ballot(office, ballot_id="")
    assert r.status_code == 200, r.text
    assert re.search(r"F\d{6} · jining-001", r.text)


REFUSALS = [
    ({"ballot_id": "B000001"}, "ballot 'B000001' has already been entered"),  # uploaded before
    ({"item.ji": "excellent"}, "invalid choice 'excellent'"),
    ({"item.lian": ""}, "no choice made"),
    ({"subject": "nobody-1"}, "nobody-1"),
    ({"group": "strangers"}, "strangers"),
    ({"subject": "jining-001", "group": "leaders"}, "over-voting"),  # 4 + 2 entered = 6
]


@pytest.mark.parametrize(("fields", "message"), REFUSALS)
def test_a_bad_ballot_is_refused_with_nothing_written(
    app: Any, demo_url: str, fields: dict[str, str], message: str
) -> None:
    office = client(app, "office")
    before = _counts(demo_url)
    r = _ballot(office, **fields)
    assert r.status_code == 422, r.text
    assert message in html.unescape(r.text)
    assert 'role="alert"' in r.text
    assert _counts(demo_url) == before


def test_a_named_appraisal_needs_the_rater_and_refuses_a_second_ballot_of_one_rater(
    app: Any, demo_url: str
) -> None:
    text = (CADRES / "appraisal.yaml").read_text(encoding="utf-8")
    with _session(demo_url) as s:
        personnel.store_designs(
            s,
            s.get(Cycle, 1),
            {"appraisal": text.replace("anonymous: true", "anonymous: false")},
            "office",
        )
    office = client(app, "office")
    assert 'name="rater"' in office.get(BALLOTS).text
    before = _counts(demo_url)
    r = _ballot(office, subject="jining-002", group="peers")
    assert r.status_code == 422
    assert "this cell is required" in r.text
    assert _counts(demo_url) == before
    assert _ballot(office, subject="jining-002", group="peers", rater="王某").status_code == 200
    before = _counts(demo_url)
    r = _ballot(office, subject="jining-002", group="users", rater="王某")
    assert r.status_code == 422
    assert "rater '王某' has already rated 'jining-002'" in html.unescape(r.text)
    assert _counts(demo_url) == before
    assert "王某" in office.get(BALLOTS).text  # the office sees who rated (named appraisal)
    unit = client(app, "unit").get(BALLOTS)  # unit-jining: its own people, never a rater
    assert unit.status_code == 200
    assert "王某" not in unit.text
    assert 'id="ballot-form"' not in unit.text
    assert "P0001" not in unit.text  # nor the ballot numbers
    with _session(demo_url) as s:
        personnel.store_designs(s, s.get(Cycle, 1), {"appraisal": text}, "office")
    assert "王某" not in office.get(BALLOTS).text  # anonymous again: raters shown to nobody


def test_who_sees_the_ballots(app: Any, demo_url: str) -> None:
    for role in ("reporter", "reviewer"):
        c = client(app, role)
        assert c.get(BALLOTS).status_code == 403
        assert c.post(BALLOTS, data={"csrf": token(c, "/login")}).status_code == 403
    anon = TestClient(app, follow_redirects=False)
    assert anon.get(BALLOTS).status_code == 303
    unit = client(app, "unit")
    assert unit.post(BALLOTS, data={"csrf": token(unit, "/login")}).status_code == 403
    with _session(demo_url) as s:  # a ballot of another unit's cadre, entered by form
        b = s.execute(select(Ballot).where(Ballot.subject_key == "fengzhen-001")).scalars().first()
        assert b is not None
        b.entered_by = "office"
    page = unit.get(BALLOTS).text
    linked = set(re.findall(r"/personnel/people/([\w-]+)", page))
    assert linked
    assert all(p.startswith("jining") for p in linked)
    assert "fengzhen-001" in client(app, "office").get(BALLOTS).text


def test_forms_need_their_csrf_token(app: Any) -> None:
    office = client(app, "office")
    assert _ballot(office, csrf="forged").status_code == 400
    assert office.post(f"{ARENA}/compute", data={"csrf": "forged"}).status_code == 400


# --------------------------------------------------------------------------- both languages


def test_grades_and_decisions_are_explained_in_the_pages_language(app: Any, demo_url: str) -> None:
    with _session(demo_url) as s:
        cycle = s.get(Cycle, 1)
        pc.compute(s, cycle, "office")
    with _session(demo_url) as s:
        run = pc.latest_computation(s, s.get(Cycle, 1))
        assert run is not None
        g = s.execute(
            select(AnnualGrade).where(
                AnnualGrade.computation_id == run.id, AnnualGrade.subject_key == "jining-003"
            )
        ).scalar_one()
        zh, en = g.explanation, g.explanation_en
        d = s.execute(
            select(RulebookDecision)
            .where(RulebookDecision.computation_id == run.id, RulebookDecision.unit == "jining")
            .limit(1)
        ).scalar_one()
        dzh, den = d.explanation, d.explanation_en
    assert zh
    assert en
    assert zh != en
    assert re.search(r"[\u4e00-\u9fff]", zh)
    assert "composite" in en
    assert "composite" not in zh
    assert dzh
    assert den
    assert dzh != den
    for role in ("office", "unit"):
        c = client(app, role)
        page = _page(c, "/cycles/1/personnel/people/jining-003")
        assert zh in page
        assert en not in page
        assert dzh in _page(c, "/cycles/1/personnel/decisions")
        c.get("/lang/en?next=/cycles")
        page = _page(c, "/cycles/1/personnel/people/jining-003")
        assert en in page
        assert zh not in page
        decisions = _page(c, "/cycles/1/personnel/decisions")
        assert den in decisions
        assert dzh not in decisions
    office = client(app, "office")
    assert _sheet_explanations(office, "grades")["jining-003"] == zh
    office.get("/lang/en?next=/cycles")
    assert _sheet_explanations(office, "grades")["jining-003"] == en
    wb = load_workbook(io.BytesIO(office.get("/cycles/1/personnel/decisions.xlsx").content))
    texts = {str(row[-1]) for ws in wb.worksheets[1:] for row in ws.iter_rows(values_only=True)}
    assert den in texts
    assert dzh not in texts


def _page(c: TestClient, path: str) -> str:
    return html.unescape(c.get(path).text)


def _sheet_explanations(c: TestClient, which: str) -> dict[str, str]:
    r = c.get(f"/cycles/1/personnel/{which}.xlsx")
    assert r.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(r.content), read_only=True)
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    return {str(row[0]): str(row[-1]) for row in rows[1:]}


# --------------------------------------------------------------------------- arena contest

DESIGN = """\
name: 擂台比武（测试）
criteria:
  speech: {name: 演讲, weight: 1, max: 100}
  plan: {name: 方案, weight: 1, max: 50}
panels:
  onsite: {name: 现场评审, share: 0.5, drop_extremes: true, min_judges: 3}
  field: {name: 实地察看, share: 0.5}
ties: shared
"""
# a judge's total = 100 × (speech / 100 + plan / 50) / 2
MARKS = [
    # jining-001: on site 90, 80, 70, 100 → drop 100 and 70 → 85; field 60, 80 → 70; 77.5
    ("jining-001", "onsite", "J1", 90, 45),
    ("jining-001", "onsite", "J2", 80, 40),
    ("jining-001", "onsite", "J3", 70, 35),
    ("jining-001", "onsite", "J4", 100, 50),
    ("jining-001", "field", "F1", 60, 30),
    ("jining-001", "field", "F2", 80, 40),
    # jining-002: on site 80 × 4 → 80; field 75; 77.5 — tied with jining-001
    ("jining-002", "现场评审", "J1", 80, 40),
    ("jining-002", "现场评审", "J2", 90, 30),
    ("jining-002", "现场评审", "J3", 70, 45),
    ("jining-002", "现场评审", "J4", 80, 40),
    ("jining-002", "field", "F1", 75, 37.5),
    # fengzhen-001: on site 60, 70, 95 → 70; field 50, 70 → 60; 65
    ("fengzhen-001", "onsite", "J1", 60, 30),
    ("fengzhen-001", "onsite", "J2", 70, 35),
    ("fengzhen-001", "onsite", "J3", 95, 47.5),
    ("fengzhen-001", "field", "F1", 50, 25),
    ("fengzhen-001", "field", "F2", 70, 35),
]


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    lines = ["contestant_id,panel,judge_id,speech,方案"]
    lines += [",".join(str(x) for x in r) for r in rows]
    return "\n".join(lines).encode()


def _post_file(c: TestClient, path: str, field: str, name: str, body: bytes) -> Any:
    return c.post(path, data={"csrf": token(c, ARENA)}, files={field: (name, body, "text/plain")})


def test_the_demo_ranks_its_illustrative_arena_and_refuses_a_bad_design(
    app: Any, demo_url: str
) -> None:
    board = html.unescape(TestClient(app).get("/board/1/arena").text)
    ranks = re.findall(r'<td class="num">(\d+)</td><td>([^<]+)</td>', board)
    assert len(ranks) == 11  # the eleven county party secretaries
    assert [r for r, _ in ranks] == [str(k) for k in range(1, 12)]
    assert "示例" in board  # the contest says it is illustrative
    assert 'href="/board/1/arena"' in TestClient(app).get("/board/1").text  # a board tab
    office = client(app, "office")
    before = _counts(demo_url)
    bad = b"criteria: {}\npanels:\n  a: {name: A, share: 1, drop_extremes: true}\n"
    r = _post_file(office, f"{ARENA}/design", "design", "arena.yaml", bad)
    assert r.status_code == 422
    assert "arena.yaml:1" in html.unescape(r.text)
    assert "criteria: must not be empty" in html.unescape(r.text)
    assert _counts(demo_url) == before


def test_the_arena_from_marks_to_the_public_ranks(app: Any, demo_url: str) -> None:
    office = client(app, "office")
    r = _post_file(office, f"{ARENA}/design", "design", "arena.yaml", DESIGN.encode())
    assert r.status_code == 200, r.text
    bad = [*MARKS]
    bad[1] = ("jining-001", "onsite", "J2", 120, 40)  # row 3: over the maximum
    bad[4] = ("nobody-7", "field", "F1", 60, 30)  # row 6: unknown contestant
    before = _counts(demo_url)
    r = _post_file(office, f"{ARENA}/marks", "file", "marks.csv", _csv(bad))
    assert r.status_code == 422
    assert "marks.csv row 3, column speech" in r.text
    assert "marks.csv row 6, column contestant_id" in r.text
    assert _counts(demo_url) == before
    few = MARKS[:11] + MARKS[13:]  # fengzhen-001 left with one judge on site
    r = _post_file(office, f"{ARENA}/marks", "file", "marks.csv", _csv(few))
    assert r.status_code == 422
    assert "contestant 'fengzhen-001': panel 'onsite' has 1 judge(s), at least 3 needed" in (
        html.unescape(r.text)
    )
    assert _counts(demo_url) == before
    r = _post_file(office, f"{ARENA}/marks", "file", "marks.csv", _csv(MARKS))
    assert r.status_code == 200, r.text
    after = _counts(demo_url)
    assert after[1:] == (before[1] + 1, before[2] + 1, len(MARKS))  # one audit entry
    assert _last_entry(demo_url).action == "personnel.import.arena"
    with _session(demo_url) as s:  # the grades are not stale for the arena's marks
        cycle = s.get(Cycle, 1)
        assert "有新导入的数据 / files were imported since" not in pc.staleness(
            s, cycle, pc.latest_computation(s, cycle)
        )
    assert 'id="stale"' in _page(office, ARENA)
    r = office.post(f"{ARENA}/compute", data={"csrf": token(office, ARENA)})
    assert r.status_code == 303
    assert _last_entry(demo_url).action == "personnel.arena.compute"
    with _session(demo_url) as s:
        run = arena.latest_run(s, s.get(Cycle, 1))
        assert run is not None
        got = {x.contestant_key: (x.score, x.rank, x.name) for x in arena.standings(s, run)}
        j1 = s.execute(
            select(ArenaStanding).where(
                ArenaStanding.run_id == run.id, ArenaStanding.contestant_key == "jining-001"
            )
        ).scalar_one()
        assert arena.staleness(s, s.get(Cycle, 1), run) == []
    assert got["jining-001"][0] == pytest.approx(77.5)
    assert got["jining-001"][1] == 1
    assert got["jining-002"][0] == pytest.approx(77.5)
    assert got["jining-002"][1] == 1  # tied: the rank is shared
    assert got["fengzhen-001"][0] == pytest.approx(65.0)
    assert got["fengzhen-001"][1] == 3
    assert got["jining-001"][2] == "金勇"
    assert "100" in j1.explanation
    assert "70" in j1.explanation
    assert "85" in j1.explanation
    page = _page(office, ARENA)
    assert j1.explanation in page
    assert 'id="stale"' not in page
    office.get("/lang/en?next=/cycles")
    assert j1.explanation_en in _page(office, ARENA)
    assert j1.explanation not in _page(office, ARENA)
    anon = TestClient(app, follow_redirects=False)
    board = anon.get("/board/1/arena")
    assert board.status_code == 200
    public = html.unescape(board.text)
    ranks = re.findall(r'<td class="num">(\d+)</td><td>([^<]+)</td>', public)
    assert ranks == [("1", "金勇"), ("1", "金超丽"), ("3", "曾刚")]  # names and ranks only
    for hidden in ("77.5", "jining-001", j1.explanation, "/personnel/"):
        assert hidden not in public


def test_who_runs_the_arena(app: Any) -> None:
    for role in ("reporter", "reviewer", "unit"):
        c = client(app, role)
        assert c.get(ARENA).status_code == 403
        assert c.post(f"{ARENA}/compute", data={"csrf": token(c, "/login")}).status_code == 403
    assert TestClient(app, follow_redirects=False).get(ARENA).status_code == 303


def test_no_public_arena_ranks_of_an_unpublished_cycle(engine: Any) -> None:
    with transaction(session_factory(engine)) as s:
        text = (EXAMPLE / "scheme.yaml").read_text(encoding="utf-8")
        version = SchemeVersion(name="x", text=text, sha256="1" * 64)
        s.add(version)
        s.flush()
        s.add(Cycle(name="draft", scheme_version_id=version.id, state="reviewing"))
    url = engine.url.render_as_string(hide_password=False)
    assert (
        TestClient(create_app(Settings(database_url=url))).get("/board/1/arena").status_code == 404
    )

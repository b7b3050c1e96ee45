"""Cadres, grades and the results rulebook on the platform, on the demo database (SQLite and
PostgreSQL): cycle results → cadre grades → rulebook decisions → exports; who sees whose
records; all-or-nothing imports; recomputation when results change; the commands."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from kaohe.cadres import (
    appraise,
    build_ballots,
    build_checks,
    cap_checks,
    checks_summary,
    component_frame,
    grade_cadres,
)
from kaohe.cadres.design import AppraisalDesign, ChecksDesign, GradingDesign
from kaohe.cli.main import main
from kaohe.io.cadre_files import load_design, load_people
from kaohe.io.rulebook_files import load_rulebook
from kaohe.rulebook.inputs import unit_table
from kaohe.rulebook.tilt import excellent_shares
from kaohe.web.app import create_app
from kaohe.web.personnel import compute as pc
from kaohe.web.results import service as results_
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import (
    AnnualGrade,
    AuditEntry,
    Ballot,
    Cycle,
    PersonnelImport,
    ResultSnapshot,
    RulebookDecision,
)

from .test_site import client, token

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"
CADRES = EXAMPLE / "cadres"


@pytest.fixture(scope="module")
def app(demo_url: str) -> Any:
    return create_app(Settings(database_url=demo_url))


def _session(url: str) -> Any:
    return transaction(session_factory(open_engine(url)))


def _latest(s: Any) -> tuple[Cycle, Any]:
    cycle = s.get(Cycle, 1)
    run = pc.latest_computation(s, cycle)
    assert run is not None
    return cycle, run


# --------------------------------------------------------------------------- end to end


def test_the_platform_grades_cadres_as_the_core_does_from_the_files(demo_url: str) -> None:
    """Grades from the stored inputs equal the cadres core's on the example files, with the unit
    component and the tilted shares taken from the cycle's results."""
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        stored = {
            g.subject_key: (g.grade, g.score, g.share, g.quota)
            for g in s.execute(
                select(AnnualGrade).where(
                    AnnualGrade.computation_id == run.id, AnnualGrade.kind == "cadre"
                )
            ).scalars()
        }
        snap = results_.latest_results(s, cycle)
        assert snap is not None
        results = pd.DataFrame(results_.snapshot_rows(snap)).set_index("unit")
    appraisal = load_design(CADRES / "appraisal.yaml", AppraisalDesign)
    checks_design = load_design(CADRES / "checks.yaml", ChecksDesign)
    grading = load_design(CADRES / "grading.yaml", GradingDesign)
    people = load_people(CADRES / "people.xlsx")
    ids = people.cadres["cadre_id"].tolist()
    ballots = pd.read_csv(CADRES / "ballots.csv", dtype=str)
    scores = appraise(build_ballots(ballots, appraisal, ids), appraisal, ids).scores()
    units = dict(zip(people.cadres["cadre_id"], people.cadres["unit"], strict=True))
    raw_checks = build_checks(pd.read_csv(CADRES / "checks.csv", dtype=str), checks_design, units)
    summary = checks_summary(cap_checks(raw_checks, checks_design).checks, checks_design, 2022)
    share = results["score"] / results["full_marks"] * 100
    office = pd.read_csv(CADRES / "office.csv", dtype={"cadre_id": str})
    components = component_frame(
        appraisal=scores,
        checks=summary["points"],
        unit=pd.Series(people.cadres["unit"].map(share).to_numpy(), index=ids),
        office=office.set_index("cadre_id")["office"],
    )
    book = load_rulebook(EXAMPLE / "rulebook.yaml")
    tilt = excellent_shares(book.rules["excellent_share"], unit_table(results))  # type: ignore[arg-type]
    expected = grade_cadres(
        people, components, grading, top_shares=tilt, checks=summary, checks_design=checks_design
    ).frame.set_index("cadre_id")
    assert len(stored) == len(expected) == 324
    for cid, (grade, score, sh, quota) in stored.items():
        row = expected.loc[cid]
        assert grade == row["grade"], cid
        assert (score is None and np.isnan(row["score"])) or score == row["score"], cid
        assert (sh, quota) == (row["share"], row["quota"]), cid


def test_decisions_cover_every_rule_and_link_to_their_inputs(demo_url: str) -> None:
    with _session(demo_url) as s:
        _, run = _latest(s)
        rows = s.execute(
            select(RulebookDecision).where(RulebookDecision.computation_id == run.id)
        ).scalars()
        by_rule: dict[str, list[RulebookDecision]] = {}
        for d in rows:
            by_rule.setdefault(d.rule, []).append(d)
    assert set(by_rule) == set(load_rulebook(EXAMPLE / "rulebook.yaml").rules)
    assert sum(int(json.loads(d.value or "0")) for d in by_rule["rank_quota"]) == 40
    merit = by_rule["merit"]
    assert merit, "three consecutive excellent years: a merit"
    for d in merit:  # a merit reads three years of the history
        years = {link[4] for link in json.loads(d.inputs) if link[0] == "history"}
        assert years == {2020, 2021, 2022}, d.subject
    merited = {d.subject for d in merit}
    assert merited.isdisjoint({d.subject for d in by_rule["commendation"]})  # replaced_by
    assert all(d.explanation for ds in by_rule.values() for d in ds)
    public = {r for r, ds in by_rule.items() if ds[0].public}
    assert public == {
        r for r, x in load_rulebook(EXAMPLE / "rulebook.yaml").rules.items() if x.public
    }


def test_the_office_downloads_the_decisions_and_grades_as_stored(app: Any, demo_url: str) -> None:
    c = client(app, "office")
    r = c.get("/cycles/1/personnel/decisions.xlsx")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    with _session(demo_url) as s:
        _, run = _latest(s)
        stored = s.execute(
            select(RulebookDecision)
            .where(RulebookDecision.computation_id == run.id)
            .order_by(RulebookDecision.position)
        ).scalars()
        expected: dict[str, list[tuple[Any, ...]]] = {}
        names: dict[str, str] = {}
        for d in stored:
            names[d.rule] = d.rule_name
            value = json.loads(d.value) if d.value else None
            expected.setdefault(d.rule, []).append(
                (d.subject, d.unit, d.action, value, d.explanation)
            )
        grades = {
            g.subject_key: (g.grade, g.score)
            for g in s.execute(
                select(AnnualGrade).where(
                    AnnualGrade.computation_id == run.id, AnnualGrade.kind == "cadre"
                )
            ).scalars()
        }
    summary = list(wb.worksheets[0].iter_rows(values_only=True))[1:]
    assert [(row[0], row[4]) for row in summary] == [(k, len(v)) for k, v in expected.items()]
    for rule, rows in expected.items():
        ws = wb[names[rule][:31]]
        got = [(r[1], r[3], r[4], r[5], r[7]) for r in list(ws.iter_rows(values_only=True))[1:]]
        assert len(got) == len(rows), rule
        for g, e in zip(got, rows, strict=True):  # Excel keeps 15 significant digits
            assert g[:3] + g[4:] == e[:3] + e[4:], rule
            assert g[3] == (pytest.approx(e[3], rel=1e-14) if isinstance(e[3], float) else e[3])
    r = c.get("/cycles/1/personnel/grades.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content), read_only=True)["干部"]
    sheet = list(ws.iter_rows(values_only=True))
    assert sheet[0][0] == "干部编号 [cadre_id]"
    assert {row[0]: (row[4], row[3]) for row in sheet[1:]} == grades
    assert all(row[-1] for row in sheet[1:]), "every grade has its explanation"


# --------------------------------------------------------------------------- who sees what


def test_only_the_office_and_the_units_own_account_see_a_cadres_record(app: Any) -> None:
    for role in ("reporter", "reviewer"):
        c = client(app, role)
        for path in (
            "/cycles/1/personnel",
            "/cycles/1/personnel/people/jining-001",
            "/cycles/1/personnel/decisions",
            "/cycles/1/personnel/grades.xlsx",
        ):
            assert c.get(path).status_code == 403, (role, path)
    anon = TestClient(app, follow_redirects=False)
    assert anon.get("/cycles/1/personnel/people/jining-001").status_code == 303
    office = client(app, "office").get("/cycles/1/personnel/people/fengzhen-001")
    assert office.status_code == 200
    assert "fengzhen-001" in office.text


def test_a_unit_sees_its_own_cadres_and_decisions_only(app: Any) -> None:
    c = client(app, "unit")  # unit-jining
    assert 'href="/cycles/1/personnel"' in c.get("/cycles").text
    assert 'href="/cycles/1/personnel"' not in client(app, "reporter").get("/cycles").text
    page = c.get("/cycles/1/personnel").text
    assert "jining-001" in page
    others = set(re.findall(r"/personnel/people/([\w-]+)", page))
    assert others
    assert all(p.startswith("jining") for p in others)
    assert c.get("/cycles/1/personnel/people/jining-001").status_code == 200
    assert c.get("/cycles/1/personnel/people/fengzhen-001").status_code == 404
    assert c.get("/cycles/1/personnel/people/fengzhen-team").status_code == 404
    decisions = c.get("/cycles/1/personnel/decisions").text
    linked = set(re.findall(r"/personnel/people/([\w-]+)", decisions))
    assert all(p.startswith("jining") for p in linked)
    assert c.get("/cycles/1/personnel/decisions.xlsx").status_code == 403
    assert (
        c.post("/cycles/1/personnel/compute", data={"csrf": token(c, "/login")}).status_code == 403
    )


def test_the_public_board_shows_only_the_public_rules(app: Any, demo_url: str) -> None:
    anon = TestClient(app, follow_redirects=False)
    page = anon.get("/board/1/decisions")
    assert page.status_code == 200
    assert 'href="/board/1/decisions"' in anon.get("/board/1").text  # a tab of the board
    book = load_rulebook(EXAMPLE / "rulebook.yaml")
    for rid, rule in book.rules.items():
        assert (rule.name in page.text) == rule.public, rid
    assert "/personnel/people/" not in page.text  # no link to a personal record
    with _session(demo_url) as s:
        _, run = _latest(s)
        explained = s.execute(
            select(AnnualGrade.explanation).where(AnnualGrade.computation_id == run.id).limit(1)
        ).scalar_one()
    assert explained
    assert explained not in page.text


def test_the_public_board_has_no_decisions_of_an_unpublished_cycle(engine: Any) -> None:
    from kaohe.web.store.models import SchemeVersion

    with transaction(session_factory(engine)) as s:
        text = (EXAMPLE / "scheme.yaml").read_text(encoding="utf-8")
        version = SchemeVersion(name="x", text=text, sha256="1" * 64)
        s.add(version)
        s.flush()
        s.add(Cycle(name="draft", scheme_version_id=version.id, state="reviewing"))
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url))
    assert TestClient(app).get("/board/1/decisions").status_code == 404


def test_pages_escape_what_people_wrote(app: Any, demo_url: str) -> None:
    from kaohe.web.store.models import Cadre

    with _session(demo_url) as s:
        cadre = s.execute(select(Cadre).where(Cadre.cadre_key == "jining-002")).scalar_one()
        name = cadre.name
        cadre.name = "<script>alert(1)</script>"
    try:
        page = client(app, "office").get("/cycles/1/personnel/people/jining-002").text
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    finally:
        with _session(demo_url) as s:
            s.execute(select(Cadre).where(Cadre.cadre_key == "jining-002")).scalar_one().name = name


# --------------------------------------------------------------------------- imports


def _upload(c: TestClient, what: str, name: str, body: bytes, csrf: str | None = None) -> Any:
    return c.post(
        "/cycles/1/personnel/import",
        data={"csrf": csrf if csrf is not None else token(c, "/cycles/1/personnel"), "what": what},
        files={"file": (name, body, "text/csv")},
    )


def _counts(url: str) -> tuple[int, int, int]:
    with _session(url) as s:
        return (
            s.execute(select(func.count()).select_from(Ballot)).scalar_one(),
            s.execute(select(func.count()).select_from(PersonnelImport)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
        )


def test_a_bad_ballot_file_is_refused_whole_with_every_problem_located(
    app: Any, demo_url: str
) -> None:
    office = client(app, "office")  # logging in is on the record: count after it
    before = _counts(demo_url)
    body = (CADRES / "ballots.csv").read_text(encoding="utf-8").splitlines()
    body[2] = body[2].replace("好", "很好", 1)  # row 3: not on the scale
    body[5] = body[5].replace("jining-001", "nobody-9", 1)  # row 6: unknown subject
    r = _upload(office, "ballots", "ballots.csv", "\n".join(body).encode())
    assert r.status_code == 422
    assert "ballots.csv row 3" in r.text
    assert "很好" in r.text
    assert "ballots.csv row 6, column subject_id" in r.text
    assert "nobody-9" in r.text
    assert "/tmp" not in r.text  # the file named as uploaded
    assert _counts(demo_url) == before  # nothing written, nothing logged


def test_a_valid_import_is_one_audit_entry_with_the_files_digest(app: Any, demo_url: str) -> None:
    import hashlib

    body = (CADRES / "checks.csv").read_bytes()
    office = client(app, "office")
    ballots, imports, entries = _counts(demo_url)
    r = _upload(office, "checks", "checks.csv", body)
    assert r.status_code == 200, r.text
    assert _counts(demo_url) == (ballots, imports + 1, entries + 1)
    with _session(demo_url) as s:
        last = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        after = json.loads(last.after)
        assert last.action == "personnel.import.checks"
        assert after == {
            "file": "checks.csv",
            "sha256": hashlib.sha256(body).hexdigest(),
            "rows": {"checks": 1296},
        }
        cycle, run = _latest(s)
        assert pc.staleness(s, cycle, run) == ["有新导入的数据 / files were imported since"]
    page = client(app, "office").get("/cycles/1/personnel").text
    assert 'id="stale"' in page


def test_forms_need_their_csrf_token(app: Any) -> None:
    c = client(app, "office")
    r = _upload(c, "checks", "checks.csv", (CADRES / "checks.csv").read_bytes(), csrf="forged")
    assert r.status_code == 400
    assert c.post("/cycles/1/personnel/compute", data={"csrf": "forged"}).status_code == 400


def test_an_upload_over_the_limit_is_refused(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url, max_upload_mb=1))
    c = client(app, "office")
    r = _upload(c, "ballots", "ballots.csv", b"x" * (2 * 2**20))
    assert r.status_code == 413


# --------------------------------------------------------------------------- recomputation


def test_new_results_make_the_decisions_stale_and_a_computation_changes_them(
    demo_url: str,
) -> None:
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        before = {
            (d.rule, d.subject): d.value
            for d in s.execute(
                select(RulebookDecision).where(RulebookDecision.computation_id == run.id)
            ).scalars()
        }
        snap = results_.latest_results(s, cycle)
        assert snap is not None
        rows = json.loads(snap.rows)
        for row in rows:  # huade (last, vetoed) becomes the best, excellent and unvetoed
            if row["unit"] == "huade":
                row.update(rank=1, rank_in_category=1, grade="excellent", vetoed="", score=99.0)
            else:
                row["rank"] = row["rank"] + 1
        s.add(ResultSnapshot(cycle_id=1, rows=json.dumps(rows), explain=snap.explain))
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        assert "单位结果已重新计算 / the unit results were computed again" in pc.staleness(
            s, cycle, run
        )
        pc.compute(s, cycle, "office")
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        assert pc.staleness(s, cycle, run) == []
        after = {
            (d.rule, d.subject): d.value
            for d in s.execute(
                select(RulebookDecision).where(RulebookDecision.computation_id == run.id)
            ).scalars()
        }
    assert before[("excellent_share", "huade")] != after[("excellent_share", "huade")]
    assert ("talks", "huade") in before
    assert ("talks", "huade") not in after
    assert ("county_reward", "huade") in after


def test_computing_the_cycles_results_recomputes_grades_and_decisions(demo_url: str) -> None:
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        _, failed = pc.compute_results(s, cycle, "office")
        assert failed is None
    with _session(demo_url) as s:
        cycle, newer = _latest(s)
        assert newer.id > run.id
        assert pc.staleness(s, cycle, newer) == []


# --------------------------------------------------------------------------- commands


def _run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_rulebook_check_and_apply_work_on_files_alone(tmp_path: Path) -> None:
    code, out = _run("rulebook", "check", str(EXAMPLE / "rulebook.yaml"), "--lang", "en")
    assert code == 0
    assert "8 rules, valid" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrules:\n  q:\n    type: rank_quota_allocation\n    totl: 3\n")
    code, out = _run("rulebook", "check", str(bad))
    assert code == 1
    assert "bad.yaml:5" in out
    assert "totl" in out
    results = tmp_path / "results.csv"
    assert (
        _run(
            "run",
            str(EXAMPLE / "scheme.yaml"),
            str(EXAMPLE / "data.csv"),
            "-o",
            str(tmp_path / "r"),
        )[0]
        == 0
    )
    results = tmp_path / "r" / "results.csv"
    history = pd.read_csv(CADRES / "grade_history.csv", dtype=str)
    history["years_at_level"] = 3
    history.to_csv(tmp_path / "h.csv", index=False)
    pd.DataFrame({"person_id": ["jining-001"], "year": [2022], "unit": ["jining"]}).to_csv(
        tmp_path / "p.csv", index=False
    )
    out_dir = tmp_path / "decisions"
    args = ["rulebook", "apply", str(EXAMPLE / "rulebook.yaml"), "--results", str(results)]
    code, out = _run(*args, "--history", str(tmp_path / "h.csv"), "-o", str(out_dir))
    assert code == 1
    assert "previous" in out
    assert not out_dir.exists()  # nothing half-written
    more = ["--previous", str(results), "--promotions", str(tmp_path / "p.csv")]
    code, out = _run(*args, *more, "--history", str(tmp_path / "h.csv"), "-o", str(out_dir))
    assert code == 0, out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "decisions.csv",
        "decisions.xlsx",
        "public.csv",
    ]
    public = pd.read_csv(out_dir / "public.csv")
    assert "promotion_pool" not in set(public["rule"])
    assert "commendation" in set(public["rule"])
    assert "talks" not in set(public["rule"])


def test_cadres_import_is_all_or_nothing_and_grade_writes_the_exports(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KAOHE_DATABASE_URL", demo_url)
    bad = tmp_path / "checks.csv"
    lines = (CADRES / "checks.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",2022,", ",20x2,", 1)
    bad.write_text("\n".join(lines), encoding="utf-8")
    before = _counts(demo_url)
    code, out = _run(
        "cadres", "import", "1", "--ballots", str(CADRES / "ballots.csv"), "--checks", str(bad)
    )
    assert code == 1
    assert "checks.csv 第 4 行，列 year" in out  # the place in the CLI's language (zh by default)
    assert _counts(demo_url) == before  # the valid ballots were not kept either
    code, out = _run("cadres", "import", "1", "--checks", str(CADRES / "checks.csv"))
    assert code == 0
    assert "1296 checks" in out
    code, out = _run("cadres", "grade", "1", "-o", str(tmp_path / "out"))
    assert code == 0
    assert "grades and" in out
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["decisions.csv", "decisions.xlsx", "grades.xlsx", "public.csv"]
    code, out = _run("rulebook", "evaluate", "99")
    assert code == 1
    assert "no cycle 99" in out


def test_explanations_made_on_demand_equal_the_stored_ones(
    app: Any, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above EXPLAIN_LIMIT people, explanations are not stored; a person's page grades their
    unit again, which gives the same sentences."""
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        stored = {
            g.subject_key: g.explanation
            for g in s.execute(
                select(AnnualGrade).where(AnnualGrade.computation_id == run.id)
            ).scalars()
        }
        monkeypatch.setattr(pc, "EXPLAIN_LIMIT", 0)
        pc.compute(s, cycle, "office")
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        rows = s.execute(
            select(AnnualGrade).where(
                AnnualGrade.computation_id == run.id, AnnualGrade.unit == "jining"
            )
        ).scalars()
        for g in rows:
            assert g.explanation is None
            assert pc.explain_grade(s, cycle, g) == stored[g.subject_key], g.subject_key
    page = client(app, "office").get("/cycles/1/personnel/people/jining-003").text
    assert str(stored["jining-003"]) in page
    with _session(demo_url) as s:  # a team's pool is the eleven units: graded again whole
        cycle, run = _latest(s)
        team = s.execute(
            select(AnnualGrade).where(
                AnnualGrade.computation_id == run.id, AnnualGrade.subject_key == "fengzhen-team"
            )
        ).scalar_one()
        assert team.explanation is None
        made = pc.explain_grade(s, cycle, team)
        assert made == stored["fengzhen-team"]
        assert "全部 11 个单位" in made


def test_the_demos_teams_share_one_pool_of_good_grades(app: Any, demo_url: str) -> None:
    """Issue 15: with a quota per unit every team had 好名额 1 × 30% = 0.3 → 0; the example's
    team design pools the eleven: 11 × 30% = 3.3 → half up → 3, to the three best teams."""
    with _session(demo_url) as s:
        cycle, run = _latest(s)
        teams = list(
            s.execute(
                select(AnnualGrade).where(
                    AnnualGrade.computation_id == run.id, AnnualGrade.kind == "team"
                )
            ).scalars()
        )
        best = sorted(teams, key=lambda g: -(g.score or 0))
        said = pc.explain_grade(s, cycle, best[0], "zh")  # stored, or made (EXPLAIN_LIMIT)
    assert len(teams) == 11
    assert {(g.quota, g.participants) for g in teams} == {(3, 11)}
    assert [g.grade for g in best[:3]] == ["good"] * 3
    assert "good" not in {g.grade for g in best[3:]}
    assert "好名额按全部 11 个单位合计：11 × 30% = 3.3 → 四舍五入 → 3" in said
    page = client(app, "office").get("/cycles/1/personnel")
    assert page.status_code == 200
    assert page.text.count(">3 / 11<") == 11


def test_the_computations_counts_name_kinds_and_grades(app: Any, demo_url: str) -> None:
    """The line under 等次与结果运用计算 reads 干部·称职 244, never the stored cadre:competent."""
    with _session(demo_url) as s:
        _, run = _latest(s)
        counts = json.loads(run.counts)
        names = dict(
            s.execute(
                select(AnnualGrade.grade, AnnualGrade.grade_name).where(
                    AnnualGrade.computation_id == run.id, AnnualGrade.kind == "cadre"
                )
            ).all()
        )
    page = client(app, "office").get("/cycles/1/personnel").text
    line = page.split(">计算于")[1].split("</p>")[0]
    assert "cadre:" not in line
    assert "team:" not in line
    assert f"等次 {counts['grades']}" in line
    for key, n in counts.items():
        if key.startswith("cadre:"):
            assert f"干部·{names[key.split(':', 1)[1]]} {n}" in line

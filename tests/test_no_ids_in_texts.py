"""Chinese texts never show an internal id where a name belongs.

Every kind of explanation the core writes — the engine's (every indicator's arithmetic, every
grade decision), the rulebook's decisions and the cadre explanations (appraisal, regular checks,
annual grades of cadres and teams, the arena) — is rendered in Chinese on the examples, and no
grade, category, veto, component, rulebook rule or decision id may appear in it: a person reads
优秀, not ``excellent``. (Unit and person ids are data, shown where no name is known.)
"""

from __future__ import annotations

import importlib.util
import re
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

import kaohe
from kaohe.cadres import (
    appraise,
    build_ballots,
    build_checks,
    build_people,
    by_unit,
    cap_checks,
    checks_summary,
    component_frame,
    grade_cadres,
    grade_teams,
    run_arena,
)
from kaohe.cadres.design import AppraisalDesign, ArenaDesign, ChecksDesign, GradingDesign
from kaohe.cadres.words import join
from kaohe.explanation import explain_all
from kaohe.i18n import language
from kaohe.io.cadre_files import load_design, load_marks
from kaohe.io.data_files import load_panel
from kaohe.io.rulebook_files import load_rulebook
from kaohe.rulebook import RulebookInputs, evaluate
from kaohe.scheme import Scheme

from .scheme_factory import run, scheme_dict

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ULANQAB = EXAMPLES / "ulanqab"
CADRES = ULANQAB / "cadres"
TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def scheme_ids(scheme: Scheme) -> set[str]:
    """The ids of a scheme that name something with a name: grades, categories, vetoes."""
    ids = set(scheme.categories)
    ids |= {iid for iid, ind in scheme.indicators.items() if ind.effective_kind == "veto"}
    if scheme.grading is not None:
        ids |= {g.id for g in scheme.grading.grades} | {g.id for g in scheme.grading.gates}
    return ids


def ids_shown(text: str, ids: set[str]) -> list[str]:
    return [t for t in TOKEN.findall(text) if t in ids]


def assert_no_ids(texts: Iterator[tuple[str, str]], ids: set[str]) -> int:
    """Every (where, text) free of ``ids``; the number of texts read."""
    bad, n = [], 0
    for where, text in texts:
        n += 1
        found = ids_shown(text, ids)
        if found:
            bad.append(f"{where}: {found} in {text!r}")
    assert not bad, "\n".join(bad[:10])
    return n


# --------------------------------------------------------------------------- the engine


def engine_texts(res: kaohe.Results, lang: str = "zh") -> Iterator[tuple[str, str]]:
    for u in explain_all(res, lang):
        for ind in u.indicators:
            yield f"{u.unit}/{ind.indicator}", ind.arithmetic
        d = u.grade_decision
        if d is not None:
            yield f"{u.unit}/summary", d["summary"]
            for q in d["quotas"]:
                yield f"{u.unit}/quota", q["rule"]
            for g in d["gates"]:
                yield f"{u.unit}/gate", g["reason"]
            for _, why in d["skipped"]:
                yield f"{u.unit}/skipped", why


@pytest.mark.parametrize("example", ["ulanqab", "asem"])
def test_the_engine_explanations_of_the_examples_name_what_they_show(example: str) -> None:
    res = kaohe.assess(EXAMPLES / example / "scheme.yaml", EXAMPLES / example / "data.csv")
    ids = scheme_ids(res.scheme) | {i for i in res.scheme.indicators if i.isascii()}
    ids -= {"N", "A"}  # "N/A" is what the cell says
    assert assert_no_ids(engine_texts(res), ids) > len(res.units)


def test_a_capped_veto_and_a_broken_tie_are_told_by_names() -> None:
    # u1 and u2 tie on the total and on x; the tie-break on the value of y decides; u3's veto
    # caps its grade at good (良好), which the veto line names
    raw = scheme_dict(
        {
            "x": {"weights": 10, "target": 10, "rule": {"type": "proportional"}},
            "y": {"name": "人均收入", "weights": 0, "target": 10, "rule": {"type": "proportional"}},
            "accident": {
                "name": "安全事故",
                "rule": {"type": "veto", "effect": "max_grade", "max_grade": "good"},
            },
        },
        units={"u1": "east", "u2": "east", "u3": "east"},
        names={"u1": "甲县", "u2": "乙县", "u3": "丙县"},
        categories={"east": {"name": "东部"}},
        grading={
            "rounding": "ceil",
            "tie_break": ["value:y", "id"],
            "grades": [
                {"id": "excellent", "name": "优秀", "quota": {"share": 0.34}},
                {"id": "good", "name": "良好"},
                {"id": "fair", "name": "一般"},
            ],
        },
    )
    res = run(
        raw,
        {
            "u1": {"x": 8, "y": 1},
            "u2": {"x": 8, "y": 2},
            "u3": {"x": 9, "y": 1, "accident": "是"},
        },
    )
    texts = dict(engine_texts(res))
    assert "良好" in texts["u3/accident"]
    assert "乙县" in texts["u1/summary"]
    assert "人均收入数值" in texts["u1/summary"]
    assert_no_ids(iter(texts.items()), scheme_ids(res.scheme) | {"value:y", "y", "u2"})
    en = dict(engine_texts(res, "en"))
    assert "value of 人均收入" in en["u1/summary"]
    assert "良好" in en["u3/accident"]


# --------------------------------------------------------------------------- the rulebook


@cache
def ulanqab_results() -> kaohe.Results:
    return kaohe.assess(ULANQAB / "scheme.yaml", ULANQAB / "data.csv")


def rulebook_inputs(named: bool, year: int | None = None) -> RulebookInputs:
    """The example's results, last year's from the panel, the grade history with each
    cadre's name and an illustrative years_at_level (as the demo does), promotions of every
    ninth cadre of 2021."""
    results = ulanqab_results()
    panel, _ = load_panel(results.scheme, [ULANQAB / "panel.csv"])
    previous = kaohe.assess(results.scheme, panel["2021"])
    h = pd.read_csv(CADRES / "grade_history.csv", dtype=str)
    people = pd.read_csv(CADRES / "cadres.csv", dtype=str)
    h["name"] = h["person_id"].map(dict(zip(people.cadre_id, people.name, strict=True)))
    h["years_at_level"] = [
        zlib.crc32(p.encode()) % 5 + int(y) - 2020
        for p, y in zip(h["person_id"], h["year"], strict=True)
    ]
    h["year"] = h["year"].astype(int)
    picked = h[(h["year"] == 2021) & (h["kind"] == "cadre")].iloc[::9]
    promotions = pd.DataFrame(
        {"person_id": picked["person_id"], "year": 2022, "unit": picked["unit"]}
    )
    grading = load_design(CADRES / "grading.yaml", GradingDesign)
    return RulebookInputs(
        results=results,
        previous=previous,
        history=h,
        promotions=promotions,
        year=year,
        grade_names=grading.grade_names() if named else None,
    )


def cadre_ids() -> set[str]:
    grading = load_design(CADRES / "grading.yaml", GradingDesign)
    ids: set[str] = set()
    for gs in (grading.cadre, grading.team):
        assert gs is not None
        ids |= {g.id for g in gs.grades} | {gs.pending.id} | set(gs.components)
    return ids


@pytest.mark.parametrize("named", [True, False], ids=["grade-names", "no-grade-names"])
def test_the_rulebook_decisions_of_the_example_name_grades_rules_and_vetoes(named: bool) -> None:
    book = load_rulebook(ULANQAB / "rulebook.yaml")
    decisions = evaluate(book, rulebook_inputs(named))
    actions = {d.action for d in decisions}
    assert {"commendation", "talk", "reward", "excellent_share", "rank_quota"} <= actions
    ids = scheme_ids(ulanqab_results().scheme) | set(book.rules) | actions
    if named:
        ids |= cadre_ids()
    with language("zh"):
        texts = ((f"{d.rule}/{d.subject}", d.text()) for d in decisions)
        assert assert_no_ids(texts, ids) == len(decisions)
    commended = next(d for d in decisions if d.action == "commendation")
    assert "等次为优秀" in commended.text()
    vetoed = next(d for d in decisions if d.action == "talk" and "一票否决" in d.text())
    assert "重大及以上生产安全责任事故" in vetoed.text() or "生态" in vetoed.text()


def test_grade_names_let_a_rule_list_people_by_the_name_of_their_grade() -> None:
    # the example lists 基本称职 and 不称职 for talks; the history holds the id basic (three
    # cadres in 2021), so only with the grading design's names are those people found
    book = load_rulebook(ULANQAB / "rulebook.yaml")
    unnamed = evaluate(book, rulebook_inputs(False, 2021))
    named = evaluate(book, rulebook_inputs(True, 2021))

    def people(d: Any) -> list[str]:
        return [x.text() for x in d.rule("talks") if x.subject_kind == "person"]

    assert people(unnamed) == []
    listed = people(named)
    assert len(listed) == 3
    assert all("2021 年度考核等次为基本称职" in t for t in listed)


# --------------------------------------------------------------------------- cadres


@cache
def make_cadres() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_cadres", CADRES / "make_cadres.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cadre_texts() -> Iterator[tuple[str, str]]:
    """Every cadre explanation of the example, computed as its generator computes them."""
    mk = make_cadres()
    rng = np.random.default_rng(mk.SEED)
    appraisal = load_design(CADRES / "appraisal.yaml", AppraisalDesign)
    checks_design = load_design(CADRES / "checks.yaml", ChecksDesign)
    grading = load_design(CADRES / "grading.yaml", GradingDesign)
    teams, cadres = mk.make_people(rng)
    people = build_people(cadres, teams, mk.UNITS)
    ids = people.cadres["cadre_id"].tolist()
    ballots = mk.make_ballots(rng, ids, appraisal)
    checks = mk.make_checks(rng, ids)
    office = pd.DataFrame({"cadre_id": ids, "office": rng.normal(84, 6, len(ids)).round(1)})
    result = appraise(build_ballots(ballots, appraisal, ids), appraisal, ids)
    units = dict(zip(people.cadres["cadre_id"], people.cadres["unit"], strict=True))
    capped = cap_checks(build_checks(checks, checks_design, units), checks_design)
    summary = checks_summary(capped.checks, checks_design, grading.year)
    components = component_frame(
        appraisal=result.scores(),
        checks=summary["points"],
        unit=by_unit(people.cadres["cadre_id"], people.cadres["unit"], mk.UNIT_SCORES),
        office=office.set_index("cadre_id")["office"],
    )
    cadre_grades = grade_cadres(
        people, components, grading, top_shares=mk.TILT, checks=summary, checks_design=checks_design
    )
    team_components = component_frame(
        unit=by_unit(people.teams["team_id"], people.teams["unit"], mk.UNIT_SCORES),
        office=dict(
            zip(people.teams["team_id"], rng.normal(85, 4, len(people.teams)).round(1), strict=True)
        ),
    )
    team_grades = grade_teams(people, team_components, grading)
    arena_design = load_design(CADRES / "arena.yaml", ArenaDesign)
    arena = run_arena(load_marks(CADRES / "arena_marks.csv", arena_design), arena_design)
    for s in ids:
        yield f"appraisal/{s}", join(result.explain(s))
    yield "checks/over", join(capped.explain_over())
    yield "checks/lowered", join(capped.explain_lowered())
    for grades in (cadre_grades, team_grades):
        for s, text in zip(grades.ids, grades.table["explanation"], strict=True):
            yield f"{grades.kind}/{s}", str(text)
    for c in arena.contestants:
        yield f"arena/{c}", join(arena.explain(c))


def test_the_cadre_explanations_of_the_example_name_grades_and_components() -> None:
    appraisal = load_design(CADRES / "appraisal.yaml", AppraisalDesign)
    arena = load_design(CADRES / "arena.yaml", ArenaDesign)
    ids = cadre_ids() | set(appraisal.groups) | set(arena.criteria) | set(arena.panels)
    with language("zh"):
        assert assert_no_ids(cadre_texts(), ids) > 300


def test_a_tie_broken_by_a_component_is_told_by_its_name() -> None:
    from kaohe.cadres.annual import tie_keys_text

    grading = load_design(CADRES / "grading.yaml", GradingDesign)
    assert grading.cadre is not None
    with language("zh"):
        assert str(tie_keys_text(grading.cadre)) == "民主测评，编号"
    with language("en"):
        assert str(tie_keys_text(grading.cadre)) == "民主测评, ID"

"""Computing a cycle's annual grades and rulebook decisions from what the platform stores.

The computation reads the stored inputs — the roster, the ballots, the regular checks, the
other component scores, the grade history, the promotions and the cycle's latest results — and
hands them to the same pure cores as the command line (:mod:`kaohe.cadres`,
:mod:`kaohe.rulebook`):

1. the excellent share of each unit, from the rulebook's ``excellent_share_tilt`` rule
   evaluated on the cycle's unit results;
2. cadre and team annual grades (components: ``appraisal`` from the ballots, ``checks`` from
   the regular checks with the design's cap, ``unit`` from the unit's own result — its score as
   a percentage of full marks — and any other component from the imported scores);
3. the grades of the year written to the grade history (replacing that year);
4. the whole rulebook on the results, the previous cycle's results, the grade history and the
   promotions.

Each computation is a :class:`PersonnelComputation` row with what it read; it is *stale* when
the cycle has newer results, designs or imports (:func:`staleness`). A new computation of the
cycle's results recomputes it (:func:`recompute_after_results`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kaohe import i18n
from kaohe.cadres import Ballots, People, appraise, cap_checks, checks_summary, component_frame
from kaohe.cadres.annual import AnnualGrades, grade_cadres, grade_teams
from kaohe.cadres.design import AppraisalDesign, Item
from kaohe.cadres.words import join
from kaohe.errors import KaoheError
from kaohe.i18n import language
from kaohe.rulebook import Decision, Decisions, Link, RulebookInputs, RuleOutcome, evaluate
from kaohe.rulebook.inputs import unit_table
from kaohe.rulebook.model import ExcellentShareTilt
from kaohe.rulebook.text import Sentence
from kaohe.rulebook.tilt import excellent_shares
from kaohe.web import audit
from kaohe.web.bulk import insert_frame, read_frame
from kaohe.web.cycles import latest_results, snapshot_rows
from kaohe.web.personnel import (
    Designs,
    PersonnelError,
    designs_of,
    last_import_id,
    need_designs,
    results_table,
)
from kaohe.web.store import (
    AnnualGrade,
    Cycle,
    GradeRecord,
    PersonnelComputation,
    ResultSnapshot,
    RulebookDecision,
)

#: above this many people, explanations are made on demand (one unit at a time) not stored
EXPLAIN_LIMIT = 20_000
#: cadre statuses as the rulebook's promotion pool names them
RULEBOOK_STATUS = {"investigation": "under_investigation", "discipline": "disciplinary"}


@dataclass(frozen=True)
class Inputs:
    """What a computation reads, from the store."""

    people: People
    ballots: pd.DataFrame  # subject_key, rater_group, value (in import order)
    checks: pd.DataFrame  # cadre_id, unit, year, quarter, grade, score
    scores: pd.DataFrame  # kind, subject_key, component, value
    results: pd.DataFrame  # the unit results, indexed by unit
    snapshot_id: int


# --------------------------------------------------------------------------- reading


def read_people(session: Session, units: list[str] | None = None) -> People:
    """The roster (active teams and cadres) as the cadres core's :class:`People`."""
    where, params = _unit_filter(units)
    teams = read_frame(
        session,
        f"SELECT team_key, unit, name FROM teams WHERE active{where} ORDER BY id",
        ("team_id", "unit", "name"),
        params,
    )
    cadres = read_frame(
        session,
        "SELECT cadre_key, name, unit, team_key, position, rank_level, status, status_start, "
        f"status_end FROM cadres WHERE active{where} ORDER BY id",
        (
            "cadre_id",
            "name",
            "unit",
            "team_id",
            "position",
            "rank_level",
            "status",
            "status_start",
            "status_end",
        ),
        params,
    )
    for col in ("status_start", "status_end"):
        cadres[col] = pd.to_datetime(cadres[col], errors="coerce").dt.normalize()
    for col in ("team_id", "position", "rank_level"):
        cadres[col] = cadres[col].astype(object).where(cadres[col].notna(), None)
    return People(teams.reset_index(drop=True), cadres.reset_index(drop=True))


def _unit_filter(units: list[str] | None) -> tuple[str, dict[str, Any]]:
    if units is None:
        return "", {}
    names = {f"u{k}": u for k, u in enumerate(units)}
    return f" AND unit IN ({', '.join(':' + k for k in names)})", names


def read_inputs(session: Session, cycle: Cycle, units: list[str] | None = None) -> Inputs:
    """Everything the grades of ``cycle`` read (of ``units`` only, when given)."""
    snap = latest_results(session, cycle)
    if snap is None:
        raise PersonnelError(
            "请先计算本考核的单位结果 / compute the cycle's results first (the grades read them)"
        )
    people = read_people(session, units)
    ids = set(people.cadres["cadre_id"]) | set(people.teams["team_id"])
    ballots = read_frame(
        session,
        "SELECT subject_key, rater_group, value FROM ballots WHERE cycle_id = :c ORDER BY id",
        ("subject_key", "rater_group", "value"),
        {"c": cycle.id},
        floats=("value",),
    )
    checks = read_frame(
        session,
        "SELECT cadre_key, year, quarter, grade, score FROM regular_checks "
        "WHERE cycle_id = :c ORDER BY id",
        ("cadre_id", "year", "quarter", "grade", "score"),
        {"c": cycle.id},
        floats=("score",),
    )
    checks["year"] = checks["year"].astype(np.int64)
    checks["quarter"] = checks["quarter"].astype(np.int64)
    unit_of = dict(zip(people.cadres["cadre_id"], people.cadres["unit"], strict=True))
    checks["unit"] = checks["cadre_id"].map(unit_of)
    checks = checks[checks["unit"].notna()].reset_index(drop=True)
    scores = read_frame(
        session,
        "SELECT kind, subject_key, component, value FROM component_scores WHERE cycle_id = :c",
        ("kind", "subject_key", "component", "value"),
        {"c": cycle.id},
        floats=("value",),
    )
    if units is not None:
        ballots = ballots[ballots["subject_key"].isin(ids)].reset_index(drop=True)
        scores = scores[scores["subject_key"].isin(ids)].reset_index(drop=True)
    results = pd.DataFrame(snapshot_rows(snap)).set_index("unit")
    return Inputs(people, ballots, checks, scores, results, snap.id)


# --------------------------------------------------------------------------- grading


def top_shares(designs: Designs, results: pd.DataFrame) -> dict[str, float] | None:
    """Unit → excellent share, from the rulebook's tilt rule on the unit results (None: the
    rulebook has no such rule, and the grading design's share holds)."""
    for rule in designs.rulebook.rules.values():
        if isinstance(rule, ExcellentShareTilt):
            return excellent_shares(rule, unit_table(results))
    return None


def _appraisal(inputs: Inputs, design: AppraisalDesign, subjects: list[str]) -> pd.Series:
    """Appraisal scores from the stored ballot values: the core's :func:`appraise` with one item
    (the ballot's value, already item-weighted), so scores are as from the file."""
    one = design.model_copy(update={"items": {"value": Item(name="value", weight=1)}})
    frame = pd.DataFrame(
        {
            "ballot_id": np.arange(len(inputs.ballots)),
            "subject_id": inputs.ballots["subject_key"].to_numpy(dtype=object),
            "group": inputs.ballots["rater_group"].to_numpy(dtype=object),
            "value": inputs.ballots["value"].to_numpy(dtype=np.float64),
        }
    )
    return appraise(Ballots(frame), one, subjects).scores()


def _components(
    inputs: Inputs,
    kind: str,
    ids: pd.Series,
    units: pd.Series,
    appraisal: pd.Series,
    checks: pd.Series | None,
    wanted: list[str],
) -> pd.DataFrame:
    res = inputs.results
    share = (res["score"] / res["full_marks"] * 100).to_dict() if len(res) else {}
    index = ids.to_numpy()
    cols: dict[str, Any] = {
        "appraisal": appraisal.reindex(index),
        "unit": pd.Series(units.map(share).to_numpy(dtype=np.float64), index=index),
    }
    if checks is not None:
        cols["checks"] = checks
    scores = inputs.scores[inputs.scores["kind"] == kind]
    if len(scores):
        wide = scores.pivot_table(
            index="subject_key", columns="component", values="value", aggfunc="last"
        )
        for c in wide.columns:
            cols[str(c)] = wide[c]
    picked = {k: v for k, v in cols.items() if k in wanted}
    frame = component_frame(**picked)
    return frame.reindex(index=pd.Index(index, dtype=object))


def grade_all(
    designs: Designs, inputs: Inputs, shares: Mapping[str, float] | None
) -> tuple[AnnualGrades | None, AnnualGrades | None]:
    """Cadre and team grades (each None when the grading design has no such section)."""
    g = designs.grading
    people = inputs.people
    subjects = [*people.cadres["cadre_id"], *people.teams["team_id"]]
    appraisal = _appraisal(inputs, designs.appraisal, subjects)
    cadre = team = None
    if g.cadre is not None and len(people.cadres):
        capped = cap_checks(inputs.checks, designs.checks).checks
        summary = checks_summary(capped, designs.checks, g.year)
        comps = _components(
            inputs,
            "cadre",
            people.cadres["cadre_id"],
            people.cadres["unit"],
            appraisal,
            summary["points"],
            list(g.cadre.components),
        )
        cadre = grade_cadres(
            people,
            comps,
            g,
            top_shares=shares,
            checks=summary,
            checks_design=designs.checks,
        )
    if g.team is not None and len(people.teams):
        comps = _components(
            inputs,
            "team",
            people.teams["team_id"],
            people.teams["unit"],
            appraisal,
            None,
            list(g.team.components),
        )
        team = grade_teams(people, comps, g)
    return cadre, team


# --------------------------------------------------------------------------- the whole run


@dataclass(frozen=True)
class Computed:
    computation: PersonnelComputation
    grades: int
    decisions: int


def compute(session: Session, cycle: Cycle, actor: str) -> Computed:
    """Grades and decisions of the cycle, from the stored inputs, kept as a new computation.
    Raises PersonnelError (what to do first) or a KaoheError (located problems of the inputs);
    nothing is written then."""
    designs = need_designs(session, cycle)
    inputs = read_inputs(session, cycle)
    shares = top_shares(designs, inputs.results)
    cadre, team = grade_all(designs, inputs, shares)
    graded = [g for g in (cadre, team) if g is not None]
    if not graded:
        raise PersonnelError(
            "没有可评定等次的干部或班子 / nobody to grade: import the people first"
        )
    run = PersonnelComputation(
        cycle_id=cycle.id,
        snapshot_id=inputs.snapshot_id,
        design_id=designs.record.id,
        last_import_id=last_import_id(session),
        actor=actor,
    )
    session.add(run)
    session.flush()
    n_grades = sum(store_grades(session, run, g) for g in graded)
    write_history(session, cycle, designs.grading.year, graded)
    decisions = evaluate_rulebook(session, cycle, designs, inputs.results)
    n_decisions = store_decisions(session, run, decisions)
    counts = {
        "grades": n_grades,
        "decisions": n_decisions,
        **{f"{g.kind}:{k}": int(v) for g in graded for k, v in _grade_counts(g).items()},
    }
    run.counts = json.dumps(counts, ensure_ascii=False)
    audit.record(
        session,
        actor,
        "personnel.compute",
        f"cycle:{cycle.id}",
        after={"computation": run.id, "snapshot": inputs.snapshot_id, **counts},
    )
    return Computed(run, n_grades, n_decisions)


def _grade_counts(g: AnnualGrades) -> dict[str, int]:
    return {str(k): int(v) for k, v in g.frame["grade"].value_counts().sort_index().items()}


def store_grades(session: Session, run: PersonnelComputation, grades: AnnualGrades) -> int:
    f = grades.frame
    explained = len(f) <= EXPLAIN_LIMIT
    zh, en = both_languages([grades.explain_at(i) for i in range(len(f))] if explained else [])
    rows = pd.DataFrame(
        {
            "computation_id": run.id,
            "kind": grades.kind,
            "subject_key": f[grades.id_column].astype(str).to_numpy(),
            "unit": f["unit"].astype(str).to_numpy(),
            "year": grades.year,
            "score": f["score"].to_numpy(dtype=np.float64),
            "grade": f["grade"].astype(str).to_numpy(),
            "grade_name": f["grade_name"].astype(str).to_numpy(),
            "position": f["position"].to_numpy(dtype=np.int64),
            "participants": f["participants"].to_numpy(dtype=np.int64),
            "share": f["share"].to_numpy(dtype=np.float64),
            "quota": f["quota"].to_numpy(dtype=np.int64),
            "explanation": zh if explained else None,
            "explanation_en": en if explained else None,
        }
    )
    return insert_frame(session, AnnualGrade, rows)


def both_languages(explained: Sequence[Any]) -> tuple[list[str], list[str]]:
    """Explanations (each a list of sentences, or one sentence) as text in Chinese and in
    English: grades and decisions keep both, and pages show the one of their language."""
    out: list[list[str]] = []
    for code in ("zh", "en"):
        with language(code):
            out.append([join(x) if isinstance(x, list) else str(x) for x in explained])
    return out[0], out[1]


def write_history(session: Session, cycle: Cycle, year: int, graded: list[AnnualGrades]) -> None:
    """The year's grades into the grade history (replacing that year of those kinds); years at
    the level carried on from the person's latest earlier row."""
    kinds = [g.kind for g in graded]
    session.execute(
        delete(GradeRecord).where(GradeRecord.year == year, GradeRecord.kind.in_(kinds))
    )
    earlier = read_frame(
        session,
        "SELECT person_key, kind, year, years_at_level FROM grade_history "
        "WHERE year < :y AND years_at_level IS NOT NULL ORDER BY year",
        ("person_key", "kind", "year", "years_at_level"),
        {"y": year},
        floats=("years_at_level",),
    )
    earlier["year"] = pd.to_numeric(earlier["year"])
    last = earlier.drop_duplicates(["person_key", "kind"], keep="last")
    level = {
        (p, k): lv + (year - int(y))
        for p, k, y, lv in zip(
            last["person_key"], last["kind"], last["year"], last["years_at_level"], strict=True
        )
    }
    for g in graded:
        h = g.history()
        ids = h["person_id"].astype(str)
        rows = pd.DataFrame(
            {
                "person_key": ids.to_numpy(),
                "kind": g.kind,
                "year": year,
                "unit": h["unit"].astype(str).to_numpy(),
                "grade": h["grade"].astype(str).to_numpy(),
                "years_at_level": [level.get((p, g.kind), math.nan) for p in ids],
                "source": "computed",
                "cycle_id": cycle.id,
            }
        )
        insert_frame(session, GradeRecord, rows)


def previous_results(session: Session, cycle: Cycle, designs: Designs) -> pd.DataFrame | None:
    """The previous cycle's latest results: the cycle the designs name, else the results file
    stored with them, else the latest earlier cycle with results."""
    prev_id = designs.record.previous_cycle_id
    if prev_id is None and designs.record.previous_results:
        return results_table(designs.record.previous_results)
    query = select(ResultSnapshot).order_by(ResultSnapshot.id.desc()).limit(1)
    if prev_id is not None:
        query = query.where(ResultSnapshot.cycle_id == prev_id)
    else:
        query = query.where(ResultSnapshot.cycle_id < cycle.id)
    snap = session.execute(query).scalar_one_or_none()
    return None if snap is None else pd.DataFrame(snapshot_rows(snap)).set_index("unit")


def read_history(session: Session) -> pd.DataFrame:
    """The grade history as the rulebook reads it, with each cadre's name and status."""
    h = read_frame(
        session,
        "SELECT g.person_key, g.kind, g.year, g.unit, g.grade, g.years_at_level, "
        "COALESCE(c.name, t.name, ''), COALESCE(c.status, '') FROM grade_history g "
        "LEFT JOIN cadres c ON g.kind = 'cadre' AND c.cadre_key = g.person_key "
        "LEFT JOIN teams t ON g.kind = 'team' AND t.team_key = g.person_key",
        ("person_id", "kind", "year", "unit", "grade", "years_at_level", "name", "status"),
        floats=("years_at_level",),
    )
    h["year"] = pd.to_numeric(h["year"]).astype(np.int64)
    h["grade"] = h["grade"].fillna("")
    h["status"] = h["status"].fillna("").map(lambda s: RULEBOOK_STATUS.get(s, s))
    return h


def evaluate_rulebook(
    session: Session, cycle: Cycle, designs: Designs, results: pd.DataFrame
) -> Decisions:
    history = read_history(session)
    promotions = read_frame(
        session,
        "SELECT person_key, year, unit, position, name FROM promotions ORDER BY id",
        ("person_id", "year", "unit", "position", "name"),
    )
    promotions["year"] = pd.to_numeric(promotions["year"]).astype(np.int64)
    return evaluate(
        designs.rulebook,
        RulebookInputs(
            results=results,
            previous=previous_results(session, cycle, designs),
            history=history,
            promotions=promotions,
            year=designs.grading.year,
        ),
    )


def store_decisions(session: Session, run: PersonnelComputation, decisions: Decisions) -> int:
    rows: list[tuple[Any, ...]] = []
    zh, en = both_languages([d.explanation for o in decisions.outcomes for d in o.decisions])
    for o in decisions.outcomes:
        for d in o.decisions:
            rows.append(
                (
                    len(rows),
                    d.rule,
                    o.type,
                    o.name,
                    d.subject_kind,
                    d.subject,
                    d.name,
                    d.unit,
                    d.action,
                    json.dumps(d.value, ensure_ascii=False),
                    json.dumps([_link(x) for x in d.inputs], ensure_ascii=False),
                    o.public,
                    zh[len(rows)],
                    en[len(rows)],
                )
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "position",
            "rule",
            "rule_type",
            "rule_name",
            "subject_kind",
            "subject",
            "name",
            "unit",
            "action",
            "value",
            "inputs",
            "public",
            "explanation",
            "explanation_en",
        ],
    )
    return insert_frame(session, RulebookDecision, frame.assign(computation_id=run.id))


def _link(x: Link) -> list[Any]:
    return [x.source, x.key, x.field, x.value, x.year, x.unit]


# --------------------------------------------------------------------------- reading back


def latest_computation(session: Session, cycle: Cycle) -> PersonnelComputation | None:
    return session.execute(
        select(PersonnelComputation)
        .where(PersonnelComputation.cycle_id == cycle.id)
        .order_by(PersonnelComputation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def staleness(session: Session, cycle: Cycle, run: PersonnelComputation | None) -> list[str]:
    """Why the grades and decisions no longer match the stored inputs (empty: up to date)."""
    if run is None:
        return ["尚未计算 / not computed yet"]
    out = []
    snap = latest_results(session, cycle)
    if snap is not None and snap.id != run.snapshot_id:
        out.append("单位结果已重新计算 / the unit results were computed again")
    designs = designs_of(session, cycle)
    if designs is not None and designs.record.id != run.design_id:
        out.append("设计已更新 / the designs changed")
    if last_import_id(session) > run.last_import_id:
        out.append("有新导入的数据 / files were imported since")
    return out


def stored_decisions(
    session: Session, run: PersonnelComputation, public_only: bool = False, lang: str | None = None
) -> Decisions:
    """The stored decisions as the rulebook core's :class:`Decisions` (explanations as stored,
    in ``lang``; None: the language in force), for the exports of :mod:`kaohe.io.rulebook_files`."""
    query = select(RulebookDecision).where(RulebookDecision.computation_id == run.id)
    if public_only:
        query = query.where(RulebookDecision.public.is_(True))
    rows = session.execute(query.order_by(RulebookDecision.position)).scalars().all()
    outcomes: dict[str, tuple[RulebookDecision, list[Decision]]] = {}
    for r in rows:
        links = tuple(
            Link(src, key, field, value, year, unit)
            for src, key, field, value, year, unit in json.loads(r.inputs)
        )
        d = Decision(
            r.rule,
            r.subject_kind,  # type: ignore[arg-type]
            r.subject,
            r.name,
            r.unit,
            r.action,
            json.loads(r.value) if r.value is not None else None,
            links,
            Sentence("joined", head=explained(r, lang), tail=()),
        )
        outcomes.setdefault(r.rule, (r, []))[1].append(d)
    year = None
    if rows:
        year = session.execute(
            select(AnnualGrade.year).where(AnnualGrade.computation_id == run.id).limit(1)
        ).scalar_one_or_none()
    return Decisions(
        "",
        year,
        tuple(
            RuleOutcome(first.rule, first.rule_type, first.rule_name, first.public, tuple(ds))
            for first, ds in outcomes.values()
        ),
    )


def explained(row: AnnualGrade | RulebookDecision, lang: str | None) -> str:
    """A stored explanation in ``lang`` (None: the language in force); the Chinese one when
    no English one was kept (computations before both were)."""
    if (lang or i18n.lang()) == "en" and row.explanation_en:
        return row.explanation_en
    return row.explanation or ""


def explain_grade(session: Session, cycle: Cycle, row: AnnualGrade, lang: str | None = None) -> str:
    """A grade's explanation in ``lang`` (None: the language in force): as stored, or made now
    by grading the person's unit again from the inputs of the computation (grades are decided
    unit by unit)."""
    if row.explanation is not None:
        return explained(row, lang)
    designs = need_designs(session, cycle)
    inputs = read_inputs(session, cycle, [row.unit])
    cadre, team = grade_all(designs, inputs, top_shares(designs, inputs.results))
    grades = cadre if row.kind == "cadre" else team
    if grades is None:
        return ""
    with language(lang):
        return join(grades.explain(row.subject_key))


def recompute_after_results(session: Session, cycle: Cycle, actor: str) -> None:
    """After a new computation of the cycle's results: recompute grades and decisions if the
    cycle has designs and people. A failure leaves nothing written and the old computation
    marked stale (the results themselves are kept)."""
    if designs_of(session, cycle) is None or latest_computation(session, cycle) is None:
        return
    try:
        with session.begin_nested():
            compute(session, cycle, actor)
    except (KaoheError, PersonnelError):
        pass


def export_workbook(
    session: Session, run: PersonnelComputation, path: Path, lang: str | None = None
) -> Path:
    """The computation's cadre and team grades (with explanations in ``lang``; None: the
    language in force) as one .xlsx workbook."""
    from kaohe.io.cadre_files import write_workbook

    english = (lang or i18n.lang()) == "en"
    said = "COALESCE(explanation_en, explanation)" if english else "explanation"
    sheets = {}
    for kind in ("cadre", "team"):
        frame = read_frame(
            session,
            "SELECT subject_key, unit, year, score, grade, grade_name, position, participants, "
            f"share, quota, {said} FROM annual_grades WHERE computation_id = :r AND kind = :k "
            "ORDER BY id",
            (
                f"{kind}_id",
                "unit",
                "year",
                "score",
                "grade",
                "grade_name",
                "position_in_unit",
                "participants",
                "share",
                "quota",
                "explanation",
            ),
            {"r": run.id, "k": kind},
            floats=("score", "share"),
        )
        if len(frame):
            sheets["干部" if kind == "cadre" else "领导班子"] = frame
    return write_workbook(sheets, path)

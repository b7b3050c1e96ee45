"""Computing a cycle's annual grades and rulebook decisions from what the platform stores.

The computation reads the stored inputs — the roster, the ballots, the regular checks, the
other component scores, the grade history, the promotions and the cycle's latest results and
the previous cycle's — as the core's designs and inputs, and hands them to the same one call as
``kaohe cadres grade`` (:func:`kaohe.cadres.assess_cadres`: the tilted excellent shares, the
cadre and team annual grades, the grade history of the year, the whole rulebook). The platform
only keeps its output: the grades (with their explanations in both languages), the year's rows
of the grade history (replacing that year), the decisions.

Each computation is a :class:`PersonnelComputation` row with what it read; it is *stale* when
the cycle has newer results, designs or imports (:func:`staleness`). A new computation of the
cycle's results recomputes it (:func:`recompute_after_results`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kaohe import i18n
from kaohe.cadres import Ballots, People
from kaohe.cadres.annual import AnnualGrades
from kaohe.cadres.assessment import (
    RULEBOOK_STATUS,
    CadreAssessment,
    CadreDesigns,
    CadreInputs,
    assess_cadres,
)
from kaohe.cadres.design import AppraisalDesign, GradingDesign, Item
from kaohe.cadres.words import join
from kaohe.errors import KaoheError
from kaohe.i18n import both, language
from kaohe.results import Results
from kaohe.rulebook import Decision, Decisions, Link, RuleOutcome
from kaohe.rulebook.text import Sentence
from kaohe.web.audit import chain as audit
from kaohe.web.personnel.service import (
    Designs,
    PersonnelError,
    designs_of,
    last_import_id,
    need_designs,
    results_table,
)
from kaohe.web.personnel.service import (
    read_people as read_people,  # re-exported: the roster as the computation reads it
)
from kaohe.web.results import service as results_service
from kaohe.web.results.service import latest_results, snapshot_rows
from kaohe.web.store.bulk import insert_frame, read_frame
from kaohe.web.store.models import (
    AnnualGrade,
    Cycle,
    GradeRecord,
    PersonnelComputation,
    ResultSnapshot,
    RulebookDecision,
)

#: above this many people, explanations are made on demand (one unit at a time) not stored
EXPLAIN_LIMIT = 20_000


@dataclass(frozen=True)
class Inputs:
    """What a computation reads from the store, as the core's designs and inputs."""

    designs: CadreDesigns
    inputs: CadreInputs
    snapshot_id: int


# --------------------------------------------------------------------------- reading


def read_inputs(
    session: Session,
    cycle: Cycle,
    designs: Designs,
    units: list[str] | None = None,
    *,
    decide: bool = True,
) -> Inputs:
    """Everything the grades of ``cycle`` read (of ``units`` only, when given), as the core's
    designs and inputs; with what the rulebook reads too when ``decide``."""
    snap = latest_results(session, cycle)
    if snap is None:
        raise PersonnelError(both("web.say.compute_cycle_s_results_first"))
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
    core = CadreDesigns(
        designs.grading, _one_item(designs.appraisal), designs.checks, rulebook=designs.rulebook
    )
    inputs = CadreInputs(
        people,
        results=results,
        ballots=_stored_ballots(ballots),
        checks=checks,
        scores=_wide_scores(scores),
    )
    if decide:
        inputs = dataclasses.replace(
            inputs,
            previous=previous_results(session, cycle, designs),
            history=read_history(session),
            promotions=read_promotions(session),
        )
    return Inputs(core, inputs, snap.id)


def _one_item(design: AppraisalDesign) -> AppraisalDesign:
    """The appraisal design with one item, the stored ballot's value (already item-weighted
    at the import), so that scores are as from the file."""
    return design.model_copy(update={"items": {"value": Item(name="value", weight=1)}})


def _stored_ballots(ballots: pd.DataFrame) -> Ballots:
    frame = pd.DataFrame(
        {
            "ballot_id": np.arange(len(ballots)),
            "subject_id": ballots["subject_key"].to_numpy(dtype=object),
            "group": ballots["rater_group"].to_numpy(dtype=object),
            "value": ballots["value"].to_numpy(dtype=np.float64),
        }
    )
    return Ballots(frame)


def _wide_scores(scores: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Kind → the stored component scores, indexed by subject id, one column per component."""
    out = {}
    for kind in ("cadre", "team"):
        rows = scores[scores["kind"] == kind]
        if len(rows):
            out[kind] = rows.pivot_table(
                index="subject_key", columns="component", values="value", aggfunc="last"
            )
    return out


def _anyone(grading: GradingDesign, people: People) -> bool:
    """Someone on the roster of a kind the grading design grades."""
    cadres = grading.cadre is not None and len(people.cadres) > 0
    return cadres or (grading.team is not None and len(people.teams) > 0)


def assess(session: Session, cycle: Cycle, designs: Designs) -> tuple[Inputs, CadreAssessment]:
    """The core's assessment of the cycle (:func:`kaohe.cadres.assess_cadres`) on the stored
    inputs. Raises PersonnelError (what to do first) or a KaoheError (located problems)."""
    read = read_inputs(session, cycle, designs)
    if not _anyone(designs.grading, read.inputs.people):
        raise PersonnelError(both("web.say.nobody_grade_import_people_first"))
    return read, assess_cadres(read.designs, read.inputs)


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
    read, done = assess(session, cycle, designs)
    graded = list(done.graded)
    run = PersonnelComputation(
        cycle_id=cycle.id,
        snapshot_id=read.snapshot_id,
        design_id=designs.record.id,
        last_import_id=last_import_id(session),
        actor=actor,
    )
    session.add(run)
    session.flush()
    n_grades = sum(store_grades(session, run, g) for g in graded)
    write_history(session, cycle, done)
    assert done.decisions is not None  # the designs always have a rulebook
    n_decisions = store_decisions(session, run, done.decisions)
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
        after={"computation": run.id, "snapshot": read.snapshot_id, **counts},
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


def write_history(session: Session, cycle: Cycle, done: CadreAssessment) -> None:
    """The year's grades into the grade history, as the core's assessment made them (replacing
    that year of the kinds graded; years at the level carried on from each person's latest
    earlier row)."""
    kinds = [g.kind for g in done.graded]
    session.execute(
        delete(GradeRecord).where(GradeRecord.year == done.year, GradeRecord.kind.in_(kinds))
    )
    h = done.history
    h = h[((h["year"] == done.year) & h["kind"].isin(kinds)).to_numpy()]
    level = h["years_at_level"] if "years_at_level" in h.columns else math.nan
    rows = pd.DataFrame(
        {
            "person_key": h["person_id"].astype(str).to_numpy(),
            "kind": h["kind"].astype(str).to_numpy(),
            "year": done.year,
            "unit": h["unit"].astype(str).to_numpy(),
            "grade": h["grade"].astype(str).to_numpy(),
            "years_at_level": pd.Series(level, index=h.index, dtype=np.float64).to_numpy(),
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
    """The grade history as the rulebook reads it, with each cadre's name and status (in the
    rulebook's words), in the order it was written."""
    h = read_frame(
        session,
        "SELECT g.person_key, g.kind, g.year, g.unit, g.grade, g.years_at_level, "
        "COALESCE(c.name, t.name, ''), COALESCE(c.status, '') FROM grade_history g "
        "LEFT JOIN cadres c ON g.kind = 'cadre' AND c.cadre_key = g.person_key "
        "LEFT JOIN teams t ON g.kind = 'team' AND t.team_key = g.person_key ORDER BY g.id",
        ("person_id", "kind", "year", "unit", "grade", "years_at_level", "name", "status"),
        floats=("years_at_level",),
    )
    h["year"] = pd.to_numeric(h["year"]).astype(np.int64)
    h["grade"] = h["grade"].fillna("")
    h["status"] = h["status"].fillna("").map(lambda s: RULEBOOK_STATUS.get(s, s))
    return h


def read_promotions(session: Session) -> pd.DataFrame:
    promotions = read_frame(
        session,
        "SELECT person_key, year, unit, position, name FROM promotions ORDER BY id",
        ("person_id", "year", "unit", "position", "name"),
    )
    promotions["year"] = pd.to_numeric(promotions["year"]).astype(np.int64)
    return promotions


def store_decisions(session: Session, run: PersonnelComputation, decisions: Decisions) -> int:
    """The decisions as rows of ``rulebook_decisions`` (their columns named once, here: the
    store's, not :data:`~kaohe.rulebook.DECISION_COLUMNS` of the files), explanations in both
    languages."""
    pairs = [(o, d) for o in decisions.outcomes for d in o.decisions]
    zh, en = both_languages([d.explanation for _, d in pairs])
    frame = pd.DataFrame(
        {
            "position": list(range(len(pairs))),
            "rule": [d.rule for _, d in pairs],
            "rule_type": [o.type for o, _ in pairs],
            "rule_name": [o.name for o, _ in pairs],
            "subject_kind": [d.subject_kind for _, d in pairs],
            "subject": [d.subject for _, d in pairs],
            "name": [d.name for _, d in pairs],
            "unit": [d.unit for _, d in pairs],
            "action": [d.action for _, d in pairs],
            "value": [json.dumps(d.value, ensure_ascii=False) for _, d in pairs],
            "inputs": [
                json.dumps([_link(x) for x in d.inputs], ensure_ascii=False) for _, d in pairs
            ],
            "public": [o.public for o, _ in pairs],
            "explanation": zh,
            "explanation_en": en,
        }
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
        return [both("web.say.not_computed_yet")]
    out = []
    snap = latest_results(session, cycle)
    if snap is not None and snap.id != run.snapshot_id:
        out.append(both("web.say.unit_results_were_computed_again"))
    designs = designs_of(session, cycle)
    if designs is not None and designs.record.id != run.design_id:
        out.append(both("web.say.designs_changed"))
    if last_import_id(session) > run.last_import_id:
        out.append(both("web.say.files_were_imported_since"))
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
    by grading the person's pool of units again from the inputs of the computation (grades are
    decided pool by pool: by default each unit alone)."""
    if row.explanation is not None:
        return explained(row, lang)
    designs = need_designs(session, cycle)
    gs = designs.grading.cadre if row.kind == "cadre" else designs.grading.team
    units = gs.quota.pool_members(row.unit) if gs is not None else [row.unit]
    read = read_inputs(session, cycle, designs, units, decide=False)
    done = assess_cadres(read.designs, read.inputs, decide=False)
    grades = done.cadres if row.kind == "cadre" else done.teams
    if grades is None:
        return ""
    with language(lang):
        return join(grades.explain(row.subject_key))


def compute_results(session: Session, cycle: Cycle, actor: str) -> tuple[Results, str | None]:
    """Compute the cycle's results, then the cadre grades and decisions that read them.

    Returns the results and, when the cadre recomputation failed, its reason (also recorded in
    the audit log as ``personnel.compute_failed``): the results are kept, nothing of the failed
    recomputation is written, and the old computation shows as stale."""
    results = results_service.compute(session, cycle, actor)
    return results, recompute_after_results(session, cycle, actor)


def recompute_after_results(session: Session, cycle: Cycle, actor: str) -> str | None:
    """After a new computation of the cycle's results: recompute grades and decisions if the
    cycle has designs and people. A failure leaves nothing of it written, is recorded, and its
    reason returned (None when it succeeded or there was nothing to recompute)."""
    if designs_of(session, cycle) is None or latest_computation(session, cycle) is None:
        return None
    try:
        with session.begin_nested():
            compute(session, cycle, actor)
    except (KaoheError, PersonnelError) as exc:
        reason = str(exc)
        audit.record(
            session, actor, "personnel.compute_failed", f"cycle:{cycle.id}", after={"error": reason}
        )
        return reason
    return None


def export_workbook(
    session: Session, run: PersonnelComputation, path: Path, lang: str | None = None
) -> Path:
    """The computation's cadre and team grades (with explanations in ``lang``; None: the
    language in force) as one .xlsx workbook."""
    from kaohe.io.cadre_files import CADRE_SHEETS, TEAM_SHEETS, write_workbook

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
            sheets[(CADRE_SHEETS if kind == "cadre" else TEAM_SHEETS)[1]] = frame
    return write_workbook(sheets, path)

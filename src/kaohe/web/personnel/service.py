"""Leadership teams and cadres on the platform: a cycle's designs, and the files imported for
it — people, appraisal ballots, regular checks, other component scores, the grade history and
recorded promotions.

Every import is all or nothing: the file is checked whole by the cadres core (every bad cell
located by file, row and column) before anything is written; then its rows are written in bulk
(:mod:`kaohe.web.store.bulk`) and the import is entered once in the audit log with the file's name,
SHA-256 and row count. The computation (grades, decisions) is in
:mod:`kaohe.web.personnel.compute`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kaohe.cadres.assessment import OWN_COMPONENTS, build_scores
from kaohe.cadres.design import AppraisalDesign, ChecksDesign, GradingDesign
from kaohe.cadres.frames import (
    Problems,
    Source,
    blank,
    number_column,
    require_columns,
    required_text,
    text_column,
)
from kaohe.cadres.people import CADRE_COLUMNS, TEAM_COLUMNS, People
from kaohe.errors import DataError, Issue, KaoheError, SchemeError
from kaohe.i18n import both
from kaohe.io.cadre_files import (
    load_ballots,
    load_checks,
    load_people,
    read_frames,
)
from kaohe.io.cadre_files import (
    parse_design as parse_design,  # re-exported: the arena uses it from here
)
from kaohe.io.rulebook_files import parse_results_table, parse_rulebook_text
from kaohe.rulebook import Rulebook
from kaohe.rulebook.inputs import HISTORY_COLUMNS
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import scheme_of
from kaohe.web.store.bulk import insert_frame, read_frame, records_of
from kaohe.web.store.models import (
    Ballot,
    Cadre,
    ComponentScore,
    Cycle,
    CycleDesign,
    GradeRecord,
    PersonnelImport,
    Promotion,
    RegularCheck,
    Team,
)

D = TypeVar("D", bound=BaseModel)
DESIGN_FILES = ("appraisal", "checks", "grading", "rulebook")
IMPORTS = ("people", "teams", "ballots", "checks", "scores", "history", "promotions")


class PersonnelError(ValueError):
    """What a person must do first, or why a request cannot be done; the message says it."""


# --------------------------------------------------------------------------- designs


@dataclass(frozen=True)
class Designs:
    """A cycle's designs, parsed: the stored version and the four validated objects."""

    record: CycleDesign
    appraisal: AppraisalDesign
    checks: ChecksDesign
    grading: GradingDesign
    rulebook: Rulebook


def _parse_all(texts: dict[str, str]) -> tuple[Any, ...]:
    """Every design checked; one error listing the problems of all of them."""
    issues: list[Issue] = []
    out: list[Any] = []
    kinds: dict[str, type[BaseModel]] = {
        "appraisal": AppraisalDesign,
        "checks": ChecksDesign,
        "grading": GradingDesign,
    }
    for what, kind in kinds.items():
        try:
            out.append(parse_design(texts[what], kind, f"{what}.yaml"))
        except KaoheError as exc:
            issues += exc.issues
    try:
        out.append(parse_rulebook_text(texts["rulebook"], "rulebook.yaml"))
    except KaoheError as exc:
        issues += exc.issues
    if issues:
        raise SchemeError(issues)
    return tuple(out)


def results_table(text: str, name: str = "results.csv") -> pd.DataFrame:
    """A results table from the text of a ``results.csv`` (as ``kaohe run`` writes it),
    checked as the rulebook reads it."""
    table: pd.DataFrame = parse_results_table(text, name)
    return table


def store_designs(
    session: Session,
    cycle: Cycle,
    texts: dict[str, str],
    actor: str,
    previous_cycle_id: int | None = None,
) -> CycleDesign:
    """Keep a new version of the cycle's designs. Texts not given are those of the current
    version; all four (appraisal, checks, grading, rulebook) must then be there and valid.
    ``texts["previous_results"]``, optional: the previous year's results.csv, read by rules
    on rises when that year was not assessed on the platform."""
    current = latest_design(session, cycle)
    previous_text = texts.get("previous_results") or (current.previous_results if current else None)
    if previous_text:
        results_table(previous_text)
    merged = {k: v for k, v in texts.items() if k in DESIGN_FILES and v.strip()}
    for what in DESIGN_FILES:
        if what not in merged and current is not None:
            merged[what] = getattr(current, what)
    missing = [w for w in DESIGN_FILES if w not in merged]
    if missing:
        files = ", ".join(f"{w}.yaml" for w in missing)
        raise PersonnelError(both("web.say.designs_missing", files=files))
    _parse_all(merged)
    if previous_cycle_id is None and current is not None:
        previous_cycle_id = current.previous_cycle_id
    if previous_cycle_id is not None and session.get(Cycle, previous_cycle_id) is None:
        raise PersonnelError(both("web.say.no_cycle_id", id=previous_cycle_id))
    same = current is not None and all(getattr(current, w) == merged[w] for w in DESIGN_FILES)
    unchanged = current is not None and same and current.previous_cycle_id == previous_cycle_id
    if current is not None and unchanged and current.previous_results == previous_text:
        return current  # nothing changed: no new version
    record = CycleDesign(
        cycle_id=cycle.id,
        version=(current.version + 1) if current else 1,
        previous_cycle_id=previous_cycle_id,
        previous_results=previous_text,
        created_by=actor,
        **merged,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        "personnel.designs",
        f"cycle:{cycle.id}",
        after={
            "version": record.version,
            "previous_cycle": previous_cycle_id,
            "previous_results": _sha(previous_text.encode("utf-8")) if previous_text else None,
            **{w: _sha(merged[w].encode("utf-8")) for w in DESIGN_FILES},
        },
    )
    return record


def latest_design(session: Session, cycle: Cycle) -> CycleDesign | None:
    return session.execute(
        select(CycleDesign)
        .where(CycleDesign.cycle_id == cycle.id)
        .order_by(CycleDesign.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def designs_of(session: Session, cycle: Cycle) -> Designs | None:
    """The cycle's current designs, parsed (once per process per version), or None."""
    record = latest_design(session, cycle)
    if record is None:
        return None
    a, c, g, r = _parsed(record.id, tuple(getattr(record, w) for w in DESIGN_FILES))
    return Designs(record, a, c, g, r)


@lru_cache(maxsize=32)
def _parsed(record_id: int, texts: tuple[str, ...]) -> tuple[Any, ...]:
    return _parse_all(dict(zip(DESIGN_FILES, texts, strict=True)))


def need_designs(session: Session, cycle: Cycle) -> Designs:
    found = designs_of(session, cycle)
    if found is None:
        raise PersonnelError(both("web.say.upload_cycle_s_designs_appraisal"))
    return found


# --------------------------------------------------------------------------- imports


@dataclass(frozen=True)
class Imported:
    """What one import wrote."""

    what: str
    filename: str
    sha256: str
    rows: dict[str, int]

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.rows.items())
        return f"{self.what} ← {self.filename}: {counts}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def upload_file(filename: str, body: bytes) -> Iterator[Path]:
    """An uploaded file on disk under its own base name (so errors name it), removed after."""
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", Path(filename).name)[:120] or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="kaohe-upload-") as tmp:
        path = Path(tmp) / base
        path.write_bytes(body)
        try:
            yield path
        except KaoheError as exc:
            # locate problems by the name the person gave, not the temporary folder
            exc.issues[:] = [dataclasses.replace(i, file=base) if i.file else i for i in exc.issues]
            raise


def _log(
    session: Session, cycle: Cycle, what: str, path: Path, rows: dict[str, int], actor: str
) -> Imported:
    digest = _sha(path.read_bytes())
    total = sum(rows.values())
    session.add(
        PersonnelImport(
            cycle_id=cycle.id, what=what, filename=path.name, sha256=digest, rows=total, actor=actor
        )
    )
    audit.record(
        session,
        actor,
        f"personnel.import.{what}",
        f"cycle:{cycle.id}",
        after={"file": path.name, "sha256": digest, "rows": rows},
    )
    session.flush()
    return Imported(what, path.name, digest, rows)


def import_people(
    session: Session, cycle: Cycle, path: Path, actor: str, teams: Path | None = None
) -> Imported:
    """The roster: teams and cadres (one workbook with both sheets, or a cadres file and a
    teams file). Known ids are updated, new ones added; those absent are kept, marked inactive
    (no longer on the roster) from today."""
    units = list(scheme_of(cycle, session).units)
    people = load_people(path, teams, units)
    today = date.today()
    t = people.teams
    team_rows = pd.DataFrame(
        {
            "team_key": t["team_id"].astype(str),
            "unit": t["unit"].astype(str),
            "name": t["name"].astype(str),
        }
    )
    c = people.cadres
    cadre_rows = pd.DataFrame(
        {
            "cadre_key": c["cadre_id"].astype(str),
            "name": c["name"].astype(str),
            "unit": c["unit"].astype(str),
            "team_key": c["team_id"],
            "position": c["position"],
            "rank_level": c["rank_level"],
            "status": c["status"].astype(str),
            "status_start": c["status_start"].dt.date.astype(object),
            "status_end": c["status_end"].dt.date.astype(object),
        }
    )
    cadre_rows = cadre_rows.astype(object).where(cadre_rows.notna(), None)
    n_teams = (
        _upsert(session, Team, "team_key", team_rows, today) if teams is not None or len(t) else 0
    )
    n_cadres = _upsert(session, Cadre, "cadre_key", cadre_rows, today)
    return _log(
        session,
        cycle,
        "people",
        Path(path),
        {"teams": n_teams, "cadres": n_cadres},
        actor,
    )


def _upsert(session: Session, model: Any, key: str, rows: pd.DataFrame, today: date) -> int:
    """Update the rows whose key exists, insert the others (in bulk); the rest go inactive."""
    session.execute(
        update(model).where(model.active.is_(True)).values(active=False, ended_on=today)
    )
    known: dict[str, int] = dict(session.execute(select(getattr(model, key), model.id)).all())
    rows = rows.assign(active=True, ended_on=None)
    ids = rows[key].map(known)
    old = rows[ids.notna()].assign(id=ids[ids.notna()].astype(np.int64))
    new = rows[ids.isna()].assign(started_on=today)
    if len(old):
        session.execute(update(model), records_of(old))
    insert_frame(session, model, new)
    return len(rows)


def _subjects(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """(cadre id → unit, team id → unit) of everyone on the roster."""
    cadres = dict(session.execute(select(Cadre.cadre_key, Cadre.unit).where(Cadre.active)).all())
    teams = dict(session.execute(select(Team.team_key, Team.unit).where(Team.active)).all())
    return cadres, teams


def _need_roster(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    cadres, teams = _subjects(session)
    if not cadres and not teams:
        raise PersonnelError(both("web.say.import_people_teams_and_cadres"))
    return cadres, teams


def import_ballots(session: Session, cycle: Cycle, path: Path, actor: str) -> Imported:
    """The cycle's appraisal ballots (replacing those imported before), checked against the
    appraisal design: duplicates, unknown subjects or groups, invalid choices, over-voting."""
    design = need_designs(session, cycle).appraisal
    cadres, teams = _need_roster(session)
    ballots = load_ballots(path, design, set(cadres) | set(teams)).frame
    frame = ballot_rows(ballots, design)
    session.execute(delete(Ballot).where(Ballot.cycle_id == cycle.id))
    insert_frame(session, Ballot, frame.assign(cycle_id=cycle.id))
    return _log(session, cycle, "ballots", Path(path), {"ballots": len(frame)}, actor)


def ballot_rows(ballots: pd.DataFrame, design: AppraisalDesign) -> pd.DataFrame:
    """Valid ballots as stored: the points of each item in the design's order joined by ``|``
    (empty for an abstention) and the ballot's item-weighted value, as :func:`appraise`
    computes it."""
    items = list(design.items)
    pts = ballots[items].to_numpy(dtype=np.float64)
    rated = ~np.isnan(pts)
    weights = np.array([it.weight for it in design.items.values()])
    value = np.where(rated, pts, 0.0) @ weights / (rated @ weights)
    texts = [
        np.where(rated[:, k], pd.Series(pts[:, k]).map("{:g}".format).to_numpy(), "")
        for k in range(len(items))
    ]
    choices = pd.Series(texts[0], dtype=str)
    for more in texts[1:]:
        choices = choices + "|" + pd.Series(more, dtype=str)
    rater = ballots["rater"] if "rater" in ballots.columns else None
    return pd.DataFrame(
        {
            "ballot_key": ballots["ballot_id"].astype(str).to_numpy(),
            "subject_key": ballots["subject_id"].astype(str).to_numpy(),
            "rater_group": ballots["group"].astype(str).to_numpy(),
            "rater": rater.to_numpy() if rater is not None else None,
            "choices": choices.to_numpy(),
            "value": value,
        }
    )


def import_checks(session: Session, cycle: Cycle, path: Path, actor: str) -> Imported:
    """The cycle's quarterly regular checks (replacing those imported before)."""
    design = need_designs(session, cycle).checks
    cadres, _ = _need_roster(session)
    checks = load_checks(path, design, cadres)
    frame = pd.DataFrame(
        {
            "cycle_id": cycle.id,
            "cadre_key": checks["cadre_id"].astype(str).to_numpy(),
            "year": checks["year"].astype(np.int64).to_numpy(),
            "quarter": checks["quarter"].astype(np.int64).to_numpy(),
            "grade": checks["grade"].astype(str).to_numpy(),
            "score": checks["score"].to_numpy(dtype=np.float64),
            "note": text_column(checks, "note").fillna("").to_numpy(),
        }
    )
    session.execute(delete(RegularCheck).where(RegularCheck.cycle_id == cycle.id))
    insert_frame(session, RegularCheck, frame)
    return _log(session, cycle, "checks", Path(path), {"checks": len(frame)}, actor)


def _one(path: Path) -> tuple[pd.DataFrame, Source]:
    frames = read_frames(path)
    if len(frames) > 1:
        raise DataError(Issue("the workbook has more than one sheet with data", file=str(path)))
    return frames[0]


def import_scores(session: Session, cycle: Cycle, path: Path, actor: str) -> Imported:
    """Other components of the annual grade as numbers — e.g. the office's assessment: one
    column ``cadre_id`` or ``team_id``, then one column per component id of the grading design
    (replacing the cycle's scores of those components), checked by the core
    (:func:`kaohe.cadres.assessment.build_scores`; the arena's too: the platform ranks its
    arena contest apart from the grades)."""
    grading = need_designs(session, cycle).grading
    _need_roster(session)
    frame, source = _one(path)
    kind, values = build_scores(frame, grading, read_people(session), source, OWN_COMPONENTS)
    given = [str(c) for c in values.columns]
    rows = [
        pd.DataFrame(
            {
                "kind": kind,
                "subject_key": values.index.to_numpy(),
                "component": c,
                "value": values[c].to_numpy(),
            }
        ).dropna(subset=["value"])
        for c in given
    ]
    out = pd.concat(rows, ignore_index=True).assign(cycle_id=cycle.id)
    session.execute(
        delete(ComponentScore).where(
            ComponentScore.cycle_id == cycle.id,
            ComponentScore.kind == kind,
            ComponentScore.component.in_(given),
        )
    )
    insert_frame(session, ComponentScore, out)
    return _log(session, cycle, "scores", Path(path), {f"{kind} scores": len(out)}, actor)


#: The roster's columns as the store names them (the others are named as in the core).
STORED_AS = {"team_id": "team_key", "cadre_id": "cadre_key"}


def read_people(session: Session, units: list[str] | None = None) -> People:
    """The roster (active teams and cadres) as the cadres core's :class:`People`."""
    where, params = _unit_filter(units)
    frames = []
    for table, columns in (("teams", TEAM_COLUMNS), ("cadres", CADRE_COLUMNS)):
        stored = ", ".join(STORED_AS.get(c, c) for c in columns)
        sql = f"SELECT {stored} FROM {table} WHERE active{where} ORDER BY id"
        frames.append(read_frame(session, sql, columns, params))
    teams, cadres = frames
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


HISTORY_FILE = (*HISTORY_COLUMNS, "years_at_level")


def import_history(session: Session, cycle: Cycle, path: Path, actor: str) -> Imported:
    """Annual grades of past years (person_id, kind, year, unit, grade; optional
    years_at_level). The file replaces the imported history of the years it holds; a year whose
    grades a cycle computed is refused (it is recomputed there)."""
    frame, source = _one(path)
    p = Problems(frame, source)
    if not require_columns(p, HISTORY_FILE[:4], HISTORY_FILE):
        p.raise_if_any()
    person = required_text(p, "person_id")
    kind = required_text(p, "kind")
    p.cells(
        ~blank(kind) & ~kind.isin(["cadre", "team"]).to_numpy(),
        "kind",
        lambda v: f"kind must be cadre or team, got {v!r}",
    )
    year = number_column(p, "year")
    p.cells(~np.isnan(year) & (year != np.round(year)), "year", lambda v: f"not a year: {v!r}")
    unit = required_text(p, "unit")
    grade = text_column(frame, "grade").fillna("")
    level = number_column(p, "years_at_level", required=False)
    keys = pd.DataFrame({"p": person, "k": kind, "y": year})
    p.cells(keys.duplicated().to_numpy(), "year", "a second row for this person, kind and year")
    p.raise_if_any()
    years = sorted({int(y) for y in year})
    computed = session.execute(
        select(GradeRecord.year, GradeRecord.cycle_id)
        .where(GradeRecord.source == "computed", GradeRecord.year.in_(years))
        .distinct()
    ).all()
    if computed:
        shown = ", ".join(f"{y} (cycle {c})" for y, c in computed)
        raise DataError(
            Issue(
                f"the grades of {shown} were computed on the platform; leave that year out "
                "of the history file",
                file=source.file,
                column="year",
            )
        )
    out = pd.DataFrame(
        {
            "person_key": person.to_numpy(),
            "kind": kind.to_numpy(),
            "year": year.astype(np.int64),
            "unit": unit.to_numpy(),
            "grade": grade.to_numpy(),
            "years_at_level": level,
            "source": "imported",
            "cycle_id": cycle.id,
        }
    )
    session.execute(delete(GradeRecord).where(GradeRecord.year.in_(years)))
    insert_frame(session, GradeRecord, out)
    return _log(session, cycle, "history", Path(path), {"grades": len(out)}, actor)


PROMOTION_FILE = ("person_id", "year", "unit", "position", "name")


def import_promotions(session: Session, cycle: Cycle, path: Path, actor: str) -> Imported:
    """Recorded promotions (person_id, year, unit; optional position, name); the file replaces
    the promotions of the years it holds."""
    frame, source = _one(path)
    p = Problems(frame, source)
    if not require_columns(p, PROMOTION_FILE[:3], PROMOTION_FILE):
        p.raise_if_any()
    person = required_text(p, "person_id")
    year = number_column(p, "year")
    p.cells(~np.isnan(year) & (year != np.round(year)), "year", lambda v: f"not a year: {v!r}")
    unit = required_text(p, "unit")
    p.raise_if_any()
    out = pd.DataFrame(
        {
            "person_key": person.to_numpy(),
            "year": year.astype(np.int64),
            "unit": unit.to_numpy(),
            "position": text_column(frame, "position").fillna("").to_numpy(),
            "name": text_column(frame, "name").fillna("").to_numpy(),
        }
    )
    years = sorted({int(y) for y in out["year"]})
    session.execute(delete(Promotion).where(Promotion.year.in_(years)))
    insert_frame(session, Promotion, out)
    return _log(session, cycle, "promotions", Path(path), {"promotions": len(out)}, actor)


IMPORTERS: dict[str, Callable[[Session, Cycle, Path, str], Imported]] = {
    "people": import_people,
    "ballots": import_ballots,
    "checks": import_checks,
    "scores": import_scores,
    "history": import_history,
    "promotions": import_promotions,
}


def last_import_id(session: Session) -> int:
    """The newest import's id (0 for none): computations newer than it are not stale. The
    arena's marks (:mod:`kaohe.web.personnel.arena`) are not read by the grades."""
    newest = select(func.max(PersonnelImport.id)).where(PersonnelImport.what != "arena")
    return int(session.execute(newest).scalar_one() or 0)

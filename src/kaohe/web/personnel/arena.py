"""The arena contest (擂台比武) on the platform: a design per cycle (versioned), the judges'
marks (one upload, all or nothing, replacing the marks before), and computations of scores
and ranks by the cadres core (:mod:`kaohe.cadres.arena`), kept with what they read.

Contestants are the people on the roster (cadres or leadership teams) or the cycle's units;
each is shown under its name. A computation stores every contestant's score, rank, panel scores
and the explanation in Chinese and in English; it is *stale* when the design or the marks are
newer than it. Published cycles show the names and ranks on the public board.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kaohe.cadres.arena import build_marks, run_arena
from kaohe.cadres.design import ArenaDesign
from kaohe.cadres.words import join
from kaohe.i18n import both, language
from kaohe.io.cadre_files import read_frames
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import scheme_of
from kaohe.web.personnel.service import Imported, PersonnelError, _log, _sha, parse_design
from kaohe.web.store.bulk import insert_frame, read_frame
from kaohe.web.store.models import (
    ArenaDesignVersion,
    ArenaMark,
    ArenaRun,
    ArenaStanding,
    Cadre,
    Cycle,
    PersonnelImport,
    Team,
)

MARKS = "arena"  # what an upload of marks is called among the imports


def latest_design(session: Session, cycle: Cycle) -> ArenaDesignVersion | None:
    return session.execute(
        select(ArenaDesignVersion)
        .where(ArenaDesignVersion.cycle_id == cycle.id)
        .order_by(ArenaDesignVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def parsed(record: ArenaDesignVersion) -> ArenaDesign:
    return _parsed(record.id, record.text)


@lru_cache(maxsize=16)
def _parsed(record_id: int, text: str) -> ArenaDesign:
    return parse_design(text, ArenaDesign, "arena.yaml")


def store_design(session: Session, cycle: Cycle, text: str, actor: str) -> ArenaDesignVersion:
    """Keep a new version of the cycle's arena design (SchemeError with every problem at its
    line when it is not valid; the current version when the text is unchanged)."""
    parse_design(text, ArenaDesign, "arena.yaml")
    current = latest_design(session, cycle)
    if current is not None and current.text == text:
        return current
    # a twin of service.store_designs on purpose: the arena is designed and versioned apart from
    # the four designs of the grades (its own table and audit action; the grades do not read it)
    record = ArenaDesignVersion(
        cycle_id=cycle.id,
        version=(current.version + 1) if current else 1,
        text=text,
        created_by=actor,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        "personnel.arena.design",
        f"cycle:{cycle.id}",
        after={"version": record.version, "arena": _sha(text.encode("utf-8"))},
    )
    return record


def need_design(session: Session, cycle: Cycle) -> tuple[ArenaDesignVersion, ArenaDesign]:
    record = latest_design(session, cycle)
    if record is None:
        raise PersonnelError(both("web.say.upload_arena_design_arena_yaml"))
    return record, parsed(record)


def contestants(session: Session, cycle: Cycle) -> dict[str, str]:
    """Who may contest, id → name: the cycle's units, the active teams and cadres."""
    out = {u: x.name for u, x in scheme_of(cycle, session).units.items()}
    out.update(dict(session.execute(select(Team.team_key, Team.name).where(Team.active)).all()))
    out.update(dict(session.execute(select(Cadre.cadre_key, Cadre.name).where(Cadre.active)).all()))
    return out


def import_marks(session: Session, cycle: Cycle, path: Path, actor: str) -> Imported:
    """The judges' marks (contestant_id, panel, judge_id, one column per criterion), checked
    whole against the design (unknown contestant or panel, marks out of range, a judge twice,
    too few judges); they replace the cycle's marks before. One audit entry."""
    _, design = need_design(session, cycle)
    frames = read_frames(path)
    if len(frames) > 1:
        from kaohe.errors import DataError, Issue

        raise DataError(Issue("the workbook has more than one sheet with data", file=path.name))
    frame, source = frames[0]
    marks = build_marks(frame, design, contestants(session, cycle), source)
    rows = _stored(marks, design)
    session.execute(delete(ArenaMark).where(ArenaMark.cycle_id == cycle.id))
    insert_frame(session, ArenaMark, rows.assign(cycle_id=cycle.id))
    return _log(session, cycle, MARKS, path, {"marks": len(rows)}, actor)


def _stored(marks: pd.DataFrame, design: ArenaDesign) -> pd.DataFrame:
    crit = list(design.criteria)
    values = marks[crit].to_numpy(dtype=np.float64).tolist()
    return pd.DataFrame(
        {
            "contestant_key": marks["contestant_id"].astype(str).to_numpy(),
            "panel": marks["panel"].astype(str).to_numpy(),
            "judge_key": marks["judge_id"].astype(str).to_numpy(),
            "marks": [json.dumps(dict(zip(crit, v, strict=True))) for v in values],
        }
    )


def read_marks(session: Session, cycle: Cycle, design: ArenaDesign) -> pd.DataFrame:
    """The stored marks as the core reads them, checked again against the (latest) design."""
    stored = read_frame(
        session,
        "SELECT contestant_key, panel, judge_key, marks FROM arena_marks WHERE cycle_id = :c "
        "ORDER BY id",
        ("contestant_id", "panel", "judge_id", "marks"),
        {"c": cycle.id},
    )
    if not len(stored):
        raise PersonnelError(both("web.say.upload_judges_marks_first"))
    parsed_marks = [json.loads(m) for m in stored["marks"]]
    frame = stored.drop(columns="marks")
    for cid in design.criteria:
        frame[cid] = [m.get(cid) for m in parsed_marks]
    return build_marks(frame, design)


def last_marks_id(session: Session, cycle: Cycle) -> int:
    return int(
        session.execute(
            select(func.max(PersonnelImport.id)).where(
                PersonnelImport.cycle_id == cycle.id, PersonnelImport.what == MARKS
            )
        ).scalar_one()
        or 0
    )


def compute(session: Session, cycle: Cycle, actor: str) -> ArenaRun:
    """Scores and ranks from the stored marks, kept as a new run with both languages'
    explanations; one audit entry. Nothing is written when the marks no longer fit the design."""
    record, design = need_design(session, cycle)
    result = run_arena(read_marks(session, cycle, design), design)
    names = contestants(session, cycle)
    run = ArenaRun(
        cycle_id=cycle.id, design_id=record.id, import_id=last_marks_id(session, cycle), actor=actor
    )
    session.add(run)
    session.flush()
    table = result.table
    msgs = {c: result.explain(c) for c in result.contestants}
    texts: dict[str, Mapping[str, str]] = {}
    for code in ("zh", "en"):
        with language(code):
            texts[code] = {c: join(m) for c, m in msgs.items()}
    pids = list(design.panels)
    ids = table["contestant_id"].astype(str).tolist()
    rows = pd.DataFrame(
        {
            "run_id": run.id,
            "position": np.arange(len(table)),
            "contestant_key": ids,
            "name": [names.get(c, c) for c in ids],
            "score": table["score"].to_numpy(dtype=np.float64),
            "rank": table["rank"].to_numpy(dtype=np.int64),
            "panels": [
                json.dumps({p: [_num(r[f"{p}.score"]), int(r[f"{p}.judges"])] for p in pids})
                for _, r in table.iterrows()
            ],
            "explanation": [texts["zh"][c] for c in ids],
            "explanation_en": [texts["en"][c] for c in ids],
        }
    )
    insert_frame(session, ArenaStanding, rows)
    audit.record(
        session,
        actor,
        "personnel.arena.compute",
        f"cycle:{cycle.id}",
        after={"run": run.id, "design": record.version, "contestants": len(rows)},
    )
    return run


def _num(x: float) -> float | None:
    return None if x != x else float(x)


def latest_run(session: Session, cycle: Cycle) -> ArenaRun | None:
    return session.execute(
        select(ArenaRun).where(ArenaRun.cycle_id == cycle.id).order_by(ArenaRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def standings(session: Session, run: ArenaRun) -> list[ArenaStanding]:
    return list(
        session.execute(
            select(ArenaStanding)
            .where(ArenaStanding.run_id == run.id)
            .order_by(ArenaStanding.position)
        ).scalars()
    )


def explanation(standing: ArenaStanding, lang: str) -> str:
    """A standing's explanation in the page's language."""
    return standing.explanation_en if lang == "en" else standing.explanation


def marks_count(session: Session, cycle: Cycle) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(ArenaMark).where(ArenaMark.cycle_id == cycle.id)
        ).scalar_one()
    )


def staleness(session: Session, cycle: Cycle, run: ArenaRun | None) -> list[str]:
    """Why the stored ranks no longer match the design and marks (empty: up to date)."""
    record = latest_design(session, cycle)
    marks = last_marks_id(session, cycle)
    if run is None:
        return [both("web.say.not_computed_yet")] if record is not None and marks else []
    out = []
    if record is not None and record.id != run.design_id:
        out.append(both("web.say.design_changed"))
    if marks > run.import_id:
        out.append(both("web.say.marks_were_uploaded_since"))
    return out

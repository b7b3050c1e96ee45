"""The office's robustness analysis of a cycle's result, run in the background.

How robust are the ranks and grades the cycle published? The analysis is the engine's own
(:func:`kaohe.robustness.analysis.analyse`: weights sampled around the scheme's, the
scheme's alternatives), on the cycle's approved values; with it, optionally, each unit's exact
gaps to the next place and the next grade (:mod:`kaohe.gaps`), which take seconds per unit.

A run is a :class:`~kaohe.web.store.models.RobustnessRun` row: started by the office (audited),
then computed after the answer is sent, telling how far it is in ``done`` of ``total`` steps (a
plain update on a connection of its own, a few times a second: no audit entry, no lock of the
audit head). It ends ``done`` with its summary, or ``failed`` with the reason — recorded, shown
to the office, audited; never swallowed. A run that has not said how far it is for
:data:`STALLED_AFTER` has stalled (its process ended) and another may start. The office
publishes a done run; the board shows the published run of the cycle's latest result.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from kaohe.dataset import PRESENT, Dataset
from kaohe.gaps import Gap, gap_text, round_toward
from kaohe.i18n import both, t
from kaohe.io.robustness_files import rank_rows
from kaohe.robustness.analysis import analyse
from kaohe.rules.base import fmt
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import scheme_of
from kaohe.web.results import service as results
from kaohe.web.store.engine import transaction
from kaohe.web.store.models import Cycle, RobustnessRun, now

STALLED_AFTER = timedelta(minutes=10)
MIN_SAMPLES, MAX_SAMPLES = 100, 100_000


class RobustnessError(ValueError):
    """A run that cannot start or be published: a catalogue label and its values, read in the
    page's language by :meth:`text`."""

    #: labels of a form value that is wrong (422); the others conflict with the cycle's state (409)
    INVALID = frozenset({"robustness.bad_samples"})

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(both(key, **values))
        self.key, self.values = key, values

    @property
    def status(self) -> int:
        """The HTTP status of the page that says it."""
        return 422 if self.key in self.INVALID else 409

    def text(self, language: str) -> str:
        return t(self.key, language, **self.values)


@dataclass(frozen=True)
class Summary:
    """What a done run found (its ``summary`` JSON, read back)."""

    samples: int
    configurations: int
    mean_abs_rank_shift: float
    tops: list[int]
    grades: list[tuple[str, str]]  # (id, name) in the scheme's order
    units: list[dict[str, Any]]  # io.robustness_files.rank_rows, best nominal rank first
    gaps: dict[str, list[dict[str, Any]]]  # unit → per indicator (empty: not computed)
    skipped: list[str]


# --------------------------------------------------------------------------- reading


def runs(session: Session, cycle: Cycle) -> list[RobustnessRun]:
    """The cycle's runs, newest first."""
    return list(
        session.execute(
            select(RobustnessRun)
            .where(RobustnessRun.cycle_id == cycle.id)
            .order_by(RobustnessRun.id.desc())
        ).scalars()
    )


def stalled(run: RobustnessRun, at: datetime | None = None) -> bool:
    return run.state == "running" and (at or now()) - run.updated_at > STALLED_AFTER


def summary(run: RobustnessRun) -> Summary | None:
    if run.state != "done" or not run.summary:
        return None
    doc = json.loads(run.summary)
    return Summary(
        samples=int(doc["samples"]),
        configurations=int(doc["configurations"]),
        mean_abs_rank_shift=float(doc["mean_abs_rank_shift"]),
        tops=[int(k) for k in doc["tops"]],
        grades=[(str(g), str(n)) for g, n in doc["grades"]],
        units=list(doc["units"]),
        gaps={str(k): list(v) for k, v in doc["gaps"].items()},
        skipped=[str(x) for x in doc["skipped"]],
    )


def published(session: Session, cycle: Cycle) -> tuple[RobustnessRun, Summary] | None:
    """The published run of the cycle's latest result, if there is one (a run of an older
    result is not shown: the result it analysed is no longer the one published)."""
    snap = results.latest_results(session, cycle)
    if snap is None:
        return None
    run = session.execute(
        select(RobustnessRun).where(
            RobustnessRun.cycle_id == cycle.id,
            RobustnessRun.snapshot_id == snap.id,
            RobustnessRun.published.is_(True),
        )
    ).scalar_one_or_none()
    found = summary(run) if run is not None else None
    return (run, found) if run is not None and found is not None else None


@dataclass(frozen=True)
class GapLine:
    """One indicator's exact gaps, in words, for a unit's board page."""

    name: str
    value: str
    place: str
    grade: str
    reachable: bool


def unit_gaps(session: Session, cycle: Cycle, unit: str, language: str) -> list[GapLine]:
    """The unit's exact gaps from the published analysis (none if it has none), the
    indicators that can move it first."""
    found = published(session, cycle)
    lines = []
    for g in found[1].gaps.get(unit, []) if found is not None else []:
        now_value = g["value"]
        lines.append(
            GapLine(
                str(g["name"]),
                fmt(now_value) if now_value is not None else "—",
                _shown(g, "place", language),
                _shown(g, "grade", language),
                g["place_value"] is not None or g["grade_value"] is not None,
            )
        )
    return sorted(lines, key=lambda line: not line.reachable)


def _shown(g: dict[str, Any], what: str, language: str) -> str:
    """A threshold as a person reads it: whole numbers for an indicator counted in them, else
    two decimals — rounded in the better direction, so that reaching it still moves the unit."""
    value, now_value = g[f"{what}_value"], g["value"]
    if value is None or now_value is None:
        return gap_text(value, None, g[f"{what}_note"], language)
    shown = round_toward(value, 0 if g.get("whole") else 2, g.get("direction", "higher"))
    return gap_text(shown, shown - now_value, "", language)


# --------------------------------------------------------------------------- writing


def start(
    session: Session, cycle: Cycle, actor: str, user_id: int | None, samples: int, gaps: bool
) -> RobustnessRun:
    """A new run of the cycle's latest result (audited), to be computed by :func:`run`."""
    if not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise RobustnessError("robustness.bad_samples", low=MIN_SAMPLES, high=MAX_SAMPLES)
    snap = results.latest_results(session, cycle)
    if snap is None:
        raise RobustnessError("robustness.no_results")
    busy = [r for r in runs(session, cycle) if r.state == "running" and not stalled(r)]
    if busy:
        raise RobustnessError("robustness.busy", run=busy[0].id)
    scheme = scheme_of(cycle, session)
    steps = samples + (len(scheme.units) if gaps else 0)
    row = RobustnessRun(
        cycle_id=cycle.id,
        snapshot_id=snap.id,
        samples=samples,
        gaps=gaps,
        total=steps,
        started_by=user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "robustness.start",
        f"cycle:{cycle.id}",
        after={"run": row.id, "snapshot": snap.id, "samples": samples, "gaps": gaps},
    )
    return row


def publish(session: Session, run: RobustnessRun, actor: str) -> None:
    """Show ``run`` on the board (and no other run of its cycle); audited."""
    if run.state != "done":
        raise RobustnessError("robustness.not_done", run=run.id)
    for other in session.execute(
        select(RobustnessRun).where(
            RobustnessRun.cycle_id == run.cycle_id, RobustnessRun.published.is_(True)
        )
    ).scalars():
        other.published = False
    run.published = True
    audit.record(
        session, actor, "robustness.publish", f"cycle:{run.cycle_id}", after={"run": run.id}
    )


class _Told:
    """The analysis's progress (kaohe.robustness.analysis.Progress), written to the run's row
    at most every ``every`` seconds, by a plain update on a connection of its own."""

    def __init__(self, engine: Engine, run_id: int, every: float = 0.5) -> None:
        self.engine, self.run_id, self.every = engine, run_id, every
        self.done, self.last = 0, 0.0

    def expect(self, n: int) -> None:
        return None  # the run's total is set when it starts

    def advance(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self.last >= self.every:
            self.say()

    def say(self) -> None:
        self.last = time.monotonic()
        with self.engine.begin() as conn:
            conn.execute(
                update(RobustnessRun)
                .where(RobustnessRun.id == self.run_id)
                .values(done=self.done, updated_at=now())
            )


def run(factory: sessionmaker[Session], run_id: int, actor: str) -> None:
    """Compute the run ``run_id`` and keep its summary, or its failure with the reason."""
    with factory() as session:
        row = session.get(RobustnessRun, run_id)
        cycle = session.get(Cycle, row.cycle_id) if row is not None else None
        if row is None or cycle is None:
            return
        samples, gaps, cycle_id = row.samples, row.gaps, cycle.id
        scheme = scheme_of(cycle, session)
        data = results.dataset(session, cycle, scheme)
        engine = session.get_bind()
    assert isinstance(engine, Engine)
    told = _Told(engine, run_id)
    try:
        doc = analysis(scheme, data, samples, gaps, told)
    except Exception as exc:  # a background job: recorded and shown, never swallowed
        _end(factory, run_id, cycle_id, actor, told.done, error=f"{type(exc).__name__}: {exc}")
        return
    _end(factory, run_id, cycle_id, actor, told.done, doc=doc)


def _end(
    factory: sessionmaker[Session],
    run_id: int,
    cycle_id: int,
    actor: str,
    done: int,
    doc: dict[str, Any] | None = None,
    error: str = "",
) -> None:
    with transaction(factory) as session:
        row = session.get(RobustnessRun, run_id)
        assert row is not None
        row.done, row.updated_at = done, now()
        if doc is not None:
            row.state, row.summary = "done", json.dumps(doc, ensure_ascii=False)
        else:
            row.state, row.error = "failed", error[:2000]
        audit.record(
            session,
            actor,
            f"robustness.{row.state}",
            f"cycle:{cycle_id}",
            after={"run": run_id, **({"error": row.error} if error else {})},
        )


def analysis(
    scheme: Scheme, data: Dataset, samples: int, with_gaps: bool, told: Any
) -> dict[str, Any]:
    """The summary of a run (plain JSON data): the engine's robustness analysis, and each
    unit's exact gaps when asked for."""
    spec = scheme.robustness.model_copy(update={"samples": samples, "sensitivity": None})
    rr = analyse(scheme, data, spec, told, workers=1)
    gaps: dict[str, list[dict[str, Any]]] = {}
    if with_gaps:
        whole = _whole_numbers(data)
        for uid in rr.nominal.units:
            gaps[uid] = [_gap(g, g.indicator in whole) for g in rr.nominal.gaps(uid)]
            told.advance(1)
    grading = scheme.grading
    return {
        "samples": rr.samples,
        "configurations": rr.configurations,
        "mean_abs_rank_shift": rr.mean_abs_shift,
        "tops": list(spec.top),
        "grades": [[g.id, g.name] for g in grading.grades] if grading else [],
        "units": rank_rows(rr),
        "gaps": gaps,
        "skipped": list(rr.skipped),
    }


def _whole_numbers(data: Dataset) -> set[str]:
    """The indicators every unit reported in whole numbers (counts: projects, cases)."""
    out = set()
    for j, iid in enumerate(data.indicators):
        col = data.values[:, j][data.status[:, j] == PRESENT]
        if col.size and bool(np.all(np.mod(col, 1.0) == 0.0)):
            out.add(iid)
    return out


def _gap(g: Gap, whole: bool) -> dict[str, Any]:
    return {
        "indicator": g.indicator,
        "name": g.name,
        "direction": g.direction,
        "whole": whole,
        "value": g.value,
        "place_value": g.place_value,
        "place_change": g.place_change,
        "place_note": g.place_note,
        "grade_value": g.grade_value,
        "grade_change": g.grade_change,
        "grade_note": g.grade_note,
    }

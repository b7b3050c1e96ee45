"""The annual report of a platform cycle (``kaohe report CYCLE``, and the office's download).

The report is the one ``kaohe report SCHEME DATA`` writes (:mod:`kaohe.report`), of the cycle's
latest computed result: the engine is run again on the cycle's approved values and must give
that result row for row — if the values changed since it was computed, the report is refused
(compute the cycle again first), so the report never shows other numbers than the board. Its
reproducibility header names the scheme version (the SHA-256 of its YAML text), the result
(the SHA-256 its computation was audited with) and the audit log's head at that moment.

With the result go what the platform holds of the same result: the rulebook's public decisions
of the cadre computation made from it, and the robustness summary the office published of it
(:func:`kaohe.web.robustness.service.published`). Decisions of an older result are left out, as
the board leaves them: they followed other numbers. A monitored cycle's report shows the year's
progress at the latest period with approved values (:mod:`kaohe.report.progress`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from kaohe import __version__
from kaohe.i18n import both, language, t
from kaohe.report.content import (
    InputFile,
    Provenance,
    Report,
    build_report,
    decision_rules,
    robustness_of_rows,
)
from kaohe.report.progress import with_progress
from kaohe.results import Results
from kaohe.web.audit import chain as audit
from kaohe.web.monitoring import service as monitoring
from kaohe.web.personnel.compute import latest_computation, stored_decisions
from kaohe.web.personnel.service import designs_of
from kaohe.web.results.service import assess_cycle, latest_results
from kaohe.web.robustness.service import published
from kaohe.web.store.models import AuditHead, Cycle, ResultSnapshot, SchemeVersion


class ReportError(ValueError):
    """A report that cannot be made now: a catalogue label, read by :meth:`text`."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(both(key, **values))
        self.key, self.values = key, values

    def text(self, language: str) -> str:
        return t(self.key, language, **self.values)


def cycle_report(session: Session, cycle: Cycle, lang: str, when: dt.date) -> Report:
    """The report's content of the cycle's latest result, in ``lang``."""
    snap = latest_results(session, cycle)
    if snap is None:
        raise ReportError("report.platform.no_results")
    results = assess_cycle(session, cycle)
    if json.dumps(results.rows(), ensure_ascii=False) != snap.rows:
        raise ReportError("report.platform.stale", at=snap.computed_at.strftime("%Y-%m-%d %H:%M"))
    version = session.get(SchemeVersion, cycle.scheme_version_id)
    head = session.get(AuditHead, 1)
    assert version is not None
    inputs = [
        InputFile("scheme", version.name, hashlib.sha256(version.text.encode()).hexdigest()),
        InputFile("result", f"#{snap.id}", audit.snapshot_digest(snap.rows, snap.explain)),
    ]
    if head is not None:
        inputs.append(InputFile("audit", f"#{head.seq}", head.hash))
    report = build_report(results, Provenance(__version__, when, tuple(inputs)), lang)
    report = replace(report, **_held_with(session, cycle, snap, results, lang))
    if monitoring.plan_of(session, cycle) is not None:
        m = monitoring.compute(session, cycle)
        if m is not None:
            report = with_progress(report, m)
    return report


def _held_with(
    session: Session, cycle: Cycle, snap: ResultSnapshot, results: Results, lang: str
) -> dict[str, Any]:
    """The report's decisions and robustness sections from what the platform keeps of the
    result ``snap``: none where it keeps nothing of it."""
    out: dict[str, Any] = {}
    run = latest_computation(session, cycle)
    if run is not None and run.snapshot_id == snap.id:
        designs = designs_of(session, cycle)
        rulebook = designs.rulebook if designs is not None else None
        with language(lang):
            decisions = stored_decisions(session, run, public_only=True, lang=lang)
            out["decisions"] = decision_rules(decisions, rulebook)
        out["rulebook"] = rulebook.name if rulebook is not None else ""
    found = published(session, cycle)
    if found is not None:
        _, summary = found
        spec = results.scheme.robustness.model_copy(update={"samples": summary.samples})
        with language(lang):
            out["robustness"] = robustness_of_rows(
                results, summary.units, summary.samples, summary.mean_abs_rank_shift, spec
            )
    return out

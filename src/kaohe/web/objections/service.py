"""Objections (异议): during publicity an assessed unit objects to an indicator's value or
points, with its reasons; the office accepts (and corrects the value through a new version that
the owner department reviews, then recomputes) or rejects, with its reasons. The unit sees all."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.dataset import cell_problem
from kaohe.i18n import both, t
from kaohe.web import policy
from kaohe.web.audit import chain as audit
from kaohe.web.cycles import service as cycles
from kaohe.web.cycles.service import CycleError
from kaohe.web.store.models import Cycle, Objection, ResultSnapshot, User, now
from kaohe.web.submissions import service as submissions


def file(
    session: Session,
    cycle: Cycle,
    user: User,
    indicator: str,
    reason: str,
    today: date | None = None,
) -> Objection:
    if cycle.state != "publicity":
        raise CycleError(f"objections are filed during publicity (the cycle is {cycle.state})")
    today = today or date.today()
    if cycle.publicity_start and today < cycle.publicity_start:
        raise CycleError(both("web.say.publicity_starts", day=cycle.publicity_start))
    if cycle.publicity_end and today > cycle.publicity_end:
        raise CycleError(both("web.say.publicity_ended", day=cycle.publicity_end))
    if not policy.allowed(user, "objections.file") or not user.unit:
        raise CycleError("only an assessed unit files objections, for itself")
    scheme = cycles.scheme_of(cycle, session)
    if user.unit not in scheme.units:
        raise CycleError(both("web.say.unit_not_assessed", unit=user.unit))
    ind = scheme.indicators.get(indicator)
    if ind is None or not ind.applies_to(scheme.units[user.unit].category):
        raise CycleError(f"{indicator!r} is not an indicator of {scheme.units[user.unit].name}")
    if not reason.strip():
        raise CycleError("say why: the reasons are required")
    obj = Objection(
        cycle_id=cycle.id,
        unit=user.unit,
        indicator=indicator,
        reason=reason.strip(),
        filed_by=user.id,
    )
    session.add(obj)
    session.flush()
    audit.record(
        session,
        user.username,
        "objection.file",
        f"cycle:{cycle.id}/objection:{obj.id}",
        after={"unit": user.unit, "indicator": indicator, "reason": obj.reason},
    )
    return obj


def answer(
    session: Session,
    obj: Objection,
    user: User,
    accept: bool,
    text: str,
    corrected: dict[str, str] | None = None,
) -> Objection:
    """Accept or reject with reasons; on acceptance the corrected cells (column → value) become
    new versions, submitted by the office and waiting for the owner department's review.
    Decided on the objection as it is under the audit lock: of two answers at once, the second
    is refused."""
    audit.lock_fresh(session, obj)
    if obj.state != "open":
        raise cycles.ConflictError(f"this objection is {obj.state} already")
    if not text.strip():
        raise CycleError("say why: the answer is required")
    cycle = session.get(Cycle, obj.cycle_id)
    assert cycle is not None
    if accept:
        for column, raw in (corrected or {}).items():
            if column.partition(":")[0] != obj.indicator:
                raise CycleError(f"{column!r} is not a column of {obj.indicator}")
            problem = cell_problem(cycles.scheme_of(cycle, session), column, raw)
            if problem:  # the same checks as any entered cell, before anything is written
                raise CycleError(f"{column}: {problem}")
            submissions.submit(
                session,
                cycle,
                obj.unit,
                column,
                raw,
                t("web.say.objection_note", "zh", id=obj.id),
                user,
                correction=True,
            )
    obj.state = "accepted" if accept else "rejected"
    obj.answer, obj.answered_by, obj.answered_at = text.strip(), user.id, now()
    audit.record(
        session,
        user.username,
        f"objection.{obj.state}",
        f"cycle:{cycle.id}/objection:{obj.id}",
        after={"answer": obj.answer, "corrected": corrected or {}},
    )
    return obj


def open_count(session: Session, cycle: Cycle) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Objection)
            .where(Objection.cycle_id == cycle.id, Objection.state == "open")
        ).scalar_one()
    )


def changes(session: Session, cycle: Cycle) -> list[dict[str, Any]]:
    """Between the last two computations: each unit whose score, ranks or grade changed."""
    snaps = (
        session.execute(
            select(ResultSnapshot)
            .where(ResultSnapshot.cycle_id == cycle.id)
            .order_by(ResultSnapshot.id.desc())
            .limit(2)
        )
        .scalars()
        .all()
    )
    if len(snaps) < 2:
        return []
    new = {r["unit"]: r for r in json.loads(snaps[0].rows)}
    old = {r["unit"]: r for r in json.loads(snaps[1].rows)}
    out = []
    for uid, n in new.items():
        o = old.get(uid)
        keys = ("score", "rank", "rank_in_category", "grade_name")
        if o is None or any(o.get(k) != n.get(k) for k in keys):
            out.append(
                {
                    "unit": uid,
                    "name": n["name"],
                    **{f"{k}_before": (o or {}).get(k) for k in keys},
                    **{f"{k}_after": n.get(k) for k in keys},
                }
            )
    return out

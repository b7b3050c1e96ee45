"""The data-entry page of a cycle: the reporter's department's cells with their newest
versions, states, return reasons and evidence; rendered by entry, upload and evidence routes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kaohe.scheme import Scheme
from kaohe.web import clock
from kaohe.web.cycles import service as cycles
from kaohe.web.deps import render
from kaohe.web.evidence import service as evidence
from kaohe.web.policy import department_of
from kaohe.web.store.models import Cycle, User
from kaohe.web.submissions import declarations
from kaohe.web.submissions.service import entry_columns, latest_values


def entry_error(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    message: str,
) -> HTMLResponse:
    """The entry page again, with one problem shown (status 422)."""
    return entry_page(request, session, cycle, scheme, user, [message], 422)


def entry_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    errors: list[str],
    status_code: int,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    cols = entry_columns(scheme, user)
    latest = latest_values(session, cycle, [k for _, k, _ in cols])
    files = evidence.of_values(session, [v.id for v in latest.values()])
    dept = department_of(user) or ""
    stated = {s.unit: s for s in declarations.statements(session, cycle, dept)}
    rows = []
    for uid, unit in scheme.units.items():
        cells = []
        for iid, key, _ in cols:
            v = latest.get((uid, key))
            name = f"cell:{uid}:{key}"
            cells.append(
                {
                    "name": name,
                    "applies": scheme.indicators[iid].applies_to(unit.category),
                    "raw": (entered or {}).get(name, v.raw if v else ""),
                    "state": v.state if v else "",
                    "base": v.version if v else 0,
                    "evidence": files.get(v.id, []) if v else [],
                    "comment": v.comment if v else "",
                }
            )
        items = declarations.blank_items(scheme, dept, uid)
        none = None  # the unit's items whose blank means none: how many are blank, the statement
        if items:
            blank = sum(1 for k in items if (uid, k) not in latest)
            none = {"items": len(items), "blank": blank, "stated": stated.get(uid)}
        rows.append({"id": uid, "name": unit.name, "cells": cells, "none": none})
    due = deadline_of(session, cycle, dept)
    today = clock.local(datetime.now(UTC)).date()
    return render(
        request,
        "entry.html",
        user,
        cycle=cycle,
        scheme=scheme,
        columns=cols,
        rows=rows,
        errors=errors,
        status_code=status_code,
        open=cycle.state == "collecting",
        due=due,
        days_left=(due - today).days if due else None,
        states=("", "submitted", "approved", "returned"),
    )


def deadline_of(session: Session, cycle: Cycle, department: str) -> date | None:
    """The department's collection deadline: its own where set, else the cycle's."""
    own = cycles.schedule_of(session, cycle).departments.get(department)
    return own or cycle.collection_deadline

"""``audit verify`` covers the ledgers, on SQLite and PostgreSQL: after imports, an edit, a stage
change proposed and approved, a matter created and its events, the log verifies; then any
project, stage change, matter or event changed, added or removed in the database directly —
not through Kaohe — is found, and said where."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kaohe.ledgers.matters import Event
from kaohe.web.audit import verification
from kaohe.web.cycles import service as cycles
from kaohe.web.ledgers import service as ledgers
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import (
    Cycle,
    LedgerEvent,
    LedgerMatter,
    LedgerProject,
    LedgerStageChange,
    User,
)
from tests.web.test_ledgers import LEDGERS, ledger_url  # noqa: F401


def _user(s: Session, name: str) -> User:
    return s.execute(select(User).where(User.username == name)).scalar_one()


def _broken(url: str) -> list[str]:
    eng = open_engine(url)
    with transaction(session_factory(eng)) as s:
        out = [str(b) for b in verification.verify(s).breaks]
    eng.dispose()
    return out


@pytest.fixture(scope="module")
def ledgers_url(ledger_url: str) -> str:  # noqa: F811
    """The cycle with the example's ledgers imported and written to through the service."""
    eng = open_engine(ledger_url)
    with transaction(session_factory(eng)) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        scheme = cycles.scheme_of(cycle, s)
        office = _user(s, "office")
        for name, load in (
            ("projects.xlsx", ledgers.import_projects),
            ("matters.xlsx", ledgers.import_matters),
        ):
            load(s, cycle, scheme, name, (LEDGERS / name).read_bytes(), office)
    with transaction(session_factory(eng)) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        scheme = cycles.scheme_of(cycle, s)
        office, reporter = _user(s, "office"), _user(s, "rep-ndrc")
        p = s.execute(select(LedgerProject).where(LedgerProject.code == "SD-018")).scalar_one()
        ledgers.edit_project(s, cycle, p, {"sector": "新能源", "total_investment": "9.5"}, reporter)
        form = ledgers.parse_stage("started", "2022-04-15", "", "开工报告.pdf")
        change = ledgers.propose_stage(s, cycle, p, form, reporter)
        ledgers.review_stage(s, cycle, p, change, True, "核实", _user(s, "rev-ndrc"))
        m = ledgers.parse_matter(
            {
                "code": "AUD-1",
                "kind": "supervision",
                "title": "审计督办",
                "opened": "2022-03-01",
                "deadline": "2022-09-30",
                "units": "jining",
                "leader": "张三",
            },
            scheme,
        )
        row = ledgers.create_matter(s, cycle, m, office)
        ledgers.record_event(
            s, cycle, row, Event("progress", dt.date(2022, 4, 1), "jining", "李四", "推进"), office
        )
    eng.dispose()
    return ledger_url


def test_the_ledgers_verify_after_writes_through_kaohe(ledgers_url: str) -> None:
    assert _broken(ledgers_url) == []


def _project(s: Session, code: str) -> int:
    return int(s.execute(select(LedgerProject.id).where(LedgerProject.code == code)).scalar_one())


def _matter(s: Session, code: str) -> int:
    return int(s.execute(select(LedgerMatter.id).where(LedgerMatter.code == code)).scalar_one())


TAMPERING: dict[str, tuple[Callable[[Session], object], str]] = {
    # an imported project's field
    "project name": (
        lambda s: s.execute(
            update(LedgerProject).where(LedgerProject.code == "SD-001").values(name="改过的名字")
        ),
        "projects of import",
    ),
    # a field edited through Kaohe, changed again directly
    "edited amount": (
        lambda s: s.execute(
            update(LedgerProject)
            .where(LedgerProject.code == "SD-018")
            .values(total_investment=99.0)
        ),
        "project SD-018 of cycle 1: total_investment",
    ),
    "project stage": (
        lambda s: s.execute(
            update(LedgerProject).where(LedgerProject.code == "SD-002").values(stage="completed")
        ),
        "projects of import",
    ),
    "imported stage date": (
        lambda s: s.execute(
            update(LedgerStageChange)
            .where(LedgerStageChange.project_id == _project(s, "SD-003"))
            .values(on=dt.date(2021, 1, 1))
        ),
        "projects of import",
    ),
    "approved change": (
        lambda s: s.execute(
            update(LedgerStageChange)
            .where(
                LedgerStageChange.project_id == _project(s, "SD-018"),
                LedgerStageChange.state == "approved",
                LedgerStageChange.proposed_by == "rep-ndrc",
            )
            .values(on=dt.date(2022, 1, 2))
        ),
        "stage change",
    ),
    "stage change added": (
        lambda s: s.execute(
            insert(LedgerStageChange).values(
                project_id=_project(s, "SD-004"),
                position=9,
                stage="completed",
                on=dt.date(2022, 12, 1),
                state="approved",
                proposed_by="x",
            )
        ),
        "projects of import",
    ),
    "project removed": (
        lambda s: (
            s.execute(
                delete(LedgerStageChange).where(
                    LedgerStageChange.project_id == _project(s, "SD-005")
                )
            ),
            s.execute(delete(LedgerProject).where(LedgerProject.code == "SD-005")),
        ),
        "projects of import",
    ),
    "imported matter": (
        lambda s: s.execute(
            update(LedgerMatter)
            .where(LedgerMatter.id == s.execute(select(LedgerMatter.id).limit(1)).scalar_one())
            .values(deadline=dt.date(2030, 1, 1))
        ),
        "matters of import",
    ),
    "created matter": (
        lambda s: s.execute(
            update(LedgerMatter).where(LedgerMatter.code == "AUD-1").values(title="改")
        ),
        "matter AUD-1 of cycle 1",
    ),
    "recorded event": (
        lambda s: s.execute(
            update(LedgerEvent)
            .where(LedgerEvent.matter_id == _matter(s, "AUD-1"))
            .values(text="改过的进展")
        ),
        "matter AUD-1 of cycle 1, event",
    ),
    "imported event": (
        lambda s: s.execute(
            update(LedgerEvent)
            .where(
                LedgerEvent.id
                == s.execute(
                    select(LedgerEvent.id).where(LedgerEvent.matter_id != _matter(s, "AUD-1"))
                )
                .scalars()
                .first()
            )
            .values(action="close")
        ),
        "matters of import",
    ),
}


def test_a_ledger_row_changed_in_the_database_is_found(ledgers_url: str) -> None:
    eng = open_engine(ledgers_url)
    factory = session_factory(eng)
    for name, (tamper, said) in TAMPERING.items():
        with factory() as s:  # each change alone, undone after
            tamper(s)
            s.flush()
            found = [str(b) for b in verification.verify(s).breaks]
            s.rollback()
        assert found, f"{name}: not found"
        assert any(said in b for b in found), (name, found)
        assert any("outside Kaohe" in b or "not in the database" in b for b in found), found
    assert _broken(ledgers_url) == []
    eng.dispose()

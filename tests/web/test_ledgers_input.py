"""Ledger input the database cannot hold or the reader cannot parse, through the pages, on
SQLite and PostgreSQL: a NUL character in a form field or an uploaded cell, and a malformed CSV
file (``csv.Error``), are refused with a located message (422), nothing written — never a 500."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from kaohe.web.app import create_app
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import AuditEntry, LedgerEvent, LedgerMatter, LedgerProject
from tests.web.test_ledgers import _client, _csrf


def _counts(url: str) -> tuple[int, ...]:
    eng = open_engine(url)
    with transaction(session_factory(eng)) as s:
        out = tuple(
            int(s.execute(select(func.count()).select_from(m)).scalar() or 0)
            for m in (LedgerProject, LedgerMatter, LedgerEvent)
        )
        ledger_entries = select(func.count()).where(AuditEntry.action.like("ledgers.%"))
        out += (int(s.execute(ledger_entries).scalar() or 0),)
    eng.dispose()
    return out


def _project_id(url: str) -> int:
    eng = open_engine(url)
    with transaction(session_factory(eng)) as s:
        pid = s.execute(
            select(LedgerProject.id).where(LedgerProject.unit == "jining").limit(1)
        ).scalar_one()
    eng.dispose()
    return int(pid)


def test_a_nul_character_in_a_ledger_form_is_refused_with_its_field(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    office = _client(app, "office")
    before = _counts(demo_url)
    url = "/cycles/1/ledgers/matters/1"
    r = office.post(
        f"{url}/events",
        data={
            "csrf": _csrf(office, url),
            "action": "progress",
            "on": "2022-06-01",
            "text": "进展\x00",
        },
    )
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    r = office.post(
        "/cycles/1/ledgers/matters",
        data={
            "csrf": _csrf(office, "/cycles/1/ledgers/matters"),
            "kind": "supervision",
            "code": "NUL-1",
            "title": "修\x00路",
            "opened": "2022-03-01",
            "deadline": "2022-09-30",
            "units": "jining",
            "leader": "张三",
        },
    )
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    purl = f"/cycles/1/ledgers/projects/{_project_id(demo_url)}"
    r = office.post(
        f"{purl}/edit", data={"csrf": _csrf(office, purl), "name": "项\x00目", "sector": "x"}
    )
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    r = office.post(
        f"{purl}/stage",
        data={
            "csrf": _csrf(office, purl),
            "stage": "dropped",
            "on": "2022-12-30",
            "reason": "撤\x00资",
        },
    )
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    r = office.post(
        "/cycles/1/ledgers/lists",
        data={
            "csrf": _csrf(office, "/cycles/1/ledgers/matters?kind=talk"),
            "batch": "名单\x00",
            "on": "2023-06-30",
        },
    )
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    assert _counts(demo_url) == before


def _upload(app: object, body: bytes, name: str = "台账.csv", ledger: str = "projects") -> object:
    office = _client(app, "office")
    return office.post(
        "/cycles/1/ledgers/import",
        data={"csrf": _csrf(office, "/cycles/1/ledgers/import"), "ledger": ledger},
        files={"file": (name, io.BytesIO(body), "text/csv")},
    )


def test_a_nul_character_in_an_uploaded_ledger_is_refused_at_its_cell(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    before = _counts(demo_url)
    register = "编号,项目名称,所属单位\nNUL-p1,风电,集宁区\nNUL-p2,光\x00伏,集宁区\n"
    r = _upload(app, register.encode("utf-8"))
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert "台账.csv row 3, column B" in r.text  # type: ignore[attr-defined]
    assert "NUL" in r.text  # type: ignore[attr-defined]
    matters = (
        "编号,类型,事项名称,交办日期,办结期限,责任单位,责任领导\n"
        "NUL-m1,督办,修路,2022-01-05,2022-06-30,集宁区,张\x00三\n"
    )
    r = _upload(app, matters.encode("utf-8"), "事项.csv", "matters")
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    assert "事项.csv row 2, column G" in r.text  # type: ignore[attr-defined]
    assert _counts(demo_url) == before


def test_a_malformed_csv_upload_is_refused_with_its_row(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    before = _counts(demo_url)
    register = '编号,项目名称,所属单位\nBIG-1,风电,集宁区\nBIG-2,"' + "长" * 200_000 + '",集宁区\n'
    r = _upload(app, register.encode("utf-8"))
    assert r.status_code == 422, r.text[:2000]  # type: ignore[attr-defined]
    assert "台账.csv row 3" in r.text  # type: ignore[attr-defined]
    assert _counts(demo_url) == before

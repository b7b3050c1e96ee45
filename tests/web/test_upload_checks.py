"""A department's upload makes the checks ``kaohe run`` makes (issue 16, item 9): the same unit
twice (``liangcheng`` twice and its name 凉城县 once) was accepted, the last row winning; a
formula cell without a saved value was read as empty. Both are refused, located, saving nothing.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from kaohe.web import cycles
from kaohe.web.app import create_app
from kaohe.web.settings import Settings
from kaohe.web.store import SchemeVersion, Value, open_engine, session_factory, transaction

from .test_site import client, token


def _collecting_cycle(demo_url: str) -> int:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (upload checks)")
        cycles.move(s, cycle, "collecting")
        cid = cycle.id
    engine.dispose()
    return cid


def _saved(demo_url: str, cid: int) -> list[Value]:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        values = list(s.execute(select(Value).where(Value.cycle_id == cid)).scalars().all())
    engine.dispose()
    return values


def test_an_upload_with_a_unit_twice_or_an_uncached_formula_is_refused(demo_url: str) -> None:
    from openpyxl import Workbook

    app = create_app(Settings(database_url=demo_url))
    cid = _collecting_cycle(demo_url)
    rep = client(app, "reporter")

    def send(name: str, body: bytes) -> object:
        return rep.post(
            f"/cycles/{cid}/upload",
            data={"csrf": token(rep, f"/cycles/{cid}/entry")},
            files={"file": (name, body)},
        )

    twice = "unit,gdp_growth\nliangcheng,6.1\njining,6.0\nliangcheng,6.3\n凉城县,6.9\n"
    bad = send("data.csv", twice.encode("utf-8"))
    assert bad.status_code == 422  # type: ignore[attr-defined]
    text = bad.text  # type: ignore[attr-defined]
    assert "data.csv row 4, column A (unit): unit liangcheng appears twice" in text
    assert "data.csv row 5, column A (unit): unit liangcheng appears twice" in text
    assert "first on row 2" in text

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["unit", "gdp_growth"])
    ws.append(["jining", "=2*3"])  # openpyxl writes the formula without a value
    buf = io.BytesIO()
    wb.save(buf)
    bad = send("data.xlsx", buf.getvalue())
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "row 2, column B (gdp_growth)" in bad.text  # type: ignore[attr-defined]
    assert _saved(demo_url, cid) == []

"""A department's upload makes the checks ``kaohe run`` makes (issue 16, item 9): the same unit
twice (``liangcheng`` twice and its name 凉城县 once) was accepted, the last row winning; a
formula cell without a saved value was read as empty. Both are refused, located, saving nothing.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.results import service as results
from kaohe.web.reviews import service as reviews
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion, Value
from kaohe.web.submissions import service as submissions

from .test_site import client, token


def _collecting_cycle(demo_url: str) -> int:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (upload checks)")
        moves.move(s, cycle, "collecting")
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
    # in the page's language (issue 15): the place and the message
    assert "data.csv 第 4 行，列 A (unit): 考核对象 liangcheng 在本表中出现两次" in text
    assert "data.csv 第 5 行，列 A (unit): 考核对象 liangcheng 在本表中出现两次" in text
    assert "第一次在第 2 行" in text

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["unit", "gdp_growth"])
    ws.append(["jining", "=2*3"])  # openpyxl writes the formula without a value
    buf = io.BytesIO()
    wb.save(buf)
    bad = send("data.xlsx", buf.getvalue())
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "第 2 行，列 B (gdp_growth)" in bad.text  # type: ignore[attr-defined]
    assert _saved(demo_url, cid) == []


def test_an_upload_of_a_million_rows_is_cut_off_at_the_units_with_a_message(
    demo_url: str,
) -> None:
    """The probe's 1 M-row workbook held the write lock for 43 s: now it is read outside any
    transaction and only up to the rows the scheme can use, then refused, located."""
    cid = _collecting_cycle(demo_url)
    app = create_app(Settings(database_url=demo_url, max_upload_mb=40))
    c = client(app, "reporter")
    page = f"/cycles/{cid}/entry"
    body = "unit,gdp_growth\n" + "jining,5.5\n" * 1_000_000
    r = c.post(
        f"/cycles/{cid}/upload",
        data={"csrf": token(c, page)},
        files={"file": ("big.csv", body.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "one per unit" in r.text or "每个考核对象一行" in r.text
    assert not _saved(demo_url, cid)


def test_the_boards_and_exports_hold_formula_names_inert(engine: object, tmp_path: object) -> None:
    """Unit names from a scheme came out as live formulas in the public results.csv/.xlsx and
    in ``cycle export``'s files."""
    import csv
    from pathlib import Path

    from fastapi.testclient import TestClient
    from openpyxl import load_workbook

    from kaohe.web.cycles.exchange import export_cycle, import_cycle

    from ..test_formula_injection import CALC, EVIL_SCHEME, HYPERLINK, inert

    factory = session_factory(engine)  # type: ignore[arg-type]
    with transaction(factory) as s:
        version = cycles.store_scheme(s, EVIL_SCHEME)
        cycle = cycles.create_cycle(s, version, "evil")
        moves.move(s, cycle, "collecting")
        for uid, v in (("jining", "7"), ("fengzhen", "5.9"), ("zhuozi", "2"), ("liangcheng", "6")):
            reviews.review(s, submissions.submit(s, cycle, uid, "gdp", v), True)
        moves.move(s, cycle, "reviewing")
        results.compute(s, cycle)
        moves.move(s, cycle, "publicity")
        cid = cycle.id
    url = engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    public = TestClient(create_app(Settings(database_url=url)))
    text = public.get(f"/board/{cid}/results.csv").content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + HYPERLINK in cells
    assert "'" + CALC in cells
    assert all(inert(c) or c.lstrip("-").replace(".", "", 1).isdigit() for c in cells)
    book = load_workbook(io.BytesIO(public.get(f"/board/{cid}/results.xlsx").content))
    written = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in written if c.data_type == "f"]
    assert all(inert(c.value) for c in written if c.data_type == "s")
    out = Path(str(tmp_path)) / "export"
    with transaction(factory) as s:
        export_cycle(s, cid, out)
    for name in ("data.csv", "results.csv"):
        with (out / name).open(encoding="utf-8-sig") as fh:
            assert all(inert(c) or c[:1] in "-0123456789" for r in csv.reader(fh) for c in r)
    with transaction(factory) as s:
        again = import_cycle(s, out, "again")
    assert again.results_match is True  # the neutralised files read back as what was written

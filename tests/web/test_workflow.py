"""The whole cycle through the pages, on SQLite and PostgreSQL: publicity → an objection →
accepted with a correction → the correction reviewed → recomputed (with the changes shown) →
objections handled → final → the board shows the corrected result, which equals kaohe run on
the corrected data, bit for bit."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from fastapi.testclient import TestClient

from kaohe import assess
from kaohe.io.data_files import load_data
from kaohe.io.scheme_file import load_scheme
from kaohe.web.app import create_app
from kaohe.web.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"


def login(app: object, user: str, password: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.post("/login", data={"username": user, "password": password, "csrf": token(c, "/login")})
    assert r.status_code == 303
    return c


def token(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m
    return m.group(1)


def corrected_data(tmp: Path) -> Path:
    with (EXAMPLE / "data.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("gdp_growth")
    for r in rows[1:]:
        if r[0] == "jining":
            r[col] = "7.5"
    path = tmp / "corrected.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_an_objection_corrects_a_value_and_the_result(demo_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=demo_url))
    unit = login(app, "unit-jining", "unit-demo-pass")
    page = "/cycles/1/objections"
    r = unit.post(
        page,
        data={
            "csrf": token(unit, page),
            "indicator": "gdp_growth",
            "reason": "统计局年报数据为 7.5%，公示值 6.4% 有误",
        },
    )
    assert r.status_code == 303
    r = unit.post(page, data={"csrf": token(unit, page), "indicator": "gdp_growth", "reason": " "})
    assert r.status_code == 422  # reasons are required
    office = login(app, "office", "office-demo-pass")
    manage = "/cycles/1/manage"
    refused = office.post(
        "/cycles/1/move", data={"csrf": token(office, manage), "state": "objections_handled"}
    )
    assert "1 objections are not answered yet" in refused.text
    oid = re.search(r'action="/objections/(\d+)/answer"', office.get(page).text)
    assert oid
    bad = office.post(
        f"/objections/{oid.group(1)}/answer",
        data={
            "csrf": token(office, page),
            "decision": "accept",
            "answer": "采纳",
            "column": "gdp_growth",
            "value": "7,5",
        },
    )
    assert bad.status_code == 422  # a correction is checked like any entered cell
    assert "a comma is read only" in bad.text
    accept = {
        "csrf": token(office, page),
        "decision": "accept",
        "answer": "经核实采纳，更正为 7.5",
        "column": "gdp_growth",
        "value": "7.5",
    }
    shown = office.post(f"/objections/{oid.group(1)}/answer", data=accept)
    assert shown.status_code == 200  # the correction shown first: value now → 7.5
    preview = shown.text[shown.text.index('id="correction-preview"') :]
    assert "6.4" in preview
    assert "7.5" in preview
    base = re.search(r'name="base" value="(\d+)"', shown.text)
    assert base
    stale = office.post(
        f"/objections/{oid.group(1)}/answer",
        data={**accept, "confirm": "yes", "base": str(int(base.group(1)) - 1)},
    )
    assert stale.status_code == 409  # the cell changed since the preview: nothing saved
    assert "此值在您预览之后已被修改" in stale.text
    r = office.post(
        f"/objections/{oid.group(1)}/answer",
        data={**accept, "confirm": "yes", "base": base.group(1)},
    )
    assert r.status_code == 303
    refused = office.post(
        "/cycles/1/move", data={"csrf": token(office, manage), "state": "objections_handled"}
    )
    assert "corrected values are not reviewed yet" in refused.text
    reviewer = login(app, "rev-stats", "review-demo-pass")
    review = "/cycles/1/review"
    ids = re.findall(r'name="value" value="(\d+)"', reviewer.get(review).text)
    assert len(ids) == 1
    r = reviewer.post(
        review, data={"csrf": token(reviewer, review), "value": ids, "decision": "approve"}
    )
    assert r.status_code == 303
    assert office.post("/cycles/1/compute", data={"csrf": token(office, manage)}).status_code == 303
    assert "集宁区" in office.get(page).text.split("最近一次重新计算的变化")[1]
    r = office.post(
        "/cycles/1/move", data={"csrf": token(office, manage), "state": "objections_handled"}
    )
    assert r.status_code == 303, r.text
    asked = office.post("/cycles/1/move", data={"csrf": token(office, manage), "state": "final"})
    assert asked.status_code == 200  # finalising asks first, naming the consequence
    assert "此操作不可撤销" in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert "异议处理完毕" in office.get(manage).text  # not moved yet
    r = office.post(
        "/cycles/1/move",
        data={"csrf": token(office, manage), "state": "final", "confirm": "yes"},
    )
    assert r.status_code == 303, r.text
    assert "考核已转到「终结」" in office.get(manage).text  # the message after the move
    seen = unit.get(page).text
    assert "经核实采纳" in seen  # the unit sees the answer
    public = TestClient(app)
    body = public.get("/board/1/results.csv").content.decode("utf-8-sig")
    board = {row["unit"]: row for row in csv.DictReader(body.splitlines())}
    scheme = load_scheme(EXAMPLE / "scheme.yaml")
    expected = assess(scheme, load_data(scheme, corrected_data(tmp_path))[0])
    for row in expected.rows():
        assert float(board[row["unit"]]["score"]) == row["score"]
        assert int(board[row["unit"]]["rank"]) == row["rank"]

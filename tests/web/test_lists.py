"""The long lists at an office's size (issue 15), through one module (kaohe.web.lists): the
cadre list, the review list and the dashboard's cells — filtered by the query string, searched,
paged in a stable order, exported to CSV and XLSX with text never run as a formula, in words —
hand-checked against counts made directly from the database."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kaohe.web import lists
from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import AnnualGrade, Cadre, SchemeVersion, User
from kaohe.web.submissions import service as submissions
from kaohe.web.submissions.service import entry_columns

from .test_site import client


def test_windows_and_their_links_by_hand() -> None:
    rows = list(range(120))
    page, w = lists.sliced(rows, 0)
    assert (page[0], page[-1], w.first, w.last, w.total) == (0, 49, 1, 50, 120)
    assert w.links("/x", {"q": "a"}) == {
        "first": "",
        "previous": "",
        "next": "/x?q=a&offset=50",
        "last": "/x?q=a&offset=100",
    }
    page, w = lists.sliced(rows, 77)  # inside a page: that page's start
    assert (w.offset, page[0], w.first, w.last) == (50, 50, 51, 100)
    assert w.links("/x", {}) == {
        "first": "/x",
        "previous": "/x",
        "next": "/x?offset=100",
        "last": "/x?offset=100",
    }
    page, w = lists.sliced(rows, 10_000)  # past the end: the last page
    assert (w.offset, page, w.first, w.last) == (100, list(range(100, 120)), 101, 120)
    assert w.links("/x", {}, key="units", anchor="#u")["previous"] == "/x?units=50#u"
    assert w.links("/x", {})["next"] == ""
    empty, w = lists.sliced(list[int](), 50)
    assert (empty, w.first, w.last, w.total) == ([], 0, 0, 0)
    assert w.links("/x", {}) == {"first": "", "previous": "", "next": "", "last": ""}


def test_filters_of_the_query_string() -> None:
    errors: dict[str, str] = {}
    params = {"unit": "nowhere", "grade": "优秀", "q": "  王  ", "n": "-3", "units": "x"}
    assert lists.choice(params, "unit", ["jining"], errors, "zh") == ""
    assert lists.choice(params, "grade", ["优秀", "称职"], errors, "zh") == "优秀"
    assert lists.text(params, "q") == "王"
    assert lists.text({"q": "x" * 100}, "q") == "x" * lists.TEXT_LIMIT
    assert lists.number(params, "n", errors, "zh") is None
    assert lists.offset(params, "units", errors, "zh") == 0
    assert set(errors) == {"unit", "n", "units"}
    assert lists.found("ab", None, "xAbc")
    assert not lists.found("集宁", "丰镇市")
    assert lists.href("/a", {"x": "1"}, y=None, z="", offset=0) == "/a?x=1&offset=0"
    assert lists.query(a="", b=None, c=3) == {"c": "3"}


def test_exports_neutralise_formulas_in_csv_and_xlsx() -> None:
    rows = [['=HYPERLINK("http://x")', "+1", "-2.5", 7, "@SUM(A1)"]]
    body = lists.export("csv", "t", "表", ["名称", "=h"], rows)
    assert body.headers["content-disposition"] == 'attachment; filename="t.csv"'
    text = bytes(body.body).decode("utf-8")
    assert text.startswith("\ufeff")
    got = list(csv.reader(io.StringIO(text[1:])))
    assert got == [["名称", "'=h"], ['\'=HYPERLINK("http://x")', "+1", "-2.5", "7", "'@SUM(A1)"]]
    book = lists.export("xlsx", "t", "表", ["名称", "=h"], rows)
    ws = load_workbook(io.BytesIO(bytes(book.body)))["表"]
    assert [c.value for c in ws[2]] == ['\'=HYPERLINK("http://x")', "+1", "-2.5", 7, "'@SUM(A1)"]


@pytest.fixture(scope="module")
def app(demo_url: str) -> Any:
    return create_app(Settings(database_url=demo_url))


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _names(html: str, table: str) -> list[str]:
    body = html[html.index(f'id="{table}"') :]
    body = body[: body.index("</table>")]
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a></td>', body)


def test_the_cadre_list_filtered_searched_paged_and_exported(app: Any, demo_url: str) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        run = s.execute(select(func.max(AnnualGrade.computation_id))).scalar_one()
        grades = s.execute(
            select(AnnualGrade.subject_key, AnnualGrade.unit, AnnualGrade.grade_name).where(
                AnnualGrade.computation_id == run, AnnualGrade.kind == "cadre"
            )
        ).all()
        names = {str(k): str(v) for k, v in s.execute(select(Cadre.cadre_key, Cadre.name))}
    engine.dispose()
    total = len(grades)
    assert total == 324  # the demo's cadres
    office = client(app, "office")
    page = office.get("/cycles/1/personnel").text
    assert f"第 1–50 条，共 {total} 条" in page
    first = _names(page, "cadre-list")
    assert len(first) == 50
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in first)  # names, not ids
    assert 'href="/cycles/1/personnel?offset=50"' in page
    last_start = (total - 1) // 50 * 50
    tail = office.get(f"/cycles/1/personnel?offset={last_start}").text
    assert f"第 {last_start + 1}–{total} 条，共 {total} 条" in tail
    # every page once: each cadre exactly once (a stable order), the units in the scheme's order
    seen = []
    for offset in range(0, total, 50):
        seen += _names(office.get(f"/cycles/1/personnel?offset={offset}").text, "cadre-list")
    assert sorted(seen) == sorted(names[k] for k, _, _ in grades)
    # by unit and grade: as counted from the database
    jining = [k for k, u, _ in grades if u == "jining"]
    one = office.get("/cycles/1/personnel?unit=jining").text
    assert f"共 {len(jining)} 条" in one
    assert set(_names(one, "cadre-list")) <= {names[k] for k in jining}
    grade = max({g for _, _, g in grades}, key=lambda g: sum(x == g for _, _, x in grades))
    counted = sum(1 for _, u, g in grades if u == "jining" and g == grade)
    both = office.get("/cycles/1/personnel", params={"unit": "jining", "grade": grade}).text
    assert f"共 {counted} 条" in both
    # a search by part of a name, and by id
    who = names[jining[3]]
    hits = [k for k, _, _ in grades if who[:2] in names[k] or who[:2] in k]
    searched = office.get("/cycles/1/personnel", params={"q": who[:2]}).text
    assert f"共 {len(hits)} 条" in searched
    assert who in _names(searched, "cadre-list") or len(hits) > 50
    exact = office.get("/cycles/1/personnel", params={"q": jining[3]}).text
    assert _names(exact, "cadre-list") == [who]
    bad = office.get("/cycles/1/personnel?unit=atlantis&grade=x").text
    assert bad.count('class="field-error"') == 2
    assert f"共 {total} 条" in bad  # left out: the whole list
    # the export: the filtered list, every page, in words
    rows = _csv(office.get("/cycles/1/personnel/cadres.csv?unit=jining"))
    assert (
        rows[0] == ["干部", "编号", "单位", "单位内名次", "得分", "等次", "名额"]
        or len(rows[0]) == 7
    )
    assert len(rows) == len(jining) + 1
    assert {r[2] for r in rows[1:]} == {"集宁区"}
    assert {r[1] for r in rows[1:]} == set(jining)
    book = office.get("/cycles/1/personnel/cadres.xlsx?unit=jining")
    ws = load_workbook(io.BytesIO(book.content)).active
    assert ws is not None
    assert ws.max_row == len(jining) + 1
    # a unit sees its own, whatever it asks
    unit = client(app, "unit")
    theirs = unit.get("/cycles/1/personnel?unit=fengzhen").text
    assert "共" not in theirs or "没有符合条件的条目" in theirs
    own = unit.get("/cycles/1/personnel").text
    assert f"共 {len(jining)} 条" in own
    exported = _csv(unit.get("/cycles/1/personnel/cadres.csv"))
    assert {r[1] for r in exported[1:]} == set(jining)
    assert client(app, "reporter").get("/cycles/1/personnel/cadres.csv").status_code == 403


@pytest.fixture(scope="module")
def collecting(demo_url: str) -> tuple[int, int]:
    """A new collecting cycle with rep-stats' every cell submitted (value: the unit's place in
    the scheme + the column's place / 10): (cycle id, how many values)."""
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (lists)")
        moves.move(s, cycle, "collecting")
        rep = s.execute(select(User).where(User.username == "rep-stats")).scalar_one()
        scheme = cycles.scheme_of(cycle, s)
        n = 0
        for i, uid in enumerate(scheme.units):
            category = scheme.units[uid].category
            for j, (iid, key, _) in enumerate(entry_columns(scheme, rep)):
                if key != iid or not scheme.indicators[iid].applies_to(category):
                    continue  # an indicator's own value column only
                submissions.submit(s, cycle, uid, key, f"{i + j / 10:g}", user=rep)
                n += 1
        cid = cycle.id
    engine.dispose()
    return cid, n


def test_the_dashboard_drills_to_cells_by_state_and_exports_them(
    app: Any, collecting: tuple[int, int]
) -> None:
    cid, n = collecting
    office = client(app, "office")
    base = f"/cycles/{cid}/dashboard"
    page = office.get(base).text
    assert "共 11 条" in page  # the units' table: the demo's 11 units
    waiting = office.get(f"{base}?state=submitted").text
    assert f"共 {n} 条" in waiting
    body = waiting[waiting.index('id="unit-cells"') :].split("</table>")[0]
    assert body.count('<tr class="submitted">') == 50
    rows = _csv(office.get(f"{base}.csv?state=submitted"))
    assert rows[0] == ["部门", "单位", "指标", "状态"] or len(rows[0]) == 4
    assert len(rows) == n + 1
    assert {r[3] for r in rows[1:]} == {"待审核"}
    assert {r[0] for r in rows[1:]} == {"市统计局"}
    # a department's missing cells, as many as its tally says
    stats = office.get(f"{base}?department=stats").text
    missing = re.search(
        r'id="by-department".*?<tbody><tr[^>]*><td>.*?</td>((?:<td[^>]*>.*?</td>)+)', stats, re.S
    )
    assert missing
    tally = re.findall(r'<td class="num">(\d+)</td>', missing.group(1))
    expected, _, submitted, _, _, _, lacking = map(int, tally[:7])
    assert submitted == n
    cells = _csv(office.get(f"{base}.csv?department=stats"))
    assert len(cells) == expected + 1
    gone = _csv(office.get(f"{base}.csv?department=stats&state=missing"))
    assert len(gone) == lacking + 1
    # the units' search, by name
    one = office.get(base, params={"q": "集宁"}).text
    assert "共 1 条" in one
    # a department's reporter sees its own department's cells only
    theirs = _csv(client(app, "reporter").get(f"{base}.csv?department=ndrc"))
    assert {r[0] for r in theirs[1:]} == {"市统计局"}
    assert client(app, "unit").get(f"{base}.csv").status_code == 403


def test_the_review_list_filtered_searched_paged_and_exported(
    app: Any, collecting: tuple[int, int]
) -> None:
    cid, n = collecting
    assert n > 50
    reviewer = client(app, "reviewer")
    base = f"/cycles/{cid}/review"
    page = reviewer.get(base).text
    assert f"第 1–50 条，共 {n} 条" in page
    assert page.count('type="checkbox" name="value"') == 50
    assert f'href="{base}?offset=50"' in page
    ids: list[str] = []
    for offset in range(0, n, 50):
        ids += re.findall(
            r'name="value" value="(\d+)"', reviewer.get(f"{base}?offset={offset}").text
        )
    assert len(ids) == len(set(ids)) == n  # every value once
    jining = reviewer.get(f"{base}?unit=jining").text
    counted = len(re.findall(r'name="value"', jining))
    assert f"共 {counted} 条" in jining
    assert 0 < counted < n
    assert "集宁区" in jining
    found = reviewer.get(base, params={"q": "集宁"}).text
    assert f"共 {counted} 条" in found  # the unit's name searched: the same cells
    rows = _csv(reviewer.get(f"{base}.csv?unit=jining"))
    assert rows[0][:3] == ["考核对象", "指标", "数值"]
    assert len(rows) == counted + 1
    assert {r[0] for r in rows[1:]} == {"集宁区"}
    book = reviewer.get(f"{base}.xlsx")
    ws = load_workbook(io.BytesIO(book.content)).active
    assert ws is not None
    assert ws.max_row == n + 1
    # approving from a filtered page comes back to it
    form = reviewer.get(f"{base}?unit=jining").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token
    first = re.findall(r'name="value" value="(\d+)"', form)[0]
    done = reviewer.post(
        f"{base}?unit=jining",
        data={"csrf": token.group(1), "value": first, "decision": "approve"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{base}?unit=jining"
    again = reviewer.get(f"{base}?unit=jining").text
    assert f"共 {counted - 1} 条" in again

"""Monitoring on the platform, end to end on SQLite and PostgreSQL: the worked example of
docs/monitoring.md (two categories of two units, revenue to date and investment to date by
quarter) with last year's investment in the previous cycle of the same scheme — values entered
by form and by upload, reviewed, the warnings and the provisional ranking computed, the office's
list and the board's page. Bad input: an undeclared period, a cell entered twice, another
department's indicator, text in a number cell — located messages, nothing written; a decreasing
cumulative value is saved and becomes a data warning that a reviewer accepts with a comment."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.audit.verification import verify
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.cycles.exchange import cycle_cells
from kaohe.web.monitoring import service as mon
from kaohe.web.reviews import service as reviews
from kaohe.web.settings import Settings
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import AuditEntry, Cycle, Value, WarningAcceptance
from kaohe.web.submissions import service as submissions

SCHEME = """
name: 示例方案
period: {start: 2022-01-01, end: 2022-12-31}
departments:
  fin: {name: 财政局}
  dev: {name: 发改委}
categories:
  dev: {name: 开发区}
  eco: {name: 生态区}
units:
  a: {name: 甲县, category: dev}
  b: {name: 乙县, category: dev}
  c: {name: 丙县, category: eco}
  d: {name: 丁县, category: eco}
indicators:
  revenue: {name: 一般公共预算收入, unit_of_measure: 亿元, weights: 60, target: 120,
            owner: fin, rule: {type: proportional}}
  growth: {name: 固定资产投资增速, unit_of_measure: "%", weights: 40, target: 10,
           owner: dev, rule: {type: linear, rate: 2}}
monitoring:
  periods: quarters
  indicators:
    revenue: {kind: cumulative}
    fai: {indicator: growth, name: 固定资产投资额（累计）, unit_of_measure: 亿元,
          kind: cumulative, compare: growth, threshold: growth}
  thresholds:
    growth: {measure: gap, green: 0, amber: -2}
"""

PASSWORD = "monitor-test-pass"


def _setup(engine: Engine) -> None:
    """Last year's cycle (2021, the same scheme) with its investment to date, approved; this
    year's cycle collecting; a reporter and a reviewer per department and the office."""
    factory = session_factory(engine)
    with transaction(factory) as s:
        users = {
            name: accounts.add_user(
                s, name, PASSWORD, role, department=dept, display_name=name, actor="test"
            )
            for name, role, dept in (
                ("office", "office", None),
                ("rep-fin", "reporter", "fin"),
                ("rev-fin", "reviewer", "fin"),
                ("rep-dev", "reporter", "dev"),
                ("rev-dev", "reviewer", "dev"),
            )
        }
        this = cycles.create_cycle(s, cycles.store_scheme(s, SCHEME, "test"), "2022", "test")
        moves.move(s, this, "collecting", "office")
        text = SCHEME.replace("2022-", "2021-")
        last = cycles.create_cycle(s, cycles.store_scheme(s, text, "test"), "2021", "test")
        moves.move(s, last, "collecting", "office")
        for unit in "abcd":
            for period, raw in (("2021-Q1", "100"), ("2021-Q2", "200")):
                v = submissions.submit(
                    s, last, unit, "fai", raw, user=users["rep-dev"], period=period
                )
                reviews.review(s, v, True, users["rev-dev"])


def login(app: object, user: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf": token(c, "/login")})
    assert r.status_code == 303, r.text
    return c


def token(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m, path
    return m.group(1)


def upload(c: TestClient, rows: list[list[str]], name: str = "q.csv") -> Response:
    buf = io.StringIO()
    csv.writer(buf).writerows([["unit", "indicator", "period", "value"], *rows])
    page = "/cycles/1/monitoring/entry"
    r: Response = c.post(
        "/cycles/1/monitoring/upload",
        data={"csrf": token(c, page), "period": "2022-Q2"},
        files={"file": (name, buf.getvalue().encode("utf-8"), "text/csv")},
    )
    return r


def cycle_one(s: Session) -> Cycle:
    cycle = s.get(Cycle, 1)
    assert cycle is not None
    return cycle


def values_count(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return int(s.execute(select(func.count()).select_from(Value)).scalar_one())


@pytest.fixture
def app(engine: Engine, database_url: str) -> object:
    _setup(engine)
    return create_app(Settings(database_url=database_url))


def test_a_quarter_of_dispatch_from_entry_to_the_board(app: object, engine: Engine) -> None:
    fin, dev = login(app, "rep-fin"), login(app, "rep-dev")
    page = "/cycles/1/monitoring/entry?period=2022-Q1"
    r = fin.get(page)
    assert r.status_code == 200
    assert 'name="cell:a:revenue"' in r.text
    assert 'name="cell:a:fai"' not in r.text  # another department's indicator
    # the template of the department and period: the long table the upload reads
    t = fin.get("/cycles/1/monitoring/template.xlsx?period=2022-Q1")
    assert t.status_code == 200
    assert t.content[:2] == b"PK"
    # revenue by form, quarter by quarter
    for period, cells in (
        ("2022-Q1", {"a": "27", "b": "33", "c": "30", "d": "15"}),
        ("2022-Q2", {"a": "54", "b": "66", "c": "60", "d": "45"}),
    ):
        data = {"csrf": token(fin, page), "period": period}
        data.update({f"cell:{u}:revenue": v for u, v in cells.items()})
        r = fin.post("/cycles/1/monitoring/entry", data=data)
        assert r.status_code == 303, r.text
    # investment by upload (丁县 has not reported its first quarter)
    rows = [
        ["a", "fai", "2022-Q1", "110"],
        ["a", "fai", "2022-Q2", "224"],
        ["b", "fai", "2022-Q1", "105"],
        ["b", "fai", "2022-Q2", "216"],
        ["c", "fai", "2022-Q1", "108"],
        ["c", "fai", "2022-Q2", "220"],
        ["d", "fai", "2022-Q2", "210"],
    ]
    r = upload(dev, rows)
    assert r.status_code == 303, getattr(r, "text", "")
    # uploading the same again writes nothing new (no changed cell)
    before = values_count(engine)
    assert upload(dev, rows).status_code == 303
    assert values_count(engine) == before
    # nothing counts until reviewed
    with session_factory(engine)() as s:
        assert mon.compute(s, cycle_one(s)) is None
    for who in ("rev-fin", "rev-dev"):
        rev = login(app, who)
        r = rev.get("/cycles/1/monitoring/review")
        ids = re.findall(r'name="value" value="(\d+)"', r.text)
        assert len(ids) == (8 if who == "rev-fin" else 7)
        page = "/cycles/1/monitoring/review"
        r = rev.post(page, data={"csrf": token(rev, page), "decision": "approve", "value": ids})
        assert r.status_code == 303, r.text
    # the warnings at the second quarter (docs/monitoring.md's table, by hand)
    with session_factory(engine)() as s:
        m = mon.compute(s, cycle_one(s))
        assert m is not None
        assert m.period == "2022-Q2"
        got: dict[tuple[str, str], tuple[str, object]] = {
            (w.unit, w.series): (w.colour, w.measure) for w in m.warnings(m.current)
        }
    assert got == {
        ("a", "revenue"): ("amber", pytest.approx(0.9)),
        ("b", "revenue"): ("green", pytest.approx(1.1)),
        ("c", "revenue"): ("green", pytest.approx(1.0)),
        ("d", "revenue"): ("red", pytest.approx(0.75)),
        ("a", "fai"): ("green", pytest.approx(2.0)),  # 224 / 200 − 1 = 12% against 10%
        ("b", "fai"): ("amber", pytest.approx(-2.0)),
        ("c", "fai"): ("green", pytest.approx(0.0)),
        ("d", "fai"): ("red", pytest.approx(-5.0)),
    }
    # the office's list, filtered, and its downloads
    office = login(app, "office")
    r = office.get("/cycles/1/monitoring/warnings?colour=red&period=2022-Q2")
    assert r.status_code == 200
    assert "累计完成年度目标 37.5%，低于序时进度 50% 共 12.5 个百分点" in r.text
    assert "同比增长 5%，低于目标 10% 共 5 个百分点" in r.text
    assert "乙县" not in r.text.split("<h2>")[0].split("<tbody>")[-1]  # no red of 乙县
    r = office.get("/cycles/1/monitoring/warnings.csv?department=fin&period=2022-Q2")
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["unit"], row["colour"]) for row in table] == [
        ("d", "red"),
        ("a", "amber"),
        ("b", "green"),
        ("c", "green"),
    ]
    assert office.get("/cycles/1/monitoring/warnings.xlsx").content[:2] == b"PK"
    # the data warning: 丁县's missing first quarter of investment, late
    r = office.get("/cycles/1/monitoring/warnings?unit=d")
    assert "第1季度的数值截至 2022-04-10 未报送" in r.text
    # the board: the office sees it while collecting, the public once published
    r = office.get("/board/1/monitoring")
    assert r.status_code == 200
    assert "暂定" in r.text
    assert r.text.count("<svg") == 2
    assert TestClient(app).get("/board/1/monitoring").status_code == 404  # type: ignore[arg-type]
    # the provisional ranking: 丙县 100, 乙县 96, 甲县 94, 丁县 75
    with session_factory(engine)() as s:
        m = mon.compute(s, cycle_one(s))
        assert m is not None
        prov = mon.provisional(m)
        assert prov is not None
        rows_ = sorted(prov.rows(), key=lambda row: row["rank"])
    assert [(row["unit"], round(row["score"], 6)) for row in rows_] == [
        ("c", 100.0),
        ("b", 96.0),
        ("a", 94.0),
        ("d", 75.0),
    ]
    assert all(row["provisional"] for row in rows_)
    r = office.get("/board/1/monitoring/units/d")
    assert r.status_code == 200
    assert "丁县" in r.text
    assert "37.5%" in r.text
    # the annual values are untouched: no period value reaches the year's data set
    with session_factory(engine)() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        year = cycle_cells(s, cycle, cycles.scheme_of(cycle, s))
        assert submissions.pending(s, cycle) == 0
        assert s.execute(select(Value).where(submissions.newest(1))).first() is None
    assert all(not row for row in year.values())  # nothing of the year's data set
    with session_factory(engine)() as s:
        assert verify(s).ok, verify(s).breaks


def test_bad_input_is_located_and_nothing_is_written(app: object, engine: Engine) -> None:
    fin, dev = login(app, "rep-fin"), login(app, "rep-dev")
    before = values_count(engine)
    # a value for an undeclared period, in the file
    r = upload(dev, [["a", "fai", "2022-Q1", "110"], ["b", "fai", "2022-Q5", "105"]], "bad.csv")
    assert r.status_code == 422
    text = r.text
    assert "bad.csv row 3, column C (period)" in text
    assert "2022-Q5" in text
    # a quarter entered twice
    rows = [["a", "fai", "2022-Q1", "110"], ["a", "fai", "第1季度", "111"]]
    r = upload(dev, rows, "twice.csv")
    assert r.status_code == 422
    assert "twice.csv row 3, column D (value)" in r.text
    assert "row 2, column D (value)" in r.text
    # another department's indicator, and text in a number cell
    r = upload(fin, [["a", "fai", "2022-Q1", "110"], ["a", "revenue", "2022-Q1", "27"]])
    assert r.status_code == 422
    assert "不是您部门的调度指标" in r.text
    page = "/cycles/1/monitoring/entry"
    data = {
        "csrf": token(fin, page),
        "period": "2022-Q1",
        "cell:a:revenue": "27",
        "cell:b:revenue": "3o",
    }
    r = fin.post(page, data=data)
    assert r.status_code == 422
    assert "乙县 · 一般公共预算收入 · 第1季度: 不是数字" in r.text
    # a period not declared, by form
    data = {"csrf": token(fin, page), "period": "2022-Q9", "cell:a:revenue": "27"}
    r = fin.post(page, data=data)
    assert r.status_code == 422
    assert "未声明的监测期 2022-Q9" in r.text
    assert values_count(engine) == before  # nothing half-written


def test_a_decreasing_cumulative_value_is_a_warning_a_reviewer_accepts(
    app: object, engine: Engine
) -> None:
    fin = login(app, "rep-fin")
    page = "/cycles/1/monitoring/entry"
    for period, value in (("2022-Q1", "30"), ("2022-Q2", "28")):  # revenue to date fell
        data = {"csrf": token(fin, page), "period": period, "cell:a:revenue": value}
        assert fin.post(page, data=data).status_code == 303
    rev = login(app, "rev-fin")
    review = "/cycles/1/monitoring/review"
    ids = re.findall(r'name="value" value="(\d+)"', rev.get(review).text)
    rev.post(review, data={"csrf": token(rev, review), "decision": "approve", "value": ids})
    r = rev.get(review)
    assert "累计值下降" in r.text
    accept = {
        "csrf": token(rev, review),
        "period": "2022-Q2",
        "unit": "a",
        "indicator": "revenue",
        "check": "decreasing",
        "comment": "",
    }
    r = rev.post("/cycles/1/monitoring/accept", data=accept)
    assert r.status_code == 422
    assert "请写明接受的理由" in r.text
    accept["comment"] = "退库 2 亿元，已核实"
    assert rev.post("/cycles/1/monitoring/accept", data=accept).status_code == 303
    assert "已接受：退库 2 亿元，已核实" in rev.get(review).text
    with session_factory(engine)() as s:
        (acc,) = s.execute(select(WarningAcceptance)).scalars()
        assert (acc.period, acc.unit, acc.indicator, acc.check) == (
            "2022-Q2",
            "a",
            "revenue",
            "decreasing",
        )
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.action == "monitoring.accept")
        ).scalar_one()
        assert entry.target == "cycle:1/a/revenue@2022-Q2#decreasing"
        assert verify(s).ok, verify(s).breaks


def test_the_period_template_comes_back_as_an_upload(app: object, engine: Engine) -> None:
    """The department's workbook of a period, with the values entered so far, is the long
    table the upload reads: sent back unchanged it writes nothing; with a value changed, one
    new version."""
    fin = login(app, "rep-fin")
    page = "/cycles/1/monitoring/entry"
    data = {"csrf": token(fin, page), "period": "2022-Q1", "cell:a:revenue": "27"}
    assert fin.post(page, data=data).status_code == 303
    book = fin.get("/cycles/1/monitoring/template.xlsx?period=2022-Q1").content
    before = values_count(engine)

    def send(body: bytes) -> Response:
        r: Response = fin.post(
            "/cycles/1/monitoring/upload",
            data={"csrf": token(fin, page), "period": "2022-Q1"},
            files={"file": ("q1.xlsx", body, "application/octet-stream")},
        )
        return r

    assert send(book).status_code == 303
    assert values_count(engine) == before
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(book))
    ws = wb["2022-Q1"]
    assert [c.value for c in ws[1]][:5] == [
        "考核对象 [unit]",
        "名称 [name]",
        "调度指标 [indicator]",
        "监测期 [period]",
        "数值 [value]",
    ]
    assert (
        wb["说明"]["A1"].value == "监测期 第1季度（2022-Q1）"
    )  # the notes, in the page's language
    fin.get("/lang/en?next=/cycles/1/monitoring/entry")
    en = fin.get("/cycles/1/monitoring/template.xlsx?period=2022-Q1").content
    fin.get("/lang/zh?next=/cycles/1/monitoring/entry")
    assert load_workbook(io.BytesIO(en))["说明"]["A1"].value == "Monitoring period Q1 (2022-Q1)"
    rows = {(r[0].value, r[2].value): r for r in ws.iter_rows(min_row=2)}
    assert set(rows) == {(u, "revenue") for u in "abcd"}  # fin's indicator only
    assert rows[("a", "revenue")][4].value == 27
    rows[("b", "revenue")][4].value = 33
    out = io.BytesIO()
    wb.save(out)
    assert send(out.getvalue()).status_code == 303
    assert values_count(engine) == before + 1

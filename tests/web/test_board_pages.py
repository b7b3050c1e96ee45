"""The public board's 比进度, 比贡献 and 亮 pages, its charts and files, on a tiny scheme whose
numbers are worked by hand — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kaohe.dataset import Dataset
from kaohe.engine import assess
from kaohe.errors import SchemeError
from kaohe.io.scheme_file import parse_scheme_text
from kaohe.publication import Publication, compare
from kaohe.rules.target import elapsed_share
from kaohe.scheme import Period, Scheme
from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.board import charts
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.results import service as results
from kaohe.web.reviews import service as reviews
from kaohe.web.settings import Settings
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import AuditEntry, Commitment, Cycle
from kaohe.web.submissions import service as submissions
from tests.tiny_scheme import ELAPSED, TINY, VALUES

# 2024 is a leap year: 1 January – 30 June is 182 of its 366 days


@pytest.fixture
def site(engine: Engine, database_url: str) -> tuple[TestClient, int]:
    with transaction(session_factory(engine)) as s:
        for name, role, unit in (
            ("office", "office", None),
            ("unit-a", "unit", "a"),
            ("unit-b", "unit", "b"),
            ("rep", "reporter", None),
        ):
            accounts.add_user(s, name, "a-good-password", role, unit=unit, department="d")
        cycle = cycles.create_cycle(s, cycles.store_scheme(s, TINY), "2024年上半年")
        moves.move(s, cycle, "collecting")
        for unit, cells in VALUES.items():
            for column, raw in cells.items():
                reviews.review(s, submissions.submit(s, cycle, unit, column, raw), True)
        moves.move(s, cycle, "reviewing")
        results.compute(s, cycle)
        moves.move(s, cycle, "publicity")
        cid = cycle.id
    app = create_app(Settings(database_url=database_url))
    return TestClient(app, follow_redirects=False), cid


def login(c: TestClient, user: str) -> TestClient:
    r = c.post(
        "/login", data={"username": user, "password": "a-good-password", "csrf": token(c, "/login")}
    )
    assert r.status_code == 303, r.text
    return c


def token(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m, "no CSRF token on the page"
    return m.group(1)


def published(engine: Engine, cid: int) -> tuple[Publication, Scheme]:
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        snap = results.latest_results(s, cycle)
        assert snap is not None
        return results.published(snap), cycles.scheme_of(cycle, s)


# --------------------------------------------------------------------------- 比进度 / 比贡献


def test_it_computes_progress_against_the_target_and_the_time_proportional_target(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    doc, scheme = published(engine, site[1])
    p = compare.progress(doc, scheme)
    assert p.period_elapsed == pytest.approx(ELAPSED)
    lines = {line.indicator: line for line in p.lines}
    assert set(lines) == {"revenue", "online"}  # projects has no target
    rev = lines["revenue"]
    assert rev.elapsed == pytest.approx(ELAPSED)  # it adds up: an amount accumulated in time
    a, b, c = rev.cells["a"], rev.cells["b"], rev.cells["c"]
    assert a.completion == pytest.approx(0.6)
    assert a.expected == pytest.approx(10 * 182 / 366)  # 4.9727
    assert a.on_pace == pytest.approx(6 / (10 * 182 / 366))  # 1.2066: ahead of pace
    assert (a.status, b.status, c.status) == ("on_pace", "behind", "met")
    assert b.on_pace == pytest.approx(3 / (8 * 182 / 366))  # 0.7541
    online = lines["online"]
    assert online.elapsed is None  # a rate: no time-proportional target
    assert online.cells["a"].completion == pytest.approx(99 / 90)
    assert online.cells["b"].expected is None
    assert online.cells["b"].status == "behind"


def test_the_time_proportional_target_is_the_target_once_the_period_is_over() -> None:
    start = parse_scheme_text(TINY).period.start
    assert compare.period_elapsed(Period(start=start, end=None, as_of=None)) is None
    import datetime as dt

    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    assert elapsed_share(start, end, dt.date(2024, 6, 30)) == pytest.approx(ELAPSED)
    assert compare.period_elapsed(Period(start=start, end=end, as_of=None)) == 1.0
    assert elapsed_share(start, end, dt.date(2023, 6, 30)) == 0.0
    assert elapsed_share(start, end, dt.date(2025, 6, 30)) == 1.0


def test_it_computes_each_units_share_of_the_city_total(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    doc, scheme = published(engine, site[1])
    con = compare.contribution(doc, scheme)
    lines = {line.indicator: line for line in con.lines}
    assert set(lines) == {"revenue", "projects"}  # online is a rate: not marked adds_up
    assert lines["revenue"].total == 21
    assert lines["revenue"].shares == pytest.approx({"a": 6 / 21, "b": 3 / 21, "c": 12 / 21})
    assert lines["projects"].total == 40
    assert lines["projects"].shares == pytest.approx({"a": 0.25, "b": 0.75, "c": 0.0})
    assert sum(lines["revenue"].shares.values()) == pytest.approx(1.0)


def test_a_value_divided_by_a_denominator_cannot_add_up() -> None:
    bad = TINY.replace("    adds_up: true\n    weights: 10\n    target", "    adds_up: true\n"
                       "    denominator: population\n    weights: 10\n    target", 1)  # fmt: skip
    with pytest.raises(SchemeError, match="adds_up"):
        parse_scheme_text(bad)


def test_the_public_reads_progress_contribution_and_the_unit_page(
    site: tuple[TestClient, int],
) -> None:
    c, cid = site
    page = c.get(f"/board/{cid}/progress")
    assert page.status_code == 200
    assert "60.0%" in page.text  # 甲区's revenue: 6 / 10
    assert "120.7%" in page.text  # against the pace: 6 / 4.9727
    assert "<svg" in page.text
    assert 'class="chart"' in page.text
    assert " style=" not in page.text  # the page's CSP refuses inline styles
    con = c.get(f"/board/{cid}/contribution").text
    assert "28.6%" in con
    assert "57.1%" in con
    assert "75.0%" in con  # 乙县's 30 of 40 projects
    unit = c.get(f"/board/{cid}/units/a").text
    assert "同类最高" in unit
    assert "同类中位数" in unit
    assert 'aria-label="各维度得分率' in unit  # the radar
    assert "完成比例 = 6 / 10" in unit  # the explanation of its points
    assert c.get(f"/board/{cid}/units/zz").status_code == 404
    printable = c.get(f"/board/{cid}/print").text
    assert "比进度" in printable
    assert "比贡献" in printable


def test_english_labels_on_the_board(site: tuple[TestClient, int]) -> None:
    c, cid = site
    c.get(f"/lang/en?next=/board/{cid}")
    assert "Against the pace" in c.get(f"/board/{cid}/progress").text
    assert "City total" in c.get(f"/board/{cid}/contribution").text


def test_a_cycle_that_is_not_published_is_not_on_the_board(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, _cid = site
    with transaction(session_factory(engine)) as s:
        draft = cycles.create_cycle(s, cycles.store_scheme(s, TINY), "2025")
        did = draft.id
    for path in ("progress", "contribution", "commitments", "print", "results.xlsx"):
        assert c.get(f"/board/{did}/{path}").status_code == 404
    assert c.get(f"/board/{did}/charts/ranking.svg").status_code == 404


# --------------------------------------------------------------------------- charts and files


def test_charts_render_the_same_svg_every_time(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    doc, scheme = published(engine, site[1])
    p = compare.progress(doc, scheme)
    con = compare.contribution(doc, scheme)
    axes = compare.radar(doc, scheme, "a")
    draws: list[Callable[[], Any]] = [
        lambda: charts.progress_figure(p, "zh"),
        lambda: charts.contribution_figure(con, "en"),
        lambda: charts.radar_figure(axes, "甲区", "zh"),
    ]
    for draw in draws:
        first, second = charts.render(draw(), "svg"), charts.render(draw(), "svg")
        assert first == second
        text = first.decode("utf-8")
        assert text.startswith("<svg")
        assert text.endswith("</svg>")
        assert "<style" not in text
        assert " style=" not in text
        assert "<!--" not in text
        assert "dc:date" not in text
        assert "<metadata" not in text
        assert charts.render(draw(), "png").startswith(b"\x89PNG")


def test_the_radar_compares_each_dimension_with_the_category_best_and_median(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    doc, scheme = published(engine, site[1])
    axes = {x.dimension: x for x in compare.radar(doc, scheme, "a")}
    # 甲区 and 乙县 (city): revenue 6/10 → 6 and 3/8 → 3.75 points; projects 10/30 and 30/30
    # of 10 points; economy's full marks are 20
    assert axes["economy"].mine == pytest.approx((6 + 10 / 3) / 20)
    assert axes["economy"].best == pytest.approx((3.75 + 10) / 20)
    assert axes["economy"].median == pytest.approx(((6 + 10 / 3) + 13.75) / 2 / 20)


def test_charts_download_as_svg_and_png(site: tuple[TestClient, int]) -> None:
    c, cid = site
    svg = c.get(f"/board/{cid}/charts/progress.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content == c.get(f"/board/{cid}/charts/progress.svg").content  # cached
    png = c.get(f"/board/{cid}/units/b/radar.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert c.get(f"/board/{cid}/charts/nothing.svg").status_code == 422
    assert c.get(f"/board/{cid}/units/zz/radar.svg").status_code == 404


def test_the_xlsx_download_holds_what_results_csv_holds(site: tuple[TestClient, int]) -> None:
    from openpyxl import load_workbook

    c, cid = site
    body = c.get(f"/board/{cid}/results.csv").content.decode("utf-8-sig")
    from_csv = list(csv.DictReader(io.StringIO(body)))
    book = c.get(f"/board/{cid}/results.xlsx")
    assert book.status_code == 200
    wb = load_workbook(io.BytesIO(book.content))
    ws = wb.worksheets[0]
    # a title, a blank row, the header (names, not ids), then the units as results.csv has them
    head = list(next(ws.iter_rows(min_row=3, max_row=3, values_only=True)))
    assert head[:4] == ["编号", "名称", "类别", "得分"]
    assert head[-2:] == ["经济", "服务"]
    from_xlsx = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(from_xlsx) == len(from_csv) == 3
    for got, want in zip(from_xlsx, from_csv, strict=True):
        assert (got[0], got[1]) == (want["unit"], want["name"])
        # Excel keeps 15 significant digits; the CSV the float's every digit
        assert got[3] == pytest.approx(float(want["score"]), rel=1e-14)
        assert (got[6], got[7]) == (int(want["rank_in_category"]), int(want["rank"]))
        assert got[10] == pytest.approx(float(want["economy"]), rel=1e-14)
    assert [w.title for w in wb.worksheets] == ["总表", "城区", "农区", "指标得分", "有效权重"]
    assert wb.worksheets[2].max_row == 4  # 农区: a title, a blank row, a header and 丙旗


def test_the_downloads_are_the_files_kaohe_run_writes(
    site: tuple[TestClient, int], tmp_path: Path
) -> None:
    """The board's results.csv and results.xlsx are kaohe run's, cell for cell: names and
    Chinese headers (English on the English board), numbers rounded for print by the scheme's
    decimals (the cell keeps every digit)."""
    from openpyxl import load_workbook

    from kaohe.io.results_files import write_csv, write_xlsx

    c, cid = site
    scheme = parse_scheme_text(TINY)
    run = assess(scheme, Dataset.from_mapping(scheme, VALUES, {}))
    write_csv(run, tmp_path / "results.csv")
    got = c.get(f"/board/{cid}/results.csv").content
    assert got == "\ufeff".encode() + (tmp_path / "results.csv").read_bytes()
    for lang in ("zh", "en"):
        write_xlsx(run, tmp_path / f"results-{lang}.xlsx", lang)
        c.get(f"/lang/{lang}?next=/board/{cid}")
        board_book = load_workbook(io.BytesIO(c.get(f"/board/{cid}/results.xlsx").content))
        cli_book = load_workbook(tmp_path / f"results-{lang}.xlsx")
        assert workbook_cells(board_book) == workbook_cells(cli_book)
    zh = load_workbook(tmp_path / "results-zh.xlsx").worksheets[0]
    assert zh["D4"].number_format == "0.00"  # the scheme's decimals (2 by default)
    assert zh["A4"].value == "c"  # 丙旗 ranks first overall
    assert zh["B4"].value == "丙旗"


def workbook_cells(book: Any) -> list[tuple[str, list[list[tuple[object, str]]]]]:
    return [
        (ws.title, [[(x.value, x.number_format) for x in row] for row in ws.iter_rows()])
        for ws in book.worksheets
    ]


def cell(v: object) -> object:
    """A CSV text or an Excel cell as the value it holds: a float when it is a number."""
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return str(v)
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)


# --------------------------------------------------------------------------- 亮


def test_a_unit_adds_edits_and_withdraws_its_commitments_on_the_record(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, cid = site
    login(c, "unit-a")
    page = f"/cycles/{cid}/units/a/commitments"
    r = c.post(
        page,
        data={
            "csrf": token(c, page),
            "title": "财政收入增长 10%",
            "responsible": "区长",
            "due": "2024-12-31",
            "detail": "培植新增税源",
        },
    )
    assert r.status_code == 303
    with transaction(session_factory(engine)) as s:
        made = s.execute(select(Commitment)).scalars().one()
        mid, revision = made.id, made.revision
    assert revision == 1
    shown = c.get(f"/board/{cid}/units/a").text
    assert "财政收入增长 10%" in shown
    assert "区长" in shown
    r = c.post(
        f"/commitments/{mid}",
        data={"csrf": token(c, page), "title": "财政收入增长 12%", "revision": "1"},
    )
    assert r.status_code == 303
    assert "财政收入增长 12%" in c.get(f"/board/{cid}/commitments").text
    r = c.post(f"/commitments/{mid}/withdraw", data={"csrf": token(c, page), "revision": "2"})
    assert r.status_code == 303
    assert "财政收入增长 12%" not in c.get(f"/board/{cid}/units/a").text
    with transaction(session_factory(engine)) as s:
        kept = s.get(Commitment, mid)
        assert kept is not None
        assert kept.withdrawn
        assert kept.revision == 3
        log = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    actions = [(e.actor, e.action) for e in log if e.action.startswith("commitment.")]
    assert actions == [
        ("unit-a", "commitment.add"),
        ("unit-a", "commitment.edit"),
        ("unit-a", "commitment.withdraw"),
    ]
    edit = next(e for e in log if e.action == "commitment.edit")
    assert "财政收入增长 10%" in edit.before
    assert "财政收入增长 12%" in edit.after


def test_a_stale_revision_is_refused_and_the_other_edit_kept(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, cid = site
    office = login(TestClient(c.app, follow_redirects=False), "office")
    login(c, "unit-a")
    page = f"/cycles/{cid}/units/a/commitments"
    c.post(page, data={"csrf": token(c, page), "title": "开复工率 100%"})
    with transaction(session_factory(engine)) as s:
        mid = s.execute(select(Commitment.id)).scalar_one()
    # both read revision 1; the office saves first
    r = office.post(
        f"/commitments/{mid}",
        data={"csrf": token(office, page), "title": "开复工率 100%（考核办核定）", "revision": "1"},
    )
    assert r.status_code == 303
    late = c.post(
        f"/commitments/{mid}",
        data={"csrf": token(c, page), "title": "开复工率 95%", "revision": "1"},
    )
    assert late.status_code == 409
    assert "已被他人修改" in late.text
    assert "第 1 版" in late.text
    assert "第 2 版" in late.text
    assert "开复工率 95%" in late.text  # the refused text is shown back, not lost
    stale_withdraw = c.post(
        f"/commitments/{mid}/withdraw", data={"csrf": token(c, page), "revision": "1"}
    )
    assert stale_withdraw.status_code == 409
    with transaction(session_factory(engine)) as s:
        kept = s.get(Commitment, mid)
        assert kept is not None
        assert (kept.title, kept.revision, kept.withdrawn) == (
            "开复工率 100%（考核办核定）",
            2,
            False,
        )
        edits = (
            s.execute(select(AuditEntry).where(AuditEntry.action == "commitment.edit"))
            .scalars()
            .all()
        )
    assert [e.actor for e in edits] == ["office"]  # the refused edit left no trace but its 409


def test_only_a_units_own_account_and_the_office_write_its_commitments(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, cid = site
    public = TestClient(c.app, follow_redirects=False)
    assert public.get(f"/cycles/{cid}/units/a/commitments").status_code == 303  # to login
    rep = login(TestClient(c.app, follow_redirects=False), "rep")
    assert rep.get(f"/cycles/{cid}/units/a/commitments").status_code == 403
    b = login(TestClient(c.app, follow_redirects=False), "unit-b")
    assert b.get(f"/cycles/{cid}/units/a/commitments").status_code == 403
    own = f"/cycles/{cid}/units/b/commitments"
    r = b.post(f"/cycles/{cid}/units/a/commitments", data={"csrf": token(b, own), "title": "x"})
    assert r.status_code == 403
    login(c, "unit-a")
    c.post(
        f"/cycles/{cid}/units/a/commitments",
        data={"csrf": token(c, f"/cycles/{cid}/units/a/commitments"), "title": "甲区的承诺"},
    )
    with transaction(session_factory(engine)) as s:
        mid = s.execute(select(Commitment.id)).scalar_one()
    for path in (f"/commitments/{mid}", f"/commitments/{mid}/withdraw"):
        r = b.post(path, data={"csrf": token(b, own), "title": "乙县改的", "revision": "1"})
        assert r.status_code == 403
    no_csrf = c.post(f"/commitments/{mid}", data={"title": "无令牌", "revision": "1"})
    assert no_csrf.status_code == 400
    office = login(TestClient(c.app, follow_redirects=False), "office")
    assert office.get(f"/cycles/{cid}/units/a/commitments").status_code == 200
    with transaction(session_factory(engine)) as s:
        kept = s.get(Commitment, mid)
        assert kept is not None
        assert (kept.title, kept.revision) == ("甲区的承诺", 1)


def test_commitment_text_is_checked_and_escaped(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, cid = site
    login(c, "unit-a")
    page = f"/cycles/{cid}/units/a/commitments"
    empty = c.post(page, data={"csrf": token(c, page), "title": "  "})
    assert empty.status_code == 422
    assert "不能为空" in empty.text
    bad_day = c.post(page, data={"csrf": token(c, page), "title": "t", "due": "明年"})
    assert bad_day.status_code == 422
    assert "日期" in bad_day.text
    c.post(page, data={"csrf": token(c, page), "title": "<script>alert(1)</script>"})
    board_page = c.get(f"/board/{cid}/commitments").text
    assert "<script>alert(1)</script>" not in board_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in board_page
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        moves.move(s, cycle, "objections_handled")
        moves.move(s, cycle, "final")
    locked = c.post(page, data={"csrf": token(c, page), "title": "定稿后"})
    # refused by the policy for every write to a final cycle (tests/web/test_final_cycle.py)
    assert locked.status_code == 409
    assert "该考核已终结" in locked.text


# --------------------------------------------------------------------------- names, not ids

BOARD_TABS = ("", "/progress", "/contribution", "/commitments", "/print")


def known_ids(scheme: Scheme) -> set[str]:
    """What a Chinese page must say by name: cycle states, and the scheme's units, categories,
    dimensions, indicators, departments, grades and gates; its keys and rule types (config words
    such as ``adds_up``)."""
    from kaohe.rules.base import REGISTRY
    from kaohe.scheme import Indicator
    from kaohe.web.store.models import CYCLE_STATES

    ids = {*CYCLE_STATES, *scheme.units, *scheme.categories, *scheme.dimensions}
    ids |= {*scheme.indicators, *scheme.departments, *REGISTRY}
    ids |= {*Indicator.model_fields, *Scheme.model_fields}
    if scheme.grading is not None:
        ids |= {g.id for g in scheme.grading.grades} | {g.id for g in scheme.grading.gates}
    return ids


def ids_shown(page: str, ids: set[str]) -> set[str]:
    """The ids a reader sees on ``page``: in its text and in the attributes read out or shown
    on hover (title, aria-label, alt, placeholder) — not in links, classes or drawn charts."""
    import html

    page = re.sub(r"<(svg|script|style)\b.*?</\1>", " ", page, flags=re.S)
    attrs = re.findall(r'\b(?:title|aria-label|alt|placeholder)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    words = re.findall(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", html.unescape(" ".join([text, *attrs])))
    return ids & set(words)


def test_the_id_finder_finds_ids_in_text_and_read_attributes() -> None:
    ids = {"publicity", "gdp_growth", "jining", "excellent"}
    page = (
        '<p>状态: publicity</p><th title="gdp_growth">增速</th>'
        '<a href="/board/1/units/jining" class="excellent">集宁区</a><svg><text>jining</text></svg>'
        "<td>等次为excellent</td>"
    )
    assert ids_shown(page, ids) == {"publicity", "gdp_growth", "excellent"}


def demo_pages(demo_url: str) -> tuple[TestClient, list[str], set[str]]:
    from kaohe.web.store.engine import open_engine

    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        scheme = cycles.scheme_of(cycle, s)
    engine.dispose()
    c = TestClient(create_app(Settings(database_url=demo_url)), follow_redirects=False)
    pages = ["/board", *(f"/board/1{tab}" for tab in BOARD_TABS)]
    pages += [f"/board/1/units/{uid}" for uid in scheme.units]
    return c, pages, known_ids(scheme)


def test_every_board_page_in_chinese_shows_names_not_ids(demo_url: str) -> None:
    """状态: publicity, indicator ids on hover, 可加总指标（方案中 adds_up） were on these pages."""
    c, pages, ids = demo_pages(demo_url)
    shown = {}
    for path in pages:
        r = c.get(path)
        assert r.status_code == 200, path
        assert '<html lang="zh-CN">' in r.text
        shown[path] = ids_shown(r.text, ids)
    assert {p: found for p, found in shown.items() if found} == {}
    assert "公示" in c.get("/board/1").text  # the state by its name


def test_the_public_decisions_page_in_chinese_shows_names_not_ids(demo_url: str) -> None:
    c, _pages, ids = demo_pages(demo_url)
    assert ids_shown(c.get("/board/1/decisions").text, ids) == set()

"""A real browser (Playwright driving Debian's chromium) along the workflow's pages; screenshots
go to test-artifacts/browser/. Skipped, with the reason, where chromium or Playwright is absent."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("KAOHE_TEST_CHROMIUM") or shutil.which("chromium") or ""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM:
        pytest.skip("no chromium: install Debian's chromium or set KAOHE_TEST_CHROMIUM")
    pytest.importorskip("playwright", reason="Playwright for Python is not installed")
    from kaohe.web.demo import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'kaohe.db'}"
    engine = open_engine(url)
    load_demo(engine)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2023年度（浏览器测试）")
        moves.move(s, cycle, "collecting")
    engine.dispose()
    with serve(url) as address:
        yield address


@contextmanager
def serve(url: str) -> Iterator[str]:
    """The site on ``url``'s database, served by uvicorn on a free port of 127.0.0.1 in a
    thread, until the block ends."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(site: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1200, "height": 900})
        pg.set_default_timeout(15_000)
        yield pg
        browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page: Any, site: str, user: str, password: str) -> None:
    page.goto(f"{site}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()


def logout(page: Any) -> None:
    page.click("form.inline button[type=submit]")
    page.wait_for_load_state()


def test_the_public_board_in_a_browser(page: Any, site: str) -> None:
    page.goto(f"{site}/board")
    page.click("text=2022年度（示例）")
    assert page.locator("h2", has_text="重点开发区").count() == 1
    shot(page, "01-board")
    page.click("text=集宁区")
    assert "同类最高" in page.content()
    shot(page, "02-unit")


def test_enter_review_and_manage_in_a_browser(page: Any, site: str) -> None:
    login(page, site, "rep-stats", "report-demo-pass")
    page.goto(f"{site}/cycles")
    page.click("text=数据填报")
    page.fill("input[name='cell:jining:gdp_growth']", "6.5")
    page.fill("input[name='cell:fengzhen:gdp_growth']", "6.5%")
    page.click("#entry-form button[type=submit]")
    assert "数字单元格中填了文字" in page.content()
    shot(page, "03-entry-refused")
    page.goto(page.url.replace("/entry", "/entry"))
    page.fill("input[name='cell:jining:gdp_growth']", "6.5")
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("input[name='cell:jining:gdp_growth']") == "6.5"
    shot(page, "04-entry-saved")
    logout(page)
    login(page, site, "rev-stats", "review-demo-pass")
    page.goto(f"{site}/cycles")
    page.click("text=数据审核")
    assert page.locator("input[name=value]").count() == 1
    assert not page.is_checked("input[name=value]")  # nothing approved by one careless click
    page.check("input[name=value]")
    shot(page, "05-review")
    page.click("button[value=approve]")
    page.wait_for_load_state()
    assert "没有待审核的数据" in page.content()
    logout(page)
    login(page, site, "office", "office-demo-pass")
    page.goto(f"{site}/cycles")
    page.locator("text=考核管理").first.click()
    assert "已通过 1" in page.content()  # the values' states by name
    shot(page, "06-manage")
    page.click("text=转到 审核")
    page.wait_for_load_state()
    assert "状态: 审核" in page.content()


def test_the_board_pages_charts_and_commitments_in_a_browser(page: Any, site: str) -> None:
    pg = page.context.browser.new_page(viewport={"width": 1200, "height": 900})  # no login
    refused: list[str] = []
    pg.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    pg.goto(f"{site}/board/1")
    assert pg.locator("figure.chart svg.chart").count() == 1  # the ranking bars, inline
    assert pg.locator("figure.chart svg.chart").bounding_box()["height"] > 200
    shot(pg, "07-board-ranking-chart")
    pg.click("nav.tabs >> text=比进度")
    assert pg.locator("table.progress td.met").count() > 0
    shot(pg, "08-board-progress")
    pg.click("nav.tabs >> text=比贡献")
    assert "全市合计" in pg.content()
    shot(pg, "09-board-contribution")
    pg.click("nav.tabs >> text=亮承诺")
    assert "重大项目全部开复工" in pg.content()
    shot(pg, "10-board-commitments")
    pg.goto(f"{site}/board/1/units/jining")
    assert pg.locator("figure.radar svg.chart").count() == 1
    shot(pg, "11-unit-radar-commitments")
    login(pg, site, "unit-jining", "unit-demo-pass")
    pg.goto(f"{site}/cycles/1/units/jining/commitments")
    pg.fill("#commitment-add input[name=title]", "营商环境评价进入全区前列")
    pg.fill("#commitment-add input[name=responsible]", "区政务服务局")
    pg.click("#commitment-add button[type=submit]")
    pg.wait_for_load_state()
    shot(pg, "12-commitments-edit")
    pg.goto(f"{site}/board/1/units/jining")
    assert "营商环境评价进入全区前列" in pg.content()
    pg.emulate_media(media="print")
    pg.goto(f"{site}/board/1/print")
    assert not pg.locator("header.top").is_visible()
    shot(pg, "13-board-print")
    pg.pdf(path=str(ARTIFACTS / "13-board-print.pdf"), format="A4")
    assert refused == []  # the inline charts obey the Content-Security-Policy
    pg.close()


MONITORING_PAGES = (  # (account or None for the public, path, screenshot, what must show)
    (None, "/board/1/monitoring", "14-monitoring-board", "暂定"),
    (None, "/board/1/monitoring/units/huade", "15-monitoring-unit", "本单位预警"),
    (
        ("office", "office-demo-pass"),
        "/cycles/1/monitoring/warnings?colour=red",
        "16-monitoring-warnings",
        "红色",
    ),
    (
        ("rep-stats", "report-demo-pass"),
        "/cycles/3/monitoring/entry?period=2022-06",
        "17-monitoring-entry",
        "调度填报",
    ),
    (
        ("rev-ndrc", "review-demo-pass"),
        "/cycles/1/monitoring/review",
        "18-monitoring-review",
        "数据预警",
    ),
    (  # the dashboard's period values not reported by their deadline
        ("office", "office-demo-pass"),
        "/cycles/1/dashboard#periods",
        "19-monitoring-dashboard",
        "调度数据报送",
    ),
)


@pytest.mark.parametrize("width", [1200, 390])
def test_the_monitoring_pages_in_a_browser(page: Any, site: str, width: int) -> None:
    """比进度 through the year, the office's warnings, a period's entry and review, at desktop
    and phone widths; the inline charts obey the Content-Security-Policy."""
    browser = page.context.browser
    for account, path, name, must in MONITORING_PAGES:
        pg = browser.new_page(viewport={"width": width, "height": 900})
        refused: list[str] = []

        def watch(m: Any, seen: list[str] = refused) -> None:
            if "Content Security" in m.text:
                seen.append(m.text)

        pg.on("console", watch)
        if account:
            login(pg, site, *account)
        pg.goto(f"{site}{path}")
        assert must in pg.content(), path
        if path.startswith("/board/1/monitoring"):
            assert pg.locator("figure.chart svg.chart").count() > 0
            assert pg.locator("td.warn.red").count() > 0
        shot(pg, f"{name}-{'phone' if width < 600 else 'desktop'}")
        assert refused == []
        pg.close()

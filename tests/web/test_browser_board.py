"""The public board as people look at it (issue 14): every board page at phone (390 px) and
desktop width, and the big-screen view for the office's display wall at 1920 × 1080. Nothing is
wider than the screen (tables scroll inside their frame), no county name breaks one character per
line, and no request leaves the server. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .test_browser import ARTIFACTS, CHROMIUM, site

__all__ = ["site"]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WALL = {"width": 1920, "height": 1080}
PAGES = {
    "ranking": "/board/1",
    "progress": "/board/1/progress",
    "contribution": "/board/1/contribution",
    "commitments": "/board/1/commitments",
    "unit": "/board/1/units/jining",
    "list": "/board",
}


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _open(browser: Any, site: str, size: dict[str, int], path: str) -> tuple[Any, list[str]]:
    """A new page at ``size`` showing ``path``, and the list of requests it made elsewhere."""
    page = browser.new_page(viewport=size)
    page.set_default_timeout(15_000)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site) else None)
    page.goto(f"{site}{path}")
    page.wait_for_load_state("networkidle")
    return page, outside


def _overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its screen (0: it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _broken_names(page: Any) -> list[str]:
    """Row headers (county names) laid out one character per line: narrower than two
    characters."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('table th[scope=row], table td.name')]
                 .filter(e => e.innerText.trim().length > 2)
                 .filter(e => e.getBoundingClientRect().width <
                              2.5 * parseFloat(getComputedStyle(e).fontSize))
                 .map(e => e.innerText.trim())"""
        )
    )


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_each_board_page_fits_its_screen(browser: Any, site: str, name: str, width: str) -> None:
    page, outside = _open(browser, site, PHONE if width == "phone" else DESKTOP, PAGES[name])
    page.screenshot(path=str(ARTIFACTS / f"board-{name}-{width}.png"), full_page=True)
    assert _overflow(page) <= 1, f"{name} is wider than a {width} screen"
    assert _broken_names(page) == [], "names broken one character per line"
    assert outside == []
    page.close()


@pytest.mark.parametrize("panel", range(4))
def test_the_big_screen_fills_the_wall_without_scrolling(
    browser: Any, site: str, panel: int
) -> None:
    page, outside = _open(browser, site, WALL, f"/board/1/screen?panel={panel}&rotate=0")
    page.screenshot(path=str(ARTIFACTS / f"board-screen-{panel}.png"))
    assert _overflow(page) <= 1
    height = page.evaluate("document.documentElement.scrollHeight - window.innerHeight")
    assert height <= 1, f"panel {panel} needs scrolling ({height} px)"
    assert page.locator("svg.chart").count() >= 1
    if panel == 0:  # the demo's monitoring: each unit's warnings at its latest month
        assert page.locator("table.warnings tbody tr").count() == 11
    assert outside == []
    page.close()


def test_the_big_screen_turns_to_the_next_panel_by_itself(browser: Any, site: str) -> None:
    page, _ = _open(browser, site, WALL, "/board/1/screen?panel=3&rotate=1")
    page.wait_for_url("**/screen?panel=0&rotate=1", timeout=10_000)
    assert page.locator("header.wall .turns a.on").inner_text() == "全市总览"
    page.close()


def test_the_office_runs_the_robustness_analysis_and_the_board_shows_it(
    browser: Any, site: str
) -> None:
    from .test_browser import login

    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(15_000)
    login(page, site, "office", "office-demo-pass")
    page.goto(f"{site}/cycles/1/robustness")
    page.fill("input[name=samples]", "200")
    page.check("input[name=gaps]")
    page.click("form.wide button[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=str(ARTIFACTS / "robustness-running.png"), full_page=True)
    # the page refreshes itself every 2 s while the analysis runs
    page.wait_for_selector("text=分析 1 的结果", timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "robustness-done.png"), full_page=True)
    page.click("text=在亮晒比公开")
    page.wait_for_load_state()
    assert "已公开" in page.content()
    page.close()
    for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
        board, outside = _open(browser, site, size, "/board/1/robustness")
        assert board.locator("table.robustness tbody tr").count() == 11
        board.screenshot(path=str(ARTIFACTS / f"board-robustness-{width}.png"), full_page=True)
        assert _overflow(board) <= 1
        assert _broken_names(board) == []
        assert outside == []
        board.goto(f"{site}/board/1/units/jining")
        assert board.locator("table.gaps tbody tr").count() > 0
        board.locator("table.gaps").screenshot(path=str(ARTIFACTS / f"board-unit-gaps-{width}.png"))
        board.close()

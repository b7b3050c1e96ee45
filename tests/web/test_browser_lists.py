"""The long lists in a real browser (issue 15): the audit log, the cadre list, the review list
and the dashboard's cells, filtered and paged, at desktop and phone widths; screenshots go to
test-artifacts/browser/. Skipped, with the reason, where chromium or Playwright is absent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion, User
from kaohe.web.submissions import service as submissions
from kaohe.web.submissions.service import entry_columns

from .test_browser import ARTIFACTS, CHROMIUM, login, serve, shot


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo with a collecting cycle (3) whose stats values all wait for review."""
    if not CHROMIUM:
        pytest.skip("no chromium: install Debian's chromium or set KAOHE_TEST_CHROMIUM")
    pytest.importorskip("playwright", reason="Playwright for Python is not installed")
    from kaohe.web.demo import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('lists') / 'kaohe.db'}"
    engine = open_engine(url)
    load_demo(engine)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2023年度（列表测试）")
        moves.move(s, cycle, "collecting")
        rep = s.execute(select(User).where(User.username == "rep-stats")).scalar_one()
        scheme = cycles.scheme_of(cycle, s)
        for i, uid in enumerate(scheme.units):
            for iid, key, _ in entry_columns(scheme, rep):
                if key == iid and scheme.indicators[iid].applies_to(scheme.units[uid].category):
                    submissions.submit(s, cycle, uid, key, f"{i + 1.5:g}", user=rep)
        assert cycle.id == 3  # after the demo's two
    engine.dispose()
    with serve(url) as address:
        yield address


@pytest.fixture(scope="module")
def browser(site: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


LISTS = (  # (account, password, path, screenshot, what must show)
    ("office", "office-demo-pass", "/admin/audit?action=value.submit", "30-list-audit", "提交数值"),
    (
        "office",
        "office-demo-pass",
        "/cycles/1/personnel?offset=50#cadres",
        "31-list-cadres",
        "第 51–100 条",
    ),
    ("rev-stats", "review-demo-pass", "/cycles/3/review", "32-list-review", "第 1–50 条"),
    (
        "office",
        "office-demo-pass",
        "/cycles/3/dashboard?state=missing",
        "33-list-dashboard",
        "逐项状态",
    ),
)


@pytest.mark.parametrize("width", [1200, 390])
def test_the_lists_in_a_browser(browser: Any, site: str, width: int) -> None:
    for account, password, path, name, must in LISTS:
        pg = browser.new_page(viewport={"width": width, "height": 900})
        pg.set_default_timeout(15_000)
        login(pg, site, account, password)
        pg.goto(f"{site}{path}")
        text = pg.content()
        assert must in text, path
        assert "jining" not in pg.inner_text("main")  # names, not ids
        # the page fits the phone: nothing but a table's own scroll box is wider than it
        wide = pg.evaluate(
            "() => [...document.querySelectorAll('main > *')]"
            ".filter(e => e.scrollWidth > window.innerWidth + 1 && !e.classList.contains('scroll'))"
            ".map(e => e.tagName + '#' + e.id)"
        )
        assert wide == [], (path, wide)
        shot(pg, f"{name}-{'phone' if width < 600 else 'desktop'}")
        pg.close()
    # a filter chosen in the form, then the next page
    pg = browser.new_page(viewport={"width": width, "height": 900})
    login(pg, site, "office", "office-demo-pass")
    pg.goto(f"{site}/cycles/1/personnel#cadres")
    pg.select_option("#cadre-filters select[name=unit]", "jining")
    pg.click("#cadre-filters button[type=submit]")
    pg.wait_for_load_state()
    assert "unit=jining" in pg.url
    assert pg.locator("#cadre-list tbody tr").count() > 0
    assert set(pg.locator("#cadre-list tbody tr td:nth-child(2)").all_inner_texts()) == {"集宁区"}
    pg.close()

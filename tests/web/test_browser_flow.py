"""A real browser along issue 15's pages, at desktop and phone width: the upload's preview and its
confirmation, the message after each action, a return without a reason refused beside the field,
the entry page's legend, deadline and return reason, the review page's context, the audit log
filtered, and an irreversible move asking first. Screenshots (``15-…-desktop/phone.png``) go to
test-artifacts/browser/, as in test_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kaohe.web import clock
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion

from .test_browser import ARTIFACTS, CHROMIUM, login, logout, serve

DESKTOP: Any = {"width": 1200, "height": 900}
PHONE: Any = {"width": 390, "height": 844}
#: the cycle the site fixture creates (its id follows the demo's own cycles)
CREATED: dict[str, int] = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM:
        pytest.skip("no chromium: install Debian's chromium or set KAOHE_TEST_CHROMIUM")
    pytest.importorskip("playwright", reason="Playwright for Python is not installed")
    from kaohe.web.demo import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('browser15') / 'kaohe.db'}"
    engine = open_engine(url)
    load_demo(engine)
    today = clock.local(datetime.now(UTC)).date()
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        due = cycles.Schedule(collection_deadline=today + timedelta(days=12))
        cycle = cycles.create_cycle(s, version, "2023年度（浏览器测试）", schedule=due)
        moves.move(s, cycle, "collecting")
        s.flush()
        CREATED["cycle"] = cycle.id
    engine.dispose()
    with serve(url) as address:
        yield address


@pytest.fixture(scope="module")
def page(site: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport=DESKTOP)
        pg.set_default_timeout(15_000)
        yield pg
        browser.close()


def shots(page: Any, name: str) -> None:
    """The page as it is, at desktop width and at a phone's."""
    page.screenshot(path=str(ARTIFACTS / f"15-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"15-{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_each_roles_path_of_issue_15(page: Any, site: str, tmp_path: Path) -> None:
    cid = CREATED["cycle"]
    login(page, site, "rep-stats", "report-demo-pass")
    page.goto(f"{site}/cycles/{cid}/entry")
    assert "剩余天数：12 天" in page.inner_text("#deadline")
    page.fill("input[name='cell:jining:gdp_growth']", "6.5")
    page.click("#entry-form button[type=submit]")
    page.wait_for_load_state()
    assert "已保存 1 个值" in page.inner_text("p.flash")
    shots(page, "01-entry-saved")

    upload = tmp_path / "data.csv"
    upload.write_text("unit,gdp_growth\njining,3.8\n凉城县,6.1\n", encoding="utf-8")
    page.set_input_files("form.upload input[name=file]", str(upload))
    page.click("form.upload button[type=submit]")
    page.wait_for_load_state()
    changed = page.inner_text("#upload-changed")
    assert "集宁区" in changed
    assert "6.5" in changed
    assert "3.8" in changed
    assert "凉城县" in page.inner_text("#upload-added")
    shots(page, "02-upload-preview")
    page.click("#upload-confirm button[type=submit]")
    page.wait_for_load_state()
    assert "上传已确认：保存了 2 个值" in page.inner_text("p.flash")
    assert page.input_value("input[name='cell:jining:gdp_growth']") == "3.8"
    logout(page)

    login(page, site, "rev-stats", "review-demo-pass")
    page.goto(f"{site}/cycles/{cid}/review")
    assert page.locator("input[name=value]").count() == 2
    page.locator("input[name=value]").first.check()
    page.click("button[value=return]")
    page.wait_for_load_state()
    assert page.locator(".field-error").count() == 1  # beside the ticked value's comment
    assert page.locator("input[name=value]").first.is_checked()
    shots(page, "03-review-return-needs-reason")
    first = page.locator("input[name^='comment:']").first
    first.fill("与统计公报不符，请核实")
    page.click("button[value=return]")
    page.wait_for_load_state()
    assert "已退回 1 个值" in page.inner_text("p.flash")
    shots(page, "04-review-context")
    logout(page)

    login(page, site, "rep-stats", "report-demo-pass")
    page.goto(f"{site}/cycles/{cid}/entry")
    assert "退回原因：与统计公报不符，请核实" in page.content()
    assert "已退回" in page.inner_text("#legend")
    shots(page, "05-entry-legend-returned")
    logout(page)

    login(page, site, "office", "office-demo-pass")
    page.goto(f"{site}/admin/audit")
    page.select_option("#audit-filters select[name=action]", "value.submit")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_load_state()
    assert "提交数值" in page.inner_text("table.audit")
    assert '{"raw"' not in page.content()
    shots(page, "06-audit-filtered")
    page.goto(f"{site}/cycles/{cid}/manage")
    page.click("text=转到 审核")
    page.wait_for_load_state()
    assert "考核已转到「审核」" in page.inner_text("p.flash")
    page.click("text=转到 数据采集")
    page.wait_for_load_state()
    assert "退回数据采集后" in page.inner_text("#consequence")
    shots(page, "07-move-confirm")
    page.click("#move-confirm button[type=submit]")
    page.wait_for_load_state()
    assert "考核已转到「数据采集」" in page.inner_text("p.flash")
    shots(page, "08-manage-after-move")


def test_the_offices_drill_down_verification_and_a_correction_in_a_browser(
    page: Any, site: str
) -> None:
    login(page, site, "office", "office-demo-pass")
    page.goto(f"{site}/cycles/{CREATED['cycle']}/dashboard")
    page.click("#by-department >> text=市统计局")
    page.wait_for_load_state()
    page.click("#by-unit >> text=集宁区")
    page.wait_for_load_state()
    assert "集宁区：每一项的状态" in page.content()
    shots(page, "09-dashboard-drill-down")
    page.goto(f"{site}/admin/audit/verify")
    assert "链完整" in page.content()
    shots(page, "10-audit-verify")
    logout(page)

    login(page, site, "unit-jining", "unit-demo-pass")
    page.goto(f"{site}/cycles/1/objections")
    page.select_option("select[name=indicator]", "gdp_growth")
    page.fill("textarea[name=reason]", "统计局年报数据为 7.5%，公示值有误")
    page.click("form.upload button[type=submit], form[enctype] button[type=submit]")
    page.wait_for_load_state()
    assert "异议已提交" in page.inner_text("p.flash")
    shots(page, "11-objection-filed")
    logout(page)

    login(page, site, "office", "office-demo-pass")
    page.goto(f"{site}/cycles/1/objections")
    page.fill("input[name=answer]", "经核实采纳，更正为 7.5")
    page.fill("input[name=value]", "7.5")
    page.click("button[value=accept]")
    page.wait_for_load_state()
    preview = page.inner_text("#correction-preview")
    assert "集宁区" in preview
    assert "7.5" in preview
    shots(page, "12-correction-confirm")
    page.click("#correction-confirm button[type=submit]")
    page.wait_for_load_state()
    assert "异议已答复" in page.inner_text("p.flash")

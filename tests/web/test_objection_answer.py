"""The office's answer to an objection shows the cell's value now and chooses the corrected
column from the indicator's own columns, by name (issue 15: the column was typed, the value
now not shown)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kaohe.web.app import create_app
from kaohe.web.settings import Settings

from .test_workflow import login, token

PAGE = "/cycles/1/objections"


@pytest.fixture(scope="module")
def app(demo_url: str) -> Any:
    return create_app(Settings(database_url=demo_url))


def _answer_form(html: str, oid: str) -> str:
    start = html.index(f'action="/objections/{oid}/answer"')
    return html[start : html.index("</form>", start)]


def test_the_answer_shows_the_value_now_and_offers_the_indicators_columns(app: Any) -> None:
    unit = login(app, "unit-jining", "unit-demo-pass")
    r = unit.post(
        PAGE,
        data={"csrf": token(unit, PAGE), "indicator": "gdp_growth", "reason": "应为 7.5"},
    )
    assert r.status_code == 303
    office = login(app, "office", "office-demo-pass")
    html = office.get(PAGE).text
    found = re.search(r'action="/objections/(\d+)/answer"', html)
    assert found
    form = _answer_form(html, found.group(1))
    assert '<input name="column"' not in form  # not typed
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', form)
    assert [key for key, _ in options] == ["gdp_growth"]
    assert options[0][1].startswith("地区生产总值增速")
    now = re.search(r'class="current-value[^"]*">([^<]*)<', form)
    assert now
    assert "6.4" in now.group(1)
    # the unit sees no answer form
    assert 'action="/objections/' not in unit.get(PAGE).text


def test_an_indicator_of_items_offers_each_item_with_its_value_now(app: Any) -> None:
    unit = login(app, "unit-jining", "unit-demo-pass")
    items = "awards"  # 争先创优表彰: counts of 国家级, 自治区级, 市级, and a note
    r = unit.post(PAGE, data={"csrf": token(unit, PAGE), "indicator": items, "reason": "有误"})
    assert r.status_code == 303
    office = login(app, "office", "office-demo-pass")
    html = office.get(PAGE).text
    oids = re.findall(r'action="/objections/(\d+)/answer"', html)
    form = _answer_form(html, oids[-1])
    keys = re.findall(r'<option value="([^"]+)"', form)
    assert keys == ["awards:国家级", "awards:自治区级", "awards:市级"]  # not the note
    assert len(re.findall(r'class="current-value[ "]', form)) == 3

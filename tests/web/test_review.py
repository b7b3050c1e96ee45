"""Review approves only what it means to: nothing is pre-selected, only the newest version of a
cell can be approved or returned (an earlier one is the cell's history), and a comment can be
given per cell as well as for the batch."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import Cycle, SchemeVersion, User, Value
from kaohe.web.submissions import service as submissions

from .test_site import client, token

REVIEW = "/cycles/{}/review"


@pytest.fixture(scope="module")
def app(demo_url: str) -> object:
    return create_app(Settings(database_url=demo_url))


def _two_versions(demo_url: str) -> tuple[int, int, int]:
    """A collecting cycle in which jining's gdp_growth was entered as 6.5, then replaced by 3.8."""
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (review)")
        moves.move(s, cycle, "collecting")
        reporter = s.execute(select(User).where(User.username == "rep-stats")).scalar_one()
        first = submissions.submit(s, cycle, "jining", "gdp_growth", "6.5", user=reporter)
        second = submissions.submit(s, cycle, "jining", "gdp_growth", "3.8", user=reporter)
        s.flush()
        ids = (cycle.id, first.id, second.id)
    engine.dispose()
    return ids


def _state(demo_url: str, vid: int) -> tuple[str, str]:
    engine = open_engine(demo_url)
    with session_factory(engine)() as s:
        v = s.get(Value, vid)
        assert v is not None
        out = (v.state, v.comment)
    engine.dispose()
    return out


def test_only_the_newest_version_is_offered_and_nothing_is_preselected(
    app: object, demo_url: str
) -> None:
    cid, _, v2 = _two_versions(demo_url)
    page = client(app, "reviewer").get(REVIEW.format(cid)).text
    offered = re.findall(r'name="value" value="(\d+)"', page)
    assert offered == [str(v2)]  # v1 is not a choice
    assert " checked" not in page
    assert "6.5" in page  # ... but shown, as the cell's history
    assert "早先版本" in page
    assert "gdp_growth" not in re.sub(r'name="[^"]*"|value="[^"]*"', "", page)  # names, not ids


def test_an_earlier_version_cannot_be_approved_and_the_newest_can(
    app: object, demo_url: str
) -> None:
    cid, v1, v2 = _two_versions(demo_url)
    c = client(app, "reviewer")
    url = REVIEW.format(cid)
    old = c.post(url, data={"csrf": token(c, url), "value": [str(v1)], "decision": "approve"})
    assert old.status_code == 409
    assert "replaced by a newer one" in old.text
    assert _state(demo_url, v1) == ("submitted", "")
    new = c.post(url, data={"csrf": token(c, url), "value": [str(v2)], "decision": "approve"})
    assert new.status_code == 303
    assert _state(demo_url, v2)[0] == "approved"
    engine = open_engine(demo_url)
    with session_factory(engine)() as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        assert submissions.pending(s, cycle) == 0  # the replaced version waits for nothing
    engine.dispose()


def test_a_cells_own_comment_returns_it_without_a_batch_comment(app: object, demo_url: str) -> None:
    cid, _, v2 = _two_versions(demo_url)
    c = client(app, "reviewer")
    url = REVIEW.format(cid)
    data = {
        "csrf": token(c, url),
        "value": [str(v2)],
        f"comment:{v2}": "与统计公报不符",
        "decision": "return",
    }
    assert c.post(url, data=data).status_code == 303
    assert _state(demo_url, v2) == ("returned", "与统计公报不符")


def test_a_return_without_a_reason_is_shown_beside_the_field_and_actions_say_so(
    app: object, demo_url: str
) -> None:
    cid, _, v2 = _two_versions(demo_url)
    c = client(app, "reviewer")
    url = REVIEW.format(cid)
    data = {"csrf": token(c, url), "value": [str(v2)], "decision": "return", "comment": " "}
    bad = c.post(url, data=data)
    assert bad.status_code == 422  # a page, not raw JSON
    assert "<!doctype html>" in bad.text
    row = bad.text[bad.text.index(f'id="value-{v2}"') :]
    row = row[: row.index("</tr>")]
    assert " checked" in row  # what was ticked stays ticked
    assert 'class="field-error"' in row  # the message beside the cell's comment
    assert "退回须说明原因" in row
    assert "未退回：请在每个勾选的值旁填写退回原因" in bad.text
    assert _state(demo_url, v2) == ("submitted", "")
    none = c.post(url, data={"csrf": token(c, url), "decision": "approve"})
    assert none.status_code == 422
    assert "请先勾选要通过或退回的值" in none.text
    done = c.post(url, data={"csrf": token(c, url), "value": [str(v2)], "decision": "approve"})
    assert done.status_code == 303
    assert "已通过 1 个值。" in c.get(url).text
    assert "已通过 1 个值。" not in c.get(url).text


def test_the_review_list_is_filtered_by_unit_and_indicator(app: object, demo_url: str) -> None:
    cid, _, _ = _two_versions(demo_url)
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, cid)
        assert cycle is not None
        reporter = s.execute(select(User).where(User.username == "rep-stats")).scalar_one()
        submissions.submit(s, cycle, "fengzhen", "gdp_growth", "5.9", user=reporter)
        submissions.submit(s, cycle, "fengzhen", "industry_growth", "7.1", user=reporter)
    engine.dispose()
    c = client(app, "reviewer")
    url = REVIEW.format(cid)
    units = re.compile(r'<label for="value-\d+">([^<]+)</label>')
    assert units.findall(c.get(url).text) == ["集宁区", "丰镇市", "丰镇市"]
    only = c.get(url + "?unit=fengzhen").text
    assert units.findall(only) == ["丰镇市", "丰镇市"]
    assert "显示 2 个，共 3 个待审核" in only
    both = c.get(url + "?unit=fengzhen&indicator=gdp_growth").text
    assert units.findall(both) == ["丰镇市"]
    assert units.findall(c.get(url + "?unit=nowhere").text) == ["集宁区", "丰镇市", "丰镇市"]

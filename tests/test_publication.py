"""A published result read once into a typed record, and the board's analyses of it (比位次,
比进度, 比贡献, 晒成绩/晒差距, the radar) — on a tiny scheme worked by hand and on records built
by hand; no database."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.dataset import Dataset
from kaohe.engine import assess
from kaohe.io.results_files import explain_document
from kaohe.io.scheme_file import parse_scheme_text
from kaohe.publication import (
    DimensionResult,
    IndicatorResult,
    Publication,
    PublicationError,
    ResultRow,
    UnitResult,
    compare,
    parse_publication,
    parse_row,
)
from kaohe.results import Results
from kaohe.rules.target import elapsed_share
from kaohe.scheme import Period, Scheme
from tests.tiny_scheme import ELAPSED, TINY_GRADED, VALUES

# 2024 is a leap year: 1 January – 30 June is 182 of its 366 days


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return parse_scheme_text(TINY_GRADED)


@pytest.fixture(scope="module")
def results(scheme: Scheme) -> Results:
    return assess(scheme, Dataset.from_mapping(scheme, VALUES, {}))


@pytest.fixture(scope="module")
def pub(results: Results) -> Publication:
    """The record of what a snapshot stores: both documents through JSON, as the platform keeps
    them."""
    rows = json.loads(json.dumps(results.rows()))
    doc = json.loads(json.dumps(explain_document(results, "zh"), ensure_ascii=False))
    return parse_publication(rows, doc)


# --------------------------------------------------------------------------- the record


def test_it_reads_a_snapshot_into_the_engines_numbers(pub: Publication, results: Results) -> None:
    assert [u.unit for u in pub.units] == ["a", "b", "c"]
    assert [r.unit for r in pub.rows] == ["a", "b", "c"]
    a = pub.unit("a")
    # revenue 6/10 × 10 = 6; projects 10/30 × 10; online at or above its target: 10
    assert [ind.points for ind in a.indicators] == pytest.approx([6, 10 / 3, 10])
    assert a.score == pytest.approx(6 + 10 / 3 + 10)
    assert (a.rank_in_category, a.rank, a.grade, a.grade_name) == (1, 2, "excellent", "优秀")
    assert a.category_name == "城区"
    revenue = a.indicators[0]
    assert (revenue.value, revenue.target, revenue.rule) == (6.0, 10.0, "proportional")
    assert revenue.arithmetic.startswith("完成比例 = 6 / 10")
    assert pub.rows[1].subtotals == pytest.approx({"economy": 3.75 + 10, "service": 1.0})
    assert pub.dimensions == ("economy", "service")
    assert pub.categories["rural"].name == "农区"
    assert pub.categories["rural"].full_marks == 30
    assert pub.effective_weights["city"]["online"] == pytest.approx(1 / 3)
    assert a.decision is not None
    assert a.decision.summary


def test_a_row_reads_back_as_the_engine_wrote_it(results: Results) -> None:
    for row in results.rows():
        assert parse_row(row).as_dict() == row  # exact: the same floats


def test_points_per_unit_and_indicator(pub: Publication) -> None:
    assert pub.points(["online", "revenue"]) == [[10, 6], [1, 3.75], [10, 10]]


@pytest.mark.parametrize(
    ("break_it", "field"),
    [
        (lambda rows, doc: doc["units"][1].pop("score"), "units[1].score"),
        (lambda rows, doc: doc["units"][0]["indicators"][2].update(points="7"), "points"),
        (lambda rows, doc: rows[2].update(rank="1"), "rows[2].rank"),
        (lambda rows, doc: doc.pop("categories"), "explain.categories"),
        (lambda rows, doc: rows.pop(), "rows[].unit"),
    ],
)
def test_a_malformed_snapshot_is_refused_naming_the_field(
    results: Results, break_it: Any, field: str
) -> None:
    rows = json.loads(json.dumps(results.rows()))
    doc = json.loads(json.dumps(explain_document(results, "zh")))
    break_it(rows, doc)
    with pytest.raises(PublicationError, match=field.replace("[", r"\[").replace("]", r"\]")):
        parse_publication(rows, doc)


# --------------------------------------------------------------------------- 比位次


def test_each_category_ranks_its_units_best_first(pub: Publication) -> None:
    cats = compare.ranking(pub)
    assert [(c.category, c.name, c.full_marks) for c in cats] == [
        ("city", "城区", 30),
        ("rural", "农区", 30),
    ]
    assert [r.unit for r in cats[0].rows] == ["a", "b"]  # 19.33 before 14.75
    assert [r.grade for r in cats[0].rows] == ["excellent", "good"]


# --------------------------------------------------------------------------- 比进度


def test_the_elapsed_share_counts_both_ends() -> None:
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    assert elapsed_share(start, end, dt.date(2024, 6, 30)) == pytest.approx(ELAPSED)
    assert elapsed_share(start, end, start) == pytest.approx(1 / 366)
    assert elapsed_share(start, end, dt.date(2023, 6, 30)) == 0.0
    assert elapsed_share(start, end, dt.date(2025, 6, 30)) == 1.0
    assert compare.period_elapsed(Period(start=start, end=end)) == 1.0  # as_of: the end
    assert compare.period_elapsed(Period(start=start)) is None
    assert compare.period_elapsed(Period(start=end, end=start)) is None


def test_progress_against_the_target_and_the_time_proportional_target(
    pub: Publication, scheme: Scheme
) -> None:
    p = compare.progress(pub, scheme)
    assert p.period_elapsed == pytest.approx(ELAPSED)
    assert p.as_of == dt.date(2024, 6, 30)
    assert p.units == (("a", "甲区", "城区"), ("b", "乙县", "城区"), ("c", "丙旗", "农区"))
    lines = {line.indicator: line for line in p.lines}
    assert list(lines) == ["revenue", "online"]  # projects has no target; the scheme's order
    rev = lines["revenue"]
    assert rev.elapsed == pytest.approx(ELAPSED)  # it adds up: an amount accumulated in time
    a, b, c = rev.cells["a"], rev.cells["b"], rev.cells["c"]
    assert (a.completion, b.completion, c.completion) == pytest.approx((0.6, 3 / 8, 1.0))
    assert a.expected == pytest.approx(10 * 182 / 366)  # 4.9727
    assert a.on_pace == pytest.approx(6 / (10 * 182 / 366))  # 1.2066: ahead of pace
    assert b.on_pace == pytest.approx(3 / (8 * 182 / 366))  # 0.7541
    assert (a.status, b.status, c.status) == ("on_pace", "behind", "met")
    online = lines["online"]
    assert online.elapsed is None  # a rate: no time-proportional target
    assert online.cells["b"].completion == pytest.approx(81 / 90)
    assert (online.cells["b"].expected, online.cells["b"].status) == (None, "behind")
    assert [line.indicator for line, _ in p.of_unit("c")] == ["revenue", "online"]
    # the big screen's line per unit: a is ahead of pace on revenue; b behind on both
    assert p.tally("a")["on_pace"] == 1
    assert p.tally("b") == {"met": 0, "on_pace": 0, "behind": 2}
    assert sum(p.tally("c").values()) == len(p.of_unit("c"))


def test_once_the_period_is_over_the_pace_is_the_target(scheme: Scheme) -> None:
    over = parse_scheme_text(TINY_GRADED.replace("as_of: 2024-06-30", "as_of: 2024-12-31"))
    results = assess(over, Dataset.from_mapping(over, VALUES, {}))
    pub = parse_publication(results.rows(), explain_document(results))
    p = compare.progress(pub, over)
    assert p.period_elapsed == 1.0
    assert all(line.elapsed is None for line in p.lines)
    assert p.lines[0].cells["a"].status == "behind"  # 60%, and no pace to be ahead of


def test_lower_is_better_completes_as_target_over_value() -> None:
    scheme = parse_scheme_text(TINY_GRADED)
    pub = record(
        unit("a", "city", ind("revenue", 4.0, target=2.0, direction="lower")),
        unit("b", "city", ind("revenue", 1.0, target=2.0, direction="lower")),
    )
    cells = compare.progress(pub, scheme).lines[0].cells
    assert cells["a"].completion == 0.5  # 2 / 4
    assert cells["a"].expected is None  # no pace when lower is better
    assert (cells["a"].status, cells["b"].status) == ("behind", "met")


# --------------------------------------------------------------------------- 比贡献


def test_each_units_share_of_the_city_total(pub: Publication, scheme: Scheme) -> None:
    con = compare.contribution(pub, scheme)
    lines = {line.indicator: line for line in con.lines}
    assert list(lines) == ["revenue", "projects"]  # online is a rate: not marked adds_up
    assert lines["revenue"].total == 21  # 6 + 3 + 12
    assert lines["revenue"].shares == pytest.approx({"a": 6 / 21, "b": 3 / 21, "c": 12 / 21})
    assert lines["projects"].total == 40
    assert lines["projects"].shares == {"a": 0.25, "b": 0.75, "c": 0.0}
    assert con.skipped == ()


def test_a_negative_value_or_a_zero_total_has_no_shares() -> None:
    scheme = parse_scheme_text(TINY_GRADED)
    pub = record(
        unit("a", "city", ind("revenue", -1.0), ind("projects", 0.0)),
        unit("b", "city", ind("revenue", 5.0), ind("projects", 0.0)),
        unit("c", "rural", ind("revenue", 2.0), ind("projects", None, status="missing")),
    )
    con = compare.contribution(pub, scheme)
    assert con.lines == ()
    assert con.skipped == (
        ("revenue", "财政收入", "negative"),
        ("projects", "签约项目", "zero_total"),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e9, allow_nan=False), min_size=3, max_size=3), st.permutations(range(3))
)
def test_shares_sum_to_one_whatever_the_order_of_the_units(
    values: list[float], order: list[int]
) -> None:
    scheme = parse_scheme_text(TINY_GRADED)
    units = [unit(u, "city", ind("revenue", v)) for u, v in zip("abc", values, strict=True)]
    con = compare.contribution(record(*units), scheme)
    shuffled = compare.contribution(record(*[units[k] for k in order]), scheme)
    if math.fsum(values) == 0:
        assert ("revenue", "财政收入", "zero_total") in con.skipped
        return
    (line,) = (x for x in con.lines if x.indicator == "revenue")
    assert math.fsum(line.shares.values()) == pytest.approx(1.0, rel=1e-12)
    assert all(0 <= s <= 1 for s in line.shares.values())
    assert shuffled.lines[0].shares == line.shares


# --------------------------------------------------------------------------- 晒成绩 / 晒差距


def test_a_unit_against_its_categorys_best_and_median(pub: Publication) -> None:
    lines = {x.indicator: x for x in compare.comparison(pub.unit("a"), pub.peers("a"))}
    # 甲区 against 乙县 (city): revenue 6 vs 3.75, projects 10/3 vs 10, online 10 vs 1
    assert (lines["revenue"].best, lines["revenue"].median) == pytest.approx((6, 4.875))
    assert lines["revenue"].above_median == pytest.approx(1.125)
    assert lines["revenue"].below_best == 0
    assert lines["projects"].below_best == pytest.approx(10 - 10 / 3)
    assert lines["online"].median == pytest.approx(5.5)
    strengths = compare.strengths(list(lines.values()))
    assert [x.indicator for x in strengths] == ["online", "revenue"]  # 4.5, then 1.125
    assert [x.indicator for x in compare.gaps(list(lines.values()))] == ["projects"]


def test_the_radar_compares_each_dimension_with_the_category(
    pub: Publication, scheme: Scheme
) -> None:
    axes = {x.dimension: x for x in compare.radar(pub, scheme, "a")}
    # economy's full marks are 20: 甲区 6 + 10/3, 乙县 3.75 + 10
    assert axes["economy"].mine == pytest.approx((6 + 10 / 3) / 20)
    assert axes["economy"].best == pytest.approx(13.75 / 20)
    assert axes["economy"].median == pytest.approx(((6 + 10 / 3) + 13.75) / 2 / 20)
    assert axes["service"].name == "服务"
    assert (axes["service"].mine, axes["service"].best) == (1.0, 1.0)


def test_a_void_unit_is_no_peer_and_alone_it_is_its_own_measure() -> None:
    scheme = parse_scheme_text(TINY_GRADED)
    dims = (DimensionResult("economy", "经济", 5.0, 20.0),)
    pub = record(
        unit("a", "city", dims=dims),
        unit("b", "city", dims=(DimensionResult("economy", "经济", 20.0, 20.0),), void=True),
        unit("c", "rural", dims=(DimensionResult("economy", "经济", 0.0, 20.0),), void=True),
    )
    (a,) = compare.radar(pub, scheme, "a")
    assert (a.mine, a.best, a.median) == (0.25, 0.25, 0.25)  # 乙县 is void: not a peer
    (c,) = compare.radar(pub, scheme, "c")
    assert (c.mine, c.best) == (0.0, 0.0)


# --------------------------------------------------------------------------- records by hand


def ind(
    iid: str,
    value: float | None,
    *,
    target: float | None = None,
    direction: str = "higher",
    status: str = "present",
    points: float | None = None,
) -> IndicatorResult:
    return IndicatorResult(
        indicator=iid,
        name=iid,
        kind="base",
        unit_of_measure="",
        direction=direction,
        status=status,
        value=value,
        target=target,
        rule="proportional",
        elapsed=None,
        points=points,
        full=10.0,
        arithmetic="",
        flags=(),
    )


def unit(
    uid: str,
    category: str,
    *inds: IndicatorResult,
    dims: tuple[DimensionResult, ...] = (),
    void: bool = False,
) -> UnitResult:
    return UnitResult(
        unit=uid,
        name=uid,
        category=category,
        category_name=category,
        score=0.0,
        full_marks=30.0,
        share=0.0,
        rank_in_category=1,
        rank=1,
        grade=None,
        grade_name=None,
        void=void,
        vetoes=(),
        indicators=inds,
        dimensions=dims,
        decision=None,
    )


def record(*units: UnitResult) -> Publication:
    rows = tuple(
        ResultRow(u.unit, u.name, u.category, 0.0, 30.0, 0.0, 1, 1, None, None, (), {})
        for u in units
    )
    return Publication("", "", {}, rows, units, (), {}, ())

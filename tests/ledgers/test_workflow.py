"""The state machines of follow-up matters: what may happen in which state, and talk lists."""

from __future__ import annotations

import pytest

from kaohe.i18n import language
from kaohe.ledgers.matters import Event, Matter
from kaohe.ledgers.problems import TransitionError
from kaohe.ledgers.talks import TalkSource, talks_from
from kaohe.ledgers.workflow import (
    apply,
    check_matter,
    close_list,
    is_overdue,
    parties,
    replay,
    standing_at,
)

from .helpers import D, case, challenge, task


def _refused(m: Matter, e: Event) -> str:
    with pytest.raises(TransitionError) as err:
        apply(m, e)
    return err.value.problems[0].key


def test_a_supervision_task_is_closed_with_evidence_and_may_be_reopened() -> None:
    m = task("t", "a", D(2022, 6, 30))
    m = apply(m, Event("progress", D(2022, 3, 1), unit="a", text="方案已定"))
    m = apply(m, Event("delay", D(2022, 6, 1), text="审批未完", deadline=D(2022, 8, 31)))
    assert _refused(m, Event("close", D(2022, 7, 1))) == "err.event.needs"  # no evidence
    m = apply(m, Event("close", D(2022, 7, 1), evidence=("销号报告.pdf",)))
    assert _refused(m, Event("progress", D(2022, 7, 2), text="x")) == "err.event.state"
    assert _refused(m, Event("reopen", D(2022, 8, 1))) == "err.event.needs"  # no reason
    m = apply(m, Event("reopen", D(2022, 8, 1), text="问题反弹"))
    states = [(s.on, s.state, s.deadline) for s in replay(m)]
    assert states == [
        (D(2022, 2, 1), "open", D(2022, 6, 30)),
        (D(2022, 3, 1), "open", D(2022, 6, 30)),
        (D(2022, 6, 1), "open", D(2022, 8, 31)),
        (D(2022, 7, 1), "closed", D(2022, 8, 31)),
        (D(2022, 8, 1), "open", D(2022, 8, 31)),
    ]


def test_a_delay_must_move_the_deadline_later() -> None:
    m = task("t", "a", D(2022, 6, 30))
    bad = Event("delay", D(2022, 6, 1), text="x", deadline=D(2022, 6, 15))
    assert _refused(m, bad) == "err.event.delay_earlier"


def test_events_come_in_date_order_and_only_their_kinds_actions() -> None:
    m = apply(task("t", "a", D(2022, 6, 30)), Event("progress", D(2022, 3, 1), text="x"))
    assert _refused(m, Event("progress", D(2022, 2, 20), text="y")) == "err.event.date_back"
    assert _refused(m, Event("claim", D(2022, 4, 1), unit="a", text="y")) == "err.event.kind"
    assert (
        _refused(m, Event("progress", D(2022, 4, 1), unit="zz", text="y")) == "err.event.not_party"
    )


def test_a_challenge_is_claimed_by_several_units_and_accepted_for_each() -> None:
    m = challenge("c", "重大")
    listed = "cannot accept while the matter is listed"
    with language("en"), pytest.raises(TransitionError, match=listed):
        apply(m, Event("accept", D(2022, 2, 1), unit="a"))
    m = apply(m, Event("claim", D(2022, 2, 1), unit="a", text="方案甲"))
    m = apply(m, Event("claim", D(2022, 2, 2), unit="b", text="方案乙"))
    assert _refused(m, Event("claim", D(2022, 2, 3), unit="a", text="again")) == (
        "err.event.claimed_twice"
    )
    assert _refused(m, Event("accept", D(2022, 5, 1), unit="a")) == "err.event.claim_status"
    m = apply(m, Event("submit", D(2022, 5, 1), unit="a", text="成果"))
    m = apply(m, Event("accept", D(2022, 6, 1), unit="a"))
    m = apply(m, Event("submit", D(2022, 6, 2), unit="b", text="成果乙"))
    m = apply(m, Event("return", D(2022, 6, 10), unit="b", text="不足"))
    s = replay(m)[-1]
    assert s.state == "accepted"
    assert s.claims == (("a", "accepted"), ("b", "returned"))
    assert parties(m, s) == (("a", "responsible", "done"), ("b", "responsible", "open"))
    assert is_overdue(s, "open", D(2022, 10, 1))  # b's claim past the deadline
    m = apply(m, Event("close", D(2022, 12, 1)))
    assert parties(m, replay(m)[-1])[1] == ("b", "responsible", "lapsed")


def test_a_challenge_may_be_withdrawn_only_before_an_acceptance() -> None:
    m = apply(challenge("c", "一般"), Event("withdraw", D(2022, 3, 1), text="不再需要"))
    assert replay(m)[-1].state == "withdrawn"
    assert _refused(m, Event("claim", D(2022, 3, 2), unit="a", text="x")) == "err.event.state"


def test_a_case_is_resolved_by_its_leader_and_may_reopen() -> None:
    m = case("k", "a", D(2022, 5, 31))
    assert _refused(m, Event("resolve", D(2022, 4, 1))) == "err.event.needs"
    m = apply(m, Event("resolve", D(2022, 4, 1), text="息诉罢访"))
    m = apply(m, Event("reopen", D(2022, 6, 1), text="重复信访"))
    assert standing_at(m, D(2022, 4, 30)).state == "resolved"  # type: ignore[union-attr]
    assert standing_at(m, D(2022, 6, 1)).state == "open"  # type: ignore[union-attr]
    assert standing_at(m, D(2022, 1, 1)) is None  # not opened yet


def test_check_matter_lists_field_problems_and_every_refused_event() -> None:
    m = Matter(
        "m",
        "talk",
        "谈话",
        D(2022, 3, 1),
        deadline=D(2022, 2, 1),
        units=("a", "b"),
        events=(
            Event("record", D(2022, 3, 5), text="谈了"),  # no "by"
            Event("follow_up", D(2022, 3, 6), text="跟踪"),  # still pending: refused too
        ),
    )
    keys = [p.key for p in check_matter(m, {"a": "甲县", "b": "乙县"})]
    assert keys == [
        "err.matter.one_unit",
        "err.matter.needs",  # subject
        "err.matter.deadline_early",
        "err.event.needs",
        "err.event.state",
    ]


def _talks() -> tuple[Matter, ...]:
    sources = [
        TalkSource("talks", "unit", "a", "甲县", "a", "较差"),
        TalkSource("talks", "person", "a-001", "张三", "a", "不称职"),
    ]
    return talks_from(sources, "t22", D(2023, 1, 10), D(2023, 2, 28))


def test_talks_come_from_the_accountability_list_and_close_when_all_are_recorded() -> None:
    first, second = _talks()
    with language("zh"):
        assert first.subject == "甲县领导班子"
        assert second.subject == "张三"
    assert (first.id, first.kind, first.batch, first.units) == ("t22-001", "talk", "t22", ("a",))
    held = apply(first, Event("record", D(2023, 1, 20), by="书记", text="指出问题"))
    with pytest.raises(TransitionError) as err:
        close_list([held, second], "t22", D(2023, 2, 1))
    assert [p.record for p in err.value.problems] == ["t22-002"]
    both = [held, apply(second, Event("record", D(2023, 2, 5), by="部长", text="表态"))]
    with pytest.raises(TransitionError):
        close_list(both, "t22", D(2023, 2, 1))  # not recorded by then
    closure = close_list(both, "t22", D(2023, 2, 10))
    assert closure.matters == ("t22-001", "t22-002")

"""Invariants of the ledgers (Hypothesis): the compiled arrays say what the records say,
funnels add up, derived values do not depend on the order of the register and stay in range."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.ledgers.derive import derive
from kaohe.ledgers.frames import STATUS_CODES, compile_matters, compile_projects, day, parties_at
from kaohe.ledgers.matters import Action, Event, Kind, Matter
from kaohe.ledgers.projects import Project, StageChange, check_project
from kaohe.ledgers.stages import PIPELINE, STAGES, Stage
from kaohe.ledgers.summary import funnel
from kaohe.ledgers.workflow import event_problem, next_standing, parties, standing_at, start

from .helpers import scheme
from .test_derive import START_RATE

START = dt.date(2022, 1, 1)
UNITS = ("a", "b")


@st.composite
def projects(draw: st.DrawFn, pid: str) -> Project:
    stages: list[Stage] = sorted(
        draw(st.sets(st.sampled_from(PIPELINE), min_size=1)), key=PIPELINE.index
    )
    if stages[-1] != "completed" and draw(st.booleans()):
        stages.append("dropped")
    gaps = draw(st.lists(st.integers(0, 90), min_size=len(stages), max_size=len(stages)))
    offsets = np.cumsum(gaps).tolist()
    history = [
        StageChange(s, START + dt.timedelta(days=o), "原因" if s == "dropped" else "")
        for s, o in zip(stages, offsets, strict=True)
    ]
    if len(history) > 1 and draw(st.booleans()):
        history[0] = StageChange(history[0].stage, None)
    planned = draw(st.one_of(st.none(), st.integers(-30, 400)))
    return Project(
        pid,
        pid,
        draw(st.sampled_from(UNITS)),
        tuple(history),
        total_investment=float(draw(st.integers(0, 50))),
        planned=(() if planned is None else (("started", START + dt.timedelta(days=planned)),)),
    )


@st.composite
def registers(draw: st.DrawFn) -> list[Project]:
    n = draw(st.integers(1, 12))
    return [draw(projects(f"p{k}")) for k in range(n)]


DAYS = st.integers(-60, 500).map(lambda k: START + dt.timedelta(days=k))


@settings(max_examples=60, deadline=None)
@given(registers(), st.lists(DAYS, min_size=1, max_size=5))
def test_the_compiled_stage_is_the_records_stage(
    register: list[Project], dates: list[dt.date]
) -> None:
    assert all(check_project(p) == [] for p in register)
    frame = compile_projects(register, UNITS)
    for d in dates:
        got = frame.stage_at(day(d)).tolist()
        want = [-1 if (s := p.stage_at(d)) is None else STAGES.index(s) for p in register]
        assert got == want, d


@settings(max_examples=60, deadline=None)
@given(registers(), DAYS)
def test_the_funnel_adds_up(register: list[Project], d: dt.date) -> None:
    f = funnel(compile_projects(register, UNITS), d, "unit", START)
    registered = sum(p.stage_at(d) is not None for p in register)
    assert int(f.counts[-1].sum()) == registered
    assert f.counts[:-1].sum(axis=0).tolist() == f.counts[-1].tolist()
    assert f.entered[:-1].sum(axis=0).tolist() == f.entered[-1].tolist()


RATE = {**START_RATE, "rule": {"type": "ratio_to_best"}}
COUNT = {
    "name": "count",
    "weights": 10,
    "rule": {"type": "ratio_to_best"},
    "derive": {"ledger": "projects", "where": {"entered": "signed"}},
}


@settings(max_examples=60, deadline=None)
@given(registers(), st.randoms(use_true_random=False), DAYS)
def test_derived_values_ignore_the_order_of_the_register_and_stay_in_range(
    register: list[Project], rnd: object, d: dt.date
) -> None:
    s = scheme({"rate": RATE, "count": COUNT})
    shuffled = list(register)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    one = derive(s, compile_projects(register, UNITS), None, d)
    two = derive(s, compile_projects(shuffled, UNITS), None, d)
    for iid in ("rate", "count"):
        a, b = one.indicators[iid].values, two.indicators[iid].values
        assert np.array_equal(a, b, equal_nan=True), iid
    rate = one.indicators["rate"].values
    assert all(math.isnan(v) or 0 <= v <= 100 for v in rate.tolist())
    for u, prov in enumerate(one.indicators["rate"].provenance):
        assert prov is not None
        counted, missed = prov.groups
        total = len(counted) + len(missed)
        if total:
            assert math.isclose(rate[u], 100 * len(counted) / total)


DRAWN_ACTIONS: tuple[Action, ...] = ("progress", "delay", "close", "reopen", "resolve")
DRAWN_KINDS: tuple[Kind, ...] = ("supervision", "case")
ACTIONS = st.sampled_from(DRAWN_ACTIONS)


@st.composite
def matters(draw: st.DrawFn, mid: str) -> Matter:
    kind = draw(st.sampled_from(DRAWN_KINDS))
    unit = draw(st.sampled_from(UNITS))
    m = Matter(
        mid,
        kind,
        mid,
        START,
        START + dt.timedelta(days=draw(st.integers(10, 200))),
        units=(unit,),
        leader="L",
    )
    s = start(m)
    events: list[Event] = []
    when = START
    for _ in range(draw(st.integers(0, 6))):
        when += dt.timedelta(days=draw(st.integers(0, 60)))
        deadline = (s.deadline or START) + dt.timedelta(days=draw(st.integers(1, 60)))
        e = Event(draw(ACTIONS), when, text="t", deadline=deadline, evidence=("e",))
        if event_problem(m, s, e) is None:
            s = next_standing(m, s, e)
            events.append(e)
    return Matter(**{**{f: getattr(m, f) for f in m.__dataclass_fields__}, "events": tuple(events)})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(), min_size=1, max_size=8).flatmap(
        lambda xs: st.tuples(*[matters(f"m{k}") for k in range(len(xs))])
    ),
    DAYS,
)
def test_the_compiled_parties_are_the_records_parties(ms: tuple[Matter, ...], d: dt.date) -> None:
    frame = compile_matters(ms, UNITS)
    at = parties_at(frame, day(d))
    got = sorted(
        (frame.ids[m], UNITS[u], int(st_), bool(o))
        for m, u, st_, o in zip(
            at.matter.tolist(),
            at.unit.tolist(),
            at.status.tolist(),
            at.overdue.tolist(),
            strict=True,
        )
    )
    want = []
    for m in ms:
        s = standing_at(m, d)
        if s is None:
            continue
        for unit, _, status in parties(m, s):
            late = status == "open" and s.deadline is not None and s.deadline < d
            want.append((m.id, unit, STATUS_CODES[status], late))
    assert got == sorted(want)

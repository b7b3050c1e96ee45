"""Invariants of the monitoring arithmetic (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kaohe.monitoring.monitor import monitor
from kaohe.monitoring.progress import growth
from kaohe.monitoring.series import cumulative_from_flow, flow_from_cumulative

from .helpers import plan, series

FLOWS = arrays(np.float64, (2, 3, 12), elements=st.floats(0, 1e6, allow_subnormal=False))
MASKS = arrays(np.bool_, (2, 12))
LEVELS = st.lists(st.floats(0.5, 500, allow_subnormal=False), min_size=4, max_size=4)
P = plan()
P_RANK = plan(
    {
        "indicators": {"revenue": {"kind": "cumulative"}},
        "thresholds": {"default": {"measure": "rank", "green": 1, "amber": 1}},
    }
)


@given(FLOWS, MASKS)
def test_flows_and_levels_convert_both_ways(flows: np.ndarray, due: np.ndarray) -> None:
    level = cumulative_from_flow(flows, due)
    back = flow_from_cumulative(level, due)
    d = np.broadcast_to(due[:, None, :], flows.shape)
    np.testing.assert_allclose(back[d], flows[d], rtol=1e-9, atol=1e-6)
    assert np.isnan(back[~d]).all()


@given(FLOWS, MASKS)
def test_levels_of_flows_that_are_not_negative_never_decrease(
    flows: np.ndarray, due: np.ndarray
) -> None:
    level = cumulative_from_flow(flows, due)
    for s in range(level.shape[0]):
        kept = level[s][:, due[s]]
        assert (np.diff(kept, axis=-1) >= 0).all()


@given(LEVELS, LEVELS, st.floats(0.01, 100))
def test_growth_does_not_change_when_both_years_scale_alike(
    now: list[float], before: list[float], k: float
) -> None:
    a = growth(np.array(now), np.array(before))
    b = growth(np.array(now) * k, np.array(before) * k)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@settings(max_examples=60)
@given(LEVELS, st.integers(0, 3), st.floats(0, 100))
def test_more_progress_never_worsens_a_colour(levels: list[float], u: int, more: float) -> None:
    table = {("revenue", uid): [x] for uid, x in zip("abcd", levels, strict=True)}
    base = monitor(P, series(P, table))
    better = dict(table)
    better[("revenue", "abcd"[u])] = [levels[u] + more]
    up = monitor(P, series(P, better))
    assert up.colour[0, u, 0] >= base.colour[0, u, 0]
    assert up.measure[0, u, 0] >= base.measure[0, u, 0]


@settings(max_examples=60)
@given(LEVELS, st.permutations(range(2)), st.permutations(range(2)))
def test_ranks_follow_the_units_not_their_order(
    levels: list[float], dev: list[int], eco: list[int]
) -> None:
    """Swapping the values of two units of a category swaps their ranks and colours."""
    order = [dev[0], dev[1], 2 + eco[0], 2 + eco[1]]
    table = {("revenue", uid): [levels[k]] for uid, k in zip("abcd", range(4), strict=True)}
    moved = {("revenue", uid): [levels[order[k]]] for k, uid in enumerate("abcd")}
    a = monitor(P_RANK, series(P_RANK, table))
    b = monitor(P_RANK, series(P_RANK, moved))
    np.testing.assert_array_equal(b.rank[0, :, 0], a.rank[0, order, 0])
    np.testing.assert_array_equal(b.colour[0, :, 0], a.colour[0, order, 0])


@settings(max_examples=40)
@given(arrays(np.float64, (4, 12), elements=st.floats(0, 50)))
def test_every_due_cell_has_one_record_and_shares_stay_in_range(flows: np.ndarray) -> None:
    p = plan({"indicators": {"revenue": {"kind": "flow"}}})
    table = {("revenue", uid): list(flows[k]) for k, uid in enumerate("abcd")}
    m = monitor(p, series(p, table))
    records = m.warnings()
    assert len(records) == int(m.due().sum()) == 48
    assert all(w.expected_share is not None and 0 <= w.expected_share <= 1 for w in records)
    assert all((w.colour == "none") == (w.measure is None) for w in records)


CUBES = arrays(
    np.float64,
    st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 5)),
    elements=st.one_of(st.just(np.nan), st.floats(-100, 100, allow_subnormal=False)),
)


@settings(max_examples=150)
@given(CUBES, st.integers(1, 3), st.data())
def test_the_sorted_medians_are_the_medians(q: np.ndarray, least: int, data: st.DataObject) -> None:
    """The peers' median without the unit itself, and the unit's median of earlier periods, as
    numpy's nanmedian gives them."""
    import warnings

    from kaohe.monitoring.data_checks import own_reference, peer_reference

    n_u = q.shape[1]
    cats = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n_u, max_size=n_u)))

    class Plan:
        categories = ("x", "y")
        cat_index = cats

    got = peer_reference(Plan(), q, least)  # type: ignore[arg-type]
    own = own_reference(q, least)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for u in range(n_u):
            others = [k for k in range(n_u) if cats[k] == cats[u] and k != u]
            x = q[:, others, :]
            ok = np.isfinite(x).sum(axis=1) >= least
            want = np.where(ok, np.nanmedian(x, axis=1) if others else np.nan, np.nan)
            np.testing.assert_allclose(got[:, u, :], want, rtol=1e-12, atol=1e-12)
        for p in range(1, q.shape[2]):
            x = q[..., :p]
            ok = np.isfinite(x).sum(axis=-1) >= least
            np.testing.assert_allclose(own[..., p], np.where(ok, np.nanmedian(x, axis=-1), np.nan))
    assert np.isnan(own[..., 0]).all()

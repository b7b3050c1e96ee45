"""Sobol sensitivity analysis of ranks, with SALib's sampler and estimator (not rewritten).

Inputs, each uniform on [0, 1): one per varying weight (its multiplier is 1 − r + 2r·x, the same
in every category), grouped by node — the indices are reported per group, "the weights of this
dimension" — and one per discrete factor (the option ⌊x · options⌋). SALib draws N·(G + 2)
points of a scrambled Sobol sequence (seeded; G groups); every point is one evaluation of the
whole assessment's aggregation. Outputs: the mean absolute
rank shift of all units, and the overall rank of each of the first ``units`` units (by nominal
rank). First-order (S1) and total (ST) indices come with bootstrap confidence intervals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import ComputationError, Issue
from kaohe.robustness.montecarlo import grading_inputs, simulate
from kaohe.scheme import Robustness, Scheme

if TYPE_CHECKING:
    from kaohe.results import Results
    from kaohe.robustness.analysis import Factor, Progress, _Configurations


@dataclass(frozen=True)
class SobolRow:
    input: str
    output: str  # "mean_abs_shift" or a unit id
    s1: float
    s1_conf: float
    st: float
    st_conf: float


def sobol(
    scheme: Scheme,
    nominal: Results,
    configs: _Configurations,
    facs: list[Factor],
    spec: Robustness,
    cap: NDArray[np.int64],
    progress: Progress | None,
    workers: int,
) -> tuple[SobolRow, ...]:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    sa = spec.sensitivity
    assert sa is not None
    base = configs.get(tuple(0 for _ in facs))
    if base is None:
        raise ComputationError(Issue("the scheme's own configuration could not be computed"))
    st0 = base[0]
    # one input per varying weight, grouped by node (SALib groups); one per discrete factor
    groups = [f"weights: {_node_name(scheme, sl.node)}" for sl in st0.slots]
    groups += [f.name for f in facs]
    if not groups:
        raise ComputationError(
            Issue("nothing is uncertain: give weights or alternatives", path="robustness")
        )
    n_w = len(st0.slots)
    problem: dict[str, Any] = {
        "num_vars": len(groups),
        "names": [f"x{k}" for k in range(len(groups))],
        "bounds": [[0.0, 1.0]] * len(groups),
        "groups": groups,
    }
    x = sobol_sample.sample(problem, sa.samples, calc_second_order=False, seed=spec.seed)
    if progress is not None:
        progress.expect(x.shape[0])
    names = list(dict.fromkeys(groups))  # the groups, in order: what the indices are about
    r = spec.weights.range if spec.weights is not None else 0.0
    rows_by_combo: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i, row in enumerate(x):
        combo = tuple(
            min(int(row[n_w + f] * len(fac.options)), len(fac.options) - 1)
            for f, fac in enumerate(facs)
        )
        rows_by_combo[combo].append(i)
    n_rows, n_units = x.shape[0], len(nominal.units)
    shift = np.empty(n_rows)
    ranks = np.empty((n_rows, n_units))
    for combo, rows in sorted(rows_by_combo.items()):
        built = configs.get(combo)
        if built is None:
            raise ComputationError(
                Issue(
                    "the sensitivity analysis needs every option to be computable; "
                    + "; ".join(configs.skipped.values()),
                    path="robustness.alternatives",
                )
            )
        st, form, res = built
        mult = np.empty((len(rows), len(res.plan.categories), len(st.slots)))
        for k in range(len(st.slots)):
            mult[:, :, k] = (1.0 - r + 2.0 * r * x[rows, k])[:, None]
        tally = simulate(
            st,
            form,
            _fixed(mult),
            len(rows),
            0,
            nominal.rank,
            nominal.void,
            grading_inputs(res.plan, cap),
            scheme.ranking.basis,
            chunk=len(rows),
            workers=1,
            progress=progress.advance if progress is not None else None,
        )
        shift[rows] = tally.abs_shift
        ranks[rows] = tally.per_unit(tally.rank.T).T + 1.0
    outputs: list[tuple[str, NDArray[np.float64]]] = [("mean_abs_shift", shift)]
    chosen = np.argsort(nominal.rank, kind="stable")[: min(sa.units, n_units)]
    outputs += [(nominal.units[u], ranks[:, u]) for u in chosen]
    out = []
    for label, y in outputs:
        if np.ptp(y) == 0:  # nothing moves: every index is 0 (SALib would divide by 0)
            out += [SobolRow(n, label, 0.0, 0.0, 0.0, 0.0) for n in names]
            continue
        si = sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=sa.resamples,
            conf_level=sa.confidence,
            seed=spec.seed,
        )
        for k, n in enumerate(names):
            out.append(
                SobolRow(
                    n,
                    label,
                    float(si["S1"][k]),
                    float(si["S1_conf"][k]),
                    float(si["ST"][k]),
                    float(si["ST_conf"][k]),
                )
            )
    return tuple(out)


def _fixed(mult: NDArray[np.float64]) -> Callable[[np.random.Generator, int], Any]:
    """A 'sampler' handing out preset multipliers, in order, in one chunk."""

    def give(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        assert n == mult.shape[0]
        return mult

    return give


def _node_name(scheme: Scheme, node: str) -> str:
    if node in scheme.dimensions:
        return scheme.dimensions[node].name
    return "total"

"""Benchmark of the Monte Carlo uncertainty analysis, against a bare NumPy floor and two peers.

    .venv/bin/pip install -e '.[bench]'                       # the peers: pymcdm, scikit-criteria
    .venv/bin/python benchmarks/robustness.py                 # the issue's case, 5 runs
    .venv/bin/python benchmarks/robustness.py --runs 3 --no-growth

The case (issue 3): 3,000 units × 100 indicators in 3 categories (benchmarks/synthetic.py),
10,000 Monte Carlo samples of the weights (Dirichlet around the nominal weights, every node),
ranks within each category and overall, rank percentiles (5/50/95) and top-k probabilities,
and grade probabilities under quota (with the scheme's gate) for every unit.

In the same run:
- **floor**: one matrix product per chunk of 1,000 samples and one ``argsort`` of the contiguous
  samples × units array — the least any implementation must do (NumPy defaults, float64);
- **kaohe**: ``kaohe.robustness`` as the CLI runs it (sampling, totals, both rankings, grades,
  summaries);
- **pymcdm** and **scikit-criteria**, used as a careful user would — the matrix normalised once
  (Kaohe's normalised leaf points), the weights of all samples drawn beforehand (untimed), the
  library's weighted sum called per sample and category with validation off, ranks and
  percentiles by NumPy — on the first 1,000 samples, scaled to 10,000. (The peers do less than
  Kaohe here — no grades — so the ratio flatters them.)

The floor and Kaohe are run alternately (floor, kaohe, floor, …) so that both see the same
load on a shared machine. Reported: medians over the runs, the median of the run-by-run ratios,
peak memory (resident, whole process), the ratios, and how the
time grows with samples, units and indicators.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kaohe.engine import assess
from kaohe.robustness.evaluate import linear_form, slots_for, structure
from kaohe.robustness.montecarlo import grading_inputs, simulate, summarise
from kaohe.robustness.sampling import nominal_shares, sample_multipliers
from synthetic import synthetic_data, synthetic_scheme

CONCENTRATION = 50.0


class Case:
    def __init__(self, units: int, indicators: int) -> None:
        self.scheme = synthetic_scheme(units, indicators)
        self.results = assess(self.scheme, synthetic_data(self.scheme))
        plan = self.results.plan
        self.slots = slots_for(plan, "all")
        self.st = structure(
            plan,
            np.asarray(self.results.points),
            np.asarray(self.results.aggregates.values),
            self.slots,
        )
        assert self.st.linear
        self.form = linear_form(self.st)
        self.shares = nominal_shares(plan, self.slots)
        assert self.results.decisions is not None
        self.grading = grading_inputs(plan, self.results.decisions.cap)

    def sampler(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return sample_multipliers(rng, n, self.shares, self.slots, "dirichlet", CONCENTRATION)

    def kaohe(self, samples: int) -> None:
        r = self.results
        tally = simulate(
            self.st,
            self.form,
            self.sampler,
            samples,
            1,
            np.asarray(r.rank),
            np.asarray(r.void),
            self.grading,
            "share",
        )
        summarise(tally, [1, 3, 10], self.grading.n_grades if self.grading else 1)

    def floor(self, samples: int, chunk: int = 1000) -> None:
        rng = np.random.default_rng(2)
        x = self.form.X
        for start in range(0, samples, chunk):
            n = min(chunk, samples - start)
            w = rng.dirichlet(np.ones(x.shape[1]), size=n)
            np.argsort(w @ x.T, axis=1)

    def peer(self, aggregate: Callable[[np.ndarray, np.ndarray], np.ndarray], samples: int) -> None:
        """Per sample: the library's weighted sum per category, then ranks by NumPy. The
        weights of every sample are drawn beforehand, in one go, outside the timing."""
        plan = self.results.plan
        members = [np.flatnonzero(plan.cat_index == c) for c in range(len(plan.categories))]
        x = self.form.X
        eff, full = self.peer_weights
        n = len(plan.units)
        ranks = np.empty((samples, n), dtype=np.int32)
        in_cat = np.empty((samples, n), dtype=np.int32)
        for s in range(samples):
            share = np.empty(n)
            for c, idx in enumerate(members):
                share[idx] = aggregate(x[idx], eff[s, c]) / full[s, c]
                in_cat[s, idx[np.argsort(-share[idx])]] = np.arange(idx.size)
            ranks[s, np.argsort(-share)] = np.arange(n)
        np.percentile(ranks, [5, 50, 95], axis=0)
        np.percentile(in_cat, [5, 50, 95], axis=0)

    def draw_peer_weights(self, samples: int) -> None:
        from kaohe.robustness.evaluate import coefficients

        mult = self.sampler(np.random.default_rng(3), samples)
        self.peer_weights = coefficients(self.st, self.form, mult)


def pymcdm_wsm() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    from pymcdm.methods import WSM

    body = WSM(normalization_function=lambda x, cost: x)  # already normalised, once

    def run(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        types = np.ones(x.shape[1])
        return np.asarray(body(x, w, types, validation=False))

    return run


def skcriteria_wsm() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    from skcriteria.agg.simple import wsm  # the validation-free core of WeightedSumModel

    def run(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.asarray(wsm(x, w)[1])

    return run


def paired_times(
    a: Callable[[], None], b: Callable[[], None], runs: int
) -> list[tuple[float, float]]:
    """Times of ``a`` and ``b`` run alternately, ``runs`` times each: on a shared machine whose
    load changes from one second to the next, each pair sees about the same load."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        a()
        ta = time.perf_counter() - t
        t = time.perf_counter()
        b()
        out.append((ta, time.perf_counter() - t))
    return out


def median_time(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--peer-samples", type=int, default=1_000)
    ap.add_argument("--no-growth", action="store_true")
    args = ap.parse_args()
    case = Case(3000, 100)
    case.kaohe(200)  # compile the kernels once (cached on disk afterwards)
    s = args.samples
    pairs = paired_times(lambda: case.floor(s), lambda: case.kaohe(s), args.runs)
    floor = statistics.median(f for f, _ in pairs)
    ours = statistics.median(k for _, k in pairs)
    ratios = sorted(k / f for f, k in pairs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"kaohe robustness benchmark · 3,000 units × 100 indicators · {s:,} samples · "
        f"median of {args.runs} runs"
    )
    print(f"  floor (matmul + argsort)   {floor:7.3f} s")
    print(
        f"  kaohe (everything)         {ours:7.3f} s   = {ours / floor:.2f} × floor   "
        f"(target ≤ 1.5 ×, and < 2 s)"
    )
    print(
        f"  kaohe / floor, run by run  median {statistics.median(ratios):.2f} ×  "
        f"(range {ratios[0]:.2f}–{ratios[-1]:.2f}; the two alternate, run by run)"
    )
    print(f"  peak memory (process)      {peak:7.0f} MB  (target < 2,048 MB)")
    peers = {}
    case.draw_peer_weights(args.peer_samples)
    for name, make in (("pymcdm", pymcdm_wsm), ("scikit-criteria", skcriteria_wsm)):
        agg = make()
        ps = args.peer_samples
        t = median_time(partial(case.peer, agg, ps), max(1, args.runs // 2))
        peers[name] = t * s / ps
        print(
            f"  {name:<17} {t:7.3f} s for {ps:,} samples → {peers[name]:7.1f} s for {s:,}: "
            f"kaohe is {peers[name] / ours:6.0f} × faster"
        )
    best = min(peers.values())
    print(f"  against the faster peer: {best / ours:.0f} × (goal ≥ 50 ×)")
    print(f"  (the floor itself is {best / floor:.0f} × faster than the faster peer)")
    if not args.no_growth:
        growth(case, args.runs)


def growth(case: Case, runs: int) -> None:
    print("growth (median of runs):")
    for s in (1_000, 10_000, 20_000):
        print(f"  samples {s:>6,}: {median_time(partial(case.kaohe, s), runs):7.3f} s")
    for units in (1_000, 3_000, 6_000):
        c = Case(units, 100)
        c.kaohe(100)
        print(f"  units   {units:>6,}: {median_time(partial(c.kaohe, 10_000), runs):7.3f} s")
    for inds in (50, 100, 200):
        c = Case(3000, inds)
        c.kaohe(100)
        print(f"  indicators {inds:>3}: {median_time(partial(c.kaohe, 10_000), runs):7.3f} s")


if __name__ == "__main__":
    main()

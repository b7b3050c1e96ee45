"""Benchmark of the engine: points, subtotals, ranks, grades and explanations, on one core.

    .venv/bin/python benchmarks/engine.py            # 300, 3,000 and 30,000 units
    .venv/bin/python benchmarks/engine.py --sizes 3000 --runs 9

A synthetic scheme (benchmarks/synthetic.py): 100 indicators in 3 categories over a 3-level
tree, 14 rule types cycled (linear, proportional, bands, rank tables and steps, best ratio,
efficacy, target met, baseline against the peer average, min-max, rescale, goalposts,
percentile, distance to target), bonus and deduction items in a capped dimension, a veto, 2% of
values missing (peer average), and four grades under quota with a gate.

Each size runs in a fresh process pinned to one CPU core, with BLAS threads set to 1. Reported:
the median of the timed runs of `kaohe.engine.assess` (which leaves every term of every
explanation in memory as arrays), the time to render all explanations to records once, and the
process's peak resident memory. Targets (issue 2): 3,000 units × 100 indicators under 1 s, peak
memory under 500 MB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(n_units: int, runs: int, explain: bool) -> dict[str, float]:
    """Runs inside the pinned subprocess; returns the figures."""
    import resource

    sys.path.insert(0, str(HERE))
    from kaohe.engine import assess
    from synthetic import synthetic_data, synthetic_scheme

    t0 = time.perf_counter()
    scheme = synthetic_scheme(n_units)
    data = synthetic_data(scheme)
    setup = time.perf_counter() - t0
    times = []
    results = None
    for _ in range(runs):
        t = time.perf_counter()
        results = assess(scheme, data)
        times.append(time.perf_counter() - t)
    assert results is not None
    peak_compute_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    explain_s = float("nan")
    if explain:
        t = time.perf_counter()
        records = results.explain_all()
        explain_s = time.perf_counter() - t
        assert len(records) == n_units
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "units": n_units,
        "indicators": len(scheme.indicators),
        "runs": runs,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "setup_s": setup,
        "explain_all_s": explain_s,
        "peak_rss_mb": peak_compute_mb,
        "peak_rss_rendered_mb": peak_mb,
        "cells": n_units * len(scheme.indicators),
    }


def run_size(n_units: int, runs: int, explain: bool) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = (
        "import os, sys, json; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
        f"sys.path.insert(0, {str(HERE)!r}); import engine; "
        f"print(json.dumps(engine.child({n_units}, {runs}, {explain})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 3000, 30000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--no-explain",
        action="store_true",
        help="skip rendering every explanation (slow at 30,000 units)",
    )
    args = ap.parse_args()
    print(
        f"kaohe engine benchmark · {args.runs} runs per size · one core · "
        f"python {sys.version.split()[0]}"
    )
    print(
        f"{'units':>7} {'cells':>10} {'median':>9} {'min':>8} {'max':>8} "
        f"{'peak RSS':>9} {'render all':>11} {'RSS after':>9}"
    )
    rows = []
    for n in args.sizes:
        explain = not args.no_explain and n <= 3000
        r = run_size(n, args.runs, explain)
        rows.append(r)
        rendered = r["explain_all_s"] == r["explain_all_s"]
        render = f"{r['explain_all_s']:.2f} s" if rendered else "—"
        after = f"{r['peak_rss_rendered_mb']:.0f} MB" if rendered else "—"
        print(
            f"{n:>7,} {int(r['cells']):>10,} {r['median_s']:>7.3f} s {r['min_s']:>6.3f} s "
            f"{r['max_s']:>6.3f} s {r['peak_rss_mb']:>6.0f} MB {render:>11} {after:>9}",
            flush=True,
        )
    for a, b in itertools.pairwise(rows):
        print(
            f"  {int(a['units']):,} → {int(b['units']):,} units: time × "
            f"{b['median_s'] / a['median_s']:.1f} for units × {b['units'] / a['units']:.0f}"
        )
    target = next((r for r in rows if r["units"] == 3000), None)
    if target is not None:
        ok_t = "met" if target["median_s"] < 1.0 else "NOT met"
        ok_m = "met" if target["peak_rss_mb"] < 500 else "NOT met"
        print(
            f"target 3,000 × 100 under 1 s: {target['median_s']:.3f} s ({ok_t}); "
            f"peak memory under 500 MB: {target['peak_rss_mb']:.0f} MB ({ok_m})"
        )
    print(
        "'median' is kaohe.engine.assess (every term of every explanation kept as arrays); "
        "'peak RSS' is the whole process (interpreter, scheme, data, results) after the timed "
        "runs; 'render all' turns every (unit, indicator) explanation into a record with its "
        "arithmetic text, once, and 'RSS after' is the peak once those records exist."
    )


if __name__ == "__main__":
    main()

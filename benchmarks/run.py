"""Benchmark of ``kaohe run`` end to end, stage by stage, on a synthetic xlsx data file.

    .venv/bin/python benchmarks/run.py                       # 300, 3,000, 30,000 units; 5 runs
    .venv/bin/python benchmarks/run.py --sizes 3000 --runs 3

The case (issue 10): ``benchmarks/synthetic.py`` written as files — ``scheme.yaml`` and
``data.xlsx`` (100 indicators, 14 rule types, items, a veto, 2% missing, four grades under quota)
— then the stages ``kaohe run`` goes through: **read** (the scheme and the workbook, validated),
**assess**, **explain** (every point of every unit to records), **write** (results.csv,
results.xlsx, explain.json, atomically). Each size runs in a fresh process; reported: each
stage's median over the runs, the total, the process's peak memory; the wall time of the whole
``kaohe run`` command (median over the runs, a process each); and ``kaohe --help``'s wall time.
Targets: 3,000 units × 100 indicators under 3 s for the whole command and under 1 GB peak;
``kaohe --help`` under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KAOHE = Path(sys.executable).with_name("kaohe")


def child(folder: Path, runs: int) -> dict[str, float]:
    """In a fresh process: the stages of ``kaohe run``, ``runs`` times each."""
    import resource

    from kaohe.engine import assess
    from kaohe.io.data_files import load_data
    from kaohe.io.results_files import write_results
    from kaohe.io.scheme_file import load_scheme

    times: dict[str, list[float]] = {"read": [], "assess": [], "explain": [], "write": []}
    for k in range(runs):
        t = time.perf_counter()
        scheme = load_scheme(folder / "scheme.yaml")
        data, _ = load_data(scheme, folder / "data.xlsx")
        times["read"].append(time.perf_counter() - t)
        t = time.perf_counter()
        results = assess(scheme, data)
        times["assess"].append(time.perf_counter() - t)
        t = time.perf_counter()
        results.explain_all()
        times["explain"].append(time.perf_counter() - t)
        t = time.perf_counter()
        write_results(results, folder / f"out{k}")  # explains again, as kaohe run does
        times["write"].append(time.perf_counter() - t)
    out = {stage: statistics.median(v) for stage, v in times.items()}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


def wall(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time of a command (a process each run), and its peak memory (MB)."""
    times, peaks = [], []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - t)
        peaks.append(int(done.stderr.strip().splitlines()[-1]) / 1024.0)
    return statistics.median(times), max(peaks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300,3000,30000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(Path(a.child[0]), int(a.child[1]))))
        return
    sys.path.insert(0, str(HERE))
    from synthetic import write_files

    help_s, _ = wall([str(KAOHE), "--help"], a.runs)
    print(f"kaohe --help: {help_s:.3f} s (median of {a.runs})")
    print(
        f"{'units':>7} {'read':>7} {'assess':>7} {'explain':>8} {'write':>7} {'stages':>7}"
        f" {'peak':>8} {'kaohe run':>10} {'peak':>8}"
    )
    for n in (int(x) for x in a.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            scheme, data = write_files(n, Path(tmp))
            done = subprocess.run(
                [sys.executable, __file__, "--child", tmp, str(a.runs)],
                capture_output=True,
                text=True,
                check=True,
            )
            st = json.loads(done.stdout.strip().splitlines()[-1])
            run_s, run_mb = wall(
                [str(KAOHE), "run", str(scheme), str(data), "-o", f"{tmp}/cli", "-q"], a.runs
            )
        total = st["read"] + st["assess"] + st["explain"] + st["write"]
        print(
            f"{n:>7,} {st['read']:>6.2f}s {st['assess']:>6.2f}s {st['explain']:>7.2f}s"
            f" {st['write']:>6.2f}s {total:>6.2f}s {st['peak_mb']:>6.0f}MB"
            f" {run_s:>9.2f}s {run_mb:>6.0f}MB",
            flush=True,
        )


if __name__ == "__main__":
    main()

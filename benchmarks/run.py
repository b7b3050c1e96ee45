"""Benchmark of ``kaohe run`` end to end, stage by stage, on a synthetic xlsx data file.

    .venv/bin/python benchmarks/run.py                       # 300, 3,000, 30,000 units; 5 runs
    .venv/bin/python benchmarks/run.py --sizes 3000 --runs 3

The case (issue 10): ``benchmarks/synthetic.py`` written as files — ``scheme.yaml`` and
``data.xlsx`` (100 indicators, 14 rule types, items, a veto, 2% missing, four grades under quota)
— then the stages ``kaohe run`` goes through: **read** (the scheme and the workbook, validated),
**assess**, **explain** (every point of every unit to records), **write** (results.csv,
results.xlsx, explain.json, atomically). Each size runs in a fresh process; reported: each
stage's median wall and CPU (user + system) time over the runs, the total, the process's peak
memory; the wall and CPU time of the whole ``kaohe run`` command (medians over the runs, a
process each) and its peak memory; ``kaohe --help``'s wall time; the load average before and
after (the machine is shared: CPU time moves less than wall time when it is busy).
Targets: 3,000 units × 100 indicators under 3 s for the whole command and under 1 GB peak;
``kaohe --help`` under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KAOHE = Path(sys.executable).with_name("kaohe")


def child(folder: Path, runs: int) -> dict[str, float]:
    """In a fresh process: the stages of ``kaohe run``, ``runs`` times each; each stage's
    median wall time, and its median CPU time (user + system, ``<stage>_cpu``)."""
    import resource

    from kaohe.engine import assess
    from kaohe.io.data_files import load_data
    from kaohe.io.results_files import write_results
    from kaohe.io.scheme_file import load_scheme

    stages = ("read", "assess", "explain", "write")
    times: dict[str, list[float]] = {s: [] for s in (*stages, *(f"{s}_cpu" for s in stages))}

    def timed(stage: str, t: float, c: float) -> None:
        times[stage].append(time.perf_counter() - t)
        times[f"{stage}_cpu"].append(time.process_time() - c)

    for k in range(runs):
        t, c = time.perf_counter(), time.process_time()
        scheme = load_scheme(folder / "scheme.yaml")
        data, _ = load_data(scheme, folder / "data.xlsx")
        timed("read", t, c)
        t, c = time.perf_counter(), time.process_time()
        results = assess(scheme, data)
        timed("assess", t, c)
        t, c = time.perf_counter(), time.process_time()
        results.explain_all()
        timed("explain", t, c)
        t, c = time.perf_counter(), time.process_time()
        write_results(results, folder / f"out{k}")  # explains again, as kaohe run does
        timed("write", t, c)
    out = {stage: statistics.median(v) for stage, v in times.items()}
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


def wall(args: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall time of a command (a process each run), its median CPU time (user +
    system) and its peak memory (MB)."""
    times, cpus, peaks = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", *args], capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - t)
        peak, user, system = done.stderr.strip().splitlines()[-1].split()
        cpus.append(float(user) + float(system))
        peaks.append(int(peak) / 1024.0)
    return statistics.median(times), statistics.median(cpus), max(peaks)


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

    help_s, _, _ = wall([str(KAOHE), "--help"], a.runs)
    print(f"kaohe --help: {help_s:.3f} s (median of {a.runs})")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("each cell: median wall / median CPU (user + system)")
    print(
        f"{'units':>7} {'read':>13} {'assess':>13} {'explain':>13} {'write':>13} {'stages':>13}"
        f" {'peak':>7} {'kaohe run':>13} {'peak':>7}"
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
            run_s, run_cpu, run_mb = wall(
                [str(KAOHE), "run", str(scheme), str(data), "-o", f"{tmp}/cli", "-q"], a.runs
            )
        stages = ("read", "assess", "explain", "write")
        total = sum(st[s] for s in stages)
        total_cpu = sum(st[f"{s}_cpu"] for s in stages)
        cells = [f"{st[s]:.2f}/{st[f'{s}_cpu']:.2f}s" for s in stages]
        print(
            f"{n:>7,} {' '.join(f'{c:>13}' for c in cells)} {f'{total:.2f}/{total_cpu:.2f}s':>13}"
            f" {st['peak_mb']:>5.0f}MB {f'{run_s:.2f}/{run_cpu:.2f}s':>13} {run_mb:>5.0f}MB",
            flush=True,
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

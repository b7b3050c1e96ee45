"""Benchmark of monitoring (调度与预警): a province of 100 counties × 60 dispatched indicators ×
12 months (72,000 values), and last year's.

    .venv/bin/python benchmarks/monitoring.py                 # every figure, 5 runs each
    .venv/bin/python benchmarks/monitoring.py --runs 9 --only warnings provisional

The scheme is benchmarks/synthetic.py's (3 categories, 14 rule types cycled) with 60 scored
indicators, all dispatched monthly: the kinds cycled (cumulative, flow, rate, stock), every fifth
level compared by its growth on last year, thresholds by ratio, gap and rank, and a seasonal
profile on a fifth of them. 1% of the values are missing (late warnings), and a few jumps and
decreases are planted. The figures, each the median of ``--runs`` runs in this process, pinned
to one core with BLAS threads at 1:

* ``read_csv`` / ``read_xlsx`` — the long table (and last year's) read and checked against the
  scheme (kaohe.io.series_files.load_series), 72,000 + 72,000 rows;
* ``warnings`` — every array: levels, flows, growth, time-proportional targets, measures,
  colours, ranks and all data checks (kaohe.monitoring.monitor.monitor);
* ``records`` — every early-warning and data-warning record with its reason (not rendered);
* ``provisional`` — the provisional ranking at June through the engine.

Target (issue 12): computing all warnings under 1 s. The platform half of the issue (a bulk
upload of the 72,000 values, the progress page's p95 at 50 clients) is to be added here as
further entries of ``FIGURES`` by whoever builds it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

UNITS, INDICATORS, MONTHS = 100, 60, 12
KINDS = ("cumulative", "flow", "rate", "stock")


def monitored_scheme() -> Any:
    """The synthetic scheme of 60 scored indicators with a monitoring section on all of them."""
    from kaohe.monitoring.declaration import Monitoring
    from kaohe.monitoring.validation import check_monitoring
    from synthetic import synthetic_scheme

    base = synthetic_scheme(UNITS, INDICATORS + 4)
    scored = [i for i, ind in base.indicators.items() if ind.effective_kind == "base"]
    assert len(scored) == INDICATORS, len(scored)
    entries: dict[str, Any] = {}
    for k, iid in enumerate(scored):
        kind = KINDS[k % 4]
        entry: dict[str, Any] = {"kind": kind, "target": 1200.0 if kind != "rate" else 6.0}
        if kind in ("cumulative", "flow") and k % 5 == 0:
            entry.update(compare="growth", target=8.0, threshold="gap")
        elif kind == "rate":
            entry["threshold"] = "gap"
        elif k % 7 == 3:
            entry["threshold"] = "rank"
        if k % 5 == 1 and kind in ("cumulative", "flow"):
            entry["profile"] = "season"
        entries[iid] = entry
    mon = Monitoring.model_validate(
        {
            "indicators": entries,
            "profiles": {"season": {"shares": [6, 7, 9, 8, 8, 10, 7, 7, 8, 9, 9, 12]}},
            "thresholds": {
                "gap": {"measure": "gap", "green": 0, "amber": -2},
                "rank": {"measure": "rank", "green": 5, "amber": 20},
            },
        }
    )
    period = base.period.model_copy(
        update={"start": dt.date(2022, 1, 1), "end": dt.date(2022, 12, 31)}
    )
    scheme = base.model_copy(update={"monitoring": mon, "period": period})
    issues = check_monitoring(scheme)
    assert not issues, issues
    return scheme


def values(plan: Any, seed: int, scale: float) -> np.ndarray:
    """[S, U, P] values of every kind (NaN: 1% not reported), with planted jumps and decreases."""
    rng = np.random.default_rng(seed)
    s, u, p = len(plan.series), len(plan.units), MONTHS
    flows = rng.gamma(20.0, 5.0, size=(s, u, p)) * scale
    kind = np.asarray(plan.kind)[:, None, None]
    out = np.where(kind == 0, np.cumsum(flows, axis=-1), flows)
    out = np.where(kind == 2, rng.normal(6.0, 2.0, size=(s, u, p)), out)
    out = np.where(kind == 3, 1000 * scale + np.cumsum(flows / 10, axis=-1), out)
    out[rng.random(out.shape) < 0.01] = np.nan
    out[::7, ::13, 6] *= 4.0  # jumps
    return np.round(out, 4)


def write_csv(plan: Any, cube: np.ndarray, path: Path, year: int) -> None:
    periods = [f"{year}-{m:02d}" for m in range(1, 13)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "indicator", "period", "value"])
        for s, sid in enumerate(plan.series):
            for u, uid in enumerate(plan.units):
                for p, pid in enumerate(periods):
                    v = cube[s, u, p]
                    if v == v:
                        w.writerow([uid, sid, pid, repr(float(v))])


def write_xlsx(csv_path: Path, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("调度")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for k, row in enumerate(csv.reader(fh)):
            ws.append(row if k == 0 else [row[0], row[1], row[2], float(row[3])])
    wb.save(path)


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", nargs="+", choices=list(FIGURES), default=list(FIGURES))
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    from kaohe.monitoring.plan import compile_monitor

    plan = compile_monitor(monitored_scheme())
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(plan, Path(tmp), args.runs)
        print(
            f"kaohe monitoring benchmark · {UNITS} units × {INDICATORS} indicators × {MONTHS} "
            f"months · {args.runs} runs each · one core · python {sys.version.split()[0]}"
        )
        for name in args.only:
            seconds, note = FIGURES[name](ctx)
            print(f"  {name:<12} {seconds * 1000:9.1f} ms   {note}", flush=True)


class Context:
    """What the figures share: the plan, the files, and the results computed so far."""

    def __init__(self, plan: Any, tmp: Path, runs: int) -> None:
        self.plan, self.tmp, self.runs = plan, tmp, runs
        self.csv, self.previous_csv = tmp / "series.csv", tmp / "previous.csv"
        write_csv(plan, values(plan, 1, 1.08), self.csv, 2022)
        write_csv(plan, values(plan, 2, 1.0), self.previous_csv, 2021)
        self.series: Any = None
        self.previous: Any = None
        self.monitor: Any = None

    def inputs(self) -> tuple[Any, Any]:
        if self.series is None:
            from kaohe.io.series_files import load_series

            self.series, _ = load_series(self.plan, self.csv)
            self.previous, _ = load_series(self.plan, self.previous_csv, 1)
        return self.series, self.previous

    def monitored(self) -> Any:
        if self.monitor is None:
            from kaohe.monitoring.monitor import monitor

            now, before = self.inputs()
            self.monitor = monitor(self.plan, now, before, current=MONTHS - 1)
        return self.monitor


def read_csv(ctx: Context) -> tuple[float, str]:
    from kaohe.io.series_files import load_series

    def read() -> Any:
        a, _ = load_series(ctx.plan, ctx.csv)
        b, _ = load_series(ctx.plan, ctx.previous_csv, 1)
        return a, b

    seconds, (a, b) = timed(read, ctx.runs)
    ctx.series, ctx.previous = a, b
    n = int(a.present.sum()) + int(b.present.sum())
    return seconds, f"{n:,} values read and checked (this year and last)"


def read_xlsx(ctx: Context) -> tuple[float, str]:
    from kaohe.io.series_files import load_series

    path = ctx.tmp / "series.xlsx"
    write_xlsx(ctx.csv, path)
    seconds, (series, _) = timed(lambda: load_series(ctx.plan, path), ctx.runs)
    return seconds, f"{int(series.present.sum()):,} values from one worksheet (this year only)"


def warnings(ctx: Context) -> tuple[float, str]:
    from kaohe.monitoring.monitor import monitor

    now, before = ctx.inputs()
    seconds, m = timed(lambda: monitor(ctx.plan, now, before, current=MONTHS - 1), ctx.runs)
    ctx.monitor = m
    counts = dict.fromkeys(("green", "amber", "red", "none"), 0)
    for p in range(MONTHS):
        for k, v in m.counts(p).items():
            counts[k] += v
    shown = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    target = "met" if seconds < 1.0 else "NOT met"
    return seconds, f"every cell and data check ({shown}); target < 1 s {target}"


def records(ctx: Context) -> tuple[float, str]:
    m = ctx.monitored()
    seconds, (ws, ds) = timed(lambda: (m.warnings(), m.data_warnings()), ctx.runs)
    return seconds, f"{len(ws):,} early-warning and {len(ds):,} data-warning records"


def provisional(ctx: Context) -> tuple[float, str]:
    from kaohe.monitoring.monitor import monitor
    from kaohe.monitoring.provisional import assess_provisional

    now, before = ctx.inputs()
    june = monitor(ctx.plan, now, before, current=5)
    seconds, prov = timed(lambda: assess_provisional(june), ctx.runs)
    return seconds, f"{len(prov.results.units)} units ranked on {len(prov.used)} indicators at June"


#: name → figure; the platform's figures (bulk upload, the progress page) go here too.
FIGURES: dict[str, Callable[[Context], tuple[float, str]]] = {
    "read_csv": read_csv,
    "read_xlsx": read_xlsx,
    "warnings": warnings,
    "records": records,
    "provisional": provisional,
}


if __name__ == "__main__":
    main()

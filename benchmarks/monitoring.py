"""Benchmark of monitoring (调度与预警): a province of 100 counties × 60 dispatched indicators ×
12 months (72,000 values), and last year's.

    .venv/bin/python benchmarks/monitoring.py                 # every figure, 3 runs each
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

The platform's figures (``--backend sqlite`` by default, or ``postgresql`` on a new database of
the server ``--pg`` names, dropped afterwards), each the median of ``--runs`` runs too:

* ``upload`` — the 72,000 values as one uploaded file: read and checked by the upload's own
  reader (kaohe.web.monitoring.service.check_tables), then saved, a version of its cell and an
  audit entry each, in one transaction (service.save);
* ``review`` — every value approved at once (kaohe.web.monitoring.service.review_many);
* ``store_compute`` — the approved values read from the store and every warning computed
  (service.compute; median of ``--runs``);
* ``progress_page`` — ``GET /board/{id}/monitoring`` (the 调度监测 page) served by
  benchmarks/web.py's server to 50 anonymous clients: its first render, p50 and p95.

Targets (issue 12): computing all warnings under 1 s; the progress page p95 under 100 ms at 50
clients.
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
    mon = Monitoring.model_validate(monitoring_section(base))
    period = base.period.model_copy(
        update={"start": dt.date(2022, 1, 1), "end": dt.date(2022, 12, 31)}
    )
    scheme = base.model_copy(update={"monitoring": mon, "period": period})
    issues = check_monitoring(scheme)
    assert not issues, issues
    return scheme


def monitored_text() -> str:
    """The same scheme as YAML text (what the platform stores)."""
    import yaml

    from synthetic import scheme_mapping, synthetic_scheme

    mapping = scheme_mapping(UNITS, INDICATORS + 4)
    mapping.setdefault("period", {}).update(start="2022-01-01", end="2022-12-31")
    mapping["period"].pop("as_of", None)
    mapping["monitoring"] = monitoring_section(synthetic_scheme(UNITS, INDICATORS + 4))
    return str(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False))


def monitoring_section(base: Any) -> dict[str, Any]:
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
    return {
        "indicators": entries,
        "profiles": {"season": {"shares": [6, 7, 9, 8, 8, 10, 7, 7, 8, 9, 9, 12]}},
        "thresholds": {
            "gap": {"measure": "gap", "green": 0, "amber": -2},
            "rank": {"measure": "rank", "green": 5, "amber": 20},
        },
    }


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
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1/postgres")
    ap.add_argument("--only", nargs="+", choices=list(FIGURES), default=list(FIGURES))
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    from kaohe.monitoring.plan import compile_monitor

    plan = compile_monitor(monitored_scheme())
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(plan, Path(tmp), args.runs, args.backend, args.pg)
        print(
            f"kaohe monitoring benchmark · {UNITS} units × {INDICATORS} indicators × {MONTHS} "
            f"months · {args.runs} runs each · one core · python {sys.version.split()[0]}"
        )
        try:
            for name in args.only:
                seconds, note = FIGURES[name](ctx)
                print(f"  {name:<13} {seconds * 1000:9.1f} ms   {note}", flush=True)
        finally:
            if ctx.platform is not None:
                ctx.platform.close()


class Context:
    """What the figures share: the plan, the files, and the results computed so far."""

    def __init__(
        self, plan: Any, tmp: Path, runs: int, backend: str = "sqlite", pg: str = ""
    ) -> None:
        self.plan, self.tmp, self.runs = plan, tmp, runs
        self.backend, self.pg = backend, pg
        self.platform: Platform | None = None
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


# --------------------------------------------------------------------------- the platform


class Platform:
    """A fresh platform database (SQLite in the temporary folder, or a new PostgreSQL database
    with ``--backend postgresql``) holding the synthetic scheme and a collecting cycle."""

    def __init__(self, ctx: Context, backend: str, pg: str) -> None:
        from kaohe.web.cycles import moves
        from kaohe.web.cycles import service as cycles
        from kaohe.web.store.engine import open_engine, session_factory, transaction
        from kaohe.web.store.migrate import upgrade

        self.drop = ""
        if backend == "postgresql":
            from sqlalchemy import create_engine, text

            self.drop = f"kaohe_bench_mon_{os.getpid()}"
            admin = create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1))
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text(f"CREATE DATABASE {self.drop}"))
            admin.dispose()
            self.url = f"{pg.rsplit('/', 1)[0]}/{self.drop}"
        else:
            self.url = f"sqlite:///{ctx.tmp / 'platform.db'}"
        self.pg = pg
        self.engine = open_engine(self.url)
        upgrade(self.engine)
        self.sessions = session_factory(self.engine)
        with transaction(self.sessions) as s:
            version = cycles.store_scheme(s, monitored_text(), "bench")
            cycle = cycles.create_cycle(s, version, "2022", "bench")
            moves.move(s, cycle, "collecting", "bench")
            self.cycle_id = cycle.id
        self.cycle_ids = [self.cycle_id]

    def close(self) -> None:
        self.engine.dispose()
        if self.drop:
            from sqlalchemy import create_engine, text

            admin = create_engine(self.pg.replace("postgresql://", "postgresql+psycopg://", 1))
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text(f"DROP DATABASE IF EXISTS {self.drop} WITH (FORCE)"))
            admin.dispose()


def platform_of(ctx: Context) -> Platform:
    if ctx.platform is None:
        ctx.platform = Platform(ctx, ctx.backend, ctx.pg)
    return ctx.platform


def upload(ctx: Context) -> tuple[float, str]:
    """The 72,000 values uploaded as one file, ``--runs`` times, each into a new collecting
    cycle of the scheme: read and checked by the upload's reader, then every value saved as a
    version of its cell with its audit entry, in one transaction (service.save: set-based, one
    batch of inserts of each). The median; the last cycle is the one the later figures read."""
    from kaohe.io.data_files import read_tables
    from kaohe.web.audit import chain as audit
    from kaohe.web.cycles import moves
    from kaohe.web.cycles import service as cycles
    from kaohe.web.monitoring import service as mon
    from kaohe.web.store.engine import transaction
    from kaohe.web.store.models import Cycle, SchemeVersion

    pf = platform_of(ctx)
    times, reads, saved = [], [], 0
    for run in range(ctx.runs):
        if run:
            with transaction(pf.sessions) as s:
                first = s.get(Cycle, pf.cycle_id)
                assert first is not None
                version = s.get(SchemeVersion, first.scheme_version_id)
                assert version is not None
                new = cycles.create_cycle(s, version, f"2022 ({run + 1})", "bench")
                moves.move(s, new, "collecting", "bench")
                pf.cycle_ids.append(new.id)
        t = time.perf_counter()
        tables, _ = read_tables(ctx.csv)
        with pf.sessions() as s:
            found = s.get(Cycle, pf.cycle_ids[-1])
            assert found is not None
            plan = mon.require_plan(s, found)
        checked = mon.check_tables(plan, None, tables, "series.csv", str(ctx.csv))
        assert not checked.errors, checked.errors[:3]
        reads.append(time.perf_counter() - t)
        with transaction(pf.sessions) as s:  # as in the writer's batch: the head written once
            s.info[audit.DEFER_HEAD] = True
            target = s.get(Cycle, pf.cycle_ids[-1])
            assert target is not None
            saved = mon.save(s, target, checked.cells, None)
            audit.write_head(s)
        times.append(time.perf_counter() - t)
    pf.cycle_id = pf.cycle_ids[-1]
    seconds, read = statistics.median(times), statistics.median(reads)
    return seconds, (
        f"{saved:,} values saved with their audit entries ({read:.1f} s reading and checking, "
        f"{seconds - read:.1f} s saving; {ctx.backend}; median of {len(times)}, each into a new "
        f"cycle)"
    )


def review(ctx: Context) -> tuple[float, str]:
    """Every uploaded value of each uploaded cycle approved at once through the set-based
    review (kaohe.web.monitoring.service.review_many: one read, one batch of updates, one audit
    entry each), one transaction per cycle; the median. Then the last cycle is marked
    published for the board (directly: the benchmark's cycle has no annual results)."""
    from sqlalchemy import select, update

    from kaohe.web.audit import chain as audit
    from kaohe.web.monitoring import service as mon
    from kaohe.web.store.engine import transaction
    from kaohe.web.store.models import Cycle, Value

    pf = platform_of(ctx)
    times, n = [], 0
    for cycle_id in pf.cycle_ids:
        t = time.perf_counter()
        with transaction(pf.sessions) as s:
            s.info[audit.DEFER_HEAD] = True
            cycle = s.get(Cycle, cycle_id)
            assert cycle is not None
            ids = s.execute(
                select(Value.id).where(Value.cycle_id == cycle_id, Value.state == "submitted")
            ).scalars()
            n = len(mon.review_many(s, cycle, list(ids), True, None, None))
            audit.write_head(s)
        times.append(time.perf_counter() - t)
    with transaction(pf.sessions) as s:
        s.execute(update(Cycle).where(Cycle.id == pf.cycle_id).values(state="publicity"))
    return statistics.median(times), (
        f"{n:,} values approved at once ({ctx.backend}; median of {len(times)})"
    )


def store_compute(ctx: Context) -> tuple[float, str]:
    """Warnings from the store: the approved values read, the series built, monitor()."""
    from kaohe.web.monitoring import service as mon
    from kaohe.web.store.models import Cycle

    pf = platform_of(ctx)

    def compute() -> Any:
        mon.forget()  # afresh, not the copy kept for the state of the data
        with pf.sessions() as s:
            cycle = s.get(Cycle, pf.cycle_id)
            assert cycle is not None
            return mon.compute(s, cycle)

    seconds, m = timed(compute, ctx.runs)
    assert m is not None
    return seconds, f"{int(m.series.present.sum()):,} approved values read, every warning computed"


def progress_page(ctx: Context) -> tuple[float, str]:
    """GET /board/{id}/monitoring as anonymous visitors, 50 at a time (benchmarks/web.py's
    server, load generator and raw client): the page's first render, then p50 and p95 of the
    median of ``--runs`` runs."""
    import asyncio

    import web

    pf = platform_of(ctx)
    path = f"/board/{pf.cycle_id}/monitoring"
    try:
        proc, base = web.start_server(pf.url, 1)
    except RuntimeError:  # a busy machine: the first start may take longer than web.py waits
        proc, base = web.start_server(pf.url, 1)
    try:
        t = time.perf_counter()
        first = httpx_get(base + path)
        cold = time.perf_counter() - t

        async def run() -> Any:
            async with web.new_clients(base, "raw") as anon:

                async def get(cl: Any, c: int) -> Any:
                    return await cl.get(path)

                await web.load(anon, get, 200, web.CLIENTS * 4, 30)  # warm-up
                return [await web.load(anon, get, 200, 2000, 60) for _ in range(ctx.runs)]

        runs = asyncio.run(run())
    finally:
        web.stop_server(proc)
    result = sorted(runs, key=lambda r: r.pct(0.95))[len(runs) // 2]  # the median run by p95
    p95 = result.pct(0.95)
    target = "met" if p95 < 100 else "NOT met"
    return p95 / 1000, (
        f"p95 (p50 {result.pct(0.5):.1f} ms, {result.rps:.0f} req/s, {result.n - result.ok} "
        f"failed; first render {cold * 1000:.0f} ms, {first:,} bytes; 50 clients, one server "
        f"process; {ctx.backend}; the median of {len(runs)} runs of 2,000 requests); target p95 "
        f"< 100 ms {target}"
    )


def httpx_get(url: str) -> int:
    import httpx

    r = httpx.get(url, timeout=120)
    assert r.status_code == 200, r.status_code
    return len(r.content)


#: name → figure: the core's, then the platform's (in this order: upload, review, then reads).
FIGURES: dict[str, Callable[[Context], tuple[float, str]]] = {
    "read_csv": read_csv,
    "read_xlsx": read_xlsx,
    "warnings": warnings,
    "records": records,
    "provisional": provisional,
    "upload": upload,
    "review": review,
    "store_compute": store_compute,
    "progress_page": progress_page,
}


if __name__ == "__main__":
    main()

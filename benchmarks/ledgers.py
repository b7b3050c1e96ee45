"""Benchmark of the ledgers: 50,000 projects with 12 months of stage history and 20,000
follow-up matters, for 100 units.

    .venv/bin/python benchmarks/ledgers.py                 # the sizes of issue 13
    .venv/bin/python benchmarks/ledgers.py --projects 5000 --matters 2000 --runs 9
    .venv/bin/python benchmarks/ledgers.py --no-files      # skip writing and reading files

The register: projects in 100 units and 9 task forces, each moving through its stages on dates
over 2022 (reserve → signed → started → under construction → completed, ~4% dropped), with
monthly completed investment from the month it started. The matters: supervision tasks (with
delays and closures), challenges (claims, submissions, acceptances), leader-taken cases and
talks. The scheme derives 9 indicators from them: a start rate (share), signed projects and
reserve projects over 1 亿元 (counts), investment in place (a sum over months), an investment
completion ratio, a case resolution rate (share), a challenge bonus (counts by item), overdue
matters and matters due within 7 days (counts).

Reported (medians of the runs, wall and CPU time of this one process — on a shared machine the
CPU time is the steadier figure; BLAS threads 1): compiling the records to arrays
(the replay of every matter's state machine included), deriving every indicator for every
unit with the records behind each value, the whole path from records to the engine's dataset,
the summaries (funnels by unit and task force, 12 month-end stage counts, matters per unit),
and reading the register from CSV and from Excel and the matters from Excel, all checks
included. Target (issue 13): derived indicators for all units under 1 s.

With ``--postgres URL`` (a server where a scratch database may be created, e.g.
``postgresql://postgres@127.0.0.1/postgres``), the register is also imported through the
platform (``kaohe.web.ledgers.service.import_projects``: the CSV file read and checked, then
the projects and their stage histories written by ``COPY``, in one transaction) into a fresh
database, and read back as the computation reads it. Target (issue 13): register import
under 10 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from kaohe import build_scheme
from kaohe.dataset import Table
from kaohe.ledgers.derive import derive
from kaohe.ledgers.frames import compile_matters, compile_projects
from kaohe.ledgers.matters import Event, Matter
from kaohe.ledgers.merge import dataset_with_ledgers
from kaohe.ledgers.projects import Project, StageChange
from kaohe.ledgers.summary import funnel, matter_counts, month_ends, stage_counts
from kaohe.scheme import Scheme

YEAR = dt.date(2022, 1, 1)
END = dt.date(2022, 12, 31)
TASK_FORCES = [f"专班{k}" for k in range(1, 10)]
PIPELINE = ("signed", "started", "under_construction", "completed")


def units(n: int) -> list[str]:
    return [f"u{k:03d}" for k in range(n)]


def _day(k: int) -> dt.date:
    return YEAR + dt.timedelta(days=int(k))


def make_projects(n: int, unit_ids: list[str], seed: int = 1) -> list[Project]:
    rng = np.random.default_rng(seed)
    unit = rng.integers(0, len(unit_ids), n)
    tf = rng.integers(0, len(TASK_FORCES) + 3, n)  # some without a task force
    depth = rng.integers(0, 5, n)  # how far along the pipeline by the year's end
    first = rng.integers(-200, 120, n)
    steps = rng.integers(5, 60, (n, 4))
    dropped = rng.random(n) < 0.04
    total = np.round(rng.uniform(0.2, 40, n), 2)
    out = []
    for i in range(n):
        history = [StageChange("reserve", _day(first[i]))]
        when = max(int(first[i]), 0)
        for k in range(int(depth[i])):
            when = min(when + int(steps[i, k]), 364)
            history.append(StageChange(PIPELINE[k], _day(when)))  # type: ignore[arg-type]
        if dropped[i] and history[-1].stage != "completed":
            history.append(StageChange("dropped", _day(min(when + 10, 364)), "终止（基准测试）"))
        started = next((c.on for c in history if c.stage == "started"), None)
        monthly: tuple[tuple[str, float], ...] = ()
        if started is not None:
            monthly = tuple(
                (f"2022-{m:02d}", round(float(total[i]) / 24, 2)) for m in range(started.month, 13)
            )
        out.append(
            Project(
                id=f"P{i:06d}",
                name=f"项目{i}",
                unit=unit_ids[int(unit[i])],
                history=tuple(history),
                task_force=TASK_FORCES[int(tf[i])] if tf[i] < len(TASK_FORCES) else "",
                level="重大项目" if i % 5 == 0 else "一般项目",
                total_investment=float(total[i]),
                planned_investment=round(float(total[i]) / 2, 2),
                monthly=monthly,
                planned=(("started", _day(int(rng.integers(30, 330)))),),
            )
        )
    return out


def make_matters(n: int, unit_ids: list[str], seed: int = 2) -> list[Matter]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        unit = unit_ids[int(rng.integers(0, len(unit_ids)))]
        opened = _day(int(rng.integers(0, 250)))
        deadline = opened + dt.timedelta(days=int(rng.integers(30, 150)))
        r = float(rng.random())
        later = opened + dt.timedelta(days=int(rng.integers(5, 100)))
        kind = i % 4
        if kind == 0:  # supervision: a report, maybe a delay, maybe closed
            events = [Event("progress", opened + dt.timedelta(days=3), text="进展")]
            if r < 0.3:
                new = deadline + dt.timedelta(days=30)
                events.append(
                    Event("delay", deadline - dt.timedelta(days=1), text="延期", deadline=new)
                )
            elif r < 0.8:
                events.append(Event("close", max(later, events[-1].on), evidence=("报告",)))
            m = Matter(
                f"D{i:06d}",
                "supervision",
                f"督办{i}",
                opened,
                deadline,
                (unit,),
                leader="L",
                events=tuple(events),
            )
        elif kind == 1:  # challenge: one or two claimants, accepted or not
            other = unit_ids[(unit_ids.index(unit) + 1) % len(unit_ids)]
            events = [
                Event("claim", opened + dt.timedelta(days=2), unit=unit, text="方案"),
                Event("claim", opened + dt.timedelta(days=3), unit=other, text="方案"),
            ]
            if r < 0.6:
                events += [
                    Event("submit", later, unit=unit, text="成果"),
                    Event("accept", later + dt.timedelta(days=5), unit=unit),
                ]
            level = "重大" if i % 3 == 0 else "一般"
            m = Matter(
                f"J{i:06d}",
                "challenge",
                f"揭榜{i}",
                opened,
                deadline,
                level=level,
                events=tuple(events),
            )
        elif kind == 2:  # leader-taken case
            events = [Event("resolve", later, text="化解")] if r < 0.85 else []
            m = Matter(
                f"B{i:06d}",
                "case",
                f"包案{i}",
                opened,
                deadline,
                (unit,),
                leader="L",
                events=tuple(events),
            )
        else:  # talk
            events = [Event("record", later, by="书记", text="谈话")] if r < 0.9 else []
            m = Matter(
                f"T{i:06d}",
                "talk",
                f"谈话{i}",
                opened,
                deadline,
                (unit,),
                subject="班子",
                batch="b",
                events=tuple(events),
            )
        out.append(m)
    return out


def make_scheme(unit_ids: list[str]) -> Scheme:
    def ind(name: str, derive: dict[str, Any], **rule: Any) -> dict[str, Any]:
        return {
            "name": name,
            "weights": 10,
            "rule": rule or {"type": "ratio_to_best"},
            "derive": derive,
        }

    return build_scheme(
        {
            "name": "ledger benchmark",
            "period": {"start": "2022-01-01", "end": "2022-12-31"},
            "categories": {f"c{k}": {"name": f"类别{k}"} for k in range(5)},
            "units": {u: {"name": u, "category": f"c{k % 5}"} for k, u in enumerate(unit_ids)},
            "dimensions": {
                "bonus": {"name": "加分", "cap": 5},
                "deduction": {"name": "扣分", "floor": -5},
            },
            "indicators": {
                "start_rate": ind(
                    "开工率",
                    {
                        "ledger": "projects",
                        "measure": "share",
                        "where": {"reached": "started"},
                        "of": {"planned": "started", "levels": ["重大项目"]},
                        "scale": 100,
                        "empty": 100,
                    },
                    type="proportional",
                )
                | {"target": 100},
                "signed": ind(
                    "签约",
                    {
                        "ledger": "projects",
                        "where": {"entered": "signed", "task_forces": TASK_FORCES},
                    },
                ),
                "reserve": ind(
                    "储备",
                    {"ledger": "projects", "where": {"stage": ["reserve"], "min_investment": 1}},
                ),
                "invested": ind(
                    "完成投资",
                    {"ledger": "projects", "measure": "sum", "field": "completed_investment"},
                ),
                "invest_rate": ind(
                    "投资完成率",
                    {
                        "ledger": "projects",
                        "measure": "ratio",
                        "field": "completed_investment",
                        "per": "planned_investment",
                        "where": {"reached": "started"},
                        "scale": 100,
                    },
                ),
                "resolution": ind(
                    "化解率",
                    {
                        "ledger": "matters",
                        "measure": "share",
                        "where": {"done": True},
                        "of": {"kinds": ["case"]},
                        "scale": 100,
                        "empty": 100,
                    },
                ),
                "challenges": {
                    "name": "揭榜加分",
                    "parent": "bonus",
                    "rule": {"type": "bonus_items", "levels": {"重大": 1, "一般": 0.5}},
                    "derive": {
                        "ledger": "matters",
                        "item": "level",
                        "where": {"kinds": ["challenge"], "done": True},
                    },
                },
                "overdue": {
                    "name": "逾期",
                    "parent": "deduction",
                    "rule": {"type": "count_deduction", "per_count": 0.1, "cap": 3},
                    "derive": {
                        "ledger": "matters",
                        "where": {"kinds": ["supervision", "case"], "overdue": True},
                    },
                },
                "due_soon": ind("即将到期", {"ledger": "matters", "where": {"due_within": 7}}),
            },
        }
    )


def timed(fn: Callable[[], Any], runs: int) -> tuple[tuple[float, float], Any]:
    """(median wall time, median CPU time of this process) of ``runs`` calls, and the result.
    On a shared machine the CPU time is the steadier figure."""
    wall, cpu, out = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return (statistics.median(wall), statistics.median(cpu)), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--projects", type=int, default=50_000)
    ap.add_argument("--matters", type=int, default=20_000)
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--file-runs", type=int, default=3)
    ap.add_argument("--no-files", action="store_true", help="skip writing and reading files")
    ap.add_argument("--postgres", default="", help="server URL: also time the platform's import")
    args = ap.parse_args()
    unit_ids = units(args.units)
    t = time.perf_counter()
    projects = make_projects(args.projects, unit_ids)
    matters = make_matters(args.matters, unit_ids)
    scheme = make_scheme(unit_ids)
    setup = time.perf_counter() - t
    events = sum(len(m.events) for m in matters)
    changes = sum(len(p.history) for p in projects)
    print(
        f"kaohe ledgers benchmark · {len(projects):,} projects ({changes:,} stage changes) · "
        f"{len(matters):,} matters ({events:,} events) · {args.units} units · "
        f"{len(scheme.indicators)} derived indicators · median of {args.runs} runs · "
        f"python {sys.version.split()[0]} (generated in {setup:.1f} s)"
    )
    order = tuple(scheme.units)
    figures: dict[str, tuple[float, float]] = {}
    figures["compile projects"], pf = timed(lambda: compile_projects(projects, order), args.runs)
    figures["compile matters (replay)"], mf = timed(
        lambda: compile_matters(matters, order), args.runs
    )
    figures["derive all indicators"], derived = timed(lambda: derive(scheme, pf, mf), args.runs)
    table = Table("d.csv", ["unit"], [(k + 2, [u]) for k, u in enumerate(order)], file="d.csv")

    def whole() -> Any:
        d = derive(scheme, compile_projects(projects, order), compile_matters(matters, order))
        return dataset_with_ledgers(scheme, [table], d)

    figures["records → dataset (all of it)"], _ = timed(whole, args.runs)

    def summaries() -> Any:
        return (
            funnel(pf, END, "unit", YEAR),
            funnel(pf, END, "task_force", YEAR),
            stage_counts(pf, month_ends(YEAR, END)),
            matter_counts(mf, END),
        )

    figures["summaries"], _ = timed(summaries, args.runs)
    if not args.no_files:
        figures.update(read_files(projects, matters, args.file_runs))
    if args.postgres:
        figures.update(platform_import(projects, matters, scheme, args.postgres, args.runs))
    width = max(len(k) for k in figures)
    print(f"  {'':<{width}}  {'wall':>9}  {'CPU':>9}")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:<{width}}  {wall:7.3f} s  {cpu:7.3f} s")
    rate = derived.indicators["start_rate"].values
    print(f"  (mean start rate over the units: {np.nanmean(rate):.1f}%)")
    wall, cpu = figures["derive all indicators"]
    verdict = "met" if wall < 1 else "NOT met"
    print(
        "target: derived indicators for all units under 1 s: "
        f"{wall:.3f} s wall, {cpu:.3f} s CPU ({verdict})"
    )
    if "platform import (PostgreSQL)" in figures:
        wall, cpu = figures["platform import (PostgreSQL)"]
        verdict = "met" if wall < 10 else "NOT met"
        print(f"target: register import under 10 s on PostgreSQL: {wall:.2f} s wall ({verdict})")


def read_files(
    projects: list[Project], matters: list[Matter], runs: int
) -> dict[str, tuple[float, float]]:
    """Write the ledgers once, then time reading them back (every check included)."""
    from kaohe.io.ledger_files import load_matters, load_projects
    from kaohe.io.ledger_sheets import write_matters, write_projects

    out: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def write() -> None:
            write_projects(projects, folder / "projects.csv")
            write_projects(projects, folder / "projects.xlsx")
            write_matters(matters, folder / "matters.xlsx")

        out["write register (csv+xlsx) and matters"], _ = timed(write, 1)
        out["read register .csv"], got = timed(lambda: load_projects(folder / "projects.csv"), runs)
        assert len(got.projects) == len(projects)
        out["read register .xlsx"], _ = timed(lambda: load_projects(folder / "projects.xlsx"), runs)
        out["read matters .xlsx"], m = timed(lambda: load_matters([folder / "matters.xlsx"]), runs)
        assert len(m.matters) == len(matters)
    return out


def platform_import(
    projects: list[Project], matters: list[Matter], scheme: Scheme, server: str, runs: int
) -> dict[str, tuple[float, float]]:
    """The register imported through the platform into a scratch PostgreSQL database, ``runs``
    times (each into a cycle of its own), the matters stored, the derived indicators counted
    from the stored records, and the audit log verified over all of it."""
    import uuid

    from sqlalchemy import create_engine, text

    from kaohe.io.ledger_sheets import write_projects
    from kaohe.web.ledgers import service as ledgers
    from kaohe.web.store.engine import open_engine, session_factory, transaction
    from kaohe.web.store.migrate import upgrade
    from kaohe.web.store.models import Cycle, SchemeVersion, User

    name = f"kaohe_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    out: dict[str, tuple[float, float]] = {}
    try:
        engine = open_engine(f"{server.rsplit('/', 1)[0]}/{name}")
        upgrade(engine)
        factory = session_factory(engine)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "projects.csv"
            write_projects(projects, path)
            body = path.read_bytes()
        with transaction(factory) as s:
            s.add(SchemeVersion(id=1, name="bench", text="{}", sha256="0" * 64))
            s.flush()
            for k in range(1, runs + 3):
                s.add(Cycle(id=k, name=f"bench {k}", scheme_version_id=1, state="collecting"))
        office = User(username="office", role="office", password_hash="-")
        into = iter(range(1, runs + 1))

        def run() -> int:
            with transaction(factory) as s:
                cycle = s.get(Cycle, next(into))
                assert cycle is not None
                return ledgers.import_projects(s, cycle, scheme, "projects.csv", body, office)

        out["platform import (PostgreSQL)"], n = timed(run, runs)
        assert n == len(projects)

        def back() -> int:
            with transaction(factory) as s:
                cycle = s.get(Cycle, 1)
                assert cycle is not None
                return len(ledgers.register(s, cycle))

        out["platform register read back (PostgreSQL)"], m = timed(back, runs)
        assert m == len(projects)

        def verify() -> int:
            from kaohe.web.audit.verification import verify as check

            with transaction(factory) as s:
                return len(check(s).breaks)

        out[f"audit verify ({runs} imports: chain and every ledger row)"], broken = timed(verify, 1)
        assert broken == 0  # every imported row as the log's digests say
        spare = iter(range(runs + 1, runs + 3))

        def store() -> None:
            with transaction(factory) as s:
                cycle = s.get(Cycle, next(spare))
                assert cycle is not None
                ledgers.store_projects(s, cycle, projects, "", "office")

        out["  of which: the writing (COPY, PostgreSQL)"], _ = timed(store, 1)

        def store_matters() -> None:
            with transaction(factory) as s:
                cycle = s.get(Cycle, 1)
                assert cycle is not None
                ledgers.store_matters(s, cycle, matters, "office")

        out["platform matters stored (COPY, PostgreSQL)"], _ = timed(store_matters, 1)

        def counted() -> int:
            with transaction(factory) as s:
                cycle = s.get(Cycle, 1)
                assert cycle is not None
                return len(ledgers.derived(s, cycle, scheme).indicators)

        out["derived from the stored records (read + compile + derive)"], _ = timed(counted, runs)

        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return out


if __name__ == "__main__":
    main()

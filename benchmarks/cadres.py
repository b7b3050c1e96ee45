"""Benchmark of cadre grading and the results rulebook on PostgreSQL, province-sized.

    .venv/bin/python benchmarks/cadres.py                      # 30k, 100k and 300k staff, 3 runs
    .venv/bin/python benchmarks/cadres.py --sizes 300000 --runs 5

A synthetic province (fixed seed): 100 units in 3 categories with this year's and last year's
results; for each size N, N staff (cadres) on the roster — 10% of them leading cadres with
appraisal ballots (4 rater groups × 20 ballots each: 80 per leading cadre, 2.4 million ballots
at N = 300,000) and the office's score — quarterly regular checks of all staff (4 per person),
3 leadership teams per unit, the grade history of the two previous years (with gaps and
transfers), and 3% of the staff promoted this year.

Everything is written in bulk into a scratch database (``kaohe_bench_cadres_<pid>`` on the
server of ``KAOHE_BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1/postgres``;
dropped afterwards) by :func:`kaohe.web.bulk.insert_frame` (COPY). Then, in a fresh process per
run (so that its peak RSS is the computation's own), the platform's computation is timed step
by step, in one transaction rolled back at the end of each run:

1. **read** — every input from PostgreSQL (roster, ballots, checks, scores, results, the grade
   history of three years, promotions);
2. **assess** — the core's one call (:func:`kaohe.cadres.assess_cadres`): appraisal
   (renormalised over the groups that voted), checks with the cap on 好, the tilted quota per
   unit from the rulebook, gates and grades of cadres and teams, then every rule evaluated;
3. **write grades** — the grades and the year's grade history written back;
4. **write decisions** — every decision (explanation, inputs as JSON) written back.

Printed: the median of ``--runs`` runs per step and size, the peak RSS of the computing process
(maximum over its runs), and how the total grows with the number of staff. Target (issue 5):
under 60 s and under 4 GB at 300,000 staff.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ulanqab"
UNITS = 100
YEAR = 2022
SEED = 20240601
STEPS = ("read", "assess", "write_grades", "write_decisions")

APPRAISAL = """
cycle: "2022"
groups:
  leaders: {name: 上级领导, weight: 0.3, min_sample: 5, headcount: 20}
  peers: {name: 同级干部, weight: 0.3, min_sample: 5, headcount: 20}
  subordinates: {name: 下属干部, weight: 0.25, min_sample: 5, headcount: 20}
  users: {name: 服务对象, weight: 0.15, min_sample: 5, headcount: 20}
items:
  de: {name: 德}
  neng: {name: 能}
  qin: {name: 勤}
  ji: {name: 绩, weight: 2}
  lian: {name: 廉}
"""
RULEBOOK = """
name: 全省考核结果运用（基准测试）
rules:
  excellent_share:
    type: excellent_share_tilt
    public: true
    base_share: 0.2
    raise:
      - {when: {grade: excellent}, share: 0.25}
      - {when: {rank_at_most: 10}, share: 0.3}
  rank_quota:
    type: rank_quota_allocation
    public: true
    total: 2000
    weights:
      - {when: {grade: excellent}, weight: 3}
      - {when: {grade: good}, weight: 2}
    by_headcount: true
    min: 2
    max: 80
  county_reward:
    type: material_reward
    public: true
    by_grade: {excellent: 50}
    rise: {per_place: 5, cap: 15}
  merit:
    type: third_class_merit
    public: true
    years: 3
  commendation:
    type: commendation
    public: true
    replaced_by: [merit]
  promotion_pool:
    type: promotion_pool
    window: 2
    min_excellent: 1
    min_years_at_level: 2
  promotion_share:
    type: promotion_statistics
    public: true
    lookback: 1
    by_unit: true
  talks:
    type: accountability_list
    unit_grades: [poor]
    person_grades: [incompetent, basic, poor]
"""


# --------------------------------------------------------------------------- the data


def results_rows(rng: np.random.Generator) -> list[dict[str, Any]]:
    score = np.round(rng.normal(85, 6, UNITS), 3)
    order = np.argsort(-score, kind="stable")
    rank = np.empty(UNITS, dtype=int)
    rank[order] = np.arange(1, UNITS + 1)
    cats = np.array(["city", "county", "district"])[np.arange(UNITS) % 3]
    grades = np.where(rank <= 15, "excellent", np.where(rank <= 60, "good", "fair"))
    grades[rank > 95] = "poor"
    rows = []
    for i in range(UNITS):
        in_cat = int(np.sum((cats == cats[i]) & (score > score[i]))) + 1
        rows.append(
            {
                "unit": f"u{i:03d}",
                "name": f"单位{i:03d}",
                "category": str(cats[i]),
                "score": float(score[i]),
                "full_marks": 100.0,
                "share": float(score[i] / 100),
                "rank_in_category": in_cat,
                "rank": int(rank[i]),
                "grade": str(grades[i]),
                "grade_name": str(grades[i]),
                "vetoed": "safety" if i in (7, 42) else "",
            }
        )
    return rows


def people(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    unit_of = np.sort(rng.integers(0, UNITS, n))
    units = np.array([f"u{u:03d}" for u in range(UNITS)], dtype=object)
    keys = np.char.add("p", np.char.zfill(np.arange(n).astype(str), 7)).astype(object)
    teams = pd.DataFrame(
        {
            "team_key": [f"u{u:03d}-t{k}" for u in range(UNITS) for k in range(3)],
            "unit": [f"u{u:03d}" for u in range(UNITS) for _ in range(3)],
            "name": [f"单位{u:03d}领导班子{k}" for u in range(UNITS) for k in range(3)],
        }
    )
    status = np.full(n, "normal", dtype=object)
    r = rng.random(n)
    status[r < 0.004] = "investigation"
    status[(r >= 0.004) & (r < 0.01)] = "discipline"
    status[(r >= 0.01) & (r < 0.03)] = "probation"
    start = np.full(n, None, dtype=object)
    start[status != "normal"] = "2021-10-01"
    end = np.full(n, None, dtype=object)
    end[status == "discipline"] = "2022-09-30"
    cadres = pd.DataFrame(
        {
            "cadre_key": keys,
            "name": np.char.add("干部", np.arange(n).astype(str)).astype(object),
            "unit": units[unit_of],
            "team_key": None,
            "position": "科员",
            "rank_level": "一级主任科员",
            "status": status,
            "status_start": start,
            "status_end": end,
            "active": True,
        }
    )
    return teams.assign(active=True), cadres


def ballots(rng: np.random.Generator, leaders: np.ndarray, cycle_id: int) -> pd.DataFrame:
    """80 ballots per leading cadre: 4 groups × 20; the choices of 5 items drawn per ballot
    from the 4^5 combinations (strings and values looked up, not built per ballot)."""
    points = np.array([100.0, 80.0, 60.0, 0.0])
    weights = np.array([1.0, 1.0, 1.0, 2.0, 1.0])
    combos = np.array(np.meshgrid(*[np.arange(4)] * 5, indexing="ij")).reshape(5, -1).T
    combo_value = points[combos] @ weights / weights.sum()
    combo_text = np.array(["|".join(f"{points[c]:g}" for c in row) for row in combos], dtype=object)
    per = 80
    n = len(leaders) * per
    quality = rng.beta(5, 2, len(leaders)).repeat(per)
    # good cadres draw mostly from the good combinations (lower codes)
    pick = np.minimum((rng.random(n) ** (1 + 3 * quality) * 1024).astype(np.int64), 1023)
    groups = np.tile(
        np.repeat(np.array(["leaders", "peers", "subordinates", "users"]), 20), len(leaders)
    )
    return pd.DataFrame(
        {
            "cycle_id": cycle_id,
            "ballot_key": np.char.add("B", np.arange(n).astype(str)).astype(object),
            "subject_key": leaders.repeat(per),
            "rater_group": groups.astype(object),
            "choices": combo_text[pick],
            "value": combo_value[pick],
        }
    )


def checks(rng: np.random.Generator, keys: np.ndarray, cycle_id: int) -> pd.DataFrame:
    n = len(keys)
    base = rng.normal(84, 6, n).repeat(4)
    score = np.clip(base + rng.normal(0, 4, 4 * n), 40, 100).round(1)
    grade = np.where(score >= 86, "good", np.where(score >= 75, "fairly_good", "average"))
    grade[score < 60] = "poor"
    return pd.DataFrame(
        {
            "cycle_id": cycle_id,
            "cadre_key": keys.repeat(4),
            "year": YEAR,
            "quarter": np.tile(np.arange(1, 5), n),
            "grade": grade.astype(object),
            "score": score,
            "note": "",
        }
    )


def history(rng: np.random.Generator, cadres: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    n = len(cadres)
    frames = []
    units = cadres["unit"].to_numpy()
    all_units = np.array([f"u{u:03d}" for u in range(UNITS)], dtype=object)
    for year in (YEAR - 2, YEAR - 1):
        keep = rng.random(n) > 0.04  # gaps: not assessed that year
        moved = rng.random(n) < 0.05  # transfers
        unit = np.where(moved, all_units[rng.integers(0, UNITS, n)], units)
        grade = rng.choice(
            np.array(["excellent", "competent", "basic", "incompetent"], dtype=object),
            n,
            p=[0.2, 0.77, 0.025, 0.005],
        )
        frames.append(
            pd.DataFrame(
                {
                    "person_key": cadres["cadre_key"].to_numpy()[keep],
                    "kind": "cadre",
                    "year": year,
                    "unit": unit[keep],
                    "grade": grade[keep],
                    "years_at_level": rng.integers(0, 8, n)[keep].astype(float) - (YEAR - year),
                    "source": "imported",
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "person_key": teams["team_key"].to_numpy(),
                    "kind": "team",
                    "year": year,
                    "unit": teams["unit"].to_numpy(),
                    "grade": rng.choice(
                        np.array(["good", "fairly_good"], dtype=object), len(teams)
                    ),
                    "years_at_level": np.nan,
                    "source": "imported",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- loading


def load(url: str, n: int) -> dict[str, Any]:
    """Fill the scratch database for ``n`` staff; returns row counts and the loading time."""
    from kaohe.web.personnel import service as personnel
    from kaohe.web.store.bulk import insert_frame
    from kaohe.web.store.engine import open_engine, session_factory, transaction
    from kaohe.web.store.migrate import upgrade
    from kaohe.web.store.models import (
        Ballot,
        Cadre,
        ComponentScore,
        Cycle,
        GradeRecord,
        Promotion,
        RegularCheck,
        ResultSnapshot,
        SchemeVersion,
        Team,
    )

    rng = np.random.default_rng(SEED + n)
    engine = open_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    with transaction(session_factory(engine)) as s:
        text_ = (EXAMPLE / "scheme.yaml").read_text(encoding="utf-8")
        version = SchemeVersion(name="bench", text=text_, sha256="0" * 64)
        s.add(version)
        s.flush()
        for name in ("2021", "2022"):
            c = Cycle(name=name, scheme_version_id=version.id, state="final")
            s.add(c)
            s.flush()
            s.add(ResultSnapshot(cycle_id=c.id, rows=json.dumps(results_rows(rng)), explain="{}"))
        s.flush()
        cycle = s.get(Cycle, 2)
        assert cycle is not None
        texts = {
            "appraisal": APPRAISAL,
            "checks": (EXAMPLE / "cadres" / "checks.yaml").read_text(encoding="utf-8"),
            "grading": (EXAMPLE / "cadres" / "grading.yaml").read_text(encoding="utf-8"),
            "rulebook": RULEBOOK,
        }
        personnel.store_designs(s, cycle, texts, "bench", previous_cycle_id=1)
        teams, cadres = people(rng, n)
        counts["teams"] = insert_frame(s, Team, teams)
        counts["cadres"] = insert_frame(s, Cadre, cadres)
        keys = cadres["cadre_key"].to_numpy()
        leaders = keys[rng.random(n) < 0.1][: n // 10]
        counts["ballots"] = insert_frame(s, Ballot, ballots(rng, leaders, cycle.id))
        counts["checks"] = insert_frame(s, RegularCheck, checks(rng, keys, cycle.id))
        office = pd.DataFrame(
            {
                "cycle_id": cycle.id,
                "kind": "cadre",
                "subject_key": leaders,
                "component": "office",
                "value": rng.normal(84, 6, len(leaders)).round(1),
            }
        )
        team_office = pd.DataFrame(
            {
                "cycle_id": cycle.id,
                "kind": "team",
                "subject_key": teams["team_key"].to_numpy(),
                "component": "office",
                "value": rng.normal(85, 4, len(teams)).round(1),
            }
        )
        counts["scores"] = insert_frame(s, ComponentScore, pd.concat([office, team_office]))
        counts["history"] = insert_frame(s, GradeRecord, history(rng, cadres, teams))
        promoted = rng.choice(keys, n * 3 // 100, replace=False)
        counts["promotions"] = insert_frame(
            s,
            Promotion,
            pd.DataFrame(
                {
                    "person_key": promoted,
                    "year": YEAR,
                    "unit": cadres.set_index("cadre_key").loc[promoted, "unit"].to_numpy(),
                    "position": "副科长",
                    "name": "",
                }
            ),
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"load_s": time.perf_counter() - t0, **counts}


# --------------------------------------------------------------------------- one run


def run_once(url: str) -> dict[str, float]:
    """One timed computation (steps as in the module's docstring), rolled back."""
    from kaohe.cadres import assess_cadres
    from kaohe.web.personnel import compute as pc
    from kaohe.web.personnel.service import need_designs
    from kaohe.web.store.engine import open_engine, session_factory
    from kaohe.web.store.models import Cycle, PersonnelComputation

    engine = open_engine(url)
    times: dict[str, float] = {}
    out: dict[str, float] = {}
    with session_factory(engine)() as s:
        cycle = s.get(Cycle, 2)
        assert cycle is not None
        designs = need_designs(s, cycle)
        t = time.perf_counter()
        read = pc.read_inputs(s, cycle, designs)
        times["read"] = time.perf_counter() - t
        t = time.perf_counter()
        done = assess_cadres(read.designs, read.inputs)
        times["assess"] = time.perf_counter() - t
        t = time.perf_counter()
        run = PersonnelComputation(
            cycle_id=cycle.id, snapshot_id=read.snapshot_id, design_id=designs.record.id
        )
        s.add(run)
        s.flush()
        out["grades_n"] = sum(pc.store_grades(s, run, g) for g in done.graded)
        pc.write_history(s, cycle, done)
        times["write_grades"] = time.perf_counter() - t
        t = time.perf_counter()
        assert done.decisions is not None
        out["decisions_n"] = pc.store_decisions(s, run, done.decisions)
        s.flush()
        times["write_decisions"] = time.perf_counter() - t
        s.rollback()
        assert read.inputs.ballots is not None
        out["ballots_n"] = len(read.inputs.ballots)
        cadre = done.cadres
        out["excellent_n"] = int((cadre.frame["grade"] == "excellent").sum()) if cadre else 0
    engine.dispose()
    times["total"] = sum(times[k] for k in STEPS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {**times, **out, "peak_rss_mb": peak}


# --------------------------------------------------------------------------- driver


def _scratch(admin_url: str, name: str, create: bool) -> None:
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _child(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30000,100000,300000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load", help=argparse.SUPPRESS)  # child: URL,N
    parser.add_argument("--run", help=argparse.SUPPRESS)  # child: URL
    args = parser.parse_args()
    if args.load:
        url, n = args.load.rsplit(",", 1)
        print(json.dumps(load(url, int(n))))
        return
    if args.run:
        print(json.dumps(run_once(args.run)))
        return
    admin = os.environ.get("KAOHE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
    name = f"kaohe_bench_cadres_{os.getpid()}"
    url = f"{admin.rsplit('/', 1)[0]}/{name}"
    sizes = [int(x) for x in args.sizes.split(",")]
    table = []
    for n in sizes:
        _scratch(admin, name, create=True)
        try:
            loaded = _child("--load", f"{url},{n}")
            runs = [_child("--run", url) for _ in range(args.runs)]
        finally:
            _scratch(admin, name, create=False)
        med = {k: statistics.median(r[k] for r in runs) for k in (*STEPS, "total")}
        peak = max(r["peak_rss_mb"] for r in runs)
        table.append((n, loaded, med, peak, runs[0]))
        print(
            f"{n:>8,} staff: loaded {loaded['ballots']:,} ballots, {loaded['checks']:,} checks, "
            f"{loaded['history']:,} history rows in {loaded['load_s']:.1f} s; "
            f"{runs[0]['grades_n']:,.0f} grades, {runs[0]['decisions_n']:,.0f} decisions",
            flush=True,
        )
    print(f"\nmedian of {args.runs} runs (s), peak RSS of the computing process:")
    print(f"{'staff':>8} " + " ".join(f"{s:>15}" for s in (*STEPS, "total")) + "  peak RSS")
    for n, _, med, peak, _ in table:
        cells = " ".join(f"{med[s]:>15.2f}" for s in (*STEPS, "total"))
        print(f"{n:>8,} {cells}  {peak:>6.0f} MB")
    if len(table) > 1:
        first_n, first_t = table[0][0], table[0][2]["total"]
        growth = ", ".join(
            f"{n / first_n:.0f}× staff → {med['total'] / first_t:.1f}× time"
            for n, _, med, _, _ in table[1:]
        )
        print(f"growth against {first_n:,} staff: {growth}")
    last_n, _, last_med, last_peak, _ = table[-1]
    ok_t = "met" if last_med["total"] < 60 else "NOT met"
    ok_m = "met" if last_peak < 4096 else "NOT met"
    print(
        f"target at {last_n:,} staff: under 60 s: {last_med['total']:.1f} s ({ok_t}); "
        f"under 4 GB: {last_peak:.0f} MB ({ok_m})"
    )


if __name__ == "__main__":
    main()

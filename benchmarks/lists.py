"""Benchmark of the long lists at a real office's size (issue 15): the audit log of 100,000
entries, a cadre list of 5,000 and a review list (and its dashboard) of 100 units × 60
indicators — each page, filtered and searched, paged deep.

    .venv/bin/python benchmarks/lists.py                    # SQLite and PostgreSQL
    .venv/bin/python benchmarks/lists.py --runs 9 --backends sqlite

For each backend a fresh database is filled with the Ulanqab demo (on PostgreSQL — trust auth on
127.0.0.1, user postgres, ``--pg`` to change — a new database ``kaohe_lists_<pid>``, dropped
afterwards); then ``--entries`` generated audit entries are appended (``audit_list.generate``),
``--cadres`` cadres with their grades are added to the demo's computation (11 units), and a
synthetic scheme of ``--units`` units × ``--indicators`` indicators (benchmarks/synthetic.py, one
owner department ``bench``) gets a collecting cycle with every value of the department
submitted and waiting for review. The pages are asked for in process (Starlette's test client,
logged in as the office, or ``rev-bench``/``rep-bench``), ``--runs`` times per scenario after
one warm-up; printed per scenario: the median and the slowest time in ms and what the page
says it shows; then one export of each list. The target: every page's median under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, func, insert, select, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from audit_list import generate  # noqa: E402
from kaohe.web.accounts import service as accounts  # noqa: E402
from kaohe.web.app import create_app  # noqa: E402
from kaohe.web.cycles import moves  # noqa: E402
from kaohe.web.cycles import service as cycles  # noqa: E402
from kaohe.web.demo import load_demo  # noqa: E402
from kaohe.web.settings import Settings  # noqa: E402
from kaohe.web.store.engine import open_engine, session_factory, transaction  # noqa: E402
from kaohe.web.store.models import AnnualGrade, Cadre, Value  # noqa: E402
from kaohe.web.submissions.service import entry_columns  # noqa: E402
from synthetic import scheme_mapping  # noqa: E402

TARGET_MS = 100.0
PASSWORD = "bench-lists-pass"
UNITS = (
    "jining",
    "fengzhen",
    "zhuozi",
    "liangcheng",
    "huade",
    "shangdu",
    "xinghe",
    "chayouqian",
    "chayouzhong",
    "chayouhou",
    "siziwang",
)
GRADES = ("优秀", "称职", "基本称职", "不称职")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def add_cadres(url: str, n: int, seed: int = 15) -> int:
    """``n`` more cadres with grades on the demo's latest computation: its total of cadres."""
    rng = random.Random(seed)
    engine = open_engine(url)
    with engine.begin() as conn:
        run = conn.execute(select(func.max(AnnualGrade.computation_id))).scalar_one()
        people, grades = [], []
        for k in range(n):
            unit = UNITS[k % len(UNITS)]
            key = f"bench-{k:05d}"
            name = rng.choice(SURNAMES) + rng.choice("明华建国志强伟芳娜敏静丽") + str(k % 97)
            people.append({"cadre_key": key, "name": name, "unit": unit, "active": True})
            grades.append(
                {
                    "computation_id": run,
                    "kind": "cadre",
                    "subject_key": key,
                    "unit": unit,
                    "year": 2022,
                    "score": rng.uniform(60, 100),
                    "grade": "g",
                    "grade_name": rng.choices(GRADES, (15, 75, 8, 2))[0],
                    "position": k // len(UNITS) + 100,
                    "participants": n // len(UNITS),
                    "share": 0.15,
                    "quota": n // len(UNITS) * 15 // 100,
                }
            )
        conn.execute(insert(Cadre), people)
        conn.execute(insert(AnnualGrade), grades)
        total = conn.execute(
            select(func.count())
            .select_from(AnnualGrade)
            .where(AnnualGrade.computation_id == run, AnnualGrade.kind == "cadre")
        ).scalar_one()
    engine.dispose()
    return int(total)


def review_cycle(url: str, n_units: int, n_indicators: int) -> tuple[int, int]:
    """A collecting cycle of a synthetic scheme whose one department has submitted every value:
    (cycle id, values waiting)."""
    mapping = scheme_mapping(n_units, n_indicators)
    mapping["departments"] = {"bench": {"name": "基准测试局"}}
    for ind in mapping["indicators"].values():
        ind["owner"] = "bench"
    engine = open_engine(url)
    with transaction(session_factory(engine)) as s:
        version = cycles.store_scheme(s, yaml.safe_dump(mapping, allow_unicode=True))
        cycle = cycles.create_cycle(s, version, "基准测试")
        moves.move(s, cycle, "collecting")
        rep = accounts.add_user(s, "rep-bench", PASSWORD, "reporter", department="bench")
        accounts.add_user(s, "rev-bench", PASSWORD, "reviewer", department="bench")
        s.flush()
        scheme = cycles.scheme_of(cycle, s)
        rows = []
        for uid, unit in scheme.units.items():
            for iid, key, _ in entry_columns(scheme, rep):
                if key.endswith(":note") or not scheme.indicators[iid].applies_to(unit.category):
                    continue
                rows.append(
                    {
                        "cycle_id": cycle.id,
                        "unit": uid,
                        "column": key,
                        "period": "",
                        "version": 1,
                        "raw": "1.5",
                        "note": "",
                        "state": "submitted",
                        "submitted_by": rep.id,
                        "comment": "",
                    }
                )
        s.execute(insert(Value), rows)
        cid = cycle.id
    engine.dispose()
    return cid, len(rows)


def logged_in(app: Any, username: str, password: str) -> Any:
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert csrf
    r = c.post("/login", data={"username": username, "password": password, "csrf": csrf.group(1)})
    assert r.status_code == 303, r.text
    return c


SHOWN = re.compile(r'id="(?:audit-count|cadre-count|review-range|cell-count)">([^<·]*)')


def scenarios(review: int, total_cadres: int, waiting: int) -> list[tuple[str, str, str]]:
    """(who, name, path) of every page measured."""
    deep = (total_cadres - 1) // 50 * 50
    deep_review = (waiting - 1) // 50 * 50
    r = f"/cycles/{review}"
    return [
        ("office", "audit: whole log, page 1", "/admin/audit"),
        ("office", "audit: before #50,000", "/admin/audit?before=50000"),
        ("office", "audit: person + action", "/admin/audit?who=rep-stats&action=value.submit"),
        ("office", "audit: cycle", "/admin/audit?cycle=3"),
        ("office", "cadres: page 1", "/cycles/1/personnel"),
        ("office", "cadres: last page", f"/cycles/1/personnel?offset={deep}"),
        (
            "office",
            "cadres: unit + grade",
            "/cycles/1/personnel?unit=jining&grade=%E7%A7%B0%E8%81%8C",
        ),
        ("office", "cadres: search", "/cycles/1/personnel?q=%E7%8E%8B"),
        ("reviewer", "review: page 1", f"{r}/review"),
        ("reviewer", "review: last page", f"{r}/review?offset={deep_review}"),
        ("reviewer", "review: one unit", f"{r}/review?unit=u000042"),
        ("reviewer", "review: search", f"{r}/review?q=%E6%8C%87%E6%A0%8717"),
        ("office", "dashboard: whole", f"{r}/dashboard"),
        ("office", "dashboard: cells waiting", f"{r}/dashboard?state=submitted&offset=3000"),
        ("office", "dashboard: a unit's cells", f"{r}/dashboard?unit=u000042"),
    ]


EXPORTS = (
    ("office", "audit.csv (a cycle)", "/admin/audit.csv?cycle=3"),
    ("office", "cadres.xlsx (all)", "/cycles/1/personnel/cadres.xlsx"),
    ("reviewer", "review.xlsx (all)", "/cycles/{review}/review.xlsx"),
    ("office", "dashboard.csv (all cells)", "/cycles/{review}/dashboard.csv"),
)


def measure(
    url: str, runs: int, review: int, cadres: int, waiting: int
) -> list[tuple[str, float, float, str]]:
    app = create_app(Settings(database_url=url))
    who = {
        "office": logged_in(app, "office", "office-demo-pass"),
        "reviewer": logged_in(app, "rev-bench", PASSWORD),
    }
    out = []
    for role, name, path in scenarios(review, cadres, waiting):
        c = who[role]
        assert c.get(path).status_code == 200, path  # warm
        times, shown = [], ""
        for _ in range(runs):
            t0 = time.perf_counter()
            r = c.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (path, r.status_code)
            m = SHOWN.search(r.text)
            shown = m.group(1).strip() if m else ""
        out.append((name, statistics.median(times), max(times), shown))
    for role, name, path in EXPORTS:
        t0 = time.perf_counter()
        r = who[role].get(path.format(review=review))
        ms = (time.perf_counter() - t0) * 1000
        assert r.status_code == 200, (path, r.status_code)
        out.append((f"export {name}", ms, ms, f"{len(r.content):,} bytes"))
    return out


def run(backend: str, args: argparse.Namespace) -> None:
    tmp = tempfile.mkdtemp()
    dropped = ""
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/lists.db"
    else:
        name = f"kaohe_lists_{os.getpid()}"
        admin = create_engine(f"{args.pg}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url, dropped = f"{args.pg}/{name}", name
    try:
        engine = open_engine(url)
        load_demo(engine)
        engine.dispose()
        t0 = time.perf_counter()
        generate(url, args.entries)
        cadres = add_cadres(url, args.cadres)
        review, waiting = review_cycle(url, args.units, args.indicators)
        made = time.perf_counter() - t0
        results = measure(url, args.runs, review, cadres, waiting)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if dropped:
            admin = create_engine(f"{args.pg}/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)'))
            admin.dispose()
    print(
        f"\n== {backend}: {args.entries:,} audit entries, {cadres:,} cadres, {waiting:,} values "
        f"waiting ({args.units} units × {args.indicators} indicators); made in {made:.1f} s; "
        f"{args.runs} runs each"
    )
    print(f"{'page':<30}{'median ms':>10}{'max ms':>10}  shown")
    worst = 0.0
    for name, med, top, shown in results:
        print(f"{name:<30}{med:>10.1f}{top:>10.1f}  {shown}")
        if not name.startswith("export"):
            worst = max(worst, med)
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"slowest page median {worst:.1f} ms: target < {TARGET_MS:.0f} ms {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=5_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1")
    for backend in parser.parse_args().backends.split(","):
        run(backend.strip(), parser.parse_args())


if __name__ == "__main__":
    main()

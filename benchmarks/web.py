"""Benchmark of the web platform: the public board and data submission under 50 clients.

    .venv/bin/python benchmarks/web.py                  # PostgreSQL and SQLite, 1 and 2 processes
    .venv/bin/python benchmarks/web.py --runs 5 --requests 3000 --backends postgresql --workers 2

For each backend, a fresh database is filled with the Ulanqab demo (``kaohe.web.demo``) — on
PostgreSQL (trust auth on 127.0.0.1, user postgres; ``--pg`` to change) a new database
``kaohe_bench_<pid>`` that is dropped afterwards, on SQLite a file in a temporary directory.
A uvicorn server (asyncio + h11, with ``TCP_NODELAY``, as ``kaohe serve`` runs it) with each
number of processes of ``--workers`` in turn (default: one, then two — one per core here, as
``kaohe serve --workers 2``; a fresh server on the same database each time) serves, on a free
port of 127.0.0.1, a Starlette app with:

- ``GET /floor``: a minimal Starlette JSON endpoint (no middleware, no database) — the floor;
- everything else mounted from ``kaohe.web.app.create_app`` as it is built for production.

The load generator (this process) keeps 50 requests in flight (50 tasks, each with its own
keep-alive connection) for ``--requests`` requests per scenario (or ``--seconds``, whichever ends
first), after a warm-up. Its client is a minimal HTTP/1.1 one on asyncio streams (``RawClient``,
about 0.14 ms of CPU per request); ``--client httpx`` uses httpx.AsyncClient instead, which takes
about 3.3 ms of CPU per request — on a 2-core machine shared with the server it, not the server,
bounds the floor (about 1,100 req/s against 3,000 with the raw client), so that the board's ratio
to the floor flatters the board. The scenarios:

- **floor**: ``GET /floor``;
- **board**: ``GET /board/1``, the published ranking page, as an anonymous visitor;
- **submit**: ``POST /cycles/{id}/entry`` (the data-entry form) as the logged-in reporter
  ``rep-stats`` with its CSRF token, into a new cycle in ``collecting`` made for each run. Each
  of the 50 clients owns one cell (unit × stats column) and alternates it between two valid
  values, so every POST changes exactly one cell: the answer is 303 and exactly one new ``Value``
  row (and one audit entry) is written. Afterwards the rows of that cycle are counted against the
  303 answers ("none lost"), and the audit chain is verified.

Reported per scenario: requests per second (completed / wall time), p50 and p95 latency (each
request, from send to full answer), and failures — medians of ``--runs`` runs — for each backend
and number of processes, with the targets (issue) checked for each: board ≥ 50% of the floor's
throughput with p95 < 100 ms; submissions ≥ 200/s on PostgreSQL with none lost. A summary table
of every configuration ends the report. The client and the server share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
CLIENTS = 50
USER, PASSWORD = "rep-stats", "report-demo-pass"
Clients = list[Any]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


# --------------------------------------------------------------------------- server


def bench_app() -> Any:
    """The served app: the floor route next to the whole Kaohe app (database from the
    environment, as ``kaohe serve`` takes it), built in each worker process."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    from kaohe.web.app import create_app
    from kaohe.web.settings import Settings

    async def floor(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    kaohe = create_app(Settings(database_url=os.environ["KAOHE_BENCH_URL"]))
    return Starlette(routes=[Route("/floor", floor), Mount("", app=kaohe)])


def serve(database_url: str, port: int, workers: int) -> None:
    """The server process: uvicorn with ``workers`` processes (one: in this process)."""
    import uvicorn

    from kaohe.web.serving.protocol import NoDelayH11Protocol  # as ``kaohe serve`` runs it

    os.environ["KAOHE_BENCH_URL"] = database_url
    common: dict[str, Any] = {
        "host": HOST,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "http": NoDelayH11Protocol,
    }
    if workers == 1:
        uvicorn.run(bench_app(), **common)
    else:
        uvicorn.run("web:bench_app", factory=True, app_dir=str(HERE), workers=workers, **common)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", database_url, str(port), "--workers", str(workers)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/floor", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start in 60 s")


def server_children(proc: subprocess.Popen[bytes]) -> set[int]:
    """The server's child processes (Linux ``/proc``; empty elsewhere): with ``--workers`` N,
    uvicorn's workers — one that misses its health check (5 s) is killed and replaced, and
    every connection it held is dropped."""
    found: set[int] = set()
    for task in Path(f"/proc/{proc.pid}/task").glob("*"):
        try:
            found |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- databases


@dataclass
class Database:
    url: str
    drop: list[str] = field(default_factory=list)  # PostgreSQL: the database to drop


def make_database(backend: str, pg: str, tmp: Path) -> Database:
    from kaohe.web.demo import load_demo
    from kaohe.web.store.engine import open_engine

    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        name = f"kaohe_bench_{os.getpid()}"
        admin = create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            c.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        db = Database(pg.rsplit("/", 1)[0] + "/" + name, [name])
    else:
        db = Database(f"sqlite:///{tmp / 'kaohe-bench.db'}")
    engine = open_engine(db.url)
    load_demo(engine)
    engine.dispose()
    return db


def drop_database(db: Database, pg: str) -> None:
    if not db.drop:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {db.drop[0]} WITH (FORCE)"))
    admin.dispose()


def new_collecting_cycle(url: str, label: str) -> int:
    """A new cycle of the demo's scheme, open for data entry."""
    from kaohe.web.cycles import service as cycles
    from kaohe.web.cycles.moves import move
    from kaohe.web.store.engine import open_engine, session_factory, transaction
    from kaohe.web.store.models import SchemeVersion

    engine = open_engine(url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, label)
        move(s, cycle, "collecting")
        cid = cycle.id
    engine.dispose()
    return cid


def cells_to_enter(url: str) -> list[tuple[str, str, str]]:
    """CLIENTS cells of rep-stats (name, value a, value b): two valid, different values each,
    taken from the demo's data (the value, and the value + 1% or, if not valid, empty)."""
    from sqlalchemy import select

    from kaohe.dataset import cell_problem
    from kaohe.web.cycles import service as cycles
    from kaohe.web.store.engine import open_engine, session_factory
    from kaohe.web.store.models import Cycle, User, Value
    from kaohe.web.submissions.service import entry_columns

    engine = open_engine(url)
    out: list[tuple[str, str, str]] = []
    with session_factory(engine)() as s:
        cycle = s.get(Cycle, 1)
        user = s.execute(select(User).where(User.username == USER)).scalar_one()
        assert cycle is not None
        scheme = cycles.scheme_of(cycle, s)
        keys = [k for _, k, _ in entry_columns(scheme, user) if not k.endswith(":note")]
        demo = {
            (v.unit, v.column): v.raw
            for v in s.execute(select(Value).where(Value.cycle_id == 1)).scalars()
        }
        for key in keys:
            for uid in scheme.units:
                a = demo.get((uid, key), "")
                if not a.strip() or cell_problem(scheme, key, a):
                    continue
                try:
                    b = f"{float(a) * 1.01 + 0.01:.4g}"
                except ValueError:
                    b = ""
                if b == a or cell_problem(scheme, key, b):
                    b = ""
                out.append((f"cell:{uid}:{key}", a, b))
    engine.dispose()
    if len(out) < CLIENTS:
        raise RuntimeError(f"only {len(out)} cells for {USER}; {CLIENTS} are needed")
    return out[:CLIENTS]


def count_rows(url: str, cycle_id: int) -> tuple[int, bool]:
    """Value rows of the cycle, and whether the audit chain verifies."""
    from sqlalchemy import func, select

    from kaohe.web.audit import verification
    from kaohe.web.store.engine import open_engine, session_factory
    from kaohe.web.store.models import Value

    engine = open_engine(url)
    with session_factory(engine)() as s:
        n = s.execute(select(func.count()).where(Value.cycle_id == cycle_id)).scalar_one()
        check = verification.verify(s)
    engine.dispose()
    return int(n), check.ok


# --------------------------------------------------------------------------- load


@dataclass
class Result:
    n: int
    ok: int
    seconds: float
    latencies: list[float]
    failures: dict[str, int]

    @property
    def rps(self) -> float:
        return self.n / self.seconds

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")


async def load(
    clients: Clients,
    request: Callable[[Any, int], Awaitable[Answer | httpx.Response]],
    expect: int,
    total: int,
    seconds: float,
) -> Result:
    """One task per client, each sending ``request(its client, its index)`` one after the other,
    until ``total`` requests are sent in all or time is up."""
    latencies: list[float] = []
    failures: dict[str, int] = {}
    counter = iter(range(total))
    ok = 0
    start = time.perf_counter()
    stop = start + seconds

    async def worker(c: int) -> None:
        nonlocal ok
        for _ in counter:
            if time.perf_counter() > stop:
                return
            t = time.perf_counter()
            try:
                r = await request(clients[c], c)
                status = str(r.status_code)
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - t)
            if status == str(expect):
                ok += 1
            else:
                failures[status] = failures.get(status, 0) + 1

    await asyncio.gather(*(worker(c) for c in range(len(clients))))
    return Result(len(latencies), ok, time.perf_counter() - start, latencies, failures)


@dataclass
class Answer:
    status_code: int


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on one connection (asyncio streams): GET, and POST
    of a urlencoded form; the answer's status, its body read and dropped. At about a tenth of
    httpx's CPU per request, it leaves the shared cores to the server (``--client httpx`` to
    compare)."""

    def __init__(self, base: str, cookie: str = "") -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.head = f"Host: {self.host}:{port}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> RawClient:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def _reconnect(self) -> None:
        """After a failed request: a new connection for the next one (as a browser would), so
        that one dropped connection counts as one failure, not as every later request's."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def __aexit__(self, *_: object) -> None:
        if self.writer is not None:
            self.writer.close()

    async def get(self, path: str) -> Answer:
        return await self._send(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode())

    async def post(self, path: str, data: dict[str, str]) -> Answer:
        body = urlencode(data).encode()
        head = (
            f"POST {path} HTTP/1.1\r\n{self.head}"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return await self._send(head.encode() + body)

    async def _send(self, request: bytes) -> Answer:
        if self.reader is None:
            await self._reconnect()
        try:
            return await self._exchange(request)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            if self.writer is not None:
                self.writer.close()
            self.reader = self.writer = None
            raise

    async def _exchange(self, request: bytes) -> Answer:
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        return Answer(status)


Client = httpx.AsyncClient | RawClient


@asynccontextmanager
async def new_clients(
    base: str, kind: str, cookies: httpx.Cookies | None = None
) -> AsyncIterator[Clients]:
    """CLIENTS clients, each with its own connection (as 50 browsers; one shared httpx pool of
    50 connections is itself slower than the server's floor)."""
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                RawClient(base, cookie)
                if kind == "raw"
                else httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60)
            )
            for _ in range(CLIENTS)
        ]


async def login(client: httpx.AsyncClient) -> str:
    page = await client.get("/login")
    m = CSRF.search(page.text)
    assert m, "no CSRF token on the login page"
    r = await client.post(
        "/login", data={"username": USER, "password": PASSWORD, "csrf": m.group(1)}
    )
    assert r.status_code == 303, f"login answered {r.status_code}"
    entry = await client.get("/cycles/1/entry")
    m = CSRF.search(entry.text)
    assert m, "no CSRF token on the entry page"
    return m.group(1)


async def one_run(
    base: str, url: str, cells: list[tuple[str, str, str]], run: int, args: argparse.Namespace
) -> dict[str, Result | tuple[int, int, bool]]:
    out: dict[str, Result | tuple[int, int, bool]] = {}
    async with new_clients(base, args.client) as anon:

        async def floor(cl: Client, c: int) -> Answer | httpx.Response:
            return await cl.get("/floor")

        async def board(cl: Client, c: int) -> Answer | httpx.Response:
            return await cl.get("/board/1")

        for name, fn, expect in (("floor", floor, 200), ("board", board, 200)):
            await load(anon, fn, expect, CLIENTS * 4, 30)  # warm-up
            out[name] = await load(anon, fn, expect, args.requests, args.seconds)

    cycle_id = new_collecting_cycle(url, f"benchmark run {run}")
    async with httpx.AsyncClient(base_url=base, timeout=60) as one:
        token = await login(one)
        cookies = one.cookies
    async with new_clients(base, args.client, cookies) as rep:
        path = f"/cycles/{cycle_id}/entry"

        saved = [1] * CLIENTS  # which of the cell's two values is stored: flip on success only

        async def submit(cl: Client, c: int) -> Answer | httpx.Response:
            name, a, b = cells[c]
            raw = a if saved[c] else b
            r = await cl.post(path, data={"csrf": token, name: raw})
            if r.status_code == 303:
                saved[c] = 1 - saved[c]
            return r

        res = await load(rep, submit, 303, args.requests, args.seconds)
    out["submit"] = res
    rows, ok = count_rows(url, cycle_id)
    out["rows"] = (rows, res.ok, ok)
    return out


# --------------------------------------------------------------------------- report


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


@dataclass
class Summary:
    """One configuration's medians: (req/s, p50 ms, p95 ms) per scenario, rows lost."""

    backend: str
    workers: int
    medians: dict[str, tuple[float, float, float]]
    lost: int
    replaced: int = 0  # worker processes uvicorn killed and started again during the runs

    @property
    def ratio(self) -> float:
        return self.medians["board"][0] / self.medians["floor"][0]

    @property
    def board_met(self) -> bool:
        return self.ratio >= 0.5 and self.medians["board"][2] < 100

    @property
    def submit_met(self) -> bool:
        return self.medians["submit"][0] >= 200 and self.lost == 0


def report(
    backend: str, workers: int, runs: list[dict[str, Result | tuple[int, int, bool]]]
) -> Summary:
    procs = f"{workers} server process{'es' if workers > 1 else ''}"
    print(f"\n== {backend}, {procs}: {len(runs)} runs, {CLIENTS} concurrent clients (medians)")
    print(f"{'scenario':<10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'requests':>10}  failures")
    med: dict[str, tuple[float, float, float]] = {}
    for name in ("floor", "board", "submit"):
        rs = [r[name] for r in runs]
        assert all(isinstance(r, Result) for r in rs)
        results = [r for r in rs if isinstance(r, Result)]
        rps = median([r.rps for r in results])
        p50 = median([r.pct(0.50) for r in results])
        p95 = median([r.pct(0.95) for r in results])
        med[name] = (rps, p50, p95)
        fails: dict[str, int] = {}
        for r in results:
            for k, v in r.failures.items():
                fails[k] = fails.get(k, 0) + v
        n = sum(r.n for r in results)
        shown = ", ".join(f"{k}×{v}" for k, v in sorted(fails.items())) or "none"
        print(f"{name:<10}{rps:>10.0f}{p50:>10.1f}{p95:>10.1f}{n:>10}  {shown}")
    ratio = med["board"][0] / med["floor"][0]
    ok_board = ratio >= 0.5 and med["board"][2] < 100
    print(
        f"board / floor throughput: {ratio:.0%} (target ≥ 50%), board p95 "
        f"{med['board'][2]:.1f} ms (target < 100 ms): {'met' if ok_board else 'NOT met'}"
    )
    lost_all = 0
    for i, one in enumerate(runs, 1):
        row = one["rows"]
        assert isinstance(row, tuple)
        rows, expected, chain = row
        lost_all += abs(expected - rows)
        print(
            f"run {i}: Value rows counted {rows}, expected {expected} (303 answers): "
            f"{'none lost' if rows == expected else f'MISMATCH {rows - expected:+d}'}; "
            f"audit chain {'verifies' if chain else 'BROKEN'}"
        )
    target = " (target ≥ 200/s on PostgreSQL)" if backend == "postgresql" else ""
    ok_sub = med["submit"][0] >= 200 and lost_all == 0
    verdict = (": met" if ok_sub else ": NOT met") if backend == "postgresql" else ""
    print(f"submissions: {med['submit'][0]:.0f}/s{target}, lost: {lost_all}{verdict}")
    return Summary(backend, workers, med, lost_all)


def summarise(summaries: list[Summary]) -> None:
    """Every configuration on one table (medians), with the targets."""
    print(f"\n== summary (medians of each configuration's runs, {CLIENTS} clients)")
    print(
        f"{'backend':<12}{'processes':>10}{'floor/s':>9}{'board/s':>9}{'board/floor':>12}"
        f"{'board p95':>10}{'submit/s':>9}{'lost':>6}{'replaced':>9}  targets"
    )
    for x in summaries:
        board = "board met" if x.board_met else "board NOT met"
        submit = ""
        if x.backend == "postgresql":
            submit = ", submissions met" if x.submit_met else ", submissions NOT met"
        print(
            f"{x.backend:<12}{x.workers:>10}{x.medians['floor'][0]:>9.0f}"
            f"{x.medians['board'][0]:>9.0f}{x.ratio:>12.0%}{x.medians['board'][2]:>10.1f}"
            f"{x.medians['submit'][0]:>9.0f}{x.lost:>6}{x.replaced:>9}  {board}{submit}"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--requests", type=int, default=2000, help="per scenario and run")
    p.add_argument("--seconds", type=float, default=30.0, help="at most, per scenario and run")
    p.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1/postgres")
    p.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="uvicorn worker processes, each count in turn (default: 1 2; "
        "as `kaohe serve --workers N`)",
    )
    p.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="the load generator's HTTP client"
    )
    p.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.workers[0])
        return
    print(
        f"Kaohe web benchmark: {args.requests} requests per scenario (≤ {args.seconds:.0f} s), "
        f"{CLIENTS} {args.client} clients, uvicorn with {' then '.join(map(str, args.workers))} "
        f"process(es), {os.cpu_count()} "
        f"CPUs, Python {sys.version.split()[0]}"
    )
    summaries: list[Summary] = []
    for backend in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            db = make_database(backend, args.pg, Path(tmp))
            try:
                cells = cells_to_enter(db.url)
                for workers in args.workers:
                    proc, base = start_server(db.url, workers)
                    first, seen = server_children(proc), set[int]()
                    try:
                        runs = []
                        for i in range(1, args.runs + 1):
                            runs.append(asyncio.run(one_run(base, db.url, cells, i, args)))
                            seen |= server_children(proc)
                    finally:
                        stop_server(proc)
                    summary = report(backend, workers, runs)
                    summary.replaced = len(seen - first)
                    if summary.replaced:
                        print(
                            f"worker processes replaced during the runs: {summary.replaced} "
                            "(killed by uvicorn for missing a 5 s health check: their "
                            "connections were dropped)"
                        )
                    summaries.append(summary)
            finally:
                drop_database(db, args.pg)
    summarise(summaries)


if __name__ == "__main__":
    main()

"""``kaohe serve --workers N``: several stateless processes on one database answer the site."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from kaohe.cli.main import main
from kaohe.web.demo import load_demo
from kaohe.web.store.engine import open_engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_serve_the_board(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kaohe.db'}"
    engine = open_engine(url)
    load_demo(engine)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "KAOHE_DATABASE_URL": url}
    kaohe = [sys.executable, "-c", "from kaohe.cli.main import main; main()"]
    proc = subprocess.Popen(
        [*kaohe, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, answers = time.monotonic() + 60, list[httpx.Response]()
        while time.monotonic() < deadline and len(answers) < 20:
            try:
                answers.append(httpx.get(f"http://127.0.0.1:{port}/board/1", timeout=5))
            except httpx.TransportError:
                time.sleep(0.3)
        assert len(answers) == 20, "the server did not answer within 60 s"
        assert all(r.status_code == 200 for r in answers)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    assert out.count("Started server process") >= 2, out


def test_workers_must_be_positive() -> None:
    r = CliRunner().invoke(main, ["serve", "--workers", "0"])
    assert r.exit_code == 2
    assert "--workers" in r.output


def test_every_connection_gets_tcp_nodelay() -> None:
    """uvicorn's multi-process socket has protocol number 0, so asyncio leaves Nagle's algorithm
    on for its connections; the protocol turns it off itself."""
    from unittest.mock import MagicMock

    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from kaohe.web.serving.protocol import NoDelayH11Protocol

    listener = socket.socket(socket.AF_INET)  # as uvicorn binds it for several workers: proto 0
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    try:
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        config = Config(app=MagicMock(), http=NoDelayH11Protocol)
        config.load()
        protocol = NoDelayH11Protocol(config, ServerState(), {})
        transport = MagicMock()
        transport.get_extra_info.side_effect = lambda name, default=None: {
            "socket": conn,
            "peername": ("127.0.0.1", 1),
            "sockname": ("127.0.0.1", 2),
        }.get(name, default)
        protocol.connection_made(transport)
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in (conn, client, listener):
            s.close()

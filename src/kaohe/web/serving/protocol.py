"""How the web app is served: uvicorn's HTTP/1.1 protocol (h11), with Nagle's algorithm off.

With ``--workers N`` uvicorn binds the listening socket itself (``socket.socket(family=…)``, its
protocol number left 0), and asyncio turns ``TCP_NODELAY`` on only for sockets whose protocol is
TCP by number — so the connections of a multi-process server kept Nagle's algorithm: an answer
written in two parts (head, then body) waited for the client's delayed acknowledgement, about
40 ms per request (measured: 44 ms for the bare JSON endpoint of ``benchmarks/web.py`` against
0.4 ms with one process). This protocol sets ``TCP_NODELAY`` on every connection it gets.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; each TCP connection gets ``TCP_NODELAY``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

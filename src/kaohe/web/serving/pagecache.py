"""The public board's pages, answered from memory for anonymous visitors while nothing changed.

Every write the platform makes appends to the audit log in the same transaction, so the audit
head's number (``audit_head.seq``) changes exactly when anything that a page could show may have
changed. A page is kept with the number it was rendered under and served again only while the
number is still the same. Each process keeps its own pages; the number lives in the shared
database, so several processes on one database stay correct.

The number is read again (one primary-key read) after any commit made by this process — a
request that wrote sees its write on the next page — and otherwise at most every
``RECHECK_SECONDS``: a write made by *another* process (another ``--workers`` process, the
command line) shows on this process's pages within that time. Between reads, a page costs no
database work at all.

Only ``GET`` requests under the given prefixes, from visitors who are not logged in, and answers
``200`` without a ``Set-Cookie`` are kept (a logged-in user's page differs: its header names the
user). The language is part of the key.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_PAGES = 512
RECHECK_SECONDS = 0.1
_commits = [0]  # commits made by this process (any engine, any connection or session)


@event.listens_for(Engine, "commit")
def _count_commit(_: Connection) -> None:
    """Counted as a commit begins (a Core connection's commit has no later event)..."""
    _commits[0] += 1


@event.listens_for(Session, "after_commit")
def _count_committed(_: Session) -> None:
    """... and, for a session's, again once it is done: a number read between the two (before
    the write was visible) is not kept past it."""
    _commits[0] += 1


MAX_BYTES = 4 * 1024 * 1024  # larger answers (exports) are not kept


@dataclass(frozen=True)
class Page:
    stamp: int
    start: Message
    body: bytes


class PageCache:
    """Pure ASGI middleware; install it inside the session middleware (it reads the session)."""

    def __init__(self, app: ASGIApp, engine: Engine, prefixes: tuple[str, ...] = ("/board",)):
        self.app = app
        self.engine = engine
        self.prefixes = prefixes
        self.pages: OrderedDict[tuple[str, bytes, str], Page] = OrderedDict()
        self.hits = self.misses = 0
        self._known: tuple[int, float, int] | None = None  # (number, read at, commits then)

    def stamp(self) -> int:
        """The audit head's number (it moves on with every write): read again after a commit
        of this process, or when the last reading is older than ``RECHECK_SECONDS``."""
        now = time.monotonic()
        known = self._known
        if known is not None and known[2] == _commits[0] and now - known[1] < RECHECK_SECONDS:
            return known[0]
        commits = _commits[0]
        seq = self.read_stamp()
        self._known = (seq, now, commits)
        return seq

    def read_stamp(self) -> int:
        with self.engine.connect() as conn:
            conn = conn.execution_options(kaohe_read=True)
            seq = conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar()
            conn.rollback()
        return int(seq or 0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        session: dict[str, Any] = scope.get("session") or {}
        key = (scope["path"], scope.get("query_string", b""), str(session.get("lang", "zh")))
        stamp = self.stamp()
        page = self.pages.get(key)
        if page is not None and page.stamp == stamp:
            self.hits += 1
            self.pages.move_to_end(key)
            await send(page.start)
            await send({"type": "http.response.body", "body": page.body, "more_body": False})
            return
        self.misses += 1
        start: Message | None = None
        chunks: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = message
                headers = {k.lower() for k, _ in message.get("headers", [])}
                keep = message["status"] == 200 and b"set-cookie" not in headers
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                keep = sum(map(len, chunks)) <= MAX_BYTES
            await send(message)

        await self.app(scope, receive, capture)
        if keep and start is not None:
            self.pages[key] = Page(stamp, start, b"".join(chunks))
            self.pages.move_to_end(key)
            while len(self.pages) > MAX_PAGES:
                self.pages.popitem(last=False)

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        if not scope["path"].startswith(self.prefixes):
            return False
        session = scope.get("session") or {}
        return "sid" not in session  # a logged-in user never gets the public copy

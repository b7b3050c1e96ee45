"""What a request may bring, checked before anything reads it: its body's size (counted while
it streams, so a chunked body without ``Content-Length`` is bounded too), and which proxy may
say where it came from.

- ``BodyLimit``: a body longer than its route's bound is refused with 413 as soon as the bound
  is passed — nothing is parsed or spooled to disk beyond it. Multipart bodies (files) are
  allowed only on the upload routes (``UPLOADS``), up to the upload limit times the files the
  route takes; every other body is bounded by ``KAOHE_MAX_FORM_KB``.
- ``TrustedProxies``: the client address is the connection's peer; ``X-Forwarded-For`` and
  ``X-Forwarded-Proto`` are believed only from an address of ``KAOHE_TRUSTED_PROXIES`` (so a
  client cannot choose the address that login limits and the audit log see).
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kaohe.i18n import both

#: the routes that take files, and how many files each takes at most
UPLOADS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^/cycles/\d+/(upload|evidence|objections)$"), 1),
    (re.compile(r"^/schemes$"), 1),
    (re.compile(r"^/cycles/\d+/personnel/(designs|import|arena/design|arena/marks)$"), 5),
)
#: room for a multipart body's boundaries and form fields besides its files
MULTIPART_SLACK = 64 * 1024


class BodyTooLargeError(HTTPException):
    """The body passed its bound while it was being read (an HTTP error, so that a route
    parsing its form lets it through as 413, not as a parsing error)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_text(limit))


def body_limit(path: str, content_type: str, form_bytes: int, upload_bytes: int) -> int:
    """The most bytes a request body to ``path`` of this content type may have."""
    if content_type.lower().startswith("multipart/"):
        for pattern, files in UPLOADS:
            if pattern.match(path):
                return files * upload_bytes + MULTIPART_SLACK
    return form_bytes


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


class BodyLimit:
    """Pure ASGI middleware bounding every request body (see the module's docstring)."""

    def __init__(self, app: ASGIApp, form_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.form_bytes = form_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(
            scope["path"], _header(scope, b"content-type"), self.form_bytes, self.upload_bytes
        )
        declared = _header(scope, b"content-length")
        if declared and (
            not (declared.isascii() and declared.isdigit())
            or len(declared) > 15
            or int(declared) > limit
        ):
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded, watched)
        except BodyTooLargeError:
            if not started:
                await _too_large(send, limit)


def too_large_text(limit: int) -> str:
    size = _size(limit)
    return both("web.say.request_too_large", size=size)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large_text(limit)}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n // 1024} KB"


class TrustedProxies:
    """Pure ASGI middleware: ``X-Forwarded-For`` (its last address) and ``X-Forwarded-Proto``
    replace the peer's address and scheme only when the peer is a trusted proxy."""

    def __init__(self, app: ASGIApp, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.trusted = frozenset(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted:
            peer = scope.get("client")
            if peer and peer[0] in self.trusted:
                forwarded = _header(scope, b"x-forwarded-for")
                if forwarded:
                    # the proxy appends the address it saw last: that one it vouches for
                    client = forwarded.split(",")[-1].strip()
                    scope = {**scope, "client": (client, 0)}
                proto = _header(scope, b"x-forwarded-proto").strip().lower()
                if proto in ("http", "https"):
                    scope = {**scope, "scheme": proto}
        await self.app(scope, receive, send)

"""Security headers on every response, and /path/ sent to /path by a relative redirect."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kaohe.web.audit import chain as audit

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Pure ASGI middleware adding ``SECURITY_HEADERS`` to every response (no per-request
    Request/Response objects, unlike ``@app.middleware``) — and HSTS when served over HTTPS —,
    noting the client's address for the audit log, and sending ``/path/`` to ``/path`` by a
    relative redirect (never built from the request's Host header)."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        headers = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if hsts else {})}
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            await self._redirect(scope, send, "/" + path.strip("/"))
            return

        client = scope.get("client")
        audit.ADDRESS.set(client[0] if client else "")  # recorded with every write it makes

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _redirect(self, scope: Scope, send: Send, path: str) -> None:
        query = scope.get("query_string", b"")
        location = path.encode("utf-8") + (b"?" + query if query else b"")
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [(b"location", location), (b"content-length", b"0"), *self.headers],
            }
        )
        await send({"type": "http.response.body", "body": b""})

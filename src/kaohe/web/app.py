"""The application factory: ``create_app(settings)`` builds the whole site, with no server.

Every route depends on ``Access(action)``: the action is looked up in ``permissions.POLICY``,
which answers 303 to the login page for a visitor and 403 for a logged-in user without it.
Forms carry a CSRF token bound to the session; every response carries security headers.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kaohe import __version__
from kaohe.web import audit, clock, permissions, sessions
from kaohe.web.limits import BodyLimit, TrustedProxies
from kaohe.web.pagecache import PageCache
from kaohe.web.settings import Settings
from kaohe.web.store import FieldTooLongError, User, open_engine, session_factory

LOG = logging.getLogger("kaohe.web")
DEVELOPMENT_WARNING = (
    "KAOHE_ENV=development: 开发模式，勿用于正式考核 / development mode, not for a real "
    "assessment — set KAOHE_ENV=production and KAOHE_SECRET_KEY (docs/security.md)"
)

HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def located(exc: RequestValidationError) -> list[str]:
    """FastAPI's validation errors as one located sentence each (``body.cells.0.unit: …``)."""
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        out.append(f"{where}: {error.get('msg', 'invalid')}")
    return out


class LoginRequiredError(Exception):
    """A visitor asked for a page that needs an account."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Kaohe 考核",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # SecurityHeaders redirects /path/ to /path, never via Host
        openapi_url="/api/openapi.json",
        description="The platform's JSON API: bearer tokens from `kaohe users token`.",
    )
    engine = open_engine(settings.database_url)
    # never a known secret: the one set, or this installation's own (random, in its database)
    secret = settings.secret_key or sessions.instance_secret(engine)
    if settings.env == "development":
        LOG.warning(DEVELOPMENT_WARNING)
    clock.use(settings.timezone)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.templates = templates()
    # innermost: it reads the session; the public board from memory while nothing was written
    app.add_middleware(PageCache, engine=engine)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="kaohe_session",
        same_site="lax",
        https_only=settings.https,
        max_age=int(sessions.LIFETIME.total_seconds()),
    )
    app.add_middleware(
        BodyLimit, form_bytes=settings.max_form_bytes, upload_bytes=settings.max_upload_bytes
    )
    app.add_middleware(SecurityHeaders, hsts=settings.https)
    app.add_middleware(TrustedProxies, trusted=settings.trusted_proxies)  # outermost
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"detail": located(exc)}, status_code=422)

    @app.exception_handler(FieldTooLongError)
    async def _too_long(request: Request, exc: FieldTooLongError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _: StaleDataError) -> Response:
        text = "已被他人修改，请刷新后重试 / someone else changed this meanwhile: reload and retry"
        return JSONResponse({"detail": text}, status_code=409)

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, _: LoginRequiredError) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    for router in routers():
        app.include_router(router)
    return app


def routers() -> tuple[APIRouter, ...]:
    """Every router of the site (the route × role test walks them all)."""
    from kaohe.web import (
        account_routes,
        admin_routes,
        api_routes,
        board_routes,
        commitment_routes,
        cycle_routes,
        evidence_routes,
        objection_routes,
        office_routes,
        personnel_more_routes,
        personnel_routes,
    )

    # matched in this order, one route after another: the busiest (data entry and review, the
    # API) first; no path of one router is matched by another's
    return (
        cycle_routes.router,
        api_routes.router,
        board_routes.router,
        commitment_routes.router,  # 亮: the units' commitments
        account_routes.router,
        admin_routes.router,
        evidence_routes.router,
        office_routes.router,
        objection_routes.router,
        personnel_routes.router,  # cadres, grades and the results rulebook
        personnel_more_routes.router,  # ballots entered by form, the arena contest
    )


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


def templates() -> Jinja2Templates:
    from kaohe.i18n import t

    tpl = Jinja2Templates(directory=HERE / "templates")  # autoescaped (.html)
    tpl.env.globals["t"] = t
    return tpl


def db(request: Request) -> Any:
    with request.app.state.sessions() as session:
        if request.method in ("GET", "HEAD"):  # reads: no write lock on SQLite
            session.connection(execution_options={"kaohe_read": True})
        yield session


DB = Annotated[Session, Depends(db)]


async def posted_form(request: Request) -> FormData:
    """A POSTed form (fields and up to five files), read before the handler runs: handlers
    that take it are plain functions run in worker threads, never on the event loop (parsing
    an upload, or a YAML scheme, must not stall every other request)."""
    return await request.form(max_files=5, max_fields=1000)


Posted = Annotated[FormData, Depends(posted_form)]
# a row id in a path: a positive 32-bit integer (larger numbers are refused with 422, before any
# database sees them)
RowId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


def current_user(request: Request) -> User | None:
    """The user of the session cookie, or of an ``Authorization: Bearer`` token (API).

    Looked up on a short read-only connection of its own, so that a request's own transaction
    (and on SQLite its write lock) starts only when its handler first touches the database —
    after the request body has been read."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return _token_user(request, auth[7:].strip())
    sid = request.session.get("sid")
    if sid is None:
        return None
    user = sessions.user_of(request.app.state.engine, sid)
    if user is None or not user.active:
        request.session.clear()  # ended, expired or disabled: a visitor from now on
        return None
    return user


def _token_user(request: Request, token: str) -> User:
    from kaohe.web.accounts import user_for_token

    request.state.via_token = True
    with request.app.state.sessions() as session:
        session.connection(execution_options={"kaohe_read": True})
        user = user_for_token(session, token)
        if user is None:
            raise HTTPException(
                401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        session.expunge(user)  # detached, with its columns loaded
        return user


MAX_OFFSET = 1_000_000_000


def page_offset(request: Request) -> int:
    """The ``offset`` query parameter of a paged list: a whole number from 0 (422 otherwise)."""
    raw = request.query_params.get("offset", "") or "0"
    if not _digits(raw, 10) or int(raw) > MAX_OFFSET:
        top = MAX_OFFSET
        raise HTTPException(
            422, f"offset 应为 0 至 {top} 的整数 / offset must be a whole number 0–{top}"
        )
    return int(raw)


def _digits(raw: str, most: int) -> bool:
    """ASCII digits only (no sign, space or other script's digits), at most ``most`` of them."""
    return 0 < len(raw) <= most and raw.isascii() and raw.isdigit()


def row_id(raw: str) -> int | None:
    """A row id sent in a form (a positive 32-bit integer), or None for anything else."""
    raw = raw.strip()
    if not _digits(raw, 10) or not 1 <= int(raw) <= 2_147_483_647:
        return None
    return int(raw)


class Access:
    """A route's dependency: the user, if they hold ``action``; else 303 to login or 403."""

    def __init__(self, action: str, api: bool = False) -> None:
        if action not in permissions.POLICY:
            raise ValueError(f"action {action!r} is not in permissions.POLICY")
        self.action = action
        self.api = api  # JSON routes answer 401, pages send visitors to the login page

    def __call__(
        self, request: Request, user: Annotated[User | None, Depends(current_user)]
    ) -> User | None:
        if self.api and not getattr(request.state, "via_token", False):
            user = None  # the API ignores session cookies: no cross-site requests on them
        if permissions.allowed(user, self.action):
            return user
        if user is None:
            if self.api:
                raise HTTPException(
                    401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
                )
            raise LoginRequiredError
        raise HTTPException(403, "您没有权限访问此页面 / not allowed")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, sent: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not secrets.compare_digest(str(expected), sent or ""):
        raise HTTPException(
            400, "表单已过期，请刷新页面后重试 / the form expired: reload and retry"
        )


def render(
    request: Request, name: str, user: User | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    lang = request.session.get("lang", "zh")
    tpl: Jinja2Templates = request.app.state.templates
    return tpl.TemplateResponse(
        request,
        name,
        # the token (and so a session cookie) only where a page has a form
        {"user": user, "lang": lang, "csrf": lambda: csrf_token(request), **context},
        status_code=status_code,
    )

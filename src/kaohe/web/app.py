"""The application factory: ``create_app(settings)`` builds the whole site, with no server.

Every route depends on ``Access(action)``: the action is looked up in ``policy.POLICY``,
which answers 303 to the login page for a visitor and 403 for a logged-in user without it.
Forms carry a CSRF token bound to the session; every response carries security headers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from kaohe import __version__
from kaohe.i18n import LABELS, both, t
from kaohe.web import clock
from kaohe.web.accounts import sessions
from kaohe.web.deps import LoginRequiredError, current_user, page_lang, refuse_final, render
from kaohe.web.serving.head import HeadAsGet
from kaohe.web.serving.headers import SecurityHeaders
from kaohe.web.serving.limits import BodyLimit, TrustedProxies
from kaohe.web.serving.pagecache import PageCache
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory
from kaohe.web.store.models import FieldTooLongError

LOG = logging.getLogger("kaohe.web")


DEVELOPMENT_WARNING = both("web.say.development_mode_not_for_real")


HERE = Path(__file__).resolve().parent


def located(exc: RequestValidationError) -> list[str]:
    """FastAPI's validation errors as one located sentence each (``body.cells.0.unit: …``)."""
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()))
        out.append(f"{where}: {error.get('msg', 'invalid')}")
    return out


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
    app.add_middleware(HeadAsGet)  # HEAD wherever GET: served as GET, the body left out
    app.add_middleware(TrustedProxies, trusted=settings.trusted_proxies)  # outermost
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem(request, 422, located(exc))

    @app.exception_handler(FieldTooLongError)
    async def _too_long(request: Request, exc: FieldTooLongError) -> Response:
        return problem(request, 422, str(exc))

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _: StaleDataError) -> Response:
        text = both("web.say.someone_else_changed_meanwhile_reload")
        return problem(request, 409, text)

    @app.exception_handler(StarletteHTTPException)
    async def _refused(request: Request, exc: StarletteHTTPException) -> Response:
        return problem(request, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(LoginRequiredError)
    async def _login(request: Request, _: LoginRequiredError) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    for router in routers():
        # a write to a final cycle is refused before any handler runs
        app.include_router(router, dependencies=[Depends(refuse_final)])
    return app


def wants_json(request: Request) -> bool:
    """The API, and clients that ask for JSON rather than a page, get JSON errors."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def problem(
    request: Request,
    status: int,
    detail: Any,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A refusal: ``{"detail": …}`` for the API, else a page in the site's layout that says
    what happened, why, and the way back."""
    if wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    lang = page_lang(request)
    key = f"web.error_{status}"
    try:
        user = current_user(request)
    except StarletteHTTPException:
        user = None
    reasons = detail if isinstance(detail, list) else [str(detail)] if detail else []
    page = render(
        request,
        "error.html",
        user,
        status_code=status,
        status=status,
        title=t(key, lang) if key in LABELS else t("web.error_title", lang),
        reasons=[str(r) for r in reasons],
        back=_back(request),
    )
    page.headers.update(headers or {})
    return page


def _back(request: Request) -> str:
    """The page the visitor came from, as a path of this site (never another site's URL)."""
    came = urlsplit(request.headers.get("referer", ""))
    if not came.path.startswith("/") or came.path.startswith("//"):
        return "/board"
    return came.path + (f"?{came.query}" if came.query else "")


def routers() -> tuple[APIRouter, ...]:
    """Every router of the site (the route × role test walks them all)."""
    from kaohe.web.accounts import routes as accounts
    from kaohe.web.api import ledgers as api_ledgers
    from kaohe.web.api import periods as api_periods
    from kaohe.web.api import routes as api
    from kaohe.web.audit import routes as audit
    from kaohe.web.board import routes as board
    from kaohe.web.commitments import routes as commitments
    from kaohe.web.cycles import routes as cycles
    from kaohe.web.dashboard import routes as dashboard
    from kaohe.web.evidence import routes as evidence
    from kaohe.web.ledgers import routes as ledgers
    from kaohe.web.monitoring import routes as monitoring
    from kaohe.web.objections import routes as objections
    from kaohe.web.personnel import arena_routes, ballot_routes
    from kaohe.web.personnel import routes as personnel
    from kaohe.web.results import routes as results
    from kaohe.web.reviews import routes as reviews
    from kaohe.web.robustness import routes as robustness
    from kaohe.web.submissions import routes as submissions

    # matched in this order, one route after another: the busiest (data entry and review, the
    # API) first; no path of one router is matched by another's
    return (
        submissions.router,
        reviews.router,
        cycles.router,
        api.router,
        api_ledgers.router,  # the ledgers' JSON API (/api/v1/cycles/{id}/ledgers/…)
        api_periods.router,  # the API's period values (调度数据)
        board.router,
        commitments.router,  # 亮: the units' commitments
        accounts.router,
        audit.router,
        evidence.router,
        dashboard.router,
        objections.router,
        personnel.router,  # cadres, grades and the results rulebook
        ballot_routes.router,  # ballots entered by form
        arena_routes.router,  # the arena contest
        monitoring.router,  # 调度与预警: period values, warnings, the board's progress
        ledgers.router,  # the project register, follow-up matters, inbox
        robustness.router,  # the office's robustness analysis, and the board's page of it
        results.router,  # the office's download of the annual report
    )


#: the domains with pages: each keeps its templates in its own ``templates`` folder
PAGE_DOMAINS = (
    "accounts",
    "audit",
    "board",
    "commitments",
    "cycles",
    "dashboard",
    "monitoring",
    "ledgers",
    "objections",
    "personnel",
    "reviews",
    "robustness",
    "submissions",
)


def templates() -> Jinja2Templates:
    from kaohe.i18n import t

    # the layout and shared partials first, then each domain's pages (names are unique)
    folders = [HERE / "templates", *(HERE / d / "templates" for d in PAGE_DOMAINS)]
    loader = ChoiceLoader([FileSystemLoader(f) for f in folders])
    tpl = Jinja2Templates(env=Environment(loader=loader, autoescape=True))
    tpl.env.globals["t"] = t
    return tpl

"""Logging in and out, and the language of the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaohe.i18n import both
from kaohe.web.accounts import sessions
from kaohe.web.accounts.service import TooManyAttemptsError, authenticate
from kaohe.web.clock import local_time
from kaohe.web.deps import DB, Access, check_csrf, render
from kaohe.web.store.models import User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
LOGIN = Access("account.login")
LOGOUT = Access("account.logout")


def _safe_next(target: str) -> str:
    """Only a path on this site (never //host or a full URL): no open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/board"


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    user: Annotated[User | None, Depends(LOGIN)],
    next: str = "/board",
) -> HTMLResponse:
    return render(request, "login.html", user, next=_safe_next(next), failed=False)


@router.post("/login", response_model=None)
def login(
    request: Request,
    user: Annotated[User | None, Depends(LOGIN)],
    session: DB,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/board",
) -> Response:
    check_csrf(request, csrf)
    address = request.client.host if request.client else ""
    try:
        found = authenticate(session, username.strip(), password, address)
    except TooManyAttemptsError as exc:
        session.commit()  # the refused attempt is recorded too
        return render(
            request,
            "login.html",
            None,
            status_code=429,
            next=_safe_next(next),
            failed=True,
            message=_throttled(exc),
            username=username[:64],
        )
    token = sessions.start(session, found) if found else None
    session.commit()  # the attempt is recorded, whatever its outcome
    if token is None:
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            next=_safe_next(next),
            failed=True,
            username=username[:64],
        )
    lang = request.session.get("lang")
    request.session.clear()  # a new session on login (no fixation)
    request.session["sid"] = token
    if lang:
        request.session["lang"] = lang
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(
    request: Request,
    user: Annotated[User | None, Depends(LOGOUT)],
    session: DB,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    check_csrf(request, csrf)
    sid = request.session.get("sid")
    if isinstance(sid, str):
        sessions.end(session, sid, "logout")  # the cookie, even if copied, is dead from now
        session.commit()
    request.session.clear()
    return RedirectResponse("/board", status_code=303)


def _throttled(exc: TooManyAttemptsError) -> str:
    when = local_time(exc.retry_at)
    if exc.why == "address":
        return both("web.say.throttled_address", when=when)
    return both("web.say.throttled_account", when=when)


@router.get("/lang/{code}")
def language(
    request: Request,
    code: str,
    user: Annotated[User | None, Depends(LOGIN)],
    next: str = "/board",
) -> RedirectResponse:
    if code in ("zh", "en"):
        request.session["lang"] = code
    return RedirectResponse(_safe_next(next), status_code=303)

"""What every route depends on: the database session, the current user and their access,
the posted form, CSRF, paging and id parameters, and rendering a page."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from kaohe.errors import KaoheError
from kaohe.i18n import both, t
from kaohe.scheme import Scheme
from kaohe.web import policy
from kaohe.web.accounts import sessions
from kaohe.web.cycles import service as cycles
from kaohe.web.store import writer
from kaohe.web.store.models import Commitment, Cycle, Objection, User
from kaohe.web.submissions.service import entry_columns


class LoginRequiredError(Exception):
    """A visitor asked for a page that needs an account."""


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
    from kaohe.web.accounts.service import user_for_token

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
        raise HTTPException(422, both("web.say.offset", top=top))
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
        if action not in policy.POLICY:
            raise ValueError(f"action {action!r} is not in policy.POLICY")
        self.action = action
        self.api = api  # JSON routes answer 401, pages send visitors to the login page

    def __call__(
        self, request: Request, user: Annotated[User | None, Depends(current_user)]
    ) -> User | None:
        if self.api and not getattr(request.state, "via_token", False):
            user = None  # the API ignores session cookies: no cross-site requests on them
        if policy.allowed(user, self.action):
            return user
        if user is None:
            if self.api:
                raise HTTPException(
                    401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
                )
            raise LoginRequiredError
        raise HTTPException(403, both("web.say.not_allowed"))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, sent: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not secrets.compare_digest(str(expected), sent or ""):
        raise HTTPException(400, both("web.say.form_expired_reload_and_retry"))


def render(
    request: Request, name: str, user: User | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    lang = page_lang(request)
    tpl: Jinja2Templates = request.app.state.templates
    said = request.session.pop(FLASH, None) if FLASH in request.session else None
    return tpl.TemplateResponse(
        request,
        name,
        # the token (and so a session cookie) only where a page has a form
        {
            "user": user,
            "lang": lang,
            "csrf": lambda: csrf_token(request),
            "flash": _flash_texts(said, lang),
            **context,
        },
        status_code=status_code,
    )


FLASH = "flash"


def flash(request: Request, key: str, **values: object) -> None:
    """A message (a catalogue label and its values) shown once, by the next page rendered."""
    said = request.session.get(FLASH)
    kept = said if isinstance(said, list) else []
    request.session[FLASH] = [*kept[-4:], [key, {k: str(v) for k, v in values.items()}]]


def flash_after(request: Request, key: str, **values: object) -> None:
    """:func:`flash`, from a save run by the writer (which may run it twice): kept once the
    save's batch is committed and it answered with a redirect (:func:`save_in_batch`)."""
    request.state.kaohe_flash = [key, {k: str(v) for k, v in values.items()}]


def _flash_texts(said: object, lang: str) -> list[str]:
    out = []
    for one in said if isinstance(said, list) else []:
        if not isinstance(one, list) or len(one) != 2 or not isinstance(one[1], dict):
            continue
        try:
            out.append(t(str(one[0]), lang, **one[1]))
        except (KeyError, IndexError, ValueError):
            continue
    return out


Fields = list[tuple[str, str]]


Saver = Callable[[Request, Session, Cycle, Scheme, "User | None", Fields], Response]


async def save_in_batch(
    saver: Saver, request: Request, cycle_id: int, user: User | None
) -> Response:
    """Read the form here, then check its CSRF token, find the cycle and save in the writer's
    next batch (:mod:`kaohe.web.store.writer`): the event loop serves other requests
    meanwhile."""
    form = await request.form()
    fields = [(k, str(v)) for k, v in form.multi_items()]

    def checked_save(session: Session) -> Response:
        check_csrf(request, dict(fields).get("csrf", ""))
        cycle, scheme = work_cycle(session, cycle_id, user)
        return saver(request, session, cycle, scheme, user, fields)

    answer = await writer.run(request.app.state.sessions, checked_save)
    said = getattr(request.state, "kaohe_flash", None)
    if said is not None and answer.status_code == 303:  # saved: its message, shown once
        flash(request, str(said[0]), **said[1])
    return answer


def work_cycle(session: Session, cycle_id: RowId, user: User | None) -> tuple[Cycle, Scheme]:
    # held for the session's life (its identity map holds rows weakly): a writer's batch reads
    # its cycle once
    held: dict[int, Cycle] = session.info.setdefault("kaohe_cycles", {})
    cycle = held.get(cycle_id) or session.get(Cycle, cycle_id)
    if cycle is not None:
        held[cycle_id] = cycle
    if cycle is None or not policy.sees_cycle(user, cycle):
        raise HTTPException(404, both("web.say.no_such_cycle"))
    return cycle, cycles.scheme_of(cycle, session)


def owned_cycle(
    session: Session, cycle_id: RowId, user: User | None
) -> tuple[Cycle, Scheme, set[str]]:
    """The cycle, its scheme and the column keys of the user's department."""
    cycle, scheme = work_cycle(session, cycle_id, user)
    return cycle, scheme, {key for _, key, _ in entry_columns(scheme, user)}


def read_upload(request: Request, form: FormData) -> tuple[dict[str, str], str, bytes]:
    """The form's fields, and its one file's name and bytes (at most the upload limit)."""
    limit = request.app.state.settings.max_upload_bytes
    check_csrf(request, str(form.get("csrf", "")))
    fields = {k: str(v) for k, v in form.items() if not isinstance(v, UploadFile)}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return fields, "", b""
    file.file.seek(0)
    body = file.file.read(limit + 1)
    return fields, file.filename, body


def files_of(
    request: Request, form: FormData
) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A multipart form's fields and files (name → (filename, bytes)), each within the upload
    limit; the CSRF token checked."""
    limit = request.app.state.settings.max_upload_bytes
    check_csrf(request, str(form.get("csrf", "")))
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                value.file.seek(0)
                body = value.file.read(limit + 1)
                if len(body) > limit:
                    raise HTTPException(413, both("web.say.upload_over", name=value.filename))
                files[key] = (value.filename, body)
        else:
            fields[key] = str(value)
    return fields, files


def problems_of(exc: Exception) -> list[str]:
    if isinstance(exc, KaoheError):
        return [str(i) for i in exc.issues]
    return [str(exc)]


def actor_name(user: User | None) -> str:
    return user.username if user is not None else "system"


def visible_cycle(session: Session, cycle_id: int, user: User | None) -> Cycle:
    """The cycle, if ``user`` may see it (:func:`kaohe.web.policy.sees_cycle`); else 404 — a
    draft is not even said to exist."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not policy.sees_cycle(user, cycle):
        raise HTTPException(404, both("web.say.no_such_cycle"))
    return cycle


def page_lang(request: Request) -> str:
    """The language of the visitor's pages: ``en`` if chosen, else Chinese."""
    return "en" if request.session.get("lang") == "en" else "zh"


def _owner_cycle(params: dict[str, Any]) -> Any:
    """The statement that finds the state of the cycle a write's path names (its ``cycle_id``,
    or the cycle of its ``commitment_id`` / ``objection_id``), or None if it names none."""
    for key, model in (
        ("cycle_id", None),
        ("commitment_id", Commitment),
        ("objection_id", Objection),
    ):
        # out of range is no row (and a 404 from the route's own validation), not a query
        ident = row_id(str(params.get(key, "")))
        if ident is None:
            continue
        if model is None:
            return select(Cycle.state).where(Cycle.id == ident)
        return select(Cycle.state).join(model, model.cycle_id == Cycle.id).where(model.id == ident)
    return None


def refuse_final(request: Request) -> None:
    """Every router's dependency: a write (any method but GET and HEAD) to a final cycle is
    refused with 409, before its handler runs (:func:`kaohe.web.policy.may_change`)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    query = _owner_cycle(request.path_params)
    if query is None:
        return
    with request.app.state.sessions() as session:
        session.connection(execution_options={"kaohe_read": True})
        state = session.execute(query).scalar_one_or_none()
    if state is not None and not policy.may_change(state):
        raise HTTPException(409, t("web.cycle_final", page_lang(request)))

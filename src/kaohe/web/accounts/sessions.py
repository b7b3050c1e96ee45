"""Login sessions kept on the server, and the instance's own cookie secret.

The session cookie (signed by Starlette's ``SessionMiddleware``) carries only a random token;
the ``user_sessions`` row holding its SHA-256 says whose it is and whether it is still live. So
a session is ended on the server — by logout, a password reset, a disable or a role change —
and a copied cookie stops working at once; a cookie signed with a stolen key still needs a live
token. Rows are never deleted: ``ended_at`` and ``ended_why`` keep the history."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import cast

from sqlalchemy import Engine, Table, and_, bindparam, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, make_transient_to_detached

from kaohe.i18n import both
from kaohe.web.settings import SettingsError
from kaohe.web.store.models import InstanceSetting, User, UserSession, now

LIFETIME = timedelta(hours=8)
SECRET_NAME = "session_secret"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, user: User) -> str:
    """A new live session for ``user``; the token to put in the cookie (kept only hashed)."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_sha256=digest(token),
            user_id=user.id,
            expires_at=now() + LIFETIME,
        )
    )
    return token


def end(session: Session, token: str, why: str = "logout") -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.token_sha256 == digest(token), UserSession.ended_at.is_(None))
        .values(ended_at=now(), ended_why=why)
    )


def end_all(session: Session, user_id: int, why: str) -> int:
    """End every live session of the user; how many were live."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now(), ended_why=why)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_USERS = cast(Table, User.__table__)
_SESSIONS = cast(Table, UserSession.__table__)
_USER_OF_TOKEN = (
    select(*_USERS.c)
    .select_from(_SESSIONS.join(_USERS, _SESSIONS.c.user_id == _USERS.c.id))
    .where(
        and_(
            _SESSIONS.c.token_sha256 == bindparam("digest"),
            _SESSIONS.c.ended_at.is_(None),
            _SESSIONS.c.expires_at > bindparam("now"),
        )
    )
)


def user_of(engine: Engine, token: object) -> User | None:
    """The user of a live session token, by one prebuilt Core statement on a short read-only
    connection (this runs on every request with a cookie), as a detached ``User``."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return None
    with engine.connect() as conn:
        conn.execution_options(kaohe_read=True)
        row = conn.execute(_USER_OF_TOKEN, {"digest": digest(token), "now": now()}).one_or_none()
    if row is None:
        return None
    user = User(**row._mapping)
    make_transient_to_detached(user)
    return user


def instance_secret(engine: Engine) -> str:
    """The secret that signs this installation's cookies: made at random on first start and
    kept in the database (several server processes agree on it: the first to store it wins)."""
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(InstanceSetting.value).where(InstanceSetting.name == SECRET_NAME)
            ).scalar_one_or_none()
    except (OperationalError, ProgrammingError):
        raise SettingsError(both("web.say.database_not_at_newest_schema")) from None
    if found:
        return str(found)
    made = secrets.token_urlsafe(48)
    try:
        with Session(engine) as session, session.begin():
            session.add(InstanceSetting(name=SECRET_NAME, value=made))
    except IntegrityError:  # another process stored its own first
        return instance_secret(engine)
    return made

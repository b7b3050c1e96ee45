"""Users: Argon2id password hashes, login with lockout, and the admin operations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.web import audit
from kaohe.web.store import ROLES, ApiToken, AuditEntry, User, now

HASHER = PasswordHasher()  # Argon2id with the library's current parameters
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# however many accounts it tries: an address with this many failures in the window is refused
MAX_FAILURES_PER_ADDRESS = 20
ADDRESS_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10
# a hash to compare against when the user does not exist, so both paths take the same time
_DUMMY = HASHER.hash("kaohe-no-such-user")


class TooManyAttemptsError(Exception):
    """Too many failed logins from one address: the attempt is refused unchecked."""


class AccountError(ValueError):
    """An account operation that cannot be done (unknown user, weak password, bad role)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    department: str | None = None,
    unit: str | None = None,
    display_name: str = "",
    actor: str = "system",
) -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if role in ("reporter", "reviewer") and not department:
        raise AccountError(f"a {role} belongs to an owner department: give --department")
    if role == "unit" and not unit:
        raise AccountError("an assessed unit's account needs its unit: give --unit")
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise AccountError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        department=department,
        unit=unit,
        display_name=display_name or username,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.add",
        f"user:{username}",
        after={"role": role, "department": department, "unit": unit},
    )
    return user


def find(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def set_active(session: Session, username: str, active: bool, actor: str = "system") -> User:
    user = find(session, username)
    before = user.active
    user.active = active
    audit.record(
        session,
        actor,
        "user.enable" if active else "user.disable",
        f"user:{username}",
        before={"active": before},
        after={"active": active},
    )
    return user


def reset_password(session: Session, username: str, password: str, actor: str = "system") -> User:
    user = find(session, username)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.reset_password", f"user:{username}")
    return user


def authenticate(session: Session, username: str, password: str, address: str = "") -> User | None:
    """The user if the password is right and the account active and not locked; else None.

    Five failures in a row lock the account for 15 minutes; every attempt is recorded."""
    if address and failures_from(session, address) >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttemptsError(
            f"登录失败次数过多，请 {ADDRESS_WINDOW.seconds // 60} 分钟后再试 / too many failed "
            f"logins from this address; try again in {ADDRESS_WINDOW.seconds // 60} minutes"
        )
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        _verify(_DUMMY, password)
        audit.record(session, username, "login.failed", f"user:{username}", address=address)
        return None
    if user.locked_until is not None and user.locked_until > now():
        audit.record(session, username, "login.locked", f"user:{username}", address=address)
        return None
    if not user.active or not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now() + LOCKOUT, 0
        audit.record(session, username, "login.failed", f"user:{username}", address=address)
        return None
    user.failed_logins, user.locked_until = 0, None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    audit.record(session, username, "login", f"user:{username}", address=address)
    return user


def failures_from(session: Session, address: str) -> int:
    """Failed or refused logins from ``address`` within the last ``ADDRESS_WINDOW``."""
    since = (datetime.now(UTC) - ADDRESS_WINDOW).isoformat(timespec="microseconds")
    return int(
        session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.address == address,
                AuditEntry.at >= since,
                AuditEntry.action.in_(("login.failed", "login.locked")),
            )
        ).scalar_one()
    )


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(session: Session, username: str, name: str, actor: str = "system") -> str:
    """A new bearer token for ``username`` (shown once; only its SHA-256 is kept)."""
    user = find(session, username)
    token = "kh_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_sha256=token_digest(token)))
    audit.record(session, actor, "token.issue", f"user:{username}", after={"name": name})
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to."""
    row = session.execute(
        select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))
    ).scalar_one_or_none()
    if row is None or row.revoked:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def tokens(session: Session, username: str) -> list[ApiToken]:
    """The user's tokens, oldest first (revoked ones included: they are never deleted)."""
    user = find(session, username)
    return list(
        session.execute(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        .scalars()
        .all()
    )


def revoke_token(session: Session, username: str, name: str, actor: str = "system") -> int:
    """Revoke the user's live tokens called ``name``; how many were revoked (0: none such)."""
    revoked = 0
    for token in tokens(session, username):
        if token.name == name and not token.revoked:
            token.revoked, revoked = True, revoked + 1
    if revoked:
        audit.record(session, actor, "token.revoke", f"user:{username}", after={"name": name})
    return revoked

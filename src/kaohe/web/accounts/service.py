"""Users: Argon2id password hashes, a password policy, login with growing delays, server-side
sessions ended by logout, reset, disable and role change, and the admin operations.

Failed logins slow down, they do not lock anyone out: each attempt is counted from the audit
log (``login.failed``), and an attempt is refused unchecked (``login.throttled``) until a delay
has passed since the last failure — a delay that doubles with every further failure, counted
three ways: for the account from this address (after ``FREE_PER_PAIR``), for the account from
every address that failed it (after ``FREE_PER_ACCOUNT``: a legitimate user at an address that
has not failed is never slowed by an attacker elsewhere), and for the address over all accounts
(after ``FREE_PER_ADDRESS``: an office behind one NAT address is slowed, never shut out). The
office lifts an account's delays with ``kaohe users unlock``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.i18n import both
from kaohe.web.accounts import sessions
from kaohe.web.audit import chain as audit
from kaohe.web.store.models import ROLES, ApiToken, AuditEntry, User

HASHER = PasswordHasher()  # Argon2id with the library's current parameters
#: failures counted within this window (older ones are forgotten)
WINDOW = timedelta(minutes=30)
ADDRESS_WINDOW = WINDOW
FREE_PER_PAIR = 5  # an account from one address
FREE_PER_ACCOUNT = 10  # an account from every address that failed it
FREE_PER_ADDRESS = 20  # an address, whatever accounts it tries
MAX_FAILURES_PER_ADDRESS = FREE_PER_ADDRESS
FIRST_DELAY = timedelta(seconds=30)  # after the free failures; doubled by each one more
LONGEST_DELAY = timedelta(minutes=15)
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MAX_USERNAME = 64
#: zxcvbn's estimate (0-4) a password must reach: "safely unguessable" by an online attack
MIN_STRENGTH = 3
# a hash to compare against when the user does not exist, so both paths take the same time
_DUMMY = HASHER.hash("kaohe-no-such-user")


class TooManyAttemptsError(Exception):
    """Too many failed logins: the attempt is refused unchecked until ``retry_at`` (UTC)."""

    def __init__(self, retry_at: datetime, why: str) -> None:
        super().__init__(why)
        self.retry_at = retry_at
        self.why = why  # "account" (this account from here), "address" (this address)


class AccountError(ValueError):
    """An account operation that cannot be done (unknown user, weak password, bad role)."""


def password_problem(password: str, username: str = "", *others: str) -> str | None:
    """Why the password is refused (zh / en), or None: at least ``MIN_PASSWORD`` characters,
    not mostly the user name, and not guessable — common passwords, repeats,
    sequences, keyboard walks, dates and dictionary words, as zxcvbn's offline lists judge."""
    if len(password) < MIN_PASSWORD:
        n = MIN_PASSWORD
        return both("web.say.password_short", n=n)
    if len(password) > MAX_PASSWORD:
        n = MAX_PASSWORD
        return both("web.say.password_long", n=n)
    if username and len(password.lower().replace(username.lower(), "")) < MIN_PASSWORD // 2 + 1:
        return both("web.say.password_must_not_be_mostly")
    from zxcvbn import zxcvbn  # its word lists load on first use

    found = zxcvbn(password[:100], user_inputs=[u for u in (username, *others, "kaohe") if u])
    if int(found["score"]) < MIN_STRENGTH:
        hint = found["feedback"].get("warning") or "it is easy to guess"
        return both("web.say.password_guessable", hint=hint)
    return None


def hash_password(password: str, username: str = "", *others: str) -> str:
    problem = password_problem(password, username, *others)
    if problem:
        raise AccountError(problem)
    return HASHER.hash(password)


def check_username(username: str) -> None:
    if not username or len(username) > MAX_USERNAME or not username.isprintable():
        raise AccountError(both("web.say.username_length", n=MAX_USERNAME, name=username[:80]))
    if any(c.isspace() for c in username):
        raise AccountError(both("web.say.username_spaces", name=username[:80]))


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
    check_username(username)
    check_role(session, role, department, unit)
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise AccountError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=hash_password(password, username, display_name),
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


def check_role(session: Session, role: str, department: str | None, unit: str | None) -> None:
    """A role with the department or unit it needs, each known to a stored scheme version
    (while no scheme is stored yet, any is accepted)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if role in ("reporter", "reviewer") and not department:
        raise AccountError(f"a {role} belongs to an owner department: give --department")
    if role == "unit" and not unit:
        raise AccountError("an assessed unit's account needs its unit: give --unit")
    known_units, known_departments = _known(session)
    if (
        role in ("reporter", "reviewer")
        and known_departments
        and department not in known_departments
    ):
        known = ", ".join(sorted(known_departments))
        raise AccountError(both("web.say.no_department", department=department, known=known))
    if role == "unit" and known_units and unit not in known_units:
        raise AccountError(
            both("web.say.no_unit_stored", unit=unit, known=", ".join(sorted(known_units)))
        )


def _known(session: Session) -> tuple[set[str], set[str]]:
    """The units and departments of every stored scheme version."""
    from kaohe.web.cycles.service import scheme_of_version
    from kaohe.web.store.models import SchemeVersion

    units: set[str] = set()
    departments: set[str] = set()
    for version in session.execute(select(SchemeVersion)).scalars():
        scheme = scheme_of_version(version)
        units.update(scheme.units)
        departments.update(scheme.departments)
    return units, departments


def find(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def set_active(session: Session, username: str, active: bool, actor: str = "system") -> User:
    user = find(session, username)
    before = user.active
    user.active = active
    if not active:
        sessions.end_all(session, user.id, "disabled")
    audit.record(
        session,
        actor,
        "user.enable" if active else "user.disable",
        f"user:{username}",
        before={"active": before},
        after={"active": active},
    )
    return user


def reset_password(
    session: Session,
    username: str,
    password: str,
    actor: str = "system",
    revoke_tokens: bool = False,
) -> User:
    """A new password: every session of the user ends (and, if asked, every API token)."""
    user = find(session, username)
    user.password_hash = hash_password(password, username, user.display_name)
    ended = sessions.end_all(session, user.id, "password reset")
    revoked = 0
    if revoke_tokens:
        for token in tokens(session, username):
            if not token.revoked:
                token.revoked, revoked = True, revoked + 1
    audit.record(
        session,
        actor,
        "user.reset_password",
        f"user:{username}",
        after={"sessions_ended": ended, "tokens_revoked": revoked},
    )
    return user  # its login delays end with it (``_since``)


def set_role(
    session: Session,
    username: str,
    role: str,
    department: str | None = None,
    unit: str | None = None,
    actor: str = "system",
) -> User:
    """Give the account another role (and department or unit): its sessions end."""
    user = find(session, username)
    check_role(session, role, department, unit)
    before = {"role": user.role, "department": user.department, "unit": user.unit}
    user.role = role
    user.department = department if role in ("reporter", "reviewer") else None
    user.unit = unit if role == "unit" else None
    sessions.end_all(session, user.id, "role changed")
    audit.record(
        session,
        actor,
        "user.role",
        f"user:{username}",
        before=before,
        after={"role": role, "department": user.department, "unit": user.unit},
    )
    return user


def unlock(session: Session, username: str, actor: str = "system") -> None:
    """Lift the account's login delays: failures before now are no longer counted for it."""
    find(session, username)
    audit.record(session, actor, "login.unlock", f"user:{username}")


def authenticate(session: Session, username: str, password: str, address: str = "") -> User | None:
    """The user if the password is right and the account active; else None. Refused unchecked
    (``TooManyAttemptsError``) while a delay runs (see the module's docstring); every attempt
    is recorded."""
    username = username[:MAX_USERNAME]  # a longer name is no account: failed, not an error
    wait = retry_at(session, username, address)
    if wait is not None:
        audit.record(session, username, "login.throttled", f"user:{username}", address=address)
        raise wait
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        _verify(_DUMMY, password)
        audit.record(session, username, "login.failed", f"user:{username}", address=address)
        return None
    if not user.active or not _verify(user.password_hash, password[:MAX_PASSWORD]):
        audit.record(session, username, "login.failed", f"user:{username}", address=address)
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    audit.record(session, username, "login", f"user:{username}", address=address)
    return user


def delay_after(failures: int, free: int) -> timedelta:
    """How long after the last failure the next attempt waits: nothing for the first ``free``
    failures, then ``FIRST_DELAY`` doubled by each further one, at most ``LONGEST_DELAY``."""
    if failures < free:
        return timedelta(0)
    grown: timedelta = FIRST_DELAY * 2 ** min(failures - free, 20)
    return min(grown, LONGEST_DELAY)


def retry_at(session: Session, username: str, address: str) -> TooManyAttemptsError | None:
    """The refusal for an attempt now, or None when it may be checked."""
    moment = datetime.now(UTC)
    since = _since(session, username, moment - WINDOW)
    target = f"user:{username}"
    pair = _failures(session, since, address=address, target=target) if address else []
    account = _failures(session, since, target=target) if pair else []
    everywhere = _failures(session, moment - WINDOW, address=address) if address else []
    for failures, free, why in (
        (pair, FREE_PER_PAIR, "account"),
        (account, FREE_PER_ACCOUNT, "account"),
        (everywhere, FREE_PER_ADDRESS, "address"),
    ):
        if failures:
            until = failures[-1] + delay_after(len(failures), free)
            if until > moment:
                return TooManyAttemptsError(until, why)
    return None


def _since(session: Session, username: str, window_start: datetime) -> datetime:
    """Failures of the account count from the window's start or its last unlock, password
    reset or login."""
    last = session.execute(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.target == f"user:{username}",
            AuditEntry.action.in_(("login.unlock", "user.reset_password", "login")),
            AuditEntry.at >= window_start.isoformat(timespec="microseconds"),
        )
    ).scalar()
    return max(window_start, datetime.fromisoformat(last)) if last else window_start


def _failures(
    session: Session, since: datetime, address: str | None = None, target: str | None = None
) -> list[datetime]:
    """The times of failed logins since ``since`` (oldest first), of an address, an account
    or both."""
    query = select(AuditEntry.at).where(
        AuditEntry.action == "login.failed",
        AuditEntry.at > since.isoformat(timespec="microseconds"),
    )
    if address is not None:
        query = query.where(AuditEntry.address == address)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    return [
        datetime.fromisoformat(at)
        for at in session.execute(query.order_by(AuditEntry.at)).scalars()
    ]


def failures_from(session: Session, address: str) -> int:
    """Failed logins from ``address`` within the last ``WINDOW``."""
    return len(_failures(session, datetime.now(UTC) - WINDOW, address=address))


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

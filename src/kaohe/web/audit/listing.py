"""The audit log as the office reads it: filtered (who, what, when, cycle), a page at a time,
each entry in words — its time in the office's zone, the person's name, the action, what it
touched (cycle, unit, indicator by name) and its details — and the filtered list for export."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from kaohe.i18n import LABELS, t
from kaohe.web import clock, lists
from kaohe.web.store.models import AuditEntry, Cycle, User

PAGE = lists.PAGE
#: the most rows one export holds (the log of years of an office is far below it)
EXPORT_LIMIT = lists.EXPORT_LIMIT

#: every action the platform records, in the order the filter offers them
ACTIONS = (
    "value.submit",
    "value.approve",
    "value.return",
    "no_incidents.declare",
    "no_incidents.withdraw",
    "evidence.attach",
    "cycle.create",
    "cycle.schedule",
    "cycle.version",
    "cycle.move",
    "results.compute",
    "objection.file",
    "objection.accepted",
    "objection.rejected",
    "commitment.add",
    "commitment.edit",
    "commitment.withdraw",
    "scheme.store",
    "personnel.designs",
    "personnel.compute",
    "personnel.compute_failed",
    "personnel.ballot.enter",
    "personnel.arena.design",
    "personnel.arena.compute",
    "login",
    "login.failed",
    "login.throttled",
    "login.unlock",
    "user.add",
    "user.role",
    "user.disable",
    "user.enable",
    "user.reset_password",
    "token.issue",
    "token.revoke",
)


class FilterError(ValueError):
    """A filter field that cannot be read; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Filters:
    who: str = ""  # a username or a person's name
    action: str = ""
    since: date | None = None  # the office's calendar days, both included
    until: date | None = None
    cycle: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the pager and the export links)."""
        fields = {"from": self.since, "to": self.until}
        return lists.query(who=self.who, action=self.action, **fields, cycle=self.cycle)


def read_filters(params: Mapping[str, str], lang: str) -> tuple[Filters, dict[str, str]]:
    """The filters of a query string, and a message per field that could not be read (that
    filter is left out)."""
    errors: dict[str, str] = {}
    who = params.get("who", "").strip()[:64]
    action = params.get("action", "").strip()
    if action and action not in ACTIONS:
        errors["action"] = t("audit.bad_action", lang)
        action = ""
    since = lists.day(params, "from", errors, lang)
    until = lists.day(params, "to", errors, lang)
    if since and until and until < since:
        errors["to"] = t("audit.bad_range", lang)
        until = None
    cycle = lists.number(params, "cycle", errors, lang)
    if "cycle" in errors:
        errors["cycle"] = t("audit.bad_cycle", lang)
    return Filters(who, action, since, until, cycle), errors


def _moment(day: date) -> str:
    """The start of ``day`` in the office's zone as the log stores moments (UTC ISO text)."""
    start = datetime.combine(day, time(0), tzinfo=clock.zone()).astimezone(UTC)
    return start.isoformat(timespec="microseconds")


def conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.who:
        named = session.execute(
            select(User.username).where(or_(User.username == f.who, User.display_name == f.who))
        ).scalars()
        out.append(AuditEntry.actor.in_({f.who, *named}))
    if f.action and f.who:  # a person's entries are the fewer: down the person's index only
        out.append(func.coalesce(AuditEntry.action, "") == f.action)
    elif f.action:
        out.append(AuditEntry.action == f.action)
    if f.since:
        out.append(AuditEntry.at >= _moment(f.since))
    if f.until:
        out.append(AuditEntry.at < _moment(f.until + timedelta(days=1)))
    if f.cycle:
        prefix = f"cycle:{f.cycle}"
        out.append(or_(AuditEntry.target == prefix, AuditEntry.target.like(prefix + "/%")))
    return out


@dataclass
class Page:
    entries: list[AuditEntry]
    total: int  # entries matching the filters
    newer: int | None  # the seq to page newer from (``after``), None on the newest page
    older: int | None  # the seq to page older from (``before``), None on the oldest page


def page(
    session: Session,
    f: Filters,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE,
) -> Page:
    """One page of the filtered log, newest first: the newest entries, or those just older than
    ``before`` or just newer than ``after`` (keyset paging: each page costs the same, however deep,
    down the indexes on (actor, seq), (action, seq) and at); and how many entries match."""
    where = conditions(session, f)
    found = lists.keyset(
        session,
        select(AuditEntry).where(*where),
        AuditEntry.seq,
        lambda e: int(e.seq),
        before=before,
        after=after,
        size=size,
    )
    if not where:  # the whole log: its last number (entries are numbered 1, 2, … without gaps)
        total = session.execute(select(func.max(AuditEntry.seq))).scalar() or 0
    else:
        total = session.execute(
            select(func.count()).select_from(AuditEntry).where(*where)
        ).scalar_one()
    return Page(found.rows, int(total), found.newer, found.older)


def every(session: Session, f: Filters) -> Iterator[AuditEntry]:
    """Every entry of the filtered log, newest first (at most :data:`EXPORT_LIMIT`)."""
    query = (
        select(AuditEntry)
        .where(*conditions(session, f))
        .order_by(AuditEntry.seq.desc())
        .limit(EXPORT_LIMIT)
        .execution_options(yield_per=2000)
    )
    yield from session.execute(query).scalars()


class Words:
    """Names for what entries name: people, cycles, units, indicators (loaded for a page's or an
    export's entries once)."""

    def __init__(self, session: Session, lang: str) -> None:
        from kaohe.web.cycles.service import scheme_of

        self.lang = lang
        people = session.execute(select(User.username, User.display_name)).all()
        self.people = {str(u): str(d) for u, d in people}
        self.cycles: dict[int, str] = {}
        self.units: dict[int, dict[str, str]] = {}
        self.columns: dict[int, dict[str, str]] = {}
        for cycle in session.execute(select(Cycle)).scalars():
            self.cycles[cycle.id] = cycle.name
            try:
                scheme = scheme_of(cycle, session)
            except Exception:
                continue
            self.units[cycle.id] = {uid: u.name for uid, u in scheme.units.items()}
            self.columns[cycle.id] = {iid: ind.name for iid, ind in scheme.indicators.items()}

    def who(self, actor: str) -> str:
        if actor == "system":
            return t("audit.system", self.lang)
        name = self.people.get(actor)
        if name and name != actor:
            return t("web.say.audit_who", self.lang, name=name, username=actor)
        return actor

    def action(self, action: str) -> str:
        key = f"audit.action.{action}"
        return t(key, self.lang) if key in LABELS else action

    def target(self, target: str) -> str:
        """``cycle:3/jining/gdp_growth`` → ``2024年度 · 集宁区 · 地区生产总值增速``."""
        parts = target.split("/")
        head, _, ident = parts[0].partition(":")
        if head == "user":
            return t("audit.account", self.lang, name=self.who(ident))
        if head != "cycle" or not ident.isdigit():
            return target
        cid = int(ident)
        out = [self.cycles.get(cid, t("audit.cycle_n", self.lang, n=cid))]
        units, columns = self.units.get(cid, {}), self.columns.get(cid, {})
        for part in parts[1:]:
            kind, _, number = part.partition(":")
            if kind in ("objection", "commitment") and number:
                out.append(t(f"audit.{kind}_n", self.lang, n=number))
            else:
                out.append(units.get(part) or _column(columns, part, self.lang))
        return " · ".join(out)

    def details(self, e: AuditEntry) -> str:
        before, after = _json(e.before), _json(e.after)
        lang = self.lang
        if e.action == "cycle.move" and "state" in after:
            return f"{self._state(before.get('state'))} → {self._state(after['state'])}"
        if e.action == "value.submit" and isinstance(after, dict):
            text = t("audit.version_value", lang, v=after.get("version", ""), raw=after.get("raw"))
            return text + (self._sep + str(after["note"]) if after.get("note") else "")
        if e.action in ("value.approve", "value.return"):
            text = t("audit.version", lang, v=after.get("version", ""))
            return text + (self._sep + str(after["comment"]) if after.get("comment") else "")
        if e.action == "results.compute" and "snapshot" in after:
            return t("audit.snapshot", lang, n=after["snapshot"])
        return self._sep.join(
            t("web.say.audit_field", lang, field=_key(k, lang), value=_short(v))
            for k, v in after.items()
        )

    @property
    def _sep(self) -> str:
        return t("web.say.audit_sep", self.lang)

    def _state(self, state: object) -> str:
        key = f"state.{state}"
        return t(key, self.lang) if key in LABELS else str(state)

    def row(self, e: AuditEntry) -> dict[str, Any]:
        return {
            "seq": e.seq,
            "when": clock.local_time(e.at),
            "who": self.who(e.actor),
            "action": self.action(e.action),
            "target": self.target(e.target),
            "details": self.details(e),
        }


def _column(names: dict[str, str], column: str, lang: str) -> str:
    """A column key in words: its indicator's name, and an item's own name (``awards:自治区级``
    → ``获奖（自治区级）``), a monitoring period's value (``revenue@2022-06``) with its period;
    an unknown key as it is."""
    column, _, period = column.partition("@")
    iid, _, item = column.partition(":")
    name = names.get(iid)
    if name is None:
        return f"{column}@{period}" if period else column
    if item:
        name = t("web.say.audit_item", lang, name=name, item=item)
    return t("web.say.audit_item", lang, name=name, item=period) if period else name


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "null")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _key(key: str, lang: str) -> str:
    label = f"audit.key.{key}"
    return t(label, lang) if label in LABELS else key


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"

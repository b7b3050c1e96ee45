"""Who may do what: the one place. Every route names its action; this table says which roles
hold it. ``PUBLIC`` actions need no login. A test walks every route × every role against it."""

from __future__ import annotations

from kaohe.web.store.models import PUBLISHED_STATES, ROLES, Cycle, User

PUBLIC = "public"

POLICY: dict[str, frozenset[str]] = {
    "board.view": frozenset({PUBLIC, *ROLES}),
    "account.login": frozenset({PUBLIC, *ROLES}),
    "account.logout": frozenset(ROLES),
    "audit.view": frozenset({"office"}),
    "cycles.view": frozenset(ROLES),
    "cycles.manage": frozenset({"office"}),
    "values.enter": frozenset({"reporter"}),
    "values.review": frozenset({"reviewer"}),
    "objections.view": frozenset({"unit", "office"}),
    "objections.file": frozenset({"unit"}),
    "objections.answer": frozenset({"office"}),
    "commitments.edit": frozenset({"unit", "office"}),  # and may_edit_commitments: whose
    "evidence.view": frozenset(ROLES),  # and evidence.may_see: only what the user may see
    "cycles.dashboard": frozenset({"office", "reporter", "reviewer"}),
    "schemes.manage": frozenset({"office"}),
    # cadres' records: the office, and a unit's account for its own unit (may_see_person)
    "personnel.view": frozenset({"office", "unit"}),
    "personnel.manage": frozenset({"office"}),
    # monitoring (调度与预警): period values entered and reviewed by the owner departments, the
    # warning list and its downloads for the office (the board's pages are board.view)
    "monitoring.enter": frozenset({"reporter"}),
    "monitoring.review": frozenset({"reviewer"}),
    "monitoring.warnings": frozenset({"office"}),
    "monitoring.values": frozenset({"office", "reporter", "reviewer"}),  # the API's list
    # ledgers (台账): the register is seen by every account (a unit's its own projects), kept
    # by the owner departments, every stage change reviewed; matters are the office's and the
    # units' involved (ledgers.service.may_see_matter); everyone has an inbox
    "ledgers.view": frozenset(ROLES),
    "ledgers.edit": frozenset({"office", "reporter"}),  # and ledgers.service.may_propose
    "ledgers.review": frozenset({"office", "reviewer"}),  # and ledgers.service.may_review
    "ledgers.import": frozenset({"office", "reporter"}),
    "ledgers.matters": frozenset({"office", "unit"}),
    "ledgers.act": frozenset({"office", "unit"}),  # a unit: its own part (UNIT_ACTIONS)
    "ledgers.inbox": frozenset(ROLES),
    "ledgers.remind": frozenset({"office"}),
    "ledgers.create": frozenset({"office"}),  # new matters, talk lists closed
    "ledgers.publish": frozenset({"office"}),  # the register's fields shown on the board
    # robustness (稳健性分析): the office runs and publishes it; the board shows it (board.view)
    "robustness.run": frozenset({"office"}),
}


def role_of(user: User | None) -> str:
    return PUBLIC if user is None else user.role


def allowed(user: User | None, action: str) -> bool:
    """Whether ``user`` (None: not logged in) holds ``action``; unknown actions are refused."""
    return role_of(user) in POLICY.get(action, frozenset())


def department_of(user: User | None) -> str | None:
    """The owner department whose indicators a reporter enters or a reviewer reviews."""
    if user is None or user.role not in ("reporter", "reviewer"):
        return None
    return user.department


def may_edit_commitments(user: User | None, unit: str) -> bool:
    """Whose commitments (亮) a holder of ``commitments.edit`` may write: a unit's account its
    own unit's only, the office every unit's."""
    if not allowed(user, "commitments.edit") or user is None:
        return False
    return is_office(user) or user.unit == unit


def may_see_person(user: User | None, unit: str) -> bool:
    """Whose personal records (cadres, teams, their grades) a holder of ``personnel.view`` may
    see: the office every unit's, a unit's account its own unit's only."""
    if not allowed(user, "personnel.view") or user is None:
        return False
    return is_office(user) or user.unit == unit


def is_office(user: User | None) -> bool:
    return role_of(user) == "office"


def sees_cycle(user: User | None, cycle: Cycle) -> bool:
    """A draft cycle is the office's alone; in any other state it is seen by whoever holds the
    route's action."""
    return cycle.state != "draft" or is_office(user)


def can_see_cycle(user: User | None, cycle: Cycle) -> bool:
    """Published cycles are public; the office sees every cycle."""
    return cycle.state in PUBLISHED_STATES or role_of(user) == "office"


def own_unit(user: User | None) -> str | None:
    """The unit whose people the user may see (None: every unit, for the office)."""
    if user is not None and user.role == "unit":
        return user.unit or ""
    return None


def may_change(state: str) -> bool:
    """Whether anything of a cycle in ``state`` may still be written: a final cycle's values,
    results, cadre grades, decisions, commitments and objections are closed for good."""
    return state != "final"

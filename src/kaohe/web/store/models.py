"""The platform's database: models (SQLAlchemy 2) and how to open it.

Assessment data are never deleted or overwritten: a value's every change is a new row
(``Value.version``), and every write is also entered in the hash-chained ``AuditEntry`` log.
The schema is created and upgraded by Alembic (``kaohe db upgrade``), never by ``create_all``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("office", "reporter", "reviewer", "unit")


CYCLE_STATES = ("draft", "collecting", "reviewing", "publicity", "objections_handled", "final")


PUBLISHED_STATES = ("publicity", "objections_handled", "final")


VALUE_STATES = ("submitted", "approved", "returned")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class FieldTooLongError(ValueError):
    """A text longer than its column allows: refused the same on every database (SQLite would
    keep it, PostgreSQL would fail the statement)."""

    def __init__(self, table: str, column: str, limit: int, length: int) -> None:
        from kaohe.i18n import both

        said = both("web.say.field_too_long", limit=limit, n=length)
        super().__init__(f"{table}.{column}: {said}")
        self.table, self.column, self.limit = table, column, limit


def check_length(table: str, column: str, limit: int | None, value: object) -> None:
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise FieldTooLongError(table, column, limit, len(value))


def _check_lengths(mapper: Any, _connection: Any, target: Any) -> None:
    for prop in mapper.column_attrs:
        for col in prop.columns:
            if isinstance(col.type, String) and not isinstance(col.type, Text):
                check_length(col.table.name, col.name, col.type.length, getattr(target, prop.key))


event.listen(Base, "before_insert", _check_lengths, propagate=True)


event.listen(Base, "before_update", _check_lengths, propagate=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(64), default=None)
    unit: Mapped[str | None] = mapped_column(String(64), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class UserSession(Base):
    """A login's server-side session: the cookie holds a random token, this row its SHA-256.
    Logout ends it; a password reset, a disable or a role change ends every session of the
    user (``ended_at`` set, never deleted: the log of who was logged in when stays)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    ended_why: Mapped[str] = mapped_column(String(32), default="")


class InstanceSetting(Base):
    """Values that belong to this installation and live with its data: the secret that signs
    session cookies (made at random on first start when ``KAOHE_SECRET_KEY`` is not set)."""

    __tablename__ = "instance_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class ApiToken(Base):
    """A machine client's bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SchemeVersion(Base):
    """A scheme's YAML text as it was when stored; never edited (a change is a new version)."""

    __tablename__ = "scheme_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class Cycle(Base):
    """One run of a scheme version over a period."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    scheme_version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    state: Mapped[str] = mapped_column(String(24), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    # the day data collection closes (per department in DepartmentDeadline when they differ)
    collection_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    publicity_start: Mapped[date | None] = mapped_column(Date, default=None)  # 公示 from
    publicity_end: Mapped[date | None] = mapped_column(Date, default=None)  # 公示 until

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy's convention


class DepartmentDeadline(Base):
    """A department's own collection deadline in a cycle, where it differs from the cycle's."""

    __tablename__ = "department_deadlines"
    __table_args__ = (UniqueConstraint("cycle_id", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date)


class Value(Base):
    """One version of one cell (unit × column × period): a column is an indicator id,
    ``id:item``; the period is '' for the annual value, else a monitoring period's id
    (``2022-03``: a dispatched indicator's value in that period, see ``kaohe.web.monitoring``)."""

    __tablename__ = "values"
    __table_args__ = (
        UniqueConstraint("cycle_id", "unit", "column", "period", "version", name="uq_values_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    column: Mapped[str] = mapped_column(String(128))
    period: Mapped[str] = mapped_column(String(32), default="", server_default=text("''"))
    version: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)  # as entered: a number, N/A, 是/否
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    comment: Mapped[str] = mapped_column(Text, default="")


class Objection(Base):
    """An assessed unit's objection (异议) to a value or its points, filed during publicity."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | rejected
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    filed_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class ResultSnapshot(Base):
    """The results of one computation of a cycle, as published rows (JSON)."""

    __tablename__ = "result_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    rows: Mapped[str] = mapped_column(Text)
    explain: Mapped[str] = mapped_column(Text)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)


class EvidenceBlob(Base):
    """An evidence file's bytes, stored once by their SHA-256 (content-addressed)."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Evidence(Base):
    """A file attached to a value's version or to an objection (证明材料)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    value_id: Mapped[int | None] = mapped_column(ForeignKey("values.id"), default=None, index=True)
    objection_id: Mapped[int | None] = mapped_column(
        ForeignKey("objections.id"), default=None, index=True
    )
    sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    filename: Mapped[str] = mapped_column(String(256))
    media_type: Mapped[str] = mapped_column(String(128))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class Commitment(Base):
    """One of a unit's published commitments for the cycle (亮: a task and who answers for it).

    Never deleted: a withdrawn commitment keeps its row with ``withdrawn`` set."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(256))
    detail: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(String(128), default="")  # who answers for it
    due: Mapped[date | None] = mapped_column(Date, default=None)
    progress: Mapped[str] = mapped_column(Text, default="")
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy's convention


class NoIncidents(Base):
    """An owner department's statement that a unit has nothing to report on the department's
    items left blank whose blank means none (bonus, deduction and veto items, judgements): 无事项.

    Never deleted: a withdrawn statement keeps its row with ``withdrawn_at`` set; a unit has at
    most one standing (not withdrawn) statement per department and cycle."""

    __tablename__ = "no_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    declared_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class AuditEntry(Base):
    """One write, chained to the previous entry by its hash (see ``kaohe.web.audit.chain``)."""

    __tablename__ = "audit_log"
    # failed logins are counted per address (rate limit): by address and time
    __table_args__ = (Index("ix_audit_log_address_at", "address", "at"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(256))
    before: Mapped[str] = mapped_column(Text, default="null")
    after: Mapped[str] = mapped_column(Text, default="null")
    address: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry's number and hash, locked by each append (one row, id 1)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


PERSON_KINDS = ("cadre", "team")


GRADE_SOURCES = ("imported", "computed")


class Team(Base):
    """A leadership team (领导班子) of a unit; kept when it ends (``ended_on``)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_key: Mapped[str] = mapped_column(String(64), unique=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_on: Mapped[date | None] = mapped_column(Date, default=None)
    ended_on: Mapped[date | None] = mapped_column(Date, default=None)


class Cadre(Base):
    """A cadre (干部): personal data, seen only by the office and the cadre's own unit."""

    __tablename__ = "cadres"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    team_key: Mapped[str | None] = mapped_column(String(64), default=None)
    position: Mapped[str | None] = mapped_column(String(128), default=None)
    rank_level: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16), default="normal")
    status_start: Mapped[date | None] = mapped_column(Date, default=None)
    status_end: Mapped[date | None] = mapped_column(Date, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # on the latest roster
    started_on: Mapped[date | None] = mapped_column(Date, default=None)
    ended_on: Mapped[date | None] = mapped_column(Date, default=None)


class GradeRecord(Base):
    """One year's annual grade of a person (cadre or team): imported, or computed by a cycle."""

    __tablename__ = "grade_history"
    __table_args__ = (UniqueConstraint("person_key", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    grade: Mapped[str] = mapped_column(String(64), default="")
    years_at_level: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str] = mapped_column(String(16), default="imported")
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), default=None)


class Promotion(Base):
    """A recorded promotion (提拔使用), read by the rulebook's promotion statistics."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(128), default="")
    name: Mapped[str] = mapped_column(String(128), default="")


class CycleDesign(Base):
    """A cycle's designs (YAML texts), versioned like schemes: a change is a new version."""

    __tablename__ = "cycle_designs"
    __table_args__ = (UniqueConstraint("cycle_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    appraisal: Mapped[str] = mapped_column(Text)
    checks: Mapped[str] = mapped_column(Text)
    grading: Mapped[str] = mapped_column(Text)
    rulebook: Mapped[str] = mapped_column(Text)
    previous_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), default=None)
    # the previous year's results.csv, when that year was not assessed on the platform
    previous_results: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class PersonnelImport(Base):
    """One imported file (all of it or none): what, from where, its SHA-256 and row count."""

    __tablename__ = "personnel_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"), default=None, index=True)
    what: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(256))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
    actor: Mapped[str] = mapped_column(String(64), default="")


class Ballot(Base):
    """One appraisal ballot (民主测评票): its choices (item ids in the design's order, joined
    by ``|``) and their item-weighted value, computed once when imported."""

    __tablename__ = "ballots"
    __table_args__ = (Index("ix_ballots_cycle_subject", "cycle_id", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    ballot_key: Mapped[str] = mapped_column(String(64))
    subject_key: Mapped[str] = mapped_column(String(64))
    rater_group: Mapped[str] = mapped_column(String(64))
    rater: Mapped[str | None] = mapped_column(String(64), default=None)
    choices: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    # a paper ballot typed in by the office (who and when); NULL for an uploaded one
    entered_by: Mapped[str | None] = mapped_column(String(64), default=None)
    entered_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class RegularCheck(Base):
    """A quarterly regular check (平时考核) of a cadre."""

    __tablename__ = "regular_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    cadre_key: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float, default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class ComponentScore(Base):
    """Another component of an annual grade given as a number (e.g. the office's assessment)."""

    __tablename__ = "component_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    subject_key: Mapped[str] = mapped_column(String(64))
    component: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)


class PersonnelComputation(Base):
    """One computation of a cycle's grades and decisions, and what it was computed from: it is
    stale when the cycle has newer results, designs or imports."""

    __tablename__ = "personnel_computations"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshots.id"))
    design_id: Mapped[int] = mapped_column(ForeignKey("cycle_designs.id"))
    last_import_id: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    actor: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[str] = mapped_column(Text, default="{}")


class AnnualGrade(Base):
    """A computed annual grade of a cadre or team; the explanation is NULL when it is made on
    demand (large computations)."""

    __tablename__ = "annual_grades"
    __table_args__ = (Index("ix_annual_grades_computation_unit", "computation_id", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    computation_id: Mapped[int] = mapped_column(ForeignKey("personnel_computations.id"))
    kind: Mapped[str] = mapped_column(String(8))
    subject_key: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    grade: Mapped[str] = mapped_column(String(64))
    grade_name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    quota: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str | None] = mapped_column(Text, default=None)  # Chinese
    explanation_en: Mapped[str | None] = mapped_column(Text, default=None)  # English


class RulebookDecision(Base):
    """A decision of the results rulebook, linked to its rule and the inputs it read."""

    __tablename__ = "rulebook_decisions"
    __table_args__ = (Index("ix_rulebook_decisions_computation_rule", "computation_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    computation_id: Mapped[int] = mapped_column(ForeignKey("personnel_computations.id"))
    position: Mapped[int] = mapped_column(Integer)  # the order of the rulebook's decisions
    rule: Mapped[str] = mapped_column(String(64))
    rule_type: Mapped[str] = mapped_column(String(32))
    rule_name: Mapped[str] = mapped_column(String(256))
    subject_kind: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256), default="")
    unit: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    action: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(Text, default=None)  # JSON: number or text
    inputs: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of links
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[str] = mapped_column(Text, default="")  # Chinese
    explanation_en: Mapped[str | None] = mapped_column(Text, default=None)  # English


class ArenaDesignVersion(Base):
    """A cycle's arena contest design (擂台比武, YAML text), versioned."""

    __tablename__ = "arena_designs"
    __table_args__ = (UniqueConstraint("cycle_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class ArenaMark(Base):
    """One judge's marks of one contestant on one panel (JSON: criterion id → mark)."""

    __tablename__ = "arena_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    contestant_key: Mapped[str] = mapped_column(String(64))
    panel: Mapped[str] = mapped_column(String(64))
    judge_key: Mapped[str] = mapped_column(String(64))
    marks: Mapped[str] = mapped_column(Text)


class ArenaRun(Base):
    """One computation of a cycle's arena contest, and the design and marks it read."""

    __tablename__ = "arena_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    design_id: Mapped[int] = mapped_column(ForeignKey("arena_designs.id"))
    import_id: Mapped[int] = mapped_column(Integer)  # the personnel_imports row of the marks
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    actor: Mapped[str] = mapped_column(String(64), default="")


class ArenaStanding(Base):
    """A contestant's score and rank in one arena computation (panels: JSON of panel id →
    [score, judges]); names and ranks are what the public board shows."""

    __tablename__ = "arena_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("arena_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    contestant_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256), default="")
    score: Mapped[float | None] = mapped_column(Float, default=None)
    rank: Mapped[int] = mapped_column(Integer)
    panels: Mapped[str] = mapped_column(Text, default="{}")
    explanation: Mapped[str] = mapped_column(Text, default="")  # Chinese
    explanation_en: Mapped[str] = mapped_column(Text, default="")  # English


# --------------------------------------------------------------------------- monitoring


class WarningAcceptance(Base):
    """A reviewer's acceptance, with a comment, of a data warning (数据预警) of a cycle's
    monitoring: keyed by period, unit, dispatched indicator and check, so that it stays with
    the warning however often the warnings are computed again."""

    __tablename__ = "warning_acceptances"
    __table_args__ = (UniqueConstraint("cycle_id", "period", "unit", "indicator", "check"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    period: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(128))
    check: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    accepted_at: Mapped[datetime] = mapped_column(DateTime, default=now)


# --------------------------------------------------------------------------- ledgers (台账)


class LedgerProject(Base):
    """A project of a cycle's register (重点项目台账): the core's ``Project`` fields. Never
    deleted: a project leaves the pipeline as the stage 终止 with its reason. ``stage`` is the
    stage of its last approved change (kept for filtering); ``department``: the owner
    department that keeps it (empty: the office)."""

    __tablename__ = "ledger_projects"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    unit: Mapped[str] = mapped_column(String(64))
    task_force: Mapped[str] = mapped_column(String(128), default="")
    sector: Mapped[str] = mapped_column(String(128), default="")
    level: Mapped[str] = mapped_column(String(64), default="")
    stage: Mapped[str] = mapped_column(String(32))
    total_investment: Mapped[float | None] = mapped_column(Float, default=None)
    planned_investment: Mapped[float | None] = mapped_column(Float, default=None)
    completed_investment: Mapped[float | None] = mapped_column(Float, default=None)
    monthly: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[YYYY-MM, amount]]
    planned: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[stage, date]]
    evidence: Mapped[str] = mapped_column(Text, default="[]")  # JSON [reference]
    department: Mapped[str] = mapped_column(String(64), default="")
    import_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class LedgerStageChange(Base):
    """A project entering a stage: the register's history, one row per change, never deleted.
    ``state``: ``approved`` (in the history), ``proposed`` (waiting for review) or
    ``refused``; the position orders the approved ones."""

    __tablename__ = "ledger_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("ledger_projects.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(32))
    on: Mapped[date | None] = mapped_column(Date, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="[]")
    state: Mapped[str] = mapped_column(String(16), default="approved")
    proposed_by: Mapped[str] = mapped_column(String(64), default="")
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    reviewed_by: Mapped[str] = mapped_column(String(64), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    review_note: Mapped[str] = mapped_column(Text, default="")


class LedgerMatter(Base):
    """A follow-up matter of a cycle (督办, 揭榜领题, 谈心谈话, 领导包案): the core's ``Matter``
    fields (lists as JSON); its events are rows of ``ledger_events``."""

    __tablename__ = "ledger_matters"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(512))
    opened: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    units: Mapped[str] = mapped_column(Text, default="[]")
    assisting: Mapped[str] = mapped_column(Text, default="[]")
    leader: Mapped[str] = mapped_column(String(128), default="")
    subject: Mapped[str] = mapped_column(String(256), default="")
    level: Mapped[str] = mapped_column(String(64), default="")
    batch: Mapped[str] = mapped_column(String(128), default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="[]")
    milestones: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[name, due, unit, done]]
    import_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class LedgerEvent(Base):
    """Something that happened to a matter (the core's ``Event``), in date order (position)."""

    __tablename__ = "ledger_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("ledger_matters.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    unit: Mapped[str] = mapped_column(String(64), default="")
    by: Mapped[str] = mapped_column(String(128), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    evidence: Mapped[str] = mapped_column(Text, default="[]")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class LedgerImport(Base):
    """One file imported into a cycle's ledgers (the register or the matters)."""

    __tablename__ = "ledger_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    ledger: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(256), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    records: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class ReminderSent(Base):
    """A reminder sent through an outbound channel (SMTP), kept with its outcome."""

    __tablename__ = "ledger_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(256))
    subject: Mapped[str] = mapped_column(String(256))
    items: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    sent_by: Mapped[str] = mapped_column(String(64), default="")


class LedgerListClosure(Base):
    """A talk list (名单) closed: only when every talk in it was recorded (the core's
    ``close_list``); the talks it held."""

    __tablename__ = "ledger_list_closures"
    __table_args__ = (UniqueConstraint("cycle_id", "batch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    batch: Mapped[str] = mapped_column(String(128))
    on: Mapped[date] = mapped_column(Date)
    matters: Mapped[str] = mapped_column(Text, default="[]")
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    closed_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class LedgerBoard(Base):
    """Which fields of the register the office makes public on the board (JSON list)."""

    __tablename__ = "ledger_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), unique=True)
    fields: Mapped[str] = mapped_column(Text, default="[]")
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now)


# --------------------------------------------------------------------------- robustness


class RobustnessRun(Base):
    """An analysis of a cycle's result run by the office in the background: how robust its
    ranks and grades are (rank intervals, grade probabilities) and each unit's exact gaps to
    the next place and grade. ``done`` of ``total`` steps tell how far it is; ``updated_at``
    when it last said so (a run that stops saying so has stalled: its process ended). Its
    ``summary`` (JSON) is shown on the board once the office publishes it."""

    __tablename__ = "robustness_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("result_snapshots.id"))
    state: Mapped[str] = mapped_column(String(16), default="running")  # running, done, failed
    samples: Mapped[int] = mapped_column(Integer)
    gaps: Mapped[bool] = mapped_column(Boolean, default=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now)


# --- the audit log at an office's size (issue 15): the filters of its page, each down an index
# (keyset paging by seq within a person or an action; a day range; a cycle's targets by prefix)
Index("ix_audit_log_actor_seq", AuditEntry.actor, AuditEntry.seq)
Index("ix_audit_log_action_seq", AuditEntry.action, AuditEntry.seq)
Index("ix_audit_log_at", AuditEntry.at)
Index(
    "ix_audit_log_target",
    AuditEntry.target,
    postgresql_ops={"target": "varchar_pattern_ops"},  # LIKE 'cycle:3/%' in any collation
)

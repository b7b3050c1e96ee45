"""Decisions: what a rule decided for one subject, and the inputs that produced it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kaohe.rulebook.text import Sentence

if TYPE_CHECKING:
    import pandas as pd

Value = float | int | str | None
SubjectKind = Literal["unit", "person", "all"]


@dataclass(frozen=True, slots=True)
class Link:
    """One input a decision read: a field of a results row (``results`` / ``previous``), of a
    grade-history row (``history``, with its year) or of a recorded promotion (``promotions``)."""

    source: Literal["results", "previous", "history", "promotions", "headcount"]
    key: str  # unit id (results, previous, headcount) or person id (history, promotions)
    field: str
    value: Value
    year: int | None = None
    unit: str | None = None

    def __str__(self) -> str:
        where = self.key if self.year is None else f"{self.key}@{self.year}"
        if self.unit is not None and self.unit != self.key:
            where += f"/{self.unit}"
        return f"{self.source}[{where}].{self.field}={self.value}"


@dataclass(frozen=True, slots=True)
class Decision:
    """What ``rule`` decided for ``subject``: an ``action`` (``excellent_share``,
    ``rank_quota``, ``reward``, ``commendation``, ``third_class_merit``, ``promotion_pool``,
    ``promoted_excellent``, ``promotion_share``, ``talk``) with its ``value``."""

    rule: str
    subject_kind: SubjectKind
    subject: str
    name: str
    unit: str | None  # the unit the decision goes to (a person's current unit)
    action: str
    value: Value
    inputs: tuple[Link, ...]
    explanation: Sentence

    def text(self) -> str:
        """The explanation in the language in force."""
        return str(self.explanation)


@dataclass(frozen=True)
class RuleOutcome:
    """Every decision of one rule, in a stable order (units in results order, people by id)."""

    rule: str
    type: str
    name: str
    public: bool
    decisions: tuple[Decision, ...]

    def __len__(self) -> int:
        return len(self.decisions)

    def __iter__(self) -> Iterator[Decision]:
        return iter(self.decisions)


@dataclass(frozen=True)
class Decisions:
    """The decisions of a whole rulebook, rule by rule in the rulebook's order."""

    rulebook: str
    year: int | None
    outcomes: tuple[RuleOutcome, ...]

    def __iter__(self) -> Iterator[Decision]:
        for o in self.outcomes:
            yield from o.decisions

    def __len__(self) -> int:
        return sum(len(o) for o in self.outcomes)

    def rule(self, rule: str) -> RuleOutcome:
        for o in self.outcomes:
            if o.rule == rule:
                return o
        raise KeyError(
            f"no rule {rule!r} in the rulebook; rules: {[o.rule for o in self.outcomes]}"
        )

    def public(self) -> Decisions:
        """Only the rules whose decisions may be shown on the public board."""
        return Decisions(self.rulebook, self.year, tuple(o for o in self.outcomes if o.public))

    def values(self, rule: str) -> dict[str, Value]:
        """Subject → value of one rule (e.g. unit id → share for a tilt rule)."""
        return {d.subject: d.value for d in self.rule(rule).decisions}

    def shares(self, rule: str) -> dict[str, float]:
        """Unit id → excellent share of an ``excellent_share_tilt`` rule: what the annual
        grading of cadres takes as the top-grade quota per unit."""
        return {
            d.subject: float(d.value)  # type: ignore[arg-type]
            for d in self.rule(rule).decisions
            if d.action == "excellent_share"
        }

    def counts(self, rule: str) -> dict[str, int]:
        """Unit id → places of a ``rank_quota_allocation`` rule."""
        return {
            d.subject: int(d.value)  # type: ignore[arg-type]
            for d in self.rule(rule).decisions
            if d.action == "rank_quota"
        }

    def to_pandas(self) -> pd.DataFrame:
        """One row per decision: rule, subject, unit, action, value, inputs, explanation."""
        import pandas as pd

        return pd.DataFrame(decision_rows(self), columns=list(DECISION_COLUMNS))


#: Columns of decisions.csv and of every sheet of decisions.xlsx, in order.
DECISION_COLUMNS = (
    "rule",
    "type",
    "subject_kind",
    "subject",
    "name",
    "unit",
    "action",
    "value",
    "inputs",
    "explanation",
)


def decision_rows(decisions: Decisions) -> Iterator[tuple[Value, ...]]:
    """Every decision as a tuple of :data:`DECISION_COLUMNS` (explanations in the language in
    force; inputs joined by ``; ``)."""
    for o in decisions.outcomes:
        for d in o.decisions:
            yield decision_row(o, d)


def decision_row(o: RuleOutcome, d: Decision) -> tuple[Value, ...]:
    """One decision of an outcome as a tuple of :data:`DECISION_COLUMNS`."""
    return (
        d.rule,
        o.type,
        d.subject_kind,
        d.subject,
        d.name,
        d.unit,
        d.action,
        d.value,
        "; ".join(str(link) for link in d.inputs),
        str(d.explanation),
    )

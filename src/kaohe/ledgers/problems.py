"""Problems found in ledger records, and the named errors of the ledgers' core.

A :class:`Problem` says which record, which field (and, for a list such as a matter's events,
which entry) and what is wrong, as a key of the ``ledgers`` catalogue with its values. The core
returns problems or raises :class:`LedgerError` carrying them; the edge (a file reader, a web
form) turns each into a located message: a file reader maps the record and field to its sheet,
row and column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kaohe.errors import Issue, KaoheError
from kaohe.ledgers.words import word

Part = Literal["events", "milestones", "history"]


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one field of one record (``part``/``index``: an entry of a list)."""

    record: str
    field: str
    key: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    part: Part | None = None
    index: int | None = None

    def text(self) -> str:
        """The message in the language in force."""
        return word(self.key, **self.values)

    @property
    def path(self) -> str:
        entry = f"{self.part}[{self.index}]." if self.part is not None else ""
        return f"{self.record}.{entry}{self.field}"

    def issue(self, **where: Any) -> Issue:
        return Issue(self.text(), path=self.path, **where)


class LedgerError(KaoheError):
    """Ledger records that are not right: every problem is listed."""

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__([p.issue() for p in self.problems])


class TransitionError(LedgerError):
    """A change a record's state machine does not allow (a stage going back, a matter closed
    without evidence, a talk list closed with talks not recorded…)."""

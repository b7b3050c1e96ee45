"""Where a value that was not typed came from: the records of a ledger that made it.

A value derived from a ledger (a count of projects, a rate of resolved cases, a number of
accepted challenges) carries a :class:`Provenance`: the ledger it was read from, the arithmetic
that gave it, and the records behind it in labelled groups — e.g. *started (counted)* and *not
started (not counted)* for a start rate. The engine never reads it; the explanation shows it, so
a unit can check the records that made its points. Nothing here knows what a ledger is: any
source of records can fill these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Text shown to people: a plain string, or a sentence rendered when read (``str(x)``, in the
#: language in force; e.g. :class:`kaohe.i18n.Msg`).
Text = Any


@dataclass(frozen=True, slots=True)
class RecordGroup:
    """Records of one ledger that played the same part in a value (e.g. *counted*)."""

    label: Text
    ledger: str  # e.g. "projects", "matters"
    ids: tuple[str, ...]
    names: tuple[str, ...]
    notes: tuple[str, ...]  # one per record: what about it mattered (a date, a stage, an amount)

    def __len__(self) -> int:
        return len(self.ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": str(self.label),
            "ledger": self.ledger,
            "count": len(self.ids),
            "records": [
                {"id": i, "name": n, "note": t}
                for i, n, t in zip(self.ids, self.names, self.notes, strict=True)
            ],
        }


@dataclass(frozen=True, slots=True)
class Provenance:
    """How one (unit, indicator) value was derived, and from which records."""

    source: str  # where the ledger was read: a file name, or the platform's register
    rule: Text  # what was counted, e.g. "projects started ÷ projects planned to start × 100"
    arithmetic: Text  # the numbers, e.g. "18 ÷ 20 × 100 = 90"
    groups: tuple[RecordGroup, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data, its sentences in the language in force."""
        return {
            "source": self.source,
            "rule": str(self.rule),
            "arithmetic": str(self.arithmetic),
            "groups": [g.to_dict() for g in self.groups],
        }

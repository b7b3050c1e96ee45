"""The results rulebook (考核结果运用若干措施): declarative rules that turn assessment results
into decisions — excellent-share tilt, rank-quota allocation, material rewards, commendations
and merits, the promotion pool and its statistics, the accountability list.

The core is pure: :func:`evaluate` takes a validated :class:`Rulebook` and the tables it reads
(:class:`RulebookInputs`) and returns :class:`Decisions`. Files are read and written at the edge,
by :mod:`kaohe.io.rulebook_files`. See ``docs/rulebook.md``.
"""

from kaohe.rulebook.allocation import Allocation, InfeasibleError, largest_remainder
from kaohe.rulebook.decisions import DECISION_COLUMNS, Decision, Decisions, Link, RuleOutcome
from kaohe.rulebook.evaluate import evaluate
from kaohe.rulebook.inputs import RulebookInputs
from kaohe.rulebook.model import (
    RULE_CLASSES,
    RULE_TYPES,
    Rulebook,
    RulebookError,
    build_rulebook,
)
from kaohe.rulebook.text import Sentence
from kaohe.rulebook.tilt import excellent_count, excellent_shares

__all__ = [
    "DECISION_COLUMNS",
    "RULE_CLASSES",
    "RULE_TYPES",
    "Allocation",
    "Decision",
    "Decisions",
    "InfeasibleError",
    "Link",
    "RuleOutcome",
    "Rulebook",
    "RulebookError",
    "RulebookInputs",
    "Sentence",
    "build_rulebook",
    "evaluate",
    "excellent_count",
    "excellent_shares",
    "largest_remainder",
]

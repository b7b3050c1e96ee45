"""The sentences that explain decisions, in Chinese and English.

A :class:`Sentence` keeps its key and values and is rendered in the language in force when it
is read (``str(sentence)``; see :func:`kaohe.i18n.language`), so evaluating a rulebook never
decides the language.
"""

from __future__ import annotations

from typing import Any

from kaohe import i18n
from kaohe.i18n import lang

#: key → (Chinese, English), the "rulebook" table of the catalogues (kaohe/locale)
SENTENCES: dict[str, tuple[str, str]] = i18n.catalogue("rulebook")


def say(key: str, /, **values: Any) -> str:
    zh, en = SENTENCES[key]
    return (en if lang() == "en" else zh).format(**values)


class Sentence:
    """A sentence kept as its key and values, rendered when it is read."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in SENTENCES:
            raise KeyError(f"no sentence {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        if self.key == "joined":
            tail = self.values.get("tail", ())
            return str(self.values["head"]) + "".join(str(x) for x in tail)
        return say(self.key, **{k: _text(v) for k, v in self.values.items()})

    def __repr__(self) -> str:
        return f"Sentence({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sentence) and (self.key, self.values) == (
            other.key,
            other.values,
        )

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.values))))


def _text(v: Any) -> Any:
    if isinstance(v, Sentence):
        return str(v)
    if isinstance(v, tuple):  # a list: joined with 、 (or ", ")
        return say("cond.and").join(str(x) for x in v)
    return v


def pct(x: float, decimals: int = 1) -> str:
    """A share as a percentage, e.g. 0.2 → ``20%``, 0.385 → ``38.5%``."""
    text = f"{x * 100:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x * 100:.0f}"
    return f"{text}%"


def num(x: float) -> str:
    """A number without a trailing ``.0`` and with at most 6 decimals."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")

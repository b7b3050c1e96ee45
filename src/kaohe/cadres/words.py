"""Sentences of the cadre explanations, in Chinese and English.

:class:`Msg` is :class:`kaohe.i18n.Msg` with its own table, so the sentences are rendered in the
language in force when read (``KAOHE_LANG`` or :func:`kaohe.i18n.language`), and can be nested in
the engine's own messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kaohe import i18n

#: key → (Chinese, English), the "cadres" table of the catalogues (kaohe/locale)
MESSAGES: dict[str, tuple[str, str]] = i18n.catalogue("cadres")


class Msg(i18n.Msg):
    """A sentence of a cadre explanation, rendered in the language in force when read."""

    __slots__ = ()

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        zh, en = MESSAGES[self.key]
        template = en if i18n.lang() == "en" else zh
        return template.format(**{k: _text(v) for k, v in self.values.items()})


def _text(v: Any) -> Any:
    if isinstance(v, i18n.Msg):
        return str(v)
    if isinstance(v, tuple | list) and all(isinstance(x, i18n.Msg) for x in v):
        return str(Msg("sep")).join(str(x) for x in v)
    return v


def join(parts: Sequence[i18n.Msg]) -> str:
    """The sentences joined with the language's separator."""
    return str(Msg("sep")).join(str(p) for p in parts)


def listing(parts: Sequence[i18n.Msg]) -> str:
    """The sentences joined with a comma (for a list inside a sentence)."""
    return str(Msg("comma")).join(str(p) for p in parts)


def fmt(x: float, decimals: int = 4) -> str:
    """A number as people write it: at most ``decimals`` places, no trailing zeros, no ``-0``."""
    x = float(x)
    if x != x:  # NaN
        return "—"
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Listing:
    """Sentences shown as a comma-separated list inside another sentence (rendered when read)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Msg]) -> None:
        self.parts = parts

    def __str__(self) -> str:
        return listing(self.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Listing) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(tuple(self.parts))

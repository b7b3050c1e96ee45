"""The words of the ledgers — stage, kind, state and action names, column labels, problems and
explanations — in Chinese and English, from the ``ledgers`` table of the catalogues
(``kaohe/locale``).

:class:`Words` is a sentence kept as its key and values and rendered in the language in force
when read (like :class:`kaohe.i18n.Msg`); :func:`word` renders at once.
"""

from __future__ import annotations

from typing import Any

from kaohe import i18n

#: key → (Chinese, English), the "ledgers" table of the catalogues
WORDS: dict[str, tuple[str, str]] = i18n.catalogue("ledgers")


def word(key: str, /, **values: Any) -> str:
    """The text of ``key`` in the language in force, its ``{placeholders}`` filled."""
    zh, en = WORDS[key]
    text = en if i18n.lang() == "en" else zh
    return text.format(**{k: _text(v) for k, v in values.items()}) if values else text


def both(key: str) -> tuple[str, str]:
    """(Chinese, English) of ``key`` (for reading a file written in either language)."""
    return WORDS[key]


class Words(i18n.Msg):
    """A sentence of the ledgers, rendered in the language in force when read."""

    __slots__ = ()

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in WORDS:
            raise KeyError(f"no ledger words {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return word(self.key, **self.values)


def _text(v: Any) -> Any:
    if isinstance(v, i18n.Msg):
        return str(v)
    if isinstance(v, tuple | list):
        return word("comma").join(str(x) for x in v)
    return v


def fmt(x: float) -> str:
    """A number as people write it: at most 4 decimals, no trailing zeros."""
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text

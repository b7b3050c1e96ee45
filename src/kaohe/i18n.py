"""Words shown to people, in Chinese (default) and English.

Set ``KAOHE_LANG=en`` (or pass ``--lang en`` on the command line) for English. Labels are
looked up with :func:`t`; sentences of explanations are :class:`Msg` records (a key and its
values) rendered in the language current when they are turned into text, so the engine itself
never decides the language.

The words themselves are in Babel (gettext) catalogues, one per language:
``kaohe/locale/zh/LC_MESSAGES/kaohe.po`` and ``kaohe/locale/en/LC_MESSAGES/kaohe.po``. Each entry's
``msgid`` is the key, its ``msgctxt`` the table it belongs to; translators edit the ``.po`` files
with any gettext tool (see docs/i18n.md), and a test checks both languages have every key.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")


def catalogue(context: str) -> dict[str, tuple[str, str]]:
    """key → (Chinese, English) of one table of the Babel catalogues: the entries whose
    ``msgctxt`` is ``context`` (``label``, ``message``, ``cadres``, ``rulebook``)."""
    return dict(_tables().get(context, {}))


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, tuple[str, str]]]:
    """Every entry of ``locale/<lang>/LC_MESSAGES/kaohe.po``, read once per process (by
    :func:`read_catalogue`: Babel's reader takes 0.8 s to import and parse both files, which
    ``kaohe --help`` would pay; tests/test_i18n.py checks the two read the same)."""
    texts: dict[str | None, dict[str, dict[str, str]]] = {}
    for code in LANGUAGES:
        for context, key, text in read_catalogue(LOCALE / code / "LC_MESSAGES" / "kaohe.po"):
            texts.setdefault(context, {}).setdefault(key, {})[code] = text
    return {
        str(ctx): {k: (v.get("zh") or k, v.get("en") or v.get("zh") or k) for k, v in table.items()}
        for ctx, table in texts.items()
    }


_ESCAPES = re.compile(r'\\([\\"ntr])')
_UNESCAPED = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}


_ENTRY = re.compile(
    r'^(?:msgctxt "(.*)"\n((?:".*"\n)*))?msgid "(.*)"\n((?:".*"\n)*)msgstr "(.*)"\n?((?:".*"\n?)*)',
    re.MULTILINE,
)
_CONTINUED = re.compile(r'^"(.*)"$', re.MULTILINE)


def read_catalogue(path: Path) -> list[tuple[str | None, str, str]]:
    """(msgctxt, msgid, msgstr) of every entry of a ``.po`` file as Kaohe writes them (no
    plurals, no obsolete entries; the header skipped)."""
    out: list[tuple[str | None, str, str]] = []
    for m in _ENTRY.finditer(path.read_text(encoding="utf-8")):
        ctx, ctx_more, key, key_more, text, text_more = m.groups()
        key = _unquote(key, key_more)
        if key:
            context = None if ctx is None else _unquote(ctx, ctx_more)
            out.append((context, key, _unquote(text, text_more)))
    return out


def _unquote(first: str, more: str | None) -> str:
    text = first + "".join(_CONTINUED.findall(more or ""))
    return _ESCAPES.sub(lambda m: _UNESCAPED[m.group(1)], text) if "\\" in text else text


#: Labels of tables, files and pages: key → (Chinese, English).
LABELS: dict[str, tuple[str, str]] = catalogue("label")
#: Sentences of explanations: key → (Chinese, English) templates.
MESSAGES: dict[str, tuple[str, str]] = catalogue("message")


_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("kaohe_lang", default=None)


def lang() -> str:
    """The language in force: set by :func:`language`, else ``KAOHE_LANG``, else Chinese."""
    current = _CURRENT.get()
    if current is not None:
        return current
    value = os.environ.get("KAOHE_LANG", "zh").lower()
    return "en" if value.startswith("en") else "zh"


@contextlib.contextmanager
def language(code: str | None) -> Iterator[None]:
    """Render in ``code`` (``zh`` or ``en``; None keeps the language in force)."""
    token = _CURRENT.set(("en" if code.lower().startswith("en") else "zh") if code else lang())
    try:
        yield
    finally:
        _CURRENT.reset(token)


def t(key: str, language: str | None = None, **fmt: object) -> str:
    zh, en = LABELS[key]
    text = en if (language or lang()) == "en" else zh
    return text.format(**fmt) if fmt else text


def both(key: str, /, **fmt: object) -> str:
    """A label in Chinese and in English, `` / `` between: the platform's messages said before
    (or without) knowing the reader's language — errors of requests, files and commands."""
    return f"{t(key, 'zh', **fmt)} / {t(key, 'en', **fmt)}"


def say(key: str, /, **values: Any) -> str:
    """A sentence of an explanation in the language in force."""
    zh, en = MESSAGES[key]
    return (en if lang() == "en" else zh).format(**values)


class Msg:
    """A sentence kept as its key and values, rendered when it is read (``str(msg)``)."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return say(self.key, **{k: _text(v) for k, v in self.values.items()})

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.values))))

    def __contains__(self, text: str) -> bool:
        """``"85" in msg``: is the text in the rendered sentence?"""
        return text in str(self)


def _text(v: Any) -> Any:
    if isinstance(v, Msg):
        return str(v)
    if isinstance(v, tuple | list) and v and all(isinstance(x, Msg) for x in v):
        return say("sum.sep").join(str(x) for x in v)
    return v


class Localised(str):
    """A text whose words depend on the reader's language: as a ``str``, its English; its
    :meth:`text` in a language (see :class:`Said`)."""

    def text(self, language: str | None = None) -> str:
        return str(self)


class Said(Localised):
    """A message of the library kept as its key and values: the text itself is the English
    sentence (what the library's errors and logs read), and :func:`said` renders it in a
    reader's language at the edge — ``kaohe check``'s problem lines, the entry form's and the
    upload's cell problems. A value that is itself a :class:`Said` is rendered in the same
    language."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Said:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r}")
        self = super().__new__(cls, _render(key, "en", values))
        self.key = key
        self.values = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_said_again, (self.key, self.values))

    def text(self, language: str | None = None) -> str:
        return _render(self.key, language or lang(), self.values)


def _said_again(key: str, values: dict[str, Any]) -> Said:
    return Said(key, **values)


def _render(key: str, language: str, values: dict[str, Any]) -> str:
    zh, en = MESSAGES[key]
    shown = {k: said(v, language) if isinstance(v, str) else v for k, v in values.items()}
    return (en if language == "en" else zh).format(**shown)


def said(text: str, language: str | None = None) -> str:
    """A message in ``language`` (default: the language in force): a :class:`Said` rendered,
    any other text as it is."""
    return text.text(language) if isinstance(text, Localised) else str(text)

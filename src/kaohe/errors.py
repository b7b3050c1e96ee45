"""Named exceptions of the library.

The library raises these; only the edges (the CLI, later the web application) turn them into what
a person reads. Each error carries one or more :class:`Issue` records that say *where* (file,
line or sheet/row/column, and the dotted field path) and *what* is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Issue:
    """One problem found in an input, located as precisely as the input allows."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def where(self) -> str:
        """Location: ``file:line`` for text files, ``file[sheet] row R, column C`` for tables."""
        loc = self.file or ""
        if self.sheet is not None:
            loc += f"[{self.sheet}]"
        if self.row is not None:
            loc += f" row {self.row}" if loc else f"row {self.row}"
        elif self.line is not None:
            loc += f":{self.line}" if loc else f"line {self.line}"
        if self.column is not None:
            loc += f", column {self.column}" if loc else f"column {self.column}"
        return loc

    def where_in(self, language: str | None = None) -> str:
        """:meth:`where` in the words of ``language`` (default: the language in force):
        ``data.xlsx[市统计局] 第 5 行，列 D (gdp_growth)``; a text file's ``file:line`` as it is."""
        from kaohe.i18n import t

        loc = self.file or ""
        if self.sheet is not None:
            loc += f"[{self.sheet}]"
        if self.row is not None:
            row = t("issue.where.row", language, row=self.row)
            loc += f" {row}" if loc else row
        elif self.line is not None:
            loc += f":{self.line}" if loc else t("issue.where.line", language, line=self.line)
        if self.column is not None:
            column = t("issue.where.column", language, column=self.column)
            loc += t("issue.where.sep", language) + column if loc else column
        return loc

    def text(self, language: str | None = None) -> str:
        """The problem in ``language`` (default: the language in force): its place, field and
        message (a :class:`kaohe.i18n.Said` rendered; other messages as written)."""
        from kaohe.i18n import said

        head = self.where_in(language)
        message = said(self.message, language)
        body = f"{self.path}: {message}" if self.path else message
        return f"{head}: {body}" if head else body

    def __str__(self) -> str:
        head = self.where()
        body = f"{self.path}: {self.message}" if self.path else self.message
        return f"{head}: {body}" if head else body

    def located(self, **where: str | int | None) -> Issue:
        """A copy with location fields filled in (those not already set)."""
        filled = {k: v for k, v in where.items() if getattr(self, k) is None}
        return replace(self, **filled)  # type: ignore[arg-type]


class KaoheError(Exception):
    """Base of every error the library raises on purpose."""

    def __init__(self, issues: list[Issue] | Issue | str) -> None:
        if isinstance(issues, str):
            issues = [Issue(issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: list[Issue] = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class SchemeError(KaoheError):
    """The scheme (考核方案) is invalid: unknown keys, bad values, broken references, sums."""


class DataError(KaoheError):
    """The data do not fit the scheme: unknown units or indicators, bad cells, missing values."""


class ComputationError(KaoheError):
    """Valid inputs for which a rule cannot give a defined result (e.g. a geometric mean of 0)."""


class OutputError(KaoheError):
    """Results cannot be written where asked (a file in the way, a folder holding other files)."""


class UnknownUnitError(KaoheError):
    """A unit id or name that the scheme does not know was asked for."""

"""What the long lists share — the audit log, the cadre list, the review list and the
dashboard's cells: filters read from the query string (a field that cannot be read is named and
left out), a search, pages in a stable order (by keyset where the list has a running number, else
by offset), the links that keep the filters, and the filtered list exported to CSV or XLSX with
every text cell neutralised against formulas (:func:`kaohe.io.cells.safe_row`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi.responses import Response
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from kaohe.i18n import t
from kaohe.io.cells import safe_row

#: rows of a page of a list
PAGE = 50
#: the most rows one export holds
EXPORT_LIMIT = 200_000
#: the longest text a text filter or search keeps
TEXT_LIMIT = 64
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Row = TypeVar("Row")


# -- filters -----------------------------------------------------------------------------------


def text(params: Mapping[str, str], key: str) -> str:
    """A text filter or search (stripped, at most :data:`TEXT_LIMIT` characters)."""
    return params.get(key, "").strip()[:TEXT_LIMIT]


def choice(
    params: Mapping[str, str], key: str, allowed: Iterable[str], errors: dict[str, str], lang: str
) -> str:
    """One of ``allowed`` (``""`` when not given); anything else is named in ``errors`` and left
    out."""
    raw = params.get(key, "").strip()
    if raw and raw not in set(allowed):
        errors[key] = t("lists.bad_choice", lang)
        return ""
    return raw


def day(params: Mapping[str, str], key: str, errors: dict[str, str], lang: str) -> date | None:
    """A calendar day (``YYYY-MM-DD``), or None; one that cannot be read is named in
    ``errors``."""
    raw = params.get(key, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = t("audit.bad_date", lang, value=raw[:20])
        return None


def number(params: Mapping[str, str], key: str, errors: dict[str, str], lang: str) -> int | None:
    """A positive 32-bit whole number (a row id), or None; anything else is named in
    ``errors``."""
    raw = params.get(key, "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31:
        return int(raw)
    errors[key] = t("lists.bad_number", lang)
    return None


def offset(params: Mapping[str, str], key: str, errors: dict[str, str], lang: str) -> int:
    """A page's first row (0 when not given or not a whole number, which is named in
    ``errors``)."""
    raw = params.get(key, "").strip()
    if not raw:
        return 0
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    errors[key] = t("lists.bad_number", lang)
    return 0


def found(needle: str, *texts: str | None) -> bool:
    """Whether ``needle`` is in any of ``texts``, case and width of Latin letters ignored (an
    empty needle finds everything)."""
    if not needle:
        return True
    low = needle.casefold()
    return any(low in x.casefold() for x in texts if x)


def query(**fields: object) -> dict[str, str]:
    """Filters as query parameters: the ones given, as text (the pager's and export's links)."""
    out = {}
    for key, value in fields.items():
        if value is None or value == "":
            continue
        out[key] = value.isoformat() if isinstance(value, date) else str(value)
    return out


def href(base: str, params: Mapping[str, str], **more: object) -> str:
    """``base`` with the filters ``params`` and ``more`` (a None or empty value left out)."""
    merged = {**params, **query(**more)}
    return f"{base}?{urlencode(merged)}" if merged else base


# -- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One page of a list paged by offset: the rows ``offset`` + 1 … of ``total``."""

    offset: int
    size: int
    total: int
    shown: int = 0

    @property
    def first(self) -> int:
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        return self.offset + self.shown

    def links(
        self, base: str, params: Mapping[str, str], key: str = "offset", anchor: str = ""
    ) -> dict[str, str]:
        """The first, previous, next and last pages' addresses ("" where there is none): the
        filters ``params``, the page's first row as ``key``, then ``anchor``."""
        last_start = max(self.total - 1, 0) // self.size * self.size
        earlier, later = self.offset > 0, self.offset + self.size < self.total

        def at(start: int) -> str:
            return href(base, params, **{key: start or None}) + anchor

        return {
            "first": at(0) if earlier else "",
            "previous": at(max(self.offset - self.size, 0)) if earlier else "",
            "next": at(self.offset + self.size) if later else "",
            "last": at(last_start) if later else "",
        }


def window(offset: int, total: int, size: int = PAGE) -> Window:
    """The page starting at ``offset`` (moved back to the last page's start when it is past the
    end, to a page's start when it is not at one)."""
    top = max(total - 1, 0) // size * size
    start = min(offset - offset % size, top)
    return Window(start, size, total, max(min(size, total - start), 0))


def sliced(rows: Sequence[Row], offset: int, size: int = PAGE) -> tuple[list[Row], Window]:
    """One page of a list held in memory, in its order."""
    w = window(offset, len(rows), size)
    return list(rows[w.offset : w.offset + w.shown]), w


@dataclass
class Keyset:
    """One page of a list paged by a running number (newest first): its rows, and the numbers
    to page newer from (``after``) and older from (``before``), None at either end."""

    rows: list[Any]
    newer: int | None
    older: int | None


def keyset(
    session: Session,
    select_: Select[Any],
    key: InstrumentedAttribute[int],
    number_of: Callable[[Any], int],
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE,
) -> Keyset:
    """The newest ``size`` rows of ``select_`` by ``key``, or those just older than ``before``,
    or just newer than ``after``: each page costs the same however deep, down an index on the
    key (or one that ends with it)."""
    q = select_.limit(size + 1)
    if after is not None:
        found_ = list(session.execute(q.where(key > after).order_by(key)).scalars().all())
        rows = list(reversed(found_[:size]))
        more_newer, more_older = len(found_) > size, True
    else:
        if before is not None:
            q = q.where(key < before)
        found_ = list(session.execute(q.order_by(key.desc())).scalars().all())
        rows, more_older, more_newer = found_[:size], len(found_) > size, before is not None
    return Keyset(
        rows,
        number_of(rows[0]) if rows and more_newer else None,
        number_of(rows[-1]) if rows and more_older else None,
    )


# -- exports -----------------------------------------------------------------------------------


def export(
    kind: str, name: str, sheet: str, heads: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """The rows as ``name``.csv (UTF-8 with BOM: opens in Excel) or ``name``.xlsx (``kind``);
    every cell through :func:`safe_row` (text never runs as a formula)."""
    if kind == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")
        writer = csv.writer(buf)
        writer.writerow(safe_row(heads))
        writer.writerows(safe_row(r) for r in rows)
        return Response(
            buf.getvalue().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31] or name)
    ws.append(safe_row(heads))
    for r in rows:
        ws.append(safe_row(r))
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )

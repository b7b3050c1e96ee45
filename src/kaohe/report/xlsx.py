"""The report as a workbook for the office's staff (XlsxWriter): a sheet about the report (its
reproducibility header), the ranking of all units, one sheet per category with a native Excel
bar chart of its ranking, the points of every indicator, the indicator tree with its points per
category, and — when given — the rulebook's public decisions and the robustness summary.

Every table sheet has its header row frozen, number formats from the scheme's ``decimals``, an
autofilter, a print area, the header repeated on each printed page, landscape fitted to the
page width. The workbook's creation date is the report's date: the same inputs give the same
bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kaohe.i18n import t
from kaohe.report.content import CategoryRanking, Report

BAD_SHEET_CHARS = set("[]:*?/\\")


class _Book:
    """The workbook and its formats."""

    def __init__(self, path: Path, report: Report) -> None:
        import xlsxwriter

        self.report = report
        self.lang = report.lang
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
        points = "0." + "0" * report.decimals if report.decimals else "0"
        self.f = {
            "title": self.wb.add_format({"bold": True, "font_size": 14}),
            "head": self.wb.add_format(
                {
                    "bold": True,
                    "bg_color": "#DDE6F0",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "vcenter",
                    "align": "center",
                }
            ),
            "points": self.wb.add_format({"num_format": points}),
            "pct": self.wb.add_format({"num_format": "0.0%"}),
            "pct0": self.wb.add_format({"num_format": "0%"}),
            "int": self.wb.add_format({"num_format": "0"}),
            "general": self.wb.add_format({"num_format": "General"}),
            "wrap": self.wb.add_format({"text_wrap": True, "valign": "top"}),
            "bold": self.wb.add_format({"bold": True}),
        }
        self.used: set[str] = set()

    def label(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def sheet(self, name: str) -> Any:
        base = "".join("_" if ch in BAD_SHEET_CHARS else ch for ch in name)[:31] or "sheet"
        title, k = base, 2
        while title.lower() in self.used:
            suffix = f" ({k})"
            title, k = base[: 31 - len(suffix)] + suffix, k + 1
        self.used.add(title.lower())
        return self.wb.add_worksheet(title)

    def table(
        self,
        ws: Any,
        title: str,
        heads: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: Sequence[str | None],
        widths: Sequence[float],
        frozen_columns: int = 2,
    ) -> None:
        """A title row, a header row (frozen, repeated on print), the rows, print set-up."""
        ws.write(0, 0, title, self.f["title"])
        header = 2
        ws.write_row(header, 0, list(heads), self.f["head"])
        for r, row in enumerate(rows, start=header + 1):
            for c, value in enumerate(row):
                fmt = formats[c] if c < len(formats) else None
                if value is None or value == "":
                    ws.write_blank(r, c, None)
                elif fmt is not None:
                    ws.write(r, c, value, self.f[fmt])
                else:
                    ws.write(r, c, value)
        last_row = header + max(len(rows), 1)
        ws.freeze_panes(header + 1, frozen_columns)
        ws.autofilter(header, 0, last_row, len(heads) - 1)
        ws.print_area(0, 0, last_row, len(heads) - 1)
        ws.repeat_rows(header)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_footer("&C&P / &N")
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)


def write_xlsx(report: Report, path: Path) -> None:
    book = _Book(path, report)
    p = report.provenance
    book.wb.set_properties(
        {
            "title": f"{report.title} · {book.label('report.title')}",
            "subject": report.period,
            "author": "Kaohe",
            "company": "",
            "comments": "; ".join(f"{f.role} {f.name} sha256:{f.sha256}" for f in p.inputs),
            "keywords": ", ".join(f"{f.role}-sha256:{f.sha256}" for f in p.inputs),
            "created": dt.datetime.combine(p.date, dt.time()),
        }
    )
    _about(book)
    _all_units(book)
    for c in report.rankings:
        _category(book, c)
    _points(book)
    _tree(book)
    if report.decisions:
        _decisions(book)
    if report.robustness is not None:
        _robustness(book)
    book.wb.close()


def _about(book: _Book) -> None:
    r, p = book.report, book.report.provenance
    ws = book.sheet(book.label("report.sheet.about"))
    ws.write(0, 0, r.title, book.f["title"])
    lines: list[tuple[str, str]] = [
        (book.label("report.title"), r.period),
        (book.label("report.version"), f"Kaohe {p.version}"),
        (book.label("report.date"), p.date.isoformat()),
    ]
    for f in p.inputs:
        lines.append((book.label("report.input." + f.role), f.name))
        lines.append(("SHA-256", f.sha256))
    lines.append(("", book.label("report.reproduce")))
    for k, (key, value) in enumerate(lines, start=2):
        ws.write(k, 0, key, book.f["bold"])
        ws.write(k, 1, value)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 80)
    ws.print_area(0, 0, len(lines) + 2, 1)
    ws.set_paper(9)


def _ranking_heads(book: _Book) -> list[str]:
    keys = (
        "rank_in_category",
        "unit_id",
        "name",
        "category",
        "score",
        "full_marks",
        "share",
        "rank",
        "grade",
        "vetoed",
    )
    return [book.label(k) for k in keys]


RANKING_FORMATS = ("int", None, None, None, "points", "points", "pct", "int", None, None)
RANKING_WIDTHS = (8, 12, 18, 14, 10, 10, 10, 8, 10, 20)


def _ranking_rows(c: CategoryRanking, sep: str) -> list[list[Any]]:
    return [
        [
            row.rank_in_category,
            row.unit,
            row.name,
            c.name,
            row.score,
            row.full_marks,
            row.share,
            row.rank,
            row.grade,
            sep.join(row.vetoes),
        ]
        for row in c.rows
    ]


def _all_units(book: _Book) -> None:
    r = book.report
    sep = "、" if r.lang == "zh" else ", "
    rows = [row for c in r.rankings for row in _ranking_rows(c, sep)]
    rows.sort(key=lambda x: (x[7], x[1]))
    ws = book.sheet(book.label("report.sheet.ranking"))
    book.table(
        ws,
        f"{r.title} · {book.label('results_title')}",
        _ranking_heads(book),
        rows,
        RANKING_FORMATS,
        RANKING_WIDTHS,
        frozen_columns=3,
    )


CHART_MAX_BARS = 60


def _category(book: _Book, c: CategoryRanking) -> None:
    """The category's ranking and a native bar chart of its scores (best at the top)."""
    sep = "、" if book.lang == "zh" else ", "
    ws = book.sheet(c.name)
    rows = _ranking_rows(c, sep)
    book.table(
        ws,
        f"{c.name} · {book.label('results_title')}",
        _ranking_heads(book),
        rows,
        RANKING_FORMATS,
        RANKING_WIDTHS,
        frozen_columns=3,
    )
    if c.quotas:
        ws.write(1, 0, book.label("report.quotas") + " " + "；".join(c.quotas))
    if not rows:
        return
    n = min(len(rows), CHART_MAX_BARS)
    chart = book.wb.add_chart({"type": "bar"})
    sheet = ws.get_name().replace("'", "''")
    chart.add_series(
        {
            "name": book.label("score"),
            "categories": f"='{sheet}'!$C$4:$C${3 + n}",
            "values": f"='{sheet}'!$E$4:$E${3 + n}",
            "fill": {"color": "#2F5F98"},
            "data_labels": {"value": True, "num_format": book.f["points"].num_format},
        }
    )
    chart.set_title({"name": c.chart.title, "name_font": {"size": 11, "bold": True}})
    chart.set_x_axis(
        {
            "name": book.label("report.axis.points"),
            "min": 0,
            "max": c.full_marks if c.full_marks else None,
            "major_gridlines": {"visible": True},
        }
    )
    chart.set_y_axis({"reverse": True})  # the first (best) at the top
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": 90 + 24 * n})
    ws.insert_chart(2, len(RANKING_WIDTHS) + 1, chart)


def _points(book: _Book) -> None:
    r = book.report
    ws = book.sheet(book.label("indicator_points"))
    heads = [
        book.label("unit_id"),
        book.label("name"),
        book.label("category"),
        book.label("score"),
        *r.indicator_names,
    ]
    rows = []
    for u in r.units:
        by_id = {p.indicator: p.points for p in u.points}
        rows.append(
            [u.unit, u.name, u.category_name, u.score, *(by_id.get(i) for i in r.indicator_ids)]
        )
    formats = [None, None, None, "points", *["points"] * len(r.indicator_ids)]
    widths = [12, 18, 14, 10, *[11] * len(r.indicator_ids)]
    book.table(ws, f"{r.title} · {book.label('indicator_points')}", heads, rows, formats, widths)


def _tree(book: _Book) -> None:
    m = book.report.method
    ws = book.sheet(book.label("report.method"))
    heads = [
        book.label("indicator"),
        *(c.name for c in m.categories),
        book.label("report.rule"),
        book.label("report.description"),
    ]
    rows = [["　" * row.depth + row.name, *row.points, row.rule, row.description] for row in m.tree]
    formats = [None, *["points"] * len(m.categories), "wrap", "wrap"]
    widths = [30, *[11] * len(m.categories), 50, 50]
    book.table(ws, book.label("report.tree"), heads, rows, formats, widths, frozen_columns=1)


def _decisions(book: _Book) -> None:
    ws = book.sheet(book.label("report.decisions"))
    heads = [
        book.label(k)
        for k in ("report.rule", "report.subject", "report.decision", "value", "report.why")
    ]
    rows = [
        [d.name, row.subject, row.action, row.value, row.explanation]
        for d in book.report.decisions
        for row in d.rows
    ]
    book.table(
        ws,
        book.report.rulebook,
        heads,
        rows,
        [None, None, None, None, "wrap"],
        [18, 16, 16, 10, 80],
    )


def _robustness(book: _Book) -> None:
    rb = book.report.robustness
    assert rb is not None
    ws = book.sheet(book.label("report.robustness"))
    heads = [
        book.label("rank"),
        book.label("name"),
        book.label("category"),
        book.label("median"),
        "P5",
        "P95",
        book.label("rank_in_category"),
        "P5",
        "P95",
        *(f"P({g})" for g in rb.grades),
    ]
    rows = [
        [
            x.nominal_rank,
            x.name,
            x.category_name,
            x.median_rank,
            x.low,
            x.high,
            x.nominal_in_category,
            x.low_in_category,
            x.high_in_category,
            *x.grade_probabilities,
        ]
        for x in rb.rows
    ]
    formats = [
        "int",
        None,
        None,
        "int",
        "int",
        "int",
        "int",
        "int",
        "int",
        *["pct0"] * len(rb.grades),
    ]
    widths = [8, 18, 14, 8, 7, 7, 10, 7, 7, *[10] * len(rb.grades)]
    book.table(ws, book.label("report.chart.intervals", n=rb.samples), heads, rows, formats, widths)

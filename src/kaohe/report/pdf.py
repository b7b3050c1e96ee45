"""The report as a PDF for A4, typeset offline by Typst (the ``typst`` package: the compiler
itself, no network, no system library): a cover with the reproducibility header, a contents
page with page numbers, running heads, ``page / pages`` at the foot, the CJK face embedded
(subset), the charts as vector drawings (the same SVG as the HTML's).

The document is written here as Typst source from the report's content model, as the HTML is
from its template and the Word file from :mod:`kaohe.report.docx`: the same sections in the
same order. Every text of the report enters the source as a Typst string literal
(:func:`_s`), never as markup, so no name or explanation can be read as a command. The
metadata (title, author, keywords with the inputs' SHA-256, the date) come from the report, and
nothing else varies: the same report gives the same bytes.

Typst finds the CJK face among the system's fonts (Debian: ``fonts-noto-cjk``); without one,
:func:`write_pdf` raises :class:`PdfUnavailableError` rather than print boxes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kaohe.charts import style
from kaohe.charts.spec import Chart
from kaohe.charts.svg import to_svg
from kaohe.errors import Issue, OutputError
from kaohe.i18n import t
from kaohe.report.content import (
    CategoryRanking,
    ProgressSection,
    Report,
    RobustnessSummary,
    UnitPage,
)


class PdfUnavailableError(OutputError):
    """Typst or a CJK font it needs is not installed."""


#: faces without CJK glyphs: a PDF in them alone would print boxes for Chinese text
LATIN_FACES = frozenset({"DejaVu Sans"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PAGES = re.compile(rb"/Type\s*/Pages\s*/Count\s+(\d+)")  # the page tree's root, as Typst writes it


def _s(text: object) -> str:
    """``text`` as a Typst string literal (content where content is expected)."""
    raw = _CONTROL.sub(" ", str(text))
    return '"' + raw.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _args(items: Iterable[str]) -> str:
    return ", ".join(items)


def _array(items: Iterable[str]) -> str:
    """A Typst array of the expressions ``items`` (``()`` when none; ``(a,)`` for one)."""
    inner = _args(items)
    return f"({inner},)" if inner else "()"


class _Source:
    """The Typst source of one report, written line by line."""

    def __init__(self, report: Report, fonts: Sequence[str]) -> None:
        self.r = report
        self.fonts = fonts
        self.lines: list[str] = []
        lang = report.lang
        self.t: Callable[..., str] = lambda key, **v: t(key, lang, **v)
        self.sep = "、" if lang == "zh" else ", "

    def add(self, line: str) -> None:
        self.lines.append(line)

    def pts(self, x: float | None) -> str:
        return self.r.points_text(x)

    def heading(self, level: int, text: str, outlined: bool = True) -> None:
        self.add(
            f"#heading(level: {level}, outlined: {'true' if outlined else 'false'}, {_s(text)})"
        )

    def para(self, text: str, small: bool = False, color: str | None = None) -> None:
        if not text:
            return
        opts = ["size: 8pt"] if small else []
        if color:
            opts.append(f"fill: rgb({_s(color)})")
        inner = f"text({_args(opts)}, {_s(text)})" if opts else _s(text)
        self.add(f"#par({inner})")

    def table(
        self,
        columns: Sequence[str],
        header: Sequence[str],
        rows: Iterable[Sequence[str]],
        numeric: Sequence[bool],
    ) -> None:
        """A table with a repeated header row; numeric columns right-aligned."""
        align = "(" + _args("right" if n else "left" for n in numeric) + ",)"
        cells = [_args(_s(c) for c in row) for row in rows]
        body = ",\n  ".join(cells)
        self.add(
            f"#table(columns: ({_args(columns)},), align: {align},\n"
            f"  table.header({_args(_s(h) for h in header)}),\n  {body}\n)"
        )

    def chart(self, chart: Chart, width: str = "100%") -> None:
        self.add(
            f'#align(center, image(bytes({_s(to_svg(chart))}), format: "svg", width: {width}))'
        )

    # ------------------------------------------------------------------ the document

    def preamble(self) -> None:
        r, p = self.r, self.r.provenance
        title = f"{r.title} · {self.t('report.title')}"
        keywords = _array(_s(f"{f.role}-sha256:{f.sha256}") for f in p.inputs)
        d: dt.date = p.date
        fonts = _args(_s(f) for f in self.fonts)
        self.add(
            f'#set document(title: {_s(title)}, author: "Kaohe", keywords: {keywords}, '
            f"date: datetime(year: {d.year}, month: {d.month}, day: {d.day}))"
        )
        self.add(f"#set text(font: ({fonts},), size: 9pt, lang: {_s(r.lang)})")
        self.add("#set par(leading: 0.65em, spacing: 0.9em)")
        self.add(
            '#set page(paper: "a4", margin: (x: 1.8cm, top: 2cm, bottom: 1.8cm), '
            'numbering: "1 / 1", number-align: center, '
            "header: context { if counter(page).get().first() > 1 { "
            f"set text(size: 7.5pt, fill: luma(110)); {_s(title)} }} }})"
        )
        self.add("#set table(stroke: 0.4pt + luma(185), inset: (x: 3.5pt, y: 2.5pt))")
        self.add('#show table.cell.where(y: 0): set text(weight: "bold")')
        self.add("#show heading.where(level: 1): it => { pagebreak(weak: true); it }")
        self.add('#show heading: set text(fill: rgb("#1f3b57"))')

    def cover(self) -> None:
        r, p = self.r, self.r.provenance
        self.para(self.t("report.title"), color="#555555")
        self.add(f'#text(size: 20pt, weight: "bold", {_s(r.title)})')
        self.para(r.period)
        self.para(r.description)
        rows = [
            (self.t("report.version"), f"Kaohe {p.version}"),
            (self.t("report.date"), p.date.isoformat()),
        ]
        rows += [
            (self.t("report.input." + f.role), f"{f.name}\nSHA-256 {f.sha256}") for f in p.inputs
        ]
        self.heading(3, self.t("report.provenance"), outlined=False)
        self.table(("auto", "1fr"), ("", ""), rows, (False, False))
        self.para(self.t("report.reproduce"), small=True)
        self.add("#pagebreak()")
        self.add(f"#outline(title: {_s(self.t('report.contents'))}, depth: 2)")

    def method(self) -> None:
        m = self.r.method
        self.heading(1, f"1 {self.t('report.method')}")
        self.heading(3, self.t("report.categories"), outlined=False)
        self.table(
            ("1.2fr", "auto", "2fr"),
            (self.t("category"), self.t("full_marks"), self.t("report.members")),
            (
                (
                    c.name + (f"\n{c.description}" if c.description else ""),
                    self.pts(c.full_marks),
                    self.sep.join(c.units),
                )
                for c in m.categories
            ),
            (False, True, False),
        )
        self.heading(3, self.t("report.tree"), outlined=False)
        self.para(self.t("report.tree_help"), small=True)
        cats = m.categories
        rows = []
        for row in m.tree:
            name = "　" * row.depth + row.name
            if row.is_indicator:
                bits = [row.kind, row.unit_of_measure, row.direction, row.owner]
                name += "\n" + " · ".join(b for b in bits if b)
            rule = row.rule + (f"\n{row.description}" if row.description else "")
            rows.append((name, *("—" if x is None else self.pts(x) for x in row.points), rule))
        self.table(
            ("2fr", *("auto",) * len(cats), "2.4fr"),
            (self.t("indicator"), *(c.name for c in cats), self.t("report.rule")),
            rows,
            (False, *(True,) * len(cats), False),
        )
        self.heading(3, self.t("report.grades"), outlined=False)
        items = [m.ranking, *([m.grading] if m.grading else []), *m.grades, *m.gates]
        self.add("#list(" + _args(_s(i) for i in items) + ")")
        if self.r.screened:
            self.para(self.t("report.screened", units=self.sep.join(self.r.screened)), small=True)

    def rankings(self) -> None:
        self.heading(1, f"2 {self.t('report.rankings')}")
        for c in self.r.rankings:
            self.ranking(c)

    def ranking(self, c: CategoryRanking) -> None:
        head = c.name
        if c.full_marks is not None:
            head += f" · {self.t('full_marks')} {self.pts(c.full_marks)}"
        self.heading(2, head)
        self.chart(c.chart)
        rows = []
        for row in c.rows:
            name = row.name + (
                f"\n{self.t('report.vetoed')}：{self.sep.join(row.vetoes)}" if row.vetoes else ""
            )
            rows.append(
                (
                    str(row.rank_in_category),
                    name,
                    self.pts(row.score),
                    style.percent(row.share),
                    str(row.rank),
                    row.grade,
                    row.summary,
                )
            )
        self.table(
            ("auto", "1.3fr", "auto", "auto", "auto", "auto", "2.6fr"),
            (
                self.t("rank_in_category"),
                self.t("unit"),
                self.t("score"),
                self.t("share"),
                self.t("rank"),
                self.t("grade"),
                self.t("report.why"),
            ),
            rows,
            (True, False, True, True, True, False, False),
        )
        if c.quotas:
            joined = ("；" if self.r.lang == "zh" else "; ").join(c.quotas)
            self.para(f"{self.t('report.quotas')} {joined}", small=True)

    def progress(self, p: ProgressSection) -> None:
        self.heading(3, p.title, outlined=False)
        if p.chart is not None:
            self.chart(p.chart)
        if p.rows:
            n = len(p.columns)  # the name first, the words (a reason) last, figures between
            widths = ("1.3fr", *("auto",) * (n - 2), "2.4fr") if n > 2 else ("1fr",) * n
            self.table(widths, p.columns, p.rows, (False,) * n)

    def units(self) -> None:
        self.heading(1, f"3 {self.t('report.units')}")
        self.para(self.t("report.units_help"), small=True)
        for u in self.r.units:
            self.unit(u)

    def unit(self, u: UnitPage) -> None:
        self.add("#pagebreak(weak: true)")
        self.heading(2, f"{u.name} · {u.category_name}")
        facts = [
            f"{self.t('score')} {self.pts(u.score)} / {self.pts(u.full_marks)}",
            f"{self.t('share')} {style.percent(u.share)}",
            f"{self.t('rank_in_category')} {u.rank_in_category} / {u.category_size}",
            f"{self.t('rank')} {u.rank} / {u.units}",
        ]
        if u.grade:
            facts.append(f"{self.t('grade')} {u.grade}")
        self.add(f'#text(weight: "bold", {_s("　　".join(facts))})')
        self.para(u.summary, small=True)
        if u.vetoes:
            self.para(f"{self.t('report.vetoed')}：{self.sep.join(u.vetoes)}", color="#b3261e")
        strengths = [
            f"{s.name}：{self.pts(s.points)} / {self.pts(s.full)}（{self.t('web.median_cat')} "
            f"{self.pts(s.median)}）"
            for s in u.strengths
        ]
        side = (
            "list(" + _args(_s(x) for x in strengths) + ")"
            if strengths
            else f"text(fill: luma(110), {_s(self.t('report.none'))})"
        )
        radar = (
            f'image(bytes({_s(to_svg(u.radar))}), format: "svg", width: 100%)'
            if u.radar is not None
            else "[]"
        )
        title = f"strong({_s(self.t('report.strengths'))})"
        self.add(
            f"#grid(columns: (1fr, 1fr), gutter: 8pt, {radar}, "
            f"stack(spacing: 5pt, {title}, text(size: 8pt, {side})))"
        )
        self.heading(4, self.t("report.gaps"), outlined=False)
        if not u.gaps_computed:
            self.para(self.t("report.gaps_off"), small=True, color="#6e6e6e")
        elif u.gaps:
            self.table(
                ("1fr", "auto", "auto", "auto"),
                (self.t("indicator"), self.t("value"), self.t("gap_place"), self.t("gap_grade")),
                (
                    (
                        f"{g.name}\n{self.pts(g.points)} → {self.t('web.best')} {self.pts(g.best)}",
                        style.number(g.value)
                        + (f" {g.unit_of_measure}" if g.unit_of_measure else ""),
                        g.place,
                        g.grade,
                    )
                    for g in u.gaps
                ),
                (False, True, True, True),
            )
        else:
            self.para(self.t("report.no_gaps"), small=True, color="#6e6e6e")
        rows = []
        for p in u.points:
            name = p.name + (f" ({self.t('report.kind.' + p.kind)})" if p.kind != "base" else "")
            value = style.number(p.value)
            if p.unit_of_measure and p.value is not None:
                value += f" {p.unit_of_measure}"
            rows.append(
                (
                    name,
                    value,
                    self.pts(p.points),
                    self.pts(p.full),
                    self.pts(p.best),
                    self.pts(p.median),
                )
            )
        self.table(
            ("1fr", "auto", "auto", "auto", "auto", "auto"),
            (
                self.t("indicator"),
                self.t("value"),
                self.t("points"),
                self.t("full_marks"),
                self.t("web.best"),
                self.t("web.median_cat"),
            ),
            rows,
            (False, True, True, True, True, True),
        )
        for section in u.progress:
            self.progress(section)

    def decisions(self) -> None:
        if not self.r.decisions:
            return
        self.heading(1, f"4 {self.t('report.decisions')}")
        self.para(self.r.rulebook, small=True)
        for d in self.r.decisions:
            self.heading(2, d.name)
            self.para(d.description, small=True)
            if not d.rows:
                self.para(self.t("report.none"), small=True, color="#6e6e6e")
                continue
            self.table(
                ("auto", "auto", "auto", "1fr"),
                (
                    self.t("report.subject"),
                    self.t("report.decision"),
                    self.t("value"),
                    self.t("report.why"),
                ),
                ((x.subject, x.action, x.value, x.explanation) for x in d.rows),
                (False, False, True, False),
            )

    def robustness(self, rb: RobustnessSummary) -> None:
        self.heading(1, f"5 {self.t('report.robustness')}")
        self.para(
            f"{self.t('report.robustness_help', n=rb.samples)} {rb.settings} "
            f"{self.t('mean_shift', v=f'{rb.mean_abs_shift:.2f}')}",
            small=True,
        )
        self.chart(rb.chart)
        header = (
            self.t("rank"),
            self.t("unit"),
            self.t("category"),
            self.t("median"),
            self.t("interval"),
            self.t("report.interval_in_category"),
            *(f"P({g})" for g in rb.grades),
        )
        rows = (
            (
                str(x.nominal_rank),
                x.name,
                x.category_name,
                str(x.median_rank),
                f"{x.low}–{x.high}",
                f"{x.low_in_category}–{x.high_in_category}",
                *(style.percent(p, 0) for p in x.grade_probabilities),
            )
            for x in rb.rows
        )
        n = len(header)
        self.table(("auto",) * n, header, rows, (True, False, False, *(True,) * (n - 3)))

    def document(self) -> str:
        self.preamble()
        self.cover()
        self.method()
        self.rankings()
        if self.r.progress:
            self.heading(1, self.t("report.progress"))
            for p in self.r.progress:
                self.progress(p)
        self.units()
        self.decisions()
        if self.r.robustness is not None:
            self.robustness(self.r.robustness)
        return "\n".join(self.lines) + "\n"


def typst_source(report: Report, fonts: Sequence[str] = style.FONT_FACES) -> str:
    """The report as Typst source in the faces ``fonts`` (deterministic: the same report and
    faces give the same text)."""
    return _Source(report, fonts).document()


def installed_faces(typst: Any) -> list[str]:
    """The chart stack's faces (:data:`~kaohe.charts.style.FONT_FACES`) Typst finds, in order;
    :class:`PdfUnavailableError` without a CJK one."""
    found = {f.lower() for f in typst.Fonts().families()}
    faces = [f for f in style.FONT_FACES if f.lower() in found]
    if not [f for f in faces if f not in LATIN_FACES]:
        raise PdfUnavailableError(
            Issue(
                "PDF needs a CJK font (Debian: apt-get install fonts-noto-cjk); none of "
                + ", ".join(style.FONT_FACES)
                + " is installed"
            )
        )
    return faces


def _compiler() -> Any:
    try:
        import typst
    except ImportError as exc:
        raise PdfUnavailableError(
            Issue(f"PDF needs the typst package (pip install typst): {exc}")
        ) from None
    return typst


def write_pdf(report: Report, path: Path) -> int:
    """Write the report's PDF to ``path``; return its number of pages."""
    typst = _compiler()
    source = typst_source(report, installed_faces(typst)).encode("utf-8")
    try:
        # untagged: the structure tree made the file 8 times larger (300 units: 14.6 MB, not
        # 1.7 MB) for no reader of a filed report
        pdf = typst.compile(source, format="pdf", pdf_tags=False)
    except typst.TypstError as exc:  # a bug of this module, never of the user's text
        raise OutputError(Issue(f"Typst could not typeset the report: {exc}")) from exc
    path.write_bytes(pdf)
    found = _PAGES.search(pdf)
    return int(found.group(1)) if found else 0

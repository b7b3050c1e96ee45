"""The report as a Word document (python-docx), for offices that edit the text before it is
filed: the same sections as the HTML — headings, paragraphs and tables, the ranking charts as
pictures (PNG, drawn by matplotlib). Unit pages carry their tables and gaps; their radar charts
are in the HTML and the PDF."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kaohe.charts import style
from kaohe.charts.mpl import to_png
from kaohe.i18n import t
from kaohe.report.content import ProgressSection, Report, UnitPage


def write_docx(report: Report, path: Path) -> None:
    import docx

    doc: Any = docx.Document()
    _page_and_faces(doc)
    _properties(doc, report)
    label = _labeller(report)
    _cover(doc, report, label)
    _method(doc, report, label)
    _rankings(doc, report, label)
    if report.progress:
        doc.add_heading(label("report.progress"), 1)
        for section in report.progress:
            _progress(doc, section)
    _units(doc, report, label)
    _decisions(doc, report, label)
    _robustness(doc, report, label)
    doc.save(str(path))


Label = Callable[..., str]


def _labeller(report: Report) -> Label:
    lang = report.lang

    def label(key: str, **values: object) -> str:
        return t(key, lang, **values)

    return label


def _page_and_faces(doc: Any) -> None:
    """A4 with 1.8 cm side margins; the chart stack's face, East Asian text included."""
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    normal = doc.styles["Normal"]
    normal.font.name = style.FONT_FACES[0]
    normal.font.size = Pt(10)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(f"{_W}rFonts")
    if fonts is not None:  # the East Asian face, or Word falls back to its default
        fonts.set(f"{_W}eastAsia", style.FONT_FACES[0])


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _properties(doc: Any, report: Report) -> None:
    p = report.provenance
    props = doc.core_properties
    props.title = f"{report.title} · {t('report.title', report.lang)}"
    props.subject = report.period
    props.author = "Kaohe"
    # Word's properties hold 255 characters: the scheme's and the data's digests (every input's
    # is on the first page)
    props.keywords = ", ".join(f"{f.role}-sha256:{f.sha256}" for f in p.inputs[:2])
    props.comments = f"Kaohe {p.version}"
    stamp = dt.datetime.combine(p.date, dt.time())
    props.created = props.modified = stamp
    props.last_modified_by = "Kaohe"
    props.revision = 1


def _cover(doc: Any, report: Report, label: Label) -> None:
    p = report.provenance
    doc.add_paragraph(label("report.title"))
    doc.add_heading(report.title, 0)
    if report.period:
        doc.add_paragraph(report.period)
    if report.description:
        doc.add_paragraph(report.description)
    rows = [
        [label("report.version"), f"Kaohe {p.version}"],
        [label("report.date"), p.date.isoformat()],
    ]
    rows += [[label("report.input." + f.role), f"{f.name}\nSHA-256 {f.sha256}"] for f in p.inputs]
    _table(doc, [label("report.provenance"), ""], rows)
    doc.add_paragraph(label("report.reproduce"))


def _method(doc: Any, report: Report, label: Label) -> None:
    m = report.method
    doc.add_page_break()
    doc.add_heading(f"1 {label('report.method')}", 1)
    sep = "、" if report.lang == "zh" else ", "
    _table(
        doc,
        [label("category"), label("full_marks"), label("report.members")],
        [[c.name, report.points_text(c.full_marks), sep.join(c.units)] for c in m.categories],
    )
    doc.add_heading(label("report.tree"), 2)
    _table(
        doc,
        [label("indicator"), *(c.name for c in m.categories), label("report.rule")],
        [
            [
                "　" * row.depth + row.name,
                *("—" if x is None else report.points_text(x) for x in row.points),
                row.rule + (f"\n{row.description}" if row.description else ""),
            ]
            for row in m.tree
        ],
        small=True,
    )
    doc.add_heading(label("report.grades"), 2)
    for line in (m.ranking, m.grading, *m.grades, *m.gates):
        if line:
            doc.add_paragraph(line, style="List Bullet")


def _rankings(doc: Any, report: Report, label: Label) -> None:
    from docx.shared import Cm

    doc.add_page_break()
    doc.add_heading(f"2 {label('report.rankings')}", 1)
    for c in report.rankings:
        doc.add_heading(c.name, 2)
        doc.add_picture(io.BytesIO(to_png(c.chart)), width=Cm(16))
        _table(
            doc,
            [label(k) for k in ("rank_in_category", "unit", "score", "share", "rank", "grade")],
            [
                [
                    str(r.rank_in_category),
                    r.name,
                    report.points_text(r.score),
                    style.percent(r.share),
                    str(r.rank),
                    r.grade,
                ]
                for r in c.rows
            ],
        )
        if c.quotas:
            doc.add_paragraph(f"{label('report.quotas')} {'；'.join(c.quotas)}")


def _progress(doc: Any, section: ProgressSection) -> None:
    """A progress section: its chart as a picture and its table (as in the HTML and the PDF)."""
    from docx.shared import Cm

    doc.add_heading(section.title, 3)
    if section.chart is not None:
        doc.add_picture(io.BytesIO(to_png(section.chart)), width=Cm(16))
    if section.rows:
        _table(doc, section.columns, section.rows, small=True)


def _units(doc: Any, report: Report, label: Label) -> None:
    doc.add_page_break()
    doc.add_heading(f"3 {label('report.units')}", 1)
    for u in report.units:
        _unit(doc, report, u, label)


def _unit(doc: Any, report: Report, u: UnitPage, label: Label) -> None:
    pts = report.points_text
    doc.add_heading(f"{u.name} · {u.category_name}", 2)
    doc.add_paragraph(
        f"{label('score')} {pts(u.score)} / {pts(u.full_marks)}"
        f" · {label('rank_in_category')} {u.rank_in_category}/{u.category_size}"
        f" · {label('rank')} {u.rank}/{u.units}"
        + (f" · {label('grade')} {u.grade}" if u.grade else "")
    )
    if u.summary:
        doc.add_paragraph(u.summary)
    heads = ("indicator", "value", "points", "full_marks", "web.best", "web.median_cat")
    _table(
        doc,
        [label(k) for k in heads],
        [
            [
                x.name,
                style.number(x.value),
                pts(x.points),
                pts(x.full),
                pts(x.best),
                pts(x.median),
            ]
            for x in u.points
        ],
        small=True,
    )
    if u.gaps:
        doc.add_heading(label("report.gaps"), 3)
        _table(
            doc,
            [label("indicator"), label("value"), label("gap_place"), label("gap_grade")],
            [[g.name, style.number(g.value), g.place, g.grade] for g in u.gaps],
            small=True,
        )
    for section in u.progress:
        _progress(doc, section)


def _decisions(doc: Any, report: Report, label: Label) -> None:
    if not report.decisions:
        return
    doc.add_page_break()
    doc.add_heading(f"4 {label('report.decisions')}", 1)
    heads = ("report.subject", "report.decision", "value", "report.why")
    for d in report.decisions:
        doc.add_heading(d.name, 2)
        if d.description:
            doc.add_paragraph(d.description)
        _table(
            doc,
            [label(k) for k in heads],
            [[r.subject, r.action, r.value, r.explanation] for r in d.rows],
            small=True,
        )


def _robustness(doc: Any, report: Report, label: Label) -> None:
    rb = report.robustness
    if rb is None:
        return
    doc.add_page_break()
    doc.add_heading(f"5 {label('report.robustness')}", 1)
    doc.add_paragraph(f"{label('report.robustness_help', n=rb.samples)} {rb.settings}")
    _table(
        doc,
        [
            label("rank"),
            label("unit"),
            label("median"),
            label("interval"),
            *(f"P({g})" for g in rb.grades),
        ],
        [
            [
                str(r.nominal_rank),
                r.name,
                str(r.median_rank),
                f"{r.low}–{r.high}",
                *(style.percent(x, 0) for x in r.grade_probabilities),
            ]
            for r in rb.rows
        ],
        small=True,
    )


def _table(
    doc: Any, heads: Sequence[str], rows: Sequence[Sequence[str]], small: bool = False
) -> None:
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    if small:
        for row in table.rows:
            for cell in row.cells:
                for para in cell.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(8.5)

"""The report as one self-contained HTML file: inline CSS, inline SVG charts, no script, no
request to anywhere. The same page prints on A4 from a browser (the PDF is typeset from the
same content model by :mod:`kaohe.report.pdf`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from kaohe.charts import style
from kaohe.charts.spec import Chart
from kaohe.charts.svg import to_svg
from kaohe.i18n import t
from kaohe.report.content import Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The report's CSS with the chart stack's font faces."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8").replace("FONTS", style.CSS_FONTS)


def render_html(report: Report) -> str:
    """The report's HTML (deterministic: the same report gives the same text)."""
    lang = report.lang

    def label(key: str, **values: object) -> str:
        return t(key, lang, **values)

    def svg(chart: Chart) -> Markup:
        return Markup(to_svg(chart))  # built from escaped parts by kaohe.charts.svg

    def pts(x: float | None) -> str:
        return report.points_text(x)

    return str(
        _environment()
        .get_template("report.html")
        .render(
            r=report,
            t=label,
            svg=svg,
            pts=pts,
            num=style.number,
            pct=style.percent,
            sep="、" if lang == "zh" else ", ",
            css=Markup(stylesheet()),
        )
    )


def write_html(report: Report, path: Path) -> str:
    """Write the HTML file; return its text."""
    text = render_html(report)
    path.write_text(text, encoding="utf-8", newline="\n")
    return text

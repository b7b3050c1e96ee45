"""The 比进度 line chart of one dispatched indicator as SVG: a line per unit against its target
path (dashed), each point in its warning colour. Drawn with the chart stack's style, ticks and
legend (:mod:`kaohe.charts`); numbers in the page's language."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from kaohe.charts import style
from kaohe.charts.spec import LegendEntry
from kaohe.charts.svg import fit, legend, nice_ticks
from kaohe.i18n import t
from kaohe.monitoring.monitor import Monitor

WIDTH, HEIGHT = 720.0, 300.0
LEFT, RIGHT, TOP, BOTTOM = 48.0, 110.0, 40.0, 28.0
WARNING_FILL = {1: "#b3261e", 2: "#9a6700", 3: "#1a7f37"}  # red, amber, green (progress.COLOURS)


@dataclass(frozen=True)
class Line:
    label: str
    values: tuple[float, ...]  # NaN: no point
    colours: tuple[int, ...]  # warning colour codes
    colour: str


def lines(m: Monitor, s: int, units: list[int]) -> tuple[list[Line], list[tuple[float, ...]], bool]:
    """The units' lines, the distinct target paths, and whether the values are percentages of
    the annual target (a level) or the compared value itself (a growth, a rate)."""
    plan = m.plan
    stop = m.current + 1
    level = int(plan.compared[s]) == 0
    value = m.share[s] * 100 if level else m.compared[s]
    path = m.expected_share[s] * 100 if level else m.expected[s]
    out, paths = [], []
    for k, u in enumerate(units):
        dispatched = plan.dispatched[s, :stop]
        v = np.where(dispatched, value[u, :stop], np.nan)
        out.append(
            Line(
                plan.scheme.units[plan.units[u]].name,
                tuple(float(x) for x in v),
                tuple(int(c) for c in m.colour[s, u, :stop]),
                style.series_colour(k),
            )
        )
        want = tuple(float(x) for x in np.where(dispatched, path[u, :stop], np.nan))
        if any(math.isfinite(x) for x in want) and want not in paths:
            paths.append(want)
    return out, paths, level


def progress_svg(m: Monitor, s: int, units: list[int], lang: str) -> str:
    """One indicator's chart over the periods up to the monitor's."""
    plan = m.plan
    labels = [plan.calendar.label(p, lang) for p in range(m.current + 1)]
    drawn, paths, level = lines(m, s, units)
    every = [x for line in drawn for x in line.values] + [x for p in paths for x in p]
    finite = [x for x in every if math.isfinite(x)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    lo = min(lo, 0.0) if level else lo
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    ticks = nice_ticks(lo, hi)
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP
    n = max(len(labels) - 1, 1)

    def x(p: int) -> float:
        return x0 + (x1 - x0) * p / n

    def y(v: float) -> float:
        return y0 + (y1 - y0) * (v - lo) / (hi - lo)

    title = plan.name(s)
    if level:
        title = t(
            "monitoring.say.chart_title_share",
            lang,
            name=title,
            share=t("monitor.chart_share", lang),
        )
    body = [_text(LEFT, 16, fit(title, 13, WIDTH - LEFT), 13, weight=True)]
    for v in ticks:
        body.append(
            f'<line x1="{x0:.1f}" y1="{y(v):.1f}" x2="{x1:.1f}" y2="{y(v):.1f}" '
            f'stroke="{style.GRID}" stroke-width="1"/>'
        )
        body.append(_text(x0 - 6, y(v) + 4, style.number(v), 10, anchor="end"))
    step = max(1, math.ceil(len(labels) / 12))
    for p, label in enumerate(labels):
        if p % step == 0 or p == len(labels) - 1:
            body.append(_text(x(p), y0 + 16, label, 10, anchor="middle"))
    # a line runs through the periods the indicator is dispatched in (a quarterly indicator
    # joins its quarters); it breaks only where a dispatched value is missing
    due = [bool(d) for d in plan.dispatched[s, : m.current + 1]]
    for path in paths:
        pts = [(x(p), y(v)) for p, v in enumerate(path) if due[p]]
        body.append(_polyline(pts, style.INK, dashed=True))
    for line in drawn:
        pts = [(x(p), y(v)) for p, v in enumerate(line.values) if due[p]]
        body.append(_polyline(pts, line.colour))
        for p, v in enumerate(line.values):
            if math.isfinite(v):
                fill = WARNING_FILL.get(line.colours[p], "#ffffff")
                body.append(
                    f'<circle cx="{x(p):.1f}" cy="{y(v):.1f}" r="3.5" fill="{fill}" '
                    f'stroke="{line.colour}" stroke-width="1"><title>{_esc(line.label)} · '
                    f"{_esc(labels[p])}: {_esc(style.number(v))}</title></circle>"
                )
        last = max((p for p, v in enumerate(line.values) if math.isfinite(v)), default=None)
        if last is not None:
            body.append(
                _text(
                    x(last) + 6,
                    y(line.values[last]) + 4,
                    fit(line.label, 10, RIGHT - 10),
                    10,
                    fill=line.colour,
                )
            )
    keys = [
        LegendEntry(t("monitor.chart_path", lang), style.INK, "dashed"),
        LegendEntry(t("monitor.green", lang), WARNING_FILL[3], "dot"),
        LegendEntry(t("monitor.amber", lang), WARNING_FILL[2], "dot"),
        LegendEntry(t("monitor.red", lang), WARNING_FILL[1], "dot"),
    ]
    marks, _ = legend(keys, LEFT, 32, WIDTH - LEFT - RIGHT)
    body.append(marks)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{_esc(title)}" viewBox="0 0 {WIDTH:.0f} {HEIGHT + 12:.0f}" '
        f'width="{WIDTH:.0f}" height="{HEIGHT + 12:.0f}" '
        f'font-family="{_esc(style.CSS_FONTS)}">' + "".join(body) + "</svg>"
    )


def _polyline(points: list[tuple[float, float]], colour: str, dashed: bool = False) -> str:
    """A line through the finite points (a gap where a value is missing)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for px, py in points:
        if math.isfinite(py):
            runs[-1].append((px, py))
        elif runs[-1]:
            runs.append([])
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    out = []
    for run in runs:
        if len(run) >= 2:
            pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
            out.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                f'stroke-width="{1.5 if dashed else 2}"{dash}/>'
            )
    return "".join(out)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text(
    x: float,
    y: float,
    text: str,
    size: float,
    anchor: str = "start",
    fill: str = style.INK,
    weight: bool = False,
) -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.0f}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}>{_esc(text)}</text>'
    )

"""Charts as inline SVG written directly (no matplotlib): text stays text, in the page's CJK
face at its true size with normal spacing, a chart is a few kilobytes and takes well under a
millisecond — a report can hold a radar for each of 3,000 units.

Deterministic: the same record gives the same bytes (coordinates to 0.1 px, no ids, no dates).
Safe to inline under a strict Content-Security-Policy (no ``style`` attribute, no script).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

from kaohe.charts import style
from kaohe.charts.spec import (
    BarChart,
    Chart,
    IntervalChart,
    LegendEntry,
    RadarChart,
)

WIDTH = 640.0
PX = 96 / 72  # pixels per point
TITLE = style.TITLE_SIZE * PX
LABEL = style.LABEL_SIZE * PX
TICK = style.TICK_SIZE * PX
NOTE = style.NOTE_SIZE * PX
ROW = 22.0
BAR_HEIGHT = 14.0


def to_svg(chart: Chart) -> str:
    """The chart as one ``<svg>`` element."""
    if isinstance(chart, BarChart):
        return bar_chart(chart)
    if isinstance(chart, RadarChart):
        return radar_chart(chart)
    return interval_chart(chart)


# --------------------------------------------------------------------------- pieces


def _f(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def text_width(text: str, size: float) -> float:
    """An estimate of the drawn width: CJK and full-width characters one em, others ~0.56."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def fit(text: str, size: float, width: float) -> str:
    """``text``, cut with an ellipsis to fit ``width``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _text(
    x: float,
    y: float,
    text: str,
    size: float = LABEL,
    anchor: str = "start",
    fill: str = style.INK,
    weight: str = "",
) -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}>{_esc(text)}</text>'
    )


def _svg(width: float, height: float, title: str, body: Iterable[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{_esc(title)}" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" font-family="{_esc(style.CSS_FONTS)}">'
        + "".join(body)
        + "</svg>"
    )


def _swatch(x: float, y: float, entry: LegendEntry) -> str:
    c = entry.colour
    if entry.mark == "bar":
        return f'<rect x="{_f(x)}" y="{_f(y - 9)}" width="12" height="10" fill="{c}"/>'
    if entry.mark == "dot":
        return f'<circle cx="{_f(x + 6)}" cy="{_f(y - 4)}" r="3.5" fill="{c}"/>'
    if entry.mark == "tick":
        return f'<rect x="{_f(x + 5)}" y="{_f(y - 11)}" width="2.5" height="14" fill="{c}"/>'
    dash = ' stroke-dasharray="4 3"' if entry.mark == "dashed" else ""
    return (
        f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 14)}" y2="{_f(y - 4)}" '
        f'stroke="{c}" stroke-width="2"{dash}/>'
    )


def legend(entries: Sequence[LegendEntry], x: float, y: float, width: float) -> tuple[str, float]:
    """The legend in words, wrapped to ``width``; (markup, height used)."""
    out, cx, cy = [], x, y
    for e in entries:
        w = 20 + text_width(e.label, NOTE) + 14
        if cx > x and cx + w > x + width:
            cx, cy = x, cy + NOTE * 1.6
        out.append(_swatch(cx, cy, e))
        out.append(_text(cx + 18, cy, e.label, NOTE, fill=style.INK))
        cx += w
    return "".join(out), (cy - y) + NOTE * 1.6 if entries else 0.0


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values from ``lo`` to ``hi`` (steps of 1, 2, 2.5 or 5 × 10ⁿ)."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, v = [], first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def _header(title: str, entries: Sequence[LegendEntry], width: float) -> tuple[list[str], float]:
    parts = [_text(8, TITLE + 4, title, TITLE, weight="bold")]
    y = TITLE + 12
    if entries:
        markup, h = legend(entries, 8, y + NOTE + 2, width - 16)
        parts.append(markup)
        y += h + 4
    return parts, y + 4


# --------------------------------------------------------------------------- bars


def bar_chart(c: BarChart) -> str:
    width = WIDTH
    parts, top = _header(c.title, c.legend, width)
    label_w = min(max((text_width(b.label, LABEL) for b in c.bars), default=40) + 10, width * 0.4)
    x0 = 8 + label_w
    value_w = max((text_width(b.text, TICK) for b in c.bars), default=30) + 22
    x1 = width - value_w
    lo, hi = c.axis_min, c.axis_max if c.axis_max > c.axis_min else c.axis_min + 1

    def sx(v: float) -> float:
        return x0 + (min(max(v, lo), hi) - lo) / (hi - lo) * (x1 - x0)

    bottom = top + ROW * len(c.bars)
    ticks = nice_ticks(lo, hi)
    for v in ticks:
        parts.append(
            f'<line x1="{_f(sx(v))}" y1="{_f(top)}" x2="{_f(sx(v))}" y2="{_f(bottom)}" '
            f'stroke="{style.GRID}" stroke-width="1"/>'
        )
        parts.append(_text(sx(v), bottom + TICK + 4, style.number(v), TICK, "middle", style.MUTED))
    for k, b in enumerate(c.bars):
        y = top + ROW * k
        mid = y + ROW / 2
        parts.append(
            _text(x0 - 6, mid + LABEL * 0.35, fit(b.label, LABEL, label_w - 8), anchor="end")
        )
        end = sx(b.value)
        start = sx(max(lo, 0.0)) if lo < 0 else x0
        left, right = min(start, end), max(start, end)
        parts.append(
            f'<rect x="{_f(left)}" y="{_f(mid - BAR_HEIGHT / 2)}" width="{_f(right - left)}" '
            f'height="{_f(BAR_HEIGHT)}" fill="{b.colour}"/>'
        )
        tx = right + 4
        if c.clipped(b):  # beyond the axis: an arrow at the end, the true value beside it
            h = BAR_HEIGHT / 2
            parts.append(
                f'<path d="M{_f(x1)} {_f(mid - h - 2)}L{_f(x1 + 9)} {_f(mid)}'
                f'L{_f(x1)} {_f(mid + h + 2)}Z" fill="{b.colour}"/>'
            )
            tx = x1 + 12
        for m in b.marks:
            mx = sx(m.value)
            if m.kind == "tick":
                parts.append(
                    f'<rect x="{_f(mx - 1.25)}" y="{_f(mid - BAR_HEIGHT / 2 - 3)}" width="2.5" '
                    f'height="{_f(BAR_HEIGHT + 6)}" fill="{m.colour}"/>'
                )
            else:
                parts.append(
                    f'<circle cx="{_f(mx)}" cy="{_f(mid)}" r="3.5" fill="{m.colour}" '
                    f'stroke="#ffffff" stroke-width="1"/>'
                )
        weight = "bold" if c.clipped(b) else ""
        parts.append(_text(tx, mid + TICK * 0.35, b.text, TICK, weight=weight))
    for line in c.lines:
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        parts.append(
            f'<line x1="{_f(sx(line.value))}" y1="{_f(top - 3)}" x2="{_f(sx(line.value))}" '
            f'y2="{_f(bottom + 3)}" stroke="{line.colour}" stroke-width="1.5"{dash}/>'
        )
    parts.append(
        f'<line x1="{_f(x0)}" y1="{_f(bottom)}" x2="{_f(x1)}" y2="{_f(bottom)}" '
        f'stroke="{style.MUTED}" stroke-width="1"/>'
    )
    axis_y = bottom + TICK + LABEL + 12
    parts.append(_text((x0 + x1) / 2, axis_y, c.axis_label, LABEL, "middle", style.MUTED))
    return _svg(width, axis_y + 8, c.title, parts)


# --------------------------------------------------------------------------- radar


def radar_chart(c: RadarChart) -> str:
    width = 440.0
    parts, top = _header(c.title, c.legend, width)
    parts.append(_text(8, top + NOTE, c.axis_label, NOTE, fill=style.MUTED))
    n = len(c.axes)
    radius = 105.0
    cx, cy = width / 2, top + NOTE + 30 + radius
    outer = c.ring_max

    def point(k: int, share: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        r = radius * max(share, 0.0) / outer
        return cx + r * math.cos(a), cy + r * math.sin(a)

    rings = [outer * q for q in (0.25, 0.5, 0.75, 1.0)]
    for ring in rings:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in (point(k, ring) for k in range(n)))
        parts.append(
            f'<polygon points="{pts}" fill="none" stroke="{style.GRID}" stroke-width="1"/>'
        )
        x, y = point(0, ring)
        parts.append(_text(x + 4, y + 4, f"{ring * 100:.0f}%", NOTE, fill=style.MUTED))
    for k, name in enumerate(c.axes):
        x, y = point(k, outer)
        parts.append(
            f'<line x1="{_f(cx)}" y1="{_f(cy)}" x2="{_f(x)}" y2="{_f(y)}" '
            f'stroke="{style.GRID}" stroke-width="1"/>'
        )
        lx, ly = point(k, outer * 1.1)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        room = width / 2 - radius * 0.15 if anchor == "middle" else width / 2 - radius * 0.9
        parts.append(_text(lx, ly + LABEL * 0.35, fit(name, LABEL, room), LABEL, anchor))
    for s in c.series:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in (point(k, v) for k, v in enumerate(s.values)))
        fill = f'fill="{s.colour}" fill-opacity="0.15"' if s.filled else 'fill="none"'
        dash = {"dashed": ' stroke-dasharray="6 3"', "dot": ' stroke-dasharray="2 3"'}.get(
            s.mark, ""
        )
        parts.append(f'<polygon points="{pts}" {fill} stroke="{s.colour}" stroke-width="2"{dash}/>')
    return _svg(width, cy + radius + 34, c.title, parts)


# --------------------------------------------------------------------------- intervals


def interval_chart(c: IntervalChart) -> str:
    width = WIDTH
    parts, top = _header(c.title, c.legend, width)
    label_w = min(max((text_width(r.label, LABEL) for r in c.rows), default=40) + 10, width * 0.35)
    x0, x1 = 8 + label_w, width - 16
    hi = max(c.axis_max, 2.0)

    def sx(v: float) -> float:
        return x0 + (v - 1) / (hi - 1) * (x1 - x0)

    bottom = top + ROW * len(c.rows)
    for v in [t for t in nice_ticks(1, hi) if t >= 1] or [1.0]:
        parts.append(
            f'<line x1="{_f(sx(v))}" y1="{_f(top)}" x2="{_f(sx(v))}" y2="{_f(bottom)}" '
            f'stroke="{style.GRID}" stroke-width="1"/>'
        )
        parts.append(_text(sx(v), bottom + TICK + 4, style.number(v), TICK, "middle", style.MUTED))
    span, median, nominal = (e.colour for e in c.legend[:3])
    for k, r in enumerate(c.rows):
        mid = top + ROW * k + ROW / 2
        parts.append(
            _text(x0 - 6, mid + LABEL * 0.35, fit(r.label, LABEL, label_w - 8), anchor="end")
        )
        left, right = sx(r.low), sx(r.high)
        parts.append(
            f'<rect x="{_f(left - 3)}" y="{_f(mid - 4)}" width="{_f(right - left + 6)}" '
            f'height="8" rx="4" fill="{span}"/>'
        )
        parts.append(f'<circle cx="{_f(sx(r.median))}" cy="{_f(mid)}" r="4" fill="{median}"/>')
        parts.append(
            f'<rect x="{_f(sx(r.nominal) - 1.25)}" y="{_f(mid - 8)}" width="2.5" height="16" '
            f'fill="{nominal}"/>'
        )
    axis_y = bottom + TICK + LABEL + 12
    parts.append(_text((x0 + x1) / 2, axis_y, c.axis_label, LABEL, "middle", style.MUTED))
    return _svg(width, axis_y + 8, c.title, parts)

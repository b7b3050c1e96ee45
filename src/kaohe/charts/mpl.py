"""Chart records drawn by matplotlib, for PNG files (and the board's downloads): the same
title, axis label, legend in words and colours as the inline SVG of :mod:`kaohe.charts.svg`."""

from __future__ import annotations

from typing import Any

import numpy as np

from kaohe.charts import style
from kaohe.charts.render import render
from kaohe.charts.spec import BarChart, Chart, IntervalChart, LegendEntry, RadarChart
from kaohe.io.charts import pyplot


def to_png(chart: Chart) -> bytes:
    """The chart as PNG bytes (144 dpi)."""
    fig = figure(chart)
    try:
        return render(fig, "png")
    finally:
        fig.clear()


def figure(chart: Chart) -> Any:
    """A matplotlib Figure of the chart (Agg, the CJK face)."""
    pyplot()
    from matplotlib.figure import Figure

    if isinstance(chart, BarChart):
        fig = Figure(figsize=(7.5, 1.3 + 0.3 * len(chart.bars)))
        _bars(fig.add_subplot(), chart)
    elif isinstance(chart, RadarChart):
        fig = Figure(figsize=(5.4, 5.2))
        _radar(fig.add_subplot(projection="polar"), chart)
    else:
        fig = Figure(figsize=(7.5, 1.3 + 0.3 * len(chart.rows)))
        _intervals(fig.add_subplot(), chart)
    fig.suptitle(chart.title, x=0.02, ha="left", fontsize=style.TITLE_SIZE, fontweight="bold")
    _legend(fig, chart.legend)
    fig.tight_layout(rect=(0, 0, 1, 0.9 if chart.legend else 0.95))
    return fig


def _legend(fig: Any, entries: tuple[LegendEntry, ...]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for e in entries:
        if e.mark == "bar":
            handles.append(Patch(color=e.colour, label=e.label))
        elif e.mark in ("dot", "tick"):
            marker = "o" if e.mark == "dot" else "|"
            handles.append(
                Line2D([], [], color=e.colour, marker=marker, linestyle="", label=e.label)
            )
        else:
            dashed = e.mark == "dashed"
            handles.append(
                Line2D([], [], color=e.colour, linestyle="--" if dashed else "-", label=e.label)
            )
    if handles:
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.02, 0.95),
            ncols=min(len(handles), 5),
            fontsize=style.NOTE_SIZE,
            frameon=False,
        )


def _axes_style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=style.TICK_SIZE, colors=style.MUTED)
    ax.grid(axis="x", color=style.GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _bars(ax: Any, c: BarChart) -> None:
    ys = np.arange(len(c.bars))[::-1]
    shown = [min(b.value, c.axis_max) for b in c.bars]
    ax.barh(ys, shown, color=[b.colour for b in c.bars], height=0.62)
    for y, b, v in zip(ys, c.bars, shown, strict=True):
        if c.clipped(b):
            ax.plot(v, y, ">", color=b.colour, markersize=7, clip_on=False)
        ax.text(
            v,
            y,
            f"  {b.text}",
            va="center",
            fontsize=style.TICK_SIZE,
            color=style.INK,
            fontweight="bold" if c.clipped(b) else "normal",
        )
        for m in b.marks:
            marker = "|" if m.kind == "tick" else "o"
            ax.plot(m.value, y, marker, color=m.colour, markersize=11 if m.kind == "tick" else 5)
    for line in c.lines:
        ax.axvline(
            line.value, color=line.colour, linewidth=1.3, linestyle="--" if line.dashed else "-"
        )
    ax.set_yticks(ys, [b.label for b in c.bars], fontsize=style.LABEL_SIZE, color=style.INK)
    ax.set_xlim(c.axis_min, c.axis_max * 1.12 if c.axis_max > 0 else 1)
    ax.set_xlabel(c.axis_label, fontsize=style.LABEL_SIZE, color=style.MUTED)
    _axes_style(ax)


def _radar(ax: Any, c: RadarChart) -> None:
    n = len(c.axes)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    styles = {"line": "-", "dashed": "--", "dot": ":"}
    for s in c.series:
        pct = np.array([*s.values, s.values[0]]) * 100
        ax.plot(closed, pct, styles[s.mark], color=s.colour, linewidth=1.8)
        if s.filled:
            ax.fill(closed, pct, color=s.colour, alpha=0.15)
    ax.set_xticks(angles, list(c.axes), fontsize=style.LABEL_SIZE, color=style.INK)
    top = c.ring_max * 100
    ax.set_ylim(0, top)
    rings = [top * q for q in (0.25, 0.5, 0.75, 1.0)]
    ax.set_yticks(rings, [f"{r:.0f}%" for r in rings], fontsize=style.NOTE_SIZE, color=style.MUTED)
    ax.set_xlabel(c.axis_label, fontsize=style.NOTE_SIZE, color=style.MUTED)


def _intervals(ax: Any, c: IntervalChart) -> None:
    span, median, nominal = (e.colour for e in c.legend[:3])
    ys = np.arange(len(c.rows))[::-1]
    ax.hlines(ys, [r.low for r in c.rows], [r.high for r in c.rows], color=span, linewidth=6)
    ax.plot([r.median for r in c.rows], ys, "o", color=median)
    ax.plot([r.nominal for r in c.rows], ys, "|", color=nominal, markersize=14, markeredgewidth=2)
    ax.set_yticks(ys, [r.label for r in c.rows], fontsize=style.LABEL_SIZE, color=style.INK)
    ax.set_xlim(0.5, c.axis_max + 0.5)
    ax.set_xlabel(c.axis_label, fontsize=style.LABEL_SIZE, color=style.MUTED)
    _axes_style(ax)

"""The board's charts, drawn by matplotlib on the server (headless, offline, a CJK font when one
is installed): ranking bars per category, a radar per unit, progress bars, contribution shares.

Each chart is a static image in two formats: SVG, inlined in the page (no JavaScript) and
downloadable, and PNG. The SVG is deterministic (a fixed ``svg.hashsalt``, no date, no
comments) and made safe for a strict Content-Security-Policy: matplotlib's ``style`` attributes
and ``<style>`` element (refused by ``style-src 'self'``) become SVG presentation attributes.
Text is drawn as paths, so the picture does not depend on the reader's fonts. Rendered charts
are kept in a small cache keyed by the result snapshot's digest, the language and the chart:
a published result never changes, so neither do its charts.
"""

from __future__ import annotations

import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from kaohe.charts.render import MEDIA_TYPES, Format, clean_svg, render
from kaohe.charts.style import BAR, BEST, GRADE_COLOURS, MEDIAN, TARGET
from kaohe.charts.style import SERIES_COLOURS as UNIT_COLOURS
from kaohe.i18n import t
from kaohe.io.charts import pyplot, unit_label
from kaohe.publication import CategoryRanking, Contribution, Progress, RadarAxis

__all__ = ["MEDIA_TYPES", "Format", "cached", "clean_svg", "inline", "render"]

CACHE_SIZE = 256

_lock = threading.Lock()  # matplotlib's global state (rcParams, font cache) is not thread-safe
_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()


@lru_cache(maxsize=64)
def digest(*texts: str) -> str:
    """A short digest of a snapshot's texts (and its scheme's): the charts' cache key."""
    h = hashlib.sha256()
    for text in texts:
        h.update(text.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:24]


def cached(key: tuple[Any, ...], fmt: Format, draw: Callable[[], Any]) -> bytes:
    """The chart ``key`` in ``fmt``, drawn by ``draw()`` (a matplotlib Figure) once."""
    full = (*key, fmt)
    with _lock:
        hit = _cache.get(full)
        if hit is not None:
            _cache.move_to_end(full)
            return hit
        data = render(draw(), fmt, salt="-".join(map(str, key[1:])))
        _cache[full] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return data


def inline(svg: bytes, label: str) -> Markup:
    """An SVG for the page, labelled for screen readers (the label is escaped)."""
    text = svg.decode("utf-8")
    text = text.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)
    return Markup(text)  # matplotlib's drawing, comments removed: names are drawn as paths


def _figure(width: float, height: float) -> Any:
    pyplot()  # the Agg backend and the CJK font
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _name(name: str, ident: str) -> str:
    return unit_label(name, ident)


# --------------------------------------------------------------------------- ranking


def ranking_figure(categories: tuple[CategoryRanking, ...], grades: list[str], lang: str) -> Any:
    """Horizontal score bars per category (best at the top), coloured by grade."""
    heights = [max(len(c.rows), 1) for c in categories]
    fig = _figure(7.5, 0.9 + 0.32 * sum(heights) + 0.5 * len(categories))
    axes = fig.subplots(len(categories), 1, squeeze=False, height_ratios=heights)[:, 0]
    seen: dict[str, Any] = {}
    for ax, cat in zip(axes, categories, strict=True):
        rows = cat.rows
        names = [_name(r.name, r.unit) for r in rows]
        colours = [
            GRADE_COLOURS[grades.index(r.grade) % len(GRADE_COLOURS)] if r.grade in grades else BAR
            for r in rows
        ]
        ys = list(range(len(rows)))[::-1]
        bars = ax.barh(ys, [r.score for r in rows], color=colours, height=0.65)
        for bar, r in zip(bars, rows, strict=True):
            ax.text(bar.get_width(), bar.get_y() + 0.32, f" {r.score:.2f}", va="center", fontsize=8)
            if r.grade_name and r.grade is not None and r.grade not in seen:
                seen[r.grade] = (bar, r.grade_name)
        ax.set_yticks(ys, names, fontsize=9)
        ax.set_title(_name(cat.name, cat.category), loc="left", fontsize=10)
        ax.set_xlim(0, max((cat.full_marks or 0) * 1.08, *(r.score * 1.1 for r in rows), 1))
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set_xlabel(t("score", lang))
    if seen:
        fig.legend(
            [b for b, _ in seen.values()],
            [n for _, n in seen.values()],
            loc="upper right",
            fontsize=8,
            frameon=False,
            ncols=len(seen),
        )
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- radar


def radar_figure(axes_data: list[RadarAxis], unit_name: str, lang: str) -> Any:
    """The unit's points share per dimension against its category's best and median."""
    import numpy as np

    fig = _figure(5.2, 4.6)
    n = len(axes_data)
    if n < 3:  # a radar needs three axes: bars say the same
        ax = fig.add_subplot()
        ys = np.arange(n)
        ax.barh(ys + 0.2, [a.mine * 100 for a in axes_data], 0.4, color=BAR, label=unit_name)
        ax.barh(
            ys - 0.2, [a.best * 100 for a in axes_data], 0.4, color=BEST, label=t("web.best", lang)
        )
        ax.set_yticks(ys, [a.name for a in axes_data])
        ax.legend(fontsize=8, frameon=False)
        fig.tight_layout()
        return fig
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.concatenate([angles, angles[:1]])
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    for vals, colour, style, label in (
        ([a.best for a in axes_data], BEST, "--", t("web.best", lang)),
        ([a.median for a in axes_data], MEDIAN, ":", t("web.median_cat", lang)),
        ([a.mine for a in axes_data], BAR, "-", unit_name),
    ):
        pct = np.array([*vals, vals[0]]) * 100
        ax.plot(closed, pct, style, color=colour, linewidth=1.8, label=label)
        if colour == BAR:
            ax.fill(closed, pct, color=colour, alpha=0.18)
    ax.set_xticks(angles, [a.name for a in axes_data], fontsize=9)
    ax.set_ylim(0, max(100, *(a.mine * 100 for a in axes_data), *(a.best * 100 for a in axes_data)))
    ax.set_yticks([25, 50, 75, 100], ["25%", "50%", "75%", "100%"], fontsize=7, color=MEDIAN)
    ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- progress


def progress_figure(p: Progress, lang: str, ncols: int = 3) -> Any:
    """Small multiples: per indicator, each unit's completion of its target (bars), the target
    (100%, solid line) and the time-proportional target (dashed) where there is one."""
    lines = p.lines
    if not lines:
        fig = _figure(6, 1)
        fig.text(0.5, 0.5, t("board.no_targets", lang), ha="center", va="center")
        return fig
    nrows = -(-len(lines) // ncols)
    names = {uid: _name(name, uid) for uid, name, _ in p.units}
    order = [uid for uid, _, _ in p.units]
    fig = _figure(4.0 * ncols, 0.6 + 3.1 * nrows)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(grid.flat):
        if k >= len(lines):
            ax.set_visible(False)
            continue
        line = lines[k]
        units = [u for u in order if u in line.cells][::-1]
        true_pct = [(line.cells[u].completion or 0.0) * 100 for u in units]
        pct = [min(v, 200.0) for v in true_pct]
        colours = [
            TARGET
            if line.cells[u].status == "met"
            else BAR
            if line.cells[u].status == "on_pace"
            else BEST
            for u in units
        ]
        ax.barh(range(len(units)), pct, color=colours, height=0.7)
        for y, (v, shown) in enumerate(zip(true_pct, pct, strict=True)):
            if v > shown:  # beyond the axis: an arrow at the end and the true value
                ax.plot(shown, y, ">", color=colours[y], markersize=6, clip_on=False)
                ax.text(shown, y, f"  {v:.0f}%", va="center", fontsize=7, fontweight="bold")
        ax.axvline(100, color=TARGET, linewidth=1.2)
        if line.elapsed is not None:
            ax.axvline(line.elapsed * 100, color=MEDIAN, linewidth=1.2, linestyle="--")
        ax.set_yticks(range(len(units)), [names[u] for u in units], fontsize=7)
        ax.set_title(_name(line.name, line.indicator), fontsize=9, loc="left")
        ax.set_xlim(0, max(110.0, *(v * 1.05 for v in pct)))
        ax.tick_params(axis="x", labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    fig.supxlabel(t("board.completion_pct", lang), fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- contribution


def contribution_figure(c: Contribution, lang: str) -> Any:
    """One 100% bar per indicator that adds up, a segment per unit (its share of the total)."""
    if not c.lines:
        fig = _figure(6, 1)
        fig.text(0.5, 0.5, t("board.no_additive_about", lang), ha="center", va="center")
        return fig
    fig = _figure(9, 1.4 + 0.55 * len(c.lines))
    ax = fig.add_subplot()
    ys = list(range(len(c.lines)))[::-1]
    for k, (uid, name, _) in enumerate(c.units):
        lefts = [sum(line.shares.get(u, 0.0) for u, _, _ in c.units[:k]) for line in c.lines]
        widths = [line.shares.get(uid, 0.0) * 100 for line in c.lines]
        bars = ax.barh(
            ys,
            widths,
            left=[x * 100 for x in lefts],
            color=UNIT_COLOURS[k % len(UNIT_COLOURS)],
            height=0.6,
            label=_name(name, uid),
            edgecolor="white",
            linewidth=0.5,
        )
        for bar, w in zip(bars, widths, strict=True):
            if w >= 6:
                ax.text(
                    bar.get_x() + w / 2,
                    bar.get_y() + 0.3,
                    f"{w:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white",
                )
    ax.set_yticks(ys, [_name(line.name, line.indicator) for line in c.lines], fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("board.share_pct", lang))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 0.4 / len(c.lines)),
        ncols=6,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    return fig

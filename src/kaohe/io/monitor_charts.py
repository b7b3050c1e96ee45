"""Charts of a monitoring: per dispatched indicator, a line per unit against its target path.

One panel per category. A level is drawn as the share of the annual target reached (%), with
the time-proportional share as the dashed path; a growth or a rate as it is, with its target.
Every point takes its warning colour (green, amber, red; grey when there is none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kaohe.i18n import t
from kaohe.io.charts import pyplot, unit_label
from kaohe.monitoring.monitor import Monitor
from kaohe.monitoring.progress import COLOURS

CHART_UNITS = 40  # more lines than this in one panel cannot be read
#: Line colours: none of them red, amber or green, which are the warnings' colours.
LINES = (
    "#1F77B4",
    "#9467BD",
    "#8C564B",
    "#17BECF",
    "#7F7F7F",
    "#393B79",
    "#E377C2",
    "#5254A3",
    "#843C39",
    "#6B6ECF",
)
MARKERS = {"green": "#2E7D32", "amber": "#F9A825", "red": "#C62828", "none": "#9E9E9E"}


def chart_indicator(m: Monitor, s: int, path: Path, language: str | None = None) -> None:
    """Write the chart of dispatched indicator ``s`` to ``path`` (PNG)."""
    plt = pyplot()
    plan = m.plan
    cal = plan.calendar
    level = plan.compared_of(s) == "level"
    y, target_path = _lines(m, s, level)
    due = np.asarray(m.due()[s])  # [U, P]
    n_cat = len(plan.categories)
    fig, axes = plt.subplots(
        1, n_cat, figsize=(max(5.0, 4.2 * n_cat), 4.2), dpi=110, sharey=True, squeeze=False
    )
    x = np.arange(len(cal))
    for c, ax in enumerate(axes[0]):
        members = np.flatnonzero(plan.cat_index == c)[:CHART_UNITS]
        _paths(ax, x, target_path[members], due[members], language)
        for k, u in enumerate(members):
            keep = due[u] & np.isfinite(y[u])
            if not keep.any():
                continue
            (line,) = ax.plot(x[keep], y[u][keep], "-", linewidth=1.3, color=LINES[k % len(LINES)])
            codes = np.asarray(m.colour[s, u])[keep]
            ax.scatter(
                x[keep],
                y[u][keep],
                s=22,
                zorder=3,
                c=[MARKERS[COLOURS[int(code)]] for code in codes],
                edgecolors=line.get_color(),
                linewidths=0.8,
            )
            last = np.flatnonzero(keep)[-1]
            unit = plan.scheme.units[plan.units[u]]
            ax.annotate(
                unit_label(unit.name, plan.units[u]),
                (x[last], y[u][last]),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=line.get_color(),
            )
        ax.set_title(plan.scheme.categories[plan.categories[c]].name, fontsize=10)
        ax.set_xticks(x, [cal.label(p, language) for p in range(len(cal))], fontsize=7)
        ax.set_xlim(-0.5, len(cal) - 0.2)
        ax.grid(alpha=0.3)
    ylabel = t("monitor.chart_share", language) if level else _unit(m, s, language)
    axes[0][0].set_ylabel(ylabel)
    fig.suptitle(t("monitor.chart_title", language, name=plan.name(s)), fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _lines(m: Monitor, s: int, level: bool) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """[U, P] the plotted values and their target path."""
    if level:
        return 100.0 * np.asarray(m.share[s]), 100.0 * np.asarray(m.expected_share[s])
    return np.asarray(m.compared[s]), np.asarray(m.expected[s])


def _paths(
    ax: Any,
    x: NDArray[np.int64],
    paths: NDArray[np.float64],
    due: NDArray[np.bool_],
    language: str | None,
) -> None:
    """Each distinct target path of the panel once, dashed."""
    seen: set[tuple[float, ...]] = set()
    for path, mask in zip(paths, due, strict=True):
        keep = mask & np.isfinite(path)
        key = tuple(np.round(path[keep], 6).tolist())
        if not keep.any() or key in seen:
            continue
        first = not seen
        seen.add(key)
        ax.plot(
            x[keep],
            path[keep],
            "--",
            color="#424242",
            linewidth=1.0,
            label=t("monitor.chart_path", language) if first else None,
        )
    if seen:
        ax.legend(loc="upper left", fontsize=7, frameon=False)


def _unit(m: Monitor, s: int, language: str | None) -> str:
    plan = m.plan
    if plan.compared_of(s) == "growth":
        return t("monitor.growth", language)
    return plan.unit_of_measure(s) or plan.name(s)

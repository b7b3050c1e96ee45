"""The report's progress sections from the year's monitoring (调度与预警).

When the year is monitored (:mod:`kaohe.monitoring`), the report shows where each unit stood at
the monitoring's period: the city's section counts the warnings of each dispatched indicator
(red, amber, green, not known) and charts the share of units on pace; each unit's page lists its
dispatched indicators with the level to date, the annual target, the share of it reached, the
time-proportional share expected by then, the warning and its reason in words — the monitoring's
own records (:meth:`~kaohe.monitoring.monitor.Monitor.warnings`), written, not recomputed.

Pure: a report and a monitor in, the same report with its progress sections out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING

from kaohe.charts import style
from kaohe.charts.spec import Bar, BarChart, LegendEntry, Mark
from kaohe.i18n import language, t
from kaohe.report.content import ProgressSection, Report

if TYPE_CHECKING:
    from kaohe.monitoring.monitor import Monitor
    from kaohe.monitoring.records import EarlyWarning

#: The warning colours as drawn (dark hues, readable on white), and their order in tables.
COLOURS = {"green": style.TARGET, "amber": "#9a6700", "red": style.BEST, "none": style.MEDIAN}
ORDER = ("red", "amber", "green", "none")


def with_progress(report: Report, m: Monitor) -> Report:
    """``report`` with the progress of the monitoring ``m`` at its period: a section for the
    whole, one on each unit's page (units the monitoring does not know keep none)."""
    with language(report.lang):
        warnings = m.warnings(m.current)
        period = m.plan.calendar.label(m.current, report.lang)
        by_unit: dict[str, list[EarlyWarning]] = defaultdict(list)
        for w in warnings:
            by_unit[w.unit].append(w)
        units = tuple(
            replace(u, progress=(unit_section(m, by_unit[u.unit], period),))
            if by_unit.get(u.unit)
            else u
            for u in report.units
        )
        return replace(report, progress=(city_section(m, warnings, period),), units=units)


def _colour_name(colour: str) -> str:
    return t(f"monitor.{colour}")


def city_section(m: Monitor, warnings: list[EarlyWarning], period: str) -> ProgressSection:
    """Per dispatched indicator: how many units are red, amber, green, not known."""
    counts: dict[str, dict[str, int]] = {}
    for w in warnings:
        counts.setdefault(w.series, dict.fromkeys(ORDER, 0))[w.colour] += 1
    rows, bars = [], []
    for s, sid in enumerate(m.plan.series):
        if sid not in counts:
            continue
        c = counts[sid]
        n = sum(c.values())
        on_pace = c["green"] / n if n else 0.0
        rows.append(
            (m.plan.name(s), *(str(c[k]) for k in ORDER), style.percent(on_pace)),
        )
        bars.append(Bar(m.plan.name(s), on_pace, style.TARGET, style.percent(on_pace)))
    chart = BarChart(
        t("report.progress.city_chart", period=period),
        t("report.progress.on_pace_axis"),
        tuple(bars),
        1.0,
        (LegendEntry(_colour_name("green"), style.TARGET),),
    )
    columns = (
        t("indicator"),
        *(_colour_name(k) for k in ORDER),
        t("report.progress.on_pace"),
    )
    return ProgressSection(
        t("report.progress.city", period=period), chart if bars else None, columns, tuple(rows)
    )


def unit_section(m: Monitor, warnings: list[EarlyWarning], period: str) -> ProgressSection:
    """A unit's dispatched indicators at the period, with their warnings and reasons."""
    plan = m.plan
    rows, bars = [], []
    for w in warnings:
        s = plan.series_index(w.series)
        name = plan.name(s)
        rows.append(
            (
                name,
                style.number(w.level),
                style.number(w.target),
                style.percent(w.share),
                style.percent(w.expected_share),
                _colour_name(w.colour),
                str(w.reason),
            )
        )
        if w.share is not None and w.expected_share is not None:
            marks = (Mark(w.expected_share, style.INK, "tick"),)
            bars.append(Bar(name, w.share, COLOURS[w.colour], style.percent(w.share), marks))
    chart = None
    if bars:
        top = max(1.0, *(b.value for b in bars), *(k.value for b in bars for k in b.marks))
        chart = BarChart(
            t("report.progress.unit_chart", period=period),
            t("report.progress.share_axis"),
            tuple(bars),
            min(top, 2.0),
            (
                *(LegendEntry(_colour_name(k), COLOURS[k]) for k in ORDER[:3]),
                LegendEntry(t("report.progress.expected"), style.INK, "tick"),
            ),
        )
    columns = (
        t("indicator"),
        t("report.progress.level"),
        t("report.progress.target"),
        t("report.progress.share"),
        t("report.progress.expected"),
        t("monitor.colour"),
        t("report.why"),
    )
    return ProgressSection(t("report.progress.unit", period=period), chart, columns, tuple(rows))

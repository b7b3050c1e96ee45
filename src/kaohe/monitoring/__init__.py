"""Monitoring (调度与预警): the year between two verdicts.

A scheme's optional ``monitoring:`` section (:mod:`kaohe.monitoring.declaration`) declares the
monitoring periods of a cycle (months, quarters or named dates), which indicators are dispatched
in each and the kind of their values, seasonal profiles, warning thresholds and the checks of the
data. The pure core turns it and the values per (unit, indicator, period) into arrays:

    compile_monitor(scheme)            → MonitorPlan        (kaohe.monitoring.plan)
    Series (values, and last year's)   → levels, flows       (kaohe.monitoring.series)
    monitor(plan, series, previous)    → Monitor            (kaohe.monitoring.monitor)
        year-on-year growth, share of the annual target, the time-proportional target,
        the warning colour of every unit × indicator × period, the data warnings
    Monitor.warnings(), .data_warnings() → frozen records with reasons (kaohe.monitoring.records)
    assess_provisional(monitor)         → Provisional        (kaohe.monitoring.provisional)
        the year-to-date values against time-proportional targets through the engine

No files, databases or settings here: the readers and writers are in :mod:`kaohe.io`. Nothing is
imported at package level, so that :mod:`kaohe.scheme` can import the declaration.
"""

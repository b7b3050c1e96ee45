"""Promotion: the pool of excellent cadres, and how many promotions went to excellent cadres.

*Pool* (``promotion_pool``): people of ``kind`` with a row in the year (their current unit),
graded excellent in at least ``min_excellent`` of the ``window`` years ending in the year; with
``min_years_at_level``, the row's ``years_at_level`` must be at least that (the column is then
required); when the history has a ``status`` column, a row whose status is in
``excluded_statuses`` (e.g. under investigation, in a disciplinary influence period) keeps the
person out.

*Statistics* (``promotion_statistics``): of the promotions recorded in the year, how many went to
people of ``kind`` graded excellent in one of the ``lookback`` years before it (and in the year
itself with ``include_current``), as a count and a share of all promotions in the year — for the
whole table, and per unit of the promotion with ``by_unit``. With ``list_people`` each such
promotion is listed too. Someone promoted twice in the year counts twice.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kaohe.errors import DataError, Issue
from kaohe.rulebook.decisions import Decision, Link
from kaohe.rulebook.inputs import Prepared, Promotions
from kaohe.rulebook.model import PromotionPool, PromotionStatistics
from kaohe.rulebook.text import Sentence, pct


def pool(rid: str, rule: PromotionPool, inputs: Prepared) -> list[Decision]:
    history, year = inputs.need_history(rid)
    h = history.of_kind(rule.kind)
    if rule.min_years_at_level is not None and h.years_at_level is None:
        raise DataError(
            Issue(
                f"rule {rid!r} has min_years_at_level: the history needs a years_at_level column",
                sheet="history",
                column="years_at_level",
            )
        )
    first = year - rule.window + 1
    exc = h.graded(rule.excellent) & (h.year >= first) & (h.year <= year)
    count = np.bincount(h.code[exc], minlength=int(h.code.max(initial=-1)) + 1)
    now = h.year == year
    ok = now & (count[h.code] >= rule.min_excellent)
    if rule.min_years_at_level is not None and h.years_at_level is not None:
        ok &= h.years_at_level >= rule.min_years_at_level
    if h.status is not None and rule.excluded_statuses:
        ok &= ~np.isin(h.status, rule.excluded_statuses)
    rows = np.flatnonzero(ok)
    exc_rows = np.flatnonzero(exc)
    exc_codes = h.code[exc_rows]  # sorted, as the history is sorted by person
    starts = np.searchsorted(exc_codes, h.code[rows], side="left")
    ends = np.searchsorted(exc_codes, h.code[rows], side="right")
    years = h.year.tolist()
    grades, units = h.grade.tolist(), h.unit.tolist()
    level_of = h.years_at_level.tolist() if h.years_at_level is not None else None
    status_of = h.status[rows].tolist() if h.status is not None else None
    out = []
    for k, (r, a, b) in enumerate(zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True)):
        pid, unit, name = str(h.person[r]), units[r], str(h.name[r])
        mine = exc_rows[a:b].tolist()
        links = [Link("history", pid, "grade", grades[j], years[j], units[j]) for j in mine]
        level: Sentence | str = ""
        if rule.min_years_at_level is not None and level_of is not None:
            y = float(level_of[r])
            links.append(Link("history", pid, "years_at_level", y, year, unit))
            level = Sentence("pool.level", y=int(y) if y.is_integer() else y)
        if status_of is not None:
            links.append(Link("history", pid, "status", status_of[k] or None, year, unit))
        sentence = Sentence(
            "pool",
            person=name or pid,
            unit=inputs.unit_name(unit),
            window=rule.window,
            n=len(mine),
            years=tuple(years[j] for j in mine),
            level=level,
        )
        out.append(
            Decision(rid, "person", pid, name, unit, "promotion_pool", year, tuple(links), sentence)
        )
    return out


def statistics(rid: str, rule: PromotionStatistics, inputs: Prepared) -> list[Decision]:
    history, _ = inputs.need_history(rid)
    year = inputs.need_year(rid)
    if inputs.promotions is None:
        raise DataError(Issue(f"rule {rid!r} counts promotions: give the recorded promotions"))
    pr = inputs.promotions
    sel = np.flatnonzero(pr.year == year)
    years = list(range(year - rule.lookback, year + (1 if rule.include_current else 0)))
    h = history.of_kind(rule.kind)
    exc = h.graded(rule.excellent) & np.isin(h.year, years)
    known = {p: n for p, n in zip(h.person.tolist(), h.name.tolist(), strict=True) if n}
    graded: dict[str, list[int]] = {}  # person → the years read in which they were excellent
    for pid, y in zip(h.person[exc].tolist(), h.year[exc].tolist(), strict=True):
        graded.setdefault(pid, []).append(int(y))
    span = tuple(years)
    people: list[Decision] = []
    hits: set[int] = set()
    for k in sel.tolist():
        pid = str(pr.person[k])
        if pid in graded:
            hits.add(k)
            if rule.list_people:
                name = str(pr.name[k]) or known.get(pid, "")
                people.append(_promoted(rid, pr, k, graded[pid], name, inputs.unit_name))
    out = [_share(rid, rule, pr, sel.tolist(), hits, span, None, year, inputs.unit_name)]
    if rule.by_unit:
        for unit in sorted(set(pr.unit[sel].tolist())):
            mine = sel[pr.unit[sel] == unit].tolist()
            out.append(_share(rid, rule, pr, mine, hits, span, str(unit), year, inputs.unit_name))
    return out + people


def _promoted(
    rid: str,
    pr: Promotions,
    k: int,
    graded: list[int],
    name: str,
    named: Callable[[str], str],
) -> Decision:
    """One promotion of someone graded excellent; ``name`` from the promotions, else from
    the history; ``named`` names a unit."""
    pid, unit, year = str(pr.person[k]), str(pr.unit[k]), int(pr.year[k])
    links = (
        Link("promotions", pid, "position", str(pr.position[k]) or None, year, unit),
        *(Link("history", pid, "excellent", 1, y) for y in graded),
    )
    sentence = Sentence(
        "stats.person",
        person=name or pid,
        unit=named(unit),
        year=year,
        position=str(pr.position[k]),
        years=tuple(graded),
    )
    return Decision(
        rid, "person", pid, str(pr.name[k]), unit, "promoted_excellent", year, links, sentence
    )


def _share(
    rid: str,
    rule: PromotionStatistics,
    pr: Promotions,
    rows: list[int],
    hits: set[int],
    span: tuple[int, ...],
    unit: str | None,
    year: int,
    named: Callable[[str], str],
) -> Decision:
    """The share of promotions (``rows``) that went to excellent people (``hits``);
    ``named`` names a unit."""
    n = sum(1 for k in rows if k in hits)
    share = n / len(rows) if rows else 0.0
    links = tuple(
        Link("promotions", str(pr.person[k]), "excellent", int(k in hits), year, str(pr.unit[k]))
        for k in rows
    )
    scope = Sentence("stats.all") if unit is None else Sentence("stats.unit", unit=named(unit))
    sentence = Sentence(
        "stats",
        scope=scope,
        year=year,
        total=len(rows),
        years=span,
        n=n,
        pct=pct(share, rule.percent_decimals),
    )
    return Decision(
        rid,
        "all" if unit is None else "unit",
        "*" if unit is None else unit,
        "",
        unit,
        "promotion_share",
        share,
        links,
        sentence,
    )

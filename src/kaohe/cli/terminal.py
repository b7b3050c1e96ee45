"""Readable terminal output (rich): ranks per category, one unit's explanation, problems."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kaohe.errors import Issue
from kaohe.explanation import UnitExplanation, decision_summary
from kaohe.i18n import said, t
from kaohe.panel import Panel
from kaohe.results import Results
from kaohe.rules.base import fmt


def _num(x: float | None, decimals: int) -> str:
    return "—" if x is None else f"{x:.{decimals}f}"


def print_ranking(console: Console, results: Results, language: str | None = None) -> None:
    """One table per category, units in rank order, with subtotals of the top dimensions."""
    s = results.scheme
    top_dims = [d for d, dim in s.dimensions.items() if dim.parent is None]
    longest = max((cell_len(u.name) for u in s.units.values()), default=4)
    fixed = 12 + max(longest, 8) + 10 + 10 + 8 + 8  # rank, name, score, overall rank, grade
    wide = fixed + sum(max(cell_len(s.dimensions[d].name), 7) + 3 for d in top_dims)
    if wide > console.width:  # subtotals do not fit: keep the names and scores readable
        top_dims = []
    rows = results.rows()
    dec = s.decimals
    for cid, cat in s.categories.items():
        table = Table(title=f"{cat.name}（{cid}）", title_justify="left", header_style="bold")
        # names and numbers are never cut: names wrap, numbers keep their width
        table.add_column(t("rank_in_category", language), justify="right", no_wrap=True)
        table.add_column(t("unit", language), overflow="fold", min_width=6)
        table.add_column(t("score", language), justify="right", no_wrap=True, min_width=6)
        for d in top_dims:
            table.add_column(s.dimensions[d].name, justify="right", no_wrap=True, min_width=5)
        table.add_column(t("rank", language), justify="right", no_wrap=True)
        if s.grading is not None:
            table.add_column(t("grade", language), no_wrap=True, min_width=4)
        mine = sorted(
            (r for r in rows if r["category"] == cid),
            key=lambda r: (r["rank_in_category"], r["unit"]),
        )
        for r in mine:
            name = Text(r["name"])
            if r["vetoed"]:
                name.append(" ✗", style="red")
            cells: list[str | Text] = [str(r["rank_in_category"]), name, _num(r["score"], dec)]
            cells += [_num(r[d], dec) for d in top_dims]
            cells.append(str(r["rank"]))
            if s.grading is not None:
                cells.append(r["grade_name"] or "")
            table.add_row(*cells)
        console.print(table)


def print_trends(console: Console, panel: Panel, language: str | None = None) -> None:
    """One table: each unit's score and overall rank by year, the change and the CAGR."""
    dec = panel.latest.scheme.decimals
    table = Table(title=t("trend_title", language), title_justify="left", header_style="bold")
    table.add_column(t("unit", language), overflow="fold", min_width=6)
    for y in panel.years:
        table.add_column(f"{y}", justify="right", no_wrap=True)
    table.add_column(t("trend_col_change", language), justify="right", no_wrap=True)
    table.add_column(t("trend_col_rank_change", language), justify="right", no_wrap=True)
    table.add_column(t("trend_col_cagr", language), justify="right", no_wrap=True)
    last = panel.years[-1]
    for r in sorted(panel.trends(), key=lambda r: (r[f"rank_{last}"], r["unit"])):
        cells = [r["name"]]
        for y in panel.years:
            score, rank = r[f"score_{y}"], r[f"rank_{y}"]
            cells.append("—" if score is None else f"{_num(score, dec)} ({rank})")
        cells.append("—" if r["change"] is None else f"{r['change']:+.{dec}f}")
        cells.append(
            "—"
            if r["rank_change"] is None
            else f"{r['rank_change']:+d}"
            if r["rank_change"]
            else "0"
        )
        cells.append("—" if r["cagr"] is None else f"{100 * r['cagr']:+.{dec}f}%")
        table.add_row(*cells)
    console.print(table)


def print_explanation(
    console: Console, results: Results, e: UnitExplanation, language: str | None = None
) -> None:
    dec = results.scheme.decimals
    head = (
        f"[bold]{e.name}[/] ({e.unit}) · {e.category_name} · "
        f"{t('score', language)} {_num(e.score, dec)} / {fmt(e.full_marks)}"
        f"{t('void', language) if e.void else ''} · "
        f"{t('rank_in_category', language)} {e.rank_in_category} · "
        f"{t('rank', language)} {e.rank}"
    )
    if e.grade_name:
        head += f" · {t('grade', language)} [bold]{e.grade_name}[/]"
    console.print(head)
    table = Table(header_style="bold", show_lines=False)
    for key in ("indicator", "value", "target", "points", "arithmetic"):
        table.add_column(
            t(key, language),
            overflow="fold",
            justify="right" if key in ("value", "target", "points") else "left",
        )
    for ind in e.indicators:
        value = (
            fmt(ind.value)
            if ind.value is not None
            else (", ".join(f"{k}×{fmt(v)}" for k, v in ind.items.items()) if ind.items else "—")
        )
        pts = "—" if ind.points is None else f"{ind.points:.{dec}f}"
        full = f" / {fmt(ind.full)}" if ind.full else ""
        name = " › ".join([*ind.path, ind.name])
        flags = f" [{', '.join(t('flag.' + f, language) for f in ind.flags)}]" if ind.flags else ""
        note = f"  ({t('note', language)}: {ind.note})" if ind.note else ""
        table.add_row(
            name,
            value,
            "—" if ind.target is None else fmt(ind.target),
            pts + full,
            ind.arithmetic + flags + note,
        )
    console.print(table)
    dims = Table(header_style="bold")
    dims.add_column(t("dimension", language))
    dims.add_column(t("subtotal", language), justify="right")
    dims.add_column(t("full_marks", language), justify="right")
    dims.add_column("")
    for d in e.dimensions:
        marks: list[str] = []
        if d.renormalised_by:
            marks.append(t("renormalised", language, v=fmt(d.renormalised_by)))
        if d.capped:
            marks.append(t("flag.capped", language))
        if d.floored:
            marks.append(t("flag.floored", language))
        dims.add_row(d.name, _num(d.value, dec), fmt(d.full), ", ".join(marks))
    console.print(dims)
    if e.grade_decision is not None and results.decisions is not None:
        i = results.unit_index(e.unit)
        console.print(
            f"[bold]{t('grade_decision', language)}[/]: "
            f"{decision_summary(results, results.decisions[i])}"
        )


#: Problems listed one by one; past these, the rest are counted by kind.
SHOWN_ISSUES = 50
#: Kinds of the rest listed with their counts; past these, one line for all others.
SHOWN_KINDS = 20
_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


def print_derivations(console: Console, e: UnitExplanation, limit: int = 10) -> None:
    """For each value derived from a ledger: what was counted, the arithmetic, and the records
    (at most ``limit`` of each group; ``--json`` gives them all)."""
    from kaohe.ledgers.words import word

    derived = [ind for ind in e.indicators if ind.derivation]
    if not derived:
        return
    console.print(f"[bold]{word('rep.records')}[/]")
    for ind in derived:
        d = ind.derivation
        assert d is not None
        console.print(Text(f"{ind.name}: {d['rule']} — {d['arithmetic']} ({d['source']})"))
        for g in d["groups"]:
            shown = [
                word("note.reason", note=f"{r['id']} {r['name']}", reason=r["note"])
                for r in g["records"][:limit]
            ]
            if g["count"] > limit:
                shown.append(word("rep.more", n=g["count"] - limit))
            body = word("sep").join(shown) if shown else "—"
            console.print(Text(f"  {g['label']} {g['count']}: {body}"))


def print_issues(
    console: Console,
    issues: Sequence[Issue],
    key: str,
    language: str | None = None,
    style: str = "red",
) -> None:
    """The first :data:`SHOWN_ISSUES` problems, located; then how many more of each kind (a
    huge bad file lists a screen, not 700,000 lines)."""
    console.print(f"[{style}]{t(key, language, n=f'{len(issues):,}')}[/]")
    for issue in issues[:SHOWN_ISSUES]:
        console.print(Text(f"  {issue.text(language)}"))
    rest = issues[SHOWN_ISSUES:]
    if not rest:
        return
    console.print(Text(t("issues_more", language, n=f"{len(rest):,}")))
    kinds = Counter(issue_kind(i, language) for i in rest).most_common()
    for kind, n in kinds[:SHOWN_KINDS]:
        console.print(Text(f"    {n:>9,} × {kind}"))
    others = kinds[SHOWN_KINDS:]
    if others:
        n = sum(c for _, c in others)
        console.print(Text(t("issues_other_kinds", language, k=f"{len(others):,}", n=f"{n:,}")))


def issue_kind(issue: Issue, language: str | None = None) -> str:
    """What a problem says (in ``language``; default: the language in force), without what
    varies from cell to cell (quoted text, numbers)."""
    return _VARYING.sub("…", said(issue.message, language))


def print_robustness(console: Console, rr: Any, language: str | None = None) -> None:
    """Per unit: nominal rank, median and 5–95% interval, top-k and top-grade probabilities."""
    from kaohe.io.robustness_files import rank_rows

    res = rr.nominal
    table = Table(title=t("robustness_table", language), title_justify="left", header_style="bold")
    table.add_column(t("rank", language), justify="right", no_wrap=True)
    table.add_column(t("unit", language), overflow="fold")
    table.add_column(t("median", language), justify="right", no_wrap=True)
    table.add_column(t("interval", language), justify="right", no_wrap=True)
    for k in rr.spec.top:
        table.add_column(t("p_top", language, k=k), justify="right", no_wrap=True)
    grades = res.scheme.grading.grades if res.scheme.grading else []
    if grades:
        table.add_column(f"P({grades[0].name})", justify="right", no_wrap=True)
    for row in rank_rows(rr):
        cells = [
            str(row["nominal_rank"]),
            row["name"],
            str(row["median_rank"]),
            f"{row['rank_p05']}–{row['rank_p95']}",
        ]
        cells += [f"{row[f'p_top{k}']:.0%}" for k in rr.spec.top]
        if grades:
            cells.append(f"{row[f'p_{grades[0].id}']:.0%}")
        table.add_row(*cells)
    console.print(table)
    console.print(t("mean_shift", language, v=f"{rr.mean_abs_shift:.2f}"))


def print_gaps(
    console: Console, results: Results, gaps: Sequence[Any], language: str | None = None
) -> None:
    """晒差距: what each indicator would take to move the unit up."""
    table = Table(title=t("gaps_title", language), title_justify="left", header_style="bold")
    table.add_column(t("indicator", language), overflow="fold")
    table.add_column(t("value", language), justify="right", no_wrap=True)
    table.add_column(t("gap_place", language), justify="right")
    table.add_column(t("gap_grade", language), justify="right")
    notes = {"unreachable": t("gap_unreachable", language)}

    def cell(value: float | None, change: float | None, note: str) -> str:
        if value is None:
            return notes.get(note, "—")
        return f"{fmt(value)} ({'+' if (change or 0) >= 0 else '−'}{fmt(abs(change or 0))})"

    for g in gaps:
        table.add_row(
            g.name,
            "—" if g.value is None else fmt(g.value),
            cell(g.place_value, g.place_change, g.place_note),
            cell(g.grade_value, g.grade_change, g.grade_note),
        )
    console.print(table)


def print_monitor(
    console: Console, m: Any, prov: Any | None, language: str | None = None, red: int = 20
) -> None:
    """The current period of a monitoring: colours per dispatched indicator, the red warnings
    (at most ``red`` of them), and the provisional ranking."""
    from kaohe.monitoring.progress import COLOURS

    plan = m.plan
    label = plan.calendar.label(m.current, language)
    table = Table(
        title=t("monitor.summary_title", language, period=label, as_of=m.as_of.isoformat()),
        title_justify="left",
        header_style="bold",
    )
    table.add_column(t("monitor.indicator", language), overflow="fold")
    styles = {"green": "green", "amber": "yellow", "red": "red", "none": "dim"}
    for colour in reversed(COLOURS):
        table.add_column(t(f"monitor.{colour}", language), justify="right", style=styles[colour])
    due = m.due()[:, :, m.current]
    for s in range(len(plan.series)):
        if not due[s].any():
            continue
        codes = m.colour[s, :, m.current][due[s]]
        counts = [str(int((codes == k).sum())) for k in reversed(range(len(COLOURS)))]
        table.add_row(plan.name(s), *counts)
    console.print(table)
    reds = [w for w in m.warnings(m.current) if w.colour == "red"]
    if reds:
        console.print(Text(t("monitor.red_list", language, period=label), style="bold red"))
        for w in reds[:red]:
            name = plan.scheme.units[w.unit].name
            indicator = plan.name(plan.series_index(w.series))
            line = t("monitor.red_item", language, unit=name, indicator=indicator, reason=w.reason)
            console.print(Text(f"  {line}"))
        if len(reds) > red:
            console.print(Text(f"  … {len(reds) - red}"))
    if prov is not None:
        console.print(
            Text(t("monitor.provisional_title", language, period=label), style="bold magenta")
        )
        print_ranking(console, prov.results, language)

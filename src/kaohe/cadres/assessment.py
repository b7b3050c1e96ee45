"""The year's assessment of people in one call: designs and inputs in, annual grades and the
rulebook's decisions out — what ``kaohe cadres grade`` computes from files and what the platform
computes from its store (it keeps the output; nothing here reads a file or a database).

:func:`assess_cadres` runs, in order:

1. the excellent share of each unit from the rulebook's first ``excellent_share_tilt`` rule on
   the unit results (none: the grading design's share holds);
2. the components of every subject: ``appraisal`` from the ballots, ``checks`` from the regular
   checks (after the design's cap on the top check grade), ``unit`` from the unit's own result
   (its score as a percentage of full marks), ``arena`` from the arena contest (when its marks
   are given; else, like any other component, from the scores tables), and any other component
   from the given scores tables — only those the grade set lists;
3. cadre and team annual grades (:mod:`kaohe.cadres.annual`), with the design's gates, the
   checks gate and the caps given by the caller;
4. the grade history the rulebook reads: the earlier rows given, those of this year for the kinds
   graded replaced by this year's grades (years at the level carried on from each person's latest
   earlier row), names and statuses from the roster where the history does not give them;
5. the whole rulebook on the results, the previous results, that history and the promotions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kaohe.cadres.annual import AnnualGrades, component_frame, grade_cadres, grade_teams
from kaohe.cadres.appraisal import AppraisalResult, Ballots, appraise
from kaohe.cadres.arena import ArenaResult, run_arena
from kaohe.cadres.checks import CheckCap, cap_checks, checks_summary
from kaohe.cadres.design import AppraisalDesign, ArenaDesign, ChecksDesign, GradingDesign
from kaohe.cadres.frames import (
    Problems,
    Source,
    blank,
    number_column,
    require_columns,
    required_text,
)
from kaohe.cadres.people import People
from kaohe.errors import DataError, Issue
from kaohe.rulebook.decisions import Decisions
from kaohe.rulebook.evaluate import evaluate
from kaohe.rulebook.inputs import HISTORY_COLUMNS, RulebookInputs, history_table, unit_table
from kaohe.rulebook.model import ExcellentShareTilt, Rulebook
from kaohe.rulebook.tilt import excellent_shares

#: The components computed here from the other inputs; a scores table may not give them
#: (``arena`` only when the arena marks are given: else a scores table may, as on the platform,
#: whose arena contest is ranked apart from the grades).
COMPUTED_COMPONENTS = ("appraisal", "checks", "unit", "arena")
#: The components computed whatever is given (the platform fills these itself).
OWN_COMPONENTS = ("appraisal", "checks", "unit")
#: The kinds of subject, each with its id column (``cadre_id``, ``team_id``).
KINDS = ("cadre", "team")
#: A cadre's status as the rulebook's promotion pool names it (``excluded_statuses``).
RULEBOOK_STATUS = {"investigation": "under_investigation", "discipline": "disciplinary"}


@dataclass(frozen=True)
class CadreDesigns:
    """The designs of the year: the grading design, and those of the inputs used."""

    grading: GradingDesign
    appraisal: AppraisalDesign | None = None
    checks: ChecksDesign | None = None
    arena: ArenaDesign | None = None
    rulebook: Rulebook | None = None


@dataclass(frozen=True)
class CadreInputs:
    """What the year's grades and decisions read, each already checked at the edge.

    ``people``: the roster. ``results``: the cycle's unit results (a results table: indexed by,
    or with a column, ``unit``; ``score`` and ``full_marks`` for the ``unit`` component).
    ``ballots``: :func:`~kaohe.cadres.appraisal.build_ballots`. ``checks``:
    :func:`~kaohe.cadres.checks.build_checks`. ``marks``: :func:`~kaohe.cadres.arena.build_marks`.
    ``scores``: kind (``cadre``/``team``) → a table indexed by subject id, one column per other
    component (:func:`build_scores`). ``caps``: kind → subject id → (grade id or the pending id,
    reason), conditions decided elsewhere. ``previous``, ``history``, ``promotions``,
    ``headcount``: as the rulebook reads them (:class:`~kaohe.rulebook.RulebookInputs`); the
    history holds the earlier years (a row of this year is replaced by the grade computed).
    """

    people: People
    results: pd.DataFrame | None = None
    ballots: Ballots | None = None
    checks: pd.DataFrame | None = None
    marks: pd.DataFrame | None = None
    scores: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    caps: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)
    previous: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    promotions: pd.DataFrame | None = None
    headcount: Mapping[str, int] | None = None


@dataclass(frozen=True)
class CadreAssessment:
    """The year's output: what the platform stores and ``kaohe cadres grade`` writes.

    ``top_shares``: unit → excellent share from the rulebook's tilt (None: the design's).
    ``cadres``/``teams``: the annual grades (None when the design has no such section or nobody
    is on the roster). ``history``: the grade history the rulebook read (the earlier rows and this
    year's grades). ``decisions``: the rulebook's (None without a rulebook, or when not asked).
    """

    year: int
    top_shares: Mapping[str, float] | None
    appraisal: AppraisalResult | None
    checks: CheckCap | None
    checks_summary: pd.DataFrame | None
    arena: ArenaResult | None
    cadres: AnnualGrades | None
    teams: AnnualGrades | None
    history: pd.DataFrame
    decisions: Decisions | None

    @property
    def graded(self) -> tuple[AnnualGrades, ...]:
        return tuple(g for g in (self.cadres, self.teams) if g is not None)


def assess_cadres(
    designs: CadreDesigns, inputs: CadreInputs, *, decide: bool = True
) -> CadreAssessment:
    """The year's annual grades of cadres and teams and the rulebook's decisions (see the
    module). ``decide=False``: grades only, no rulebook decisions (the tilt is still read).

    Raises :class:`~kaohe.errors.DataError` for inputs that do not fit together (a design
    missing for inputs given, the unit results missing where they are read, scores of a
    computed component, nobody to grade) and for the problems the cores find in them.
    """
    _check_fit(designs, inputs, decide)
    g = designs.grading
    people = inputs.people
    shares = unit_top_shares(designs.rulebook, inputs.results)
    appraisal = None
    if inputs.ballots is not None and designs.appraisal is not None:
        subjects = [*people.cadres["cadre_id"], *people.teams["team_id"]]
        appraisal = appraise(inputs.ballots, designs.appraisal, subjects)
    arena = None
    if inputs.marks is not None and designs.arena is not None:
        arena = run_arena(inputs.marks, designs.arena)
    computed: dict[str, pd.Series] = {}
    if appraisal is not None:
        computed["appraisal"] = appraisal.scores()
    if arena is not None:
        computed["arena"] = arena.scores()
    unit = unit_percent(inputs.results) if inputs.results is not None else None
    cadres = teams = None
    capped = summary = None
    if g.cadre is not None and len(people.cadres):
        if designs.checks is not None:
            capped = cap_checks(_checks_or_none(inputs.checks), designs.checks)
            summary = checks_summary(capped.checks, designs.checks, g.year)
        comps = _components(
            people.cadres["cadre_id"],
            people.cadres["unit"],
            {**computed, **({"checks": summary["points"]} if summary is not None else {})},
            unit,
            inputs.scores.get("cadre"),
            list(g.cadre.components),
        )
        cadres = grade_cadres(
            people,
            comps,
            g,
            top_shares=shares,
            checks=summary,
            checks_design=designs.checks,
            caps=inputs.caps.get("cadre"),
        )
    if g.team is not None and len(people.teams):
        comps = _components(
            people.teams["team_id"],
            people.teams["unit"],
            computed,
            unit,
            inputs.scores.get("team"),
            list(g.team.components),
        )
        teams = grade_teams(people, comps, g, caps=inputs.caps.get("team"))
    graded = [x for x in (cadres, teams) if x is not None]
    if not graded:
        raise DataError(Issue("nobody to grade: no cadre or team of a kind the design grades"))
    history = year_history(graded, people, inputs.history, g.year)
    decisions = None
    if decide and designs.rulebook is not None:
        decisions = evaluate(
            designs.rulebook,
            RulebookInputs(
                results=inputs.results,
                previous=inputs.previous,
                history=history,
                promotions=inputs.promotions,
                year=g.year,
                headcount=inputs.headcount,
            ),
        )
    return CadreAssessment(
        g.year, shares, appraisal, capped, summary, arena, cadres, teams, history, decisions
    )


def _check_fit(designs: CadreDesigns, inputs: CadreInputs, decide: bool) -> None:
    """The inputs given have their designs; what is read is given."""
    issues: list[Issue] = []
    for what, given, design in (
        ("ballots", inputs.ballots, designs.appraisal),
        ("regular checks", inputs.checks, designs.checks),
        ("arena marks", inputs.marks, designs.arena),
    ):
        if given is not None and design is None:
            issues.append(Issue(f"{what} are given without their design"))
    wanted = set()
    for gs in (designs.grading.cadre, designs.grading.team):
        wanted |= set(gs.components) if gs is not None else set()
    if inputs.results is None:
        if "unit" in wanted:
            issues.append(Issue("the grading design's component 'unit' reads the unit results"))
        if designs.rulebook is not None:
            issues.append(Issue("the rulebook reads the unit results"))
    computed = COMPUTED_COMPONENTS if inputs.marks is not None else OWN_COMPONENTS
    for kind, frame in inputs.scores.items():
        if kind not in KINDS:
            issues.append(Issue(f"scores of unknown kind {kind!r}; known: cadre, team"))
            continue
        own = [str(c) for c in frame.columns if c in computed]
        if own:
            issues.append(
                Issue(f"{kind} scores give {', '.join(own)}, which are computed from the inputs")
            )
    issues += [
        Issue(f"caps of unknown kind {kind!r}; known: cadre, team")
        for kind in inputs.caps
        if kind not in KINDS
    ]
    if issues:
        raise DataError(issues)


def unit_top_shares(
    rulebook: Rulebook | None, results: pd.DataFrame | None
) -> dict[str, float] | None:
    """Unit → excellent share, from the rulebook's first ``excellent_share_tilt`` rule on the
    unit results (None: no such rule, and the grading design's share holds)."""
    if rulebook is None or results is None:
        return None
    for rule in rulebook.rules.values():
        if isinstance(rule, ExcellentShareTilt):
            return excellent_shares(rule, unit_table(results))
    return None


def unit_percent(results: pd.DataFrame) -> dict[str, float]:
    """Unit → its score as a percentage of its full marks (the ``unit`` component)."""
    frame = results.set_index("unit") if "unit" in results.columns else results
    if not len(frame):
        return {}
    missing = [c for c in ("score", "full_marks") if c not in frame.columns]
    if missing:
        raise DataError(Issue(f"the unit results have no column {', '.join(missing)}"))
    score = pd.to_numeric(frame["score"], errors="coerce")
    full = pd.to_numeric(frame["full_marks"], errors="coerce")
    return {str(k): float(v) for k, v in (score / full * 100).items()}


def _checks_or_none(checks: pd.DataFrame | None) -> pd.DataFrame:
    if checks is not None:
        return checks
    columns = ("cadre_id", "unit", "year", "quarter", "grade", "score")
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _components(
    ids: pd.Series,
    units: pd.Series,
    computed: Mapping[str, pd.Series],
    unit: Mapping[str, float] | None,
    scores: pd.DataFrame | None,
    wanted: list[str],
) -> pd.DataFrame:
    """The components table of one kind: subjects (in roster order) × the components wanted."""
    index = ids.to_numpy()
    cols: dict[str, pd.Series] = {k: v.reindex(index) for k, v in computed.items()}
    if unit is not None:
        cols["unit"] = pd.Series(units.map(unit).to_numpy(dtype=np.float64), index=index)
    if scores is not None:
        for c in scores.columns:
            cols[str(c)] = scores[c]
    picked = {k: v for k, v in cols.items() if k in wanted}
    return component_frame(**picked).reindex(index=pd.Index(index, dtype=object))


# --------------------------------------------------------------------------- the history


def year_history(
    graded: list[AnnualGrades], people: People, earlier: pd.DataFrame | None, year: int
) -> pd.DataFrame:
    """The grade history with this year's grades: the ``earlier`` rows (checked as the rulebook
    checks them, so their problems name their own rows) without those of ``year`` for the kinds
    graded, then this year's grades. Columns: :data:`HISTORY_COLUMNS`, ``years_at_level`` when
    the earlier history has it (this year's: the latest earlier value plus the years since, NaN
    without one), ``name`` and ``status`` (the rulebook's words) from the roster unless given."""
    kinds = [g.kind for g in graded]
    if earlier is None:
        earlier = pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})
    else:
        history_table(earlier)
    earlier = earlier.reset_index(drop=True)
    years = pd.to_numeric(earlier["year"], errors="coerce")
    kept = earlier[~((years == year) & earlier["kind"].isin(kinds)).to_numpy()]
    new = pd.concat([g.history() for g in graded], ignore_index=True)
    if "years_at_level" in earlier.columns:
        new["years_at_level"] = _years_at_level(earlier, years, new, year)
    names, statuses = _roster_words(people)
    for col, words in (("name", names), ("status", statuses)):
        if col not in kept.columns:
            kept = kept.assign(**{col: _lookup(kept, words)})
        new[col] = _lookup(new, words)
    out = pd.concat([kept, new], ignore_index=True)
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype(np.int64)
    out["grade"] = out["grade"].fillna("")
    return out


def _years_at_level(
    earlier: pd.DataFrame, years: pd.Series, new: pd.DataFrame, year: int
) -> list[float]:
    level = pd.to_numeric(earlier["years_at_level"], errors="coerce")
    before = pd.DataFrame(
        {
            "person": earlier["person_id"].astype(str),
            "kind": earlier["kind"].astype(str),
            "year": years,
            "level": level,
        }
    )[(years < year).to_numpy() & level.notna().to_numpy()]
    last = before.sort_values("year", kind="stable")
    last = last.drop_duplicates(["person", "kind"], keep="last")
    rows = zip(last["person"], last["kind"], last["year"], last["level"], strict=True)
    carried = {(p, k): float(lv) + (year - int(y)) for p, k, y, lv in rows}
    return [
        carried.get((str(p), str(k)), np.nan)
        for p, k in zip(new["person_id"], new["kind"], strict=True)
    ]


def _roster_words(people: People) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(kind, id) → name, and → status in the rulebook's words, for everyone on the roster."""
    c, t = people.cadres, people.teams
    names = {("cadre", str(k)): str(v) for k, v in zip(c["cadre_id"], c["name"], strict=True)}
    names |= {("team", str(k)): str(v) for k, v in zip(t["team_id"], t["name"], strict=True)}
    statuses = {
        ("cadre", str(k)): RULEBOOK_STATUS.get(str(s), str(s))
        for k, s in zip(c["cadre_id"], c["status"], strict=True)
    }
    return names, statuses


def _lookup(frame: pd.DataFrame, words: Mapping[tuple[str, str], str]) -> list[str]:
    return [
        words.get((str(k), str(p)), "")
        for k, p in zip(frame["kind"], frame["person_id"], strict=True)
    ]


# --------------------------------------------------------------------------- other scores


def build_scores(
    frame: pd.DataFrame,
    design: GradingDesign,
    people: People,
    source: Source | None = None,
    computed: Collection[str] = COMPUTED_COMPONENTS,
) -> tuple[str, pd.DataFrame]:
    """Check a table of other components (e.g. the office's assessment): a column ``cadre_id``
    or ``team_id``, then one column per component id of the grading design that is not
    ``computed`` (:data:`COMPUTED_COMPONENTS`; the platform, which grades without the arena
    marks, gives :data:`OWN_COMPONENTS`). Returns (kind, the numbers indexed by subject id, blank as
    NaN); raises :class:`~kaohe.errors.DataError` listing every bad cell."""
    p = Problems(frame, source or Source())
    kind = "team" if "team_id" in frame.columns else "cadre"
    gs = design.team if kind == "team" else design.cadre
    id_col = f"{kind}_id"
    if gs is None:
        p.table(f"the grading design has no {kind} section", column=id_col)
        p.raise_if_any()
    assert gs is not None
    comps = [c for c in gs.components if c not in computed]
    given = [c for c in frame.columns if c in comps]
    require_columns(p, (id_col,), (id_col, *comps))
    if not given:
        p.table(f"no component column; expected one of {', '.join(comps) or '(none)'}")
    p.raise_if_any()
    ids = required_text(p, id_col)
    roster = people.cadres["cadre_id"] if kind == "cadre" else people.teams["team_id"]
    known = set(roster.astype(str))
    p.cells(~blank(ids) & ~ids.isin(known).to_numpy(), id_col, lambda v: f"unknown {kind} {v!r}")
    dup = ids.duplicated().to_numpy() & ~blank(ids)
    p.cells(dup, id_col, lambda v: f"{v!r} appears twice")
    values = {c: number_column(p, c, required=False) for c in given}
    p.raise_if_any()
    out = pd.DataFrame(values, index=pd.Index(ids.to_numpy(dtype=object), name=id_col))
    return kind, out.astype(np.float64)

"""Gates of the annual grade: conditions that hold a grade down, or leave it pending, without
changing the score.

* ``investigation`` — a cadre under investigation (立案审查) whose case is not closed by the
  ``as_of`` day (no ``status_end``, or one after it) gets no grade: pending (待定);
* ``discipline`` — within a disciplinary influence period (处分影响期): at most ``max_grade``
  (the period overlapping the year, or covering the ``as_of`` day, as configured);
* ``status`` — on probation or on leave during the year: at most the grade given;
* ``checks`` — more regular checks below the top check grade than ``max_below_top``: at most
  ``max_grade``;
* external caps given by the caller (e.g. a unit's veto holding its team down).

Each gate is evaluated for every subject at once; the sentence for one subject is made only when
it is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kaohe.cadres.design import GradeSet
from kaohe.cadres.people import status_name
from kaohe.cadres.words import Msg
from kaohe.i18n import lang

PENDING = -1


@dataclass(frozen=True)
class Gate:
    """Which subjects one gate holds, to which grade (index, or :data:`PENDING`), and why."""

    source: str
    failing: NDArray[np.bool_]
    max_grade: int
    reason: Callable[[int], Msg]


def _day(x: np.datetime64) -> str:
    return "—" if np.isnat(x) else str(x.astype("datetime64[D]"))


def cadre_gates(
    cadres: pd.DataFrame,
    gs: GradeSet,
    year: int,
    as_of: dt.date,
    below_top: NDArray[np.float64] | None = None,
    top_check: str = "好",
) -> list[Gate]:
    """The gates of ``gs`` for cadres (rows of a :class:`~kaohe.cadres.people.People` table,
    aligned with the subjects being graded). ``below_top``: quarters below the top check grade
    per cadre (NaN when the cadre has no checks)."""
    index = {g.id: k for k, g in enumerate(gs.grades)}
    status = cadres["status"].to_numpy()
    start = pd.to_datetime(cadres["status_start"]).to_numpy()
    end = pd.to_datetime(cadres["status_end"]).to_numpy()
    y0, y1 = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
    day = np.datetime64(as_of.isoformat())
    out: list[Gate] = []
    g = gs.gates
    if g.investigation.enabled:
        open_case = (status == "investigation") & (np.isnat(end) | (end > day))

        def why_inv(i: int) -> Msg:
            return Msg("g.investigation", since=_day(start[i]))

        out.append(Gate("investigation", open_case, PENDING, why_inv))
    if g.discipline is not None:
        disc = status == "discipline"
        if g.discipline.when == "overlaps_year":
            inside = disc & (start <= y1) & (end >= y0)
        else:
            inside = disc & (start <= day) & (end >= day)

        def why_disc(i: int) -> Msg:
            return Msg("g.discipline", start=_day(start[i]), end=_day(end[i]))

        out.append(Gate("discipline", inside, index[g.discipline.max_grade], why_disc))
    for st, cap in g.status.items():
        during = (status == st) & (np.isnat(start) | (start <= y1)) & (np.isnat(end) | (end >= y0))

        def why_status(i: int, st: str = st) -> Msg:
            return Msg("g.status", status=status_name(st, lang() == "en"))

        out.append(Gate(f"status.{st}", during, index[cap], why_status))
    if g.checks is not None and below_top is not None:
        rule = g.checks
        many = np.nan_to_num(below_top, nan=0.0) > rule.max_below_top

        def why_checks(i: int) -> Msg:
            assert below_top is not None
            return Msg("g.checks", k=int(below_top[i]), top=top_check, max=rule.max_below_top)

        out.append(Gate("checks", many, index[rule.max_grade], why_checks))
    return out


def external_gates(
    ids: NDArray[np.object_], caps: Mapping[str, tuple[str, str]], gs: GradeSet
) -> list[Gate]:
    """Caps given by the caller: subject id → (grade id or the pending id, reason)."""
    index = {g.id: k for k, g in enumerate(gs.grades)} | {gs.pending.id: PENDING}
    out: list[Gate] = []
    for grade, level in index.items():
        failing = np.array([caps.get(i, ("", ""))[0] == grade for i in ids], dtype=bool)
        if not failing.any():
            continue

        def why(i: int) -> Msg:
            return Msg("g.external", reason=caps[str(ids[i])][1])

        out.append(Gate(f"external.{grade}", failing, level, why))
    unknown = sorted(set(caps) - set(ids.tolist()))
    bad = sorted({c[0] for c in caps.values()} - set(index))
    if unknown or bad:
        from kaohe.errors import DataError, Issue

        issues = [Issue(f"a cap is given for unknown subject {u!r}") for u in unknown]
        issues += [Issue(f"a cap names unknown grade {b!r}; known: {list(index)}") for b in bad]
        raise DataError(issues)
    return out

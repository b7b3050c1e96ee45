"""Frozen results of an assessment, with conversions to rows, pandas, and explanations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from kaohe.aggregation import Aggregates
from kaohe.dataset import Dataset
from kaohe.errors import UnknownUnitError
from kaohe.grading import Decisions
from kaohe.plan import Plan
from kaohe.preparation import Prepared
from kaohe.scheme import Scheme
from kaohe.scoring import IndicatorTrace

if TYPE_CHECKING:
    import pandas as pd

    from kaohe.explanation import UnitExplanation
    from kaohe.gaps import Gap

Vec = NDArray[np.float64]
IntVec = NDArray[np.int64]

#: The first columns of results.csv, in order (then one column per dimension subtotal).
RESULT_COLUMNS = (
    "unit",
    "name",
    "category",
    "score",
    "full_marks",
    "share",
    "rank_in_category",
    "rank",
    "grade",
    "grade_name",
    "vetoed",
)


@dataclass(frozen=True, eq=False)
class Results:
    plan: Plan
    data: Dataset
    points: Vec  # [U, I] points of every indicator (NaN: does not apply / renormalised away)
    flags: NDArray[np.int16]  # [U, I] bits, see kaohe.scoring.FLAG_NAMES
    aggregates: Aggregates  # [U, N] subtotals of every dimension; the total is the last column
    score: Vec
    share: Vec
    void: NDArray[np.bool_]
    rank_in_category: IntVec
    rank: IntVec
    grade_index: IntVec | None
    decisions: Decisions | None  # decisions[i] is the GradeDecision of unit i
    traces: tuple[IndicatorTrace, ...]
    vetoes: tuple[tuple[str, ...], ...]
    prepared: Prepared | None = None  # the values the rules read (denominated, imputed, treated)
    screened: tuple[str, ...] = ()  # units left out for too little data (preprocessing.screen)

    def __post_init__(self) -> None:
        for arr in (
            self.points,
            self.flags,
            self.score,
            self.share,
            self.void,
            self.rank_in_category,
            self.rank,
            self.aggregates.values,
            self.aggregates.scale,
        ):
            arr.flags.writeable = False
        if self.grade_index is not None:
            self.grade_index.flags.writeable = False

    # ------------------------------------------------------------------ lookups

    @property
    def scheme(self) -> Scheme:
        return self.plan.scheme

    @property
    def units(self) -> tuple[str, ...]:
        return self.plan.units

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.plan.indicators

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimension ids in the scheme's order."""
        return tuple(self.scheme.dimensions)

    @property
    def full_marks(self) -> Vec:
        return self.plan.full_marks

    @cached_property
    def _unit_lookup(self) -> dict[str, int]:
        out = {u.name: i for i, u in enumerate(self.scheme.units.values())}
        out.update({uid: i for i, uid in enumerate(self.units)})
        return out

    def unit_index(self, unit: str) -> int:
        """Index of a unit given its id or its name."""
        try:
            return self._unit_lookup[unit]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(unit, list(self._unit_lookup), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UnknownUnitError(f"unknown unit {unit!r}{hint}") from None

    def grade(self, i: int) -> str | None:
        if self.grade_index is None or self.scheme.grading is None:
            return None
        return self.scheme.grading.grades[int(self.grade_index[i])].id

    def grade_name(self, i: int) -> str | None:
        if self.grade_index is None or self.scheme.grading is None:
            return None
        return self.scheme.grading.grades[int(self.grade_index[i])].name

    def subtotal(self, i: int, dimension: str) -> float:
        return float(self.aggregates.values[i, self.plan.node_index(dimension)])

    # ------------------------------------------------------------------ tables

    def rows(self) -> list[dict[str, Any]]:
        """One dict per unit, in scheme order, with the columns of results.csv."""
        dims = self.dimensions
        dim_k = [self.plan.node_index(d) for d in dims]
        out = []
        for i, uid in enumerate(self.units):
            u = self.scheme.units[uid]
            row: dict[str, Any] = {
                "unit": uid,
                "name": u.name,
                "category": u.category,
                "score": float(self.score[i]),
                "full_marks": float(self.full_marks[i]),
                "share": float(self.share[i]),
                "rank_in_category": int(self.rank_in_category[i]),
                "rank": int(self.rank[i]),
                "grade": self.grade(i),
                "grade_name": self.grade_name(i),
                "vetoed": ";".join(self.vetoes[i]),
            }
            for d, k in zip(dims, dim_k, strict=True):
                v = self.aggregates.values[i, k]
                row[d] = None if np.isnan(v) else float(v)
            out.append(row)
        return out

    def to_pandas(self) -> pd.DataFrame:
        """The results table (one row per unit, indexed by unit id)."""
        import pandas as pd

        return pd.DataFrame(self.rows()).set_index("unit")

    def points_frame(self) -> pd.DataFrame:
        """Points of every indicator: units as rows, indicator ids as columns."""
        import pandas as pd

        return pd.DataFrame(
            self.points, index=pd.Index(self.units, name="unit"), columns=list(self.indicators)
        )

    # ------------------------------------------------------------------ explanations

    def explain(self, unit: str, lang: str | None = None) -> UnitExplanation:
        """The full explanation of one unit (by id or name), in ``lang`` (``zh`` or ``en``;
        default: ``KAOHE_LANG``, else Chinese)."""
        from kaohe.explanation import explain_unit
        from kaohe.i18n import language

        with language(lang):
            return explain_unit(self, self.unit_index(unit))

    def effective_weights(self) -> dict[str, dict[str, float]]:
        """Each indicator's share of the total, by category: the product of the normalised
        weights down its path (means), or its share of the full marks (sums) — the weights in
        force, before caps and renormalisation."""
        from kaohe.robustness.evaluate import coefficients, linear_form, slots_for, structure

        st = structure(
            self.plan,
            np.asarray(self.points),
            np.asarray(self.aggregates.values),
            slots_for(self.plan, "all"),
        )
        form = linear_form(st)
        eff, full = coefficients(st, form, np.ones((1, len(self.plan.categories), len(st.slots))))
        out: dict[str, dict[str, float]] = {}
        for c, cid in enumerate(self.plan.categories):
            table = {}
            for j, (_, child) in enumerate(form.columns):
                if child in self.scheme.indicators and form.F[c, j] > 0:
                    share = eff[0, c, j] * form.F[c, j] / full[0, c] if full[0, c] else 0.0
                    table[child] = float(share)
            out[cid] = table
        return out

    def gaps(self, unit: str) -> list[Gap]:
        """晒差距: per indicator, the least improvement that moves the unit up one place, and
        the least that gives it a better grade (see :mod:`kaohe.gaps`)."""
        from kaohe.gaps import gaps

        return gaps(self, unit)

    def explain_all(self, lang: str | None = None) -> list[UnitExplanation]:
        """Every unit's explanation, in scheme order."""
        from kaohe.explanation import explain_all

        return explain_all(self, lang)

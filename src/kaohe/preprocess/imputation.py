"""Imputation: filling missing cells with a central value of the values present.

By column (the indicator), within the unit's group g (all units when there are no groups)::

    x̂ᵤⱼ = centre{ xᵥⱼ : v in g(u), xᵥⱼ present }

By row (the unit), over the indicators passed in::

    x̂ᵤⱼ = centre{ xᵤₖ : xᵤₖ present }

where centre is the mean or the median. Present values are never changed. A missing cell with
nothing to impute from (its group has no value for the indicator, or its row is empty) stays
missing and is not reported as imputed.

With ``method="mean"`` and groups this is COINr's ``indgroup_mean`` (``impute(imtype =
"indgroup_mean", groupvar = ...)``), the imputation of the ASEM reference build; means are
computed as R computes them (see :mod:`kaohe.preprocess._rstats`), so the results agree to the bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaohe.preprocess._rstats import r_mean, r_median

Vec = NDArray[np.float64]
Mask = NDArray[np.bool_]
Centre = Callable[[Vec], float]

CENTRES: dict[str, Centre] = {"mean": r_mean, "median": r_median}


class Imputation(NamedTuple):
    values: Vec  # [units, indicators] with imputed cells filled in
    imputed: Mask  # [units, indicators] cells that were missing and received a value


def impute(
    values: ArrayLike,
    method: Literal["mean", "median"] = "mean",
    groups: ArrayLike | None = None,
    axis: Literal["column", "row"] = "column",
) -> Imputation:
    """Fill each missing (NaN) cell with the mean or median of the present values of its column
    within the unit's group (``axis="column"``), or of its row (``axis="row"``).

    ``values`` is [units, indicators]; ``groups`` is [units] integer group labels (column
    imputation only; None = one group of all units).
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"values must be a [units, indicators] array, got shape {x.shape}")
    if method not in CENTRES:
        raise ValueError(f"method must be 'mean' or 'median', got {method!r}")
    centre = CENTRES[method]
    if axis == "row":
        if groups is not None:
            raise ValueError("groups apply to column imputation only")
        filled = _impute_rows(x, centre)
    elif axis == "column":
        labels = np.zeros(x.shape[0], dtype=np.int64) if groups is None else np.asarray(groups)
        if labels.shape != (x.shape[0],):
            raise ValueError(f"groups must have one label per unit ({x.shape[0]})")
        filled = _impute_columns(x, labels, centre)
    else:
        raise ValueError(f"axis must be 'column' or 'row', got {axis!r}")
    return Imputation(values=filled, imputed=np.isnan(x) & ~np.isnan(filled))


def _impute_columns(x: Vec, labels: NDArray[np.generic], centre: Centre) -> Vec:
    """x̂ᵤⱼ = centre of the present xᵥⱼ over the units v of u's group."""
    out = x.copy()
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        for j in range(x.shape[1]):
            out[rows, j] = _fill(x[rows, j], centre)
    return out


def _impute_rows(x: Vec, centre: Centre) -> Vec:
    """x̂ᵤⱼ = centre of the present xᵤₖ of unit u."""
    out = x.copy()
    for u in range(x.shape[0]):
        out[u] = _fill(x[u], centre)
    return out


def _fill(cells: Vec, centre: Centre) -> Vec:
    """The cells with each NaN replaced by the centre of the others (unchanged if none present)."""
    missing = np.isnan(cells)
    if not missing.any() or missing.all():
        return cells
    filled = cells.copy()
    filled[missing] = centre(cells[~missing])
    return filled

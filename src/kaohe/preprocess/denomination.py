"""Denomination: dividing an extensive indicator by a size measure of the unit (GDP, population,
area…) to make units of different sizes comparable.

For a denominated indicator j with denominator dᵤⱼ and scale sⱼ::

    x′ᵤⱼ = xᵤⱼ / dᵤⱼ · sⱼ

Indicators without a denominator pass through unchanged (their scale is not applied). A cell of
a denominated indicator whose denominator is 0 or missing cannot be computed: it becomes NaN and
is reported in ``invalid``, for the caller to turn into an error naming the cells. (COINr, which
applies no scale, silently gives ±Inf or NaN there.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

Vec = NDArray[np.float64]
Mask = NDArray[np.bool_]


class Denomination(NamedTuple):
    values: Vec  # [units, indicators] denominated values
    invalid: Mask  # [units, indicators] denominated cells whose denominator is 0 or missing


def denominated_indicators(denominators: ArrayLike) -> Mask:
    """Indicators that have a denominator: columns of ``denominators`` not entirely NaN."""
    table = np.asarray(denominators, dtype=np.float64)
    result: Mask = ~np.all(np.isnan(table), axis=0)
    return result


def denominate(
    values: ArrayLike,
    denominators: ArrayLike,
    scale: ArrayLike | None = None,
    denominated: ArrayLike | None = None,
) -> Denomination:
    """x′ᵤⱼ = xᵤⱼ / dᵤⱼ · sⱼ for the denominated indicators j; xᵤⱼ unchanged for the others.

    ``values`` and ``denominators`` are [units, indicators]; the denominators of an indicator
    with no denominator are NaN. ``scale`` is [indicators] (1 by default). ``denominated``
    ([indicators] booleans) says which indicators are denominated; by default, those whose
    denominator column is not entirely NaN. Cells of denominated indicators whose denominator
    is 0 or NaN are NaN in the result and True in ``invalid``.
    """
    x = np.asarray(values, dtype=np.float64)
    d = np.asarray(denominators, dtype=np.float64)
    if x.ndim != 2 or d.shape != x.shape:
        raise ValueError(
            f"values and denominators must be [units, indicators] arrays of the same shape, "
            f"got {x.shape} and {d.shape}"
        )
    n_indicators = x.shape[1]
    s = np.ones(n_indicators) if scale is None else np.asarray(scale, dtype=np.float64)
    cols = (
        denominated_indicators(d)
        if denominated is None
        else np.asarray(denominated, dtype=np.bool_)
    )
    if s.shape != (n_indicators,) or cols.shape != (n_indicators,):
        raise ValueError(
            f"scale and denominated must have one entry per indicator ({n_indicators})"
        )
    invalid = cols[np.newaxis, :] & ((d == 0) | np.isnan(d))
    usable = np.where(invalid, np.nan, d)
    out = np.where(cols[np.newaxis, :], x / np.where(cols, usable, 1.0) * s, x)
    return Denomination(values=out, invalid=invalid)

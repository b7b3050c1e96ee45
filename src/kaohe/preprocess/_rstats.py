"""Sums, means and medians computed the way R computes them, so that results built here agree
with COINr's to the last bit wherever the arithmetic allows.

R accumulates a sum of doubles in extended precision (``long double``, 80-bit on x86-64), first
element to last, and rounds once at the end; its ``mean`` adds one refinement pass. numpy's
``sum`` and ``mean`` use pairwise summation in double precision, which can differ in the last
bit. Where ``long double`` is plain double (some platforms), these functions still agree with R
to within an ulp or two.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]


def r_sum(values: Vec) -> float:
    """Σ xᵢ, accumulated in extended precision from the first element to the last (R's ``sum``)."""
    if values.size == 0:
        return 0.0
    return float(np.cumsum(values, dtype=np.longdouble)[-1])


def r_mean(values: Vec) -> float:
    """x̄ as R's ``mean``: m = Σxᵢ / n, then x̄ = m + Σ(xᵢ − m) / n, both in extended precision.

    NaN for an empty vector.
    """
    n = values.size
    if n == 0:
        return float("nan")
    extended = values.astype(np.longdouble)
    first = np.cumsum(extended)[-1] / n
    return float(first + np.cumsum(extended - first)[-1] / n)


def r_median(values: Vec) -> float:
    """The middle value of the sorted xᵢ; for even n, the R mean of the two middle values.

    NaN for an empty vector.
    """
    n = values.size
    if n == 0:
        return float("nan")
    ordered = np.sort(values)
    half = (n + 1) // 2
    if n % 2 == 1:
        return float(ordered[half - 1])
    return r_mean(ordered[half - 1 : half + 1])

"""A quota: a share of the participants turned into a whole number by a stated rounding rule.

One function for every quota Kaohe counts — the engine's grade quotas (:mod:`kaohe.grading`),
the cadres' top grade and regular-check cap (:mod:`kaohe.cadres`) and the rulebook's excellent
places (:mod:`kaohe.rulebook.tilt`) — so that they cannot round differently.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Rounding = Literal["floor", "ceil", "half_up", "half_even"]


def exact_quota(share: ArrayLike, n: ArrayLike) -> NDArray[np.float64]:
    """``share × n`` rounded to 9 decimals, so that 0.29 × 100 is 29 and not 28.999…, and
    0.3 × 10 is 3 and not 3.0000000000000004 (the value the explanations print)."""
    return np.round(np.asarray(share, dtype=np.float64) * np.asarray(n, dtype=np.float64), 9)


def quota_counts(share: ArrayLike, n: ArrayLike, rounding: str) -> NDArray[np.int64]:
    """``share × n`` (as :func:`exact_quota`) rounded by ``floor``, ``ceil``, ``half_up``
    (2.5 → 3) or ``half_even`` (2.5 → 2, 3.5 → 4); vectorised over ``share`` and ``n``, a
    0-d array for two numbers (``int()`` of it is the count)."""
    exact = exact_quota(share, n)
    if rounding == "floor":
        out = np.floor(exact)
    elif rounding == "ceil":
        out = np.ceil(exact)
    elif rounding == "half_up":
        out = np.floor(exact + 0.5)
    elif rounding == "half_even":
        out = np.rint(exact)
    else:
        raise ValueError(f"unknown rounding {rounding!r}")
    return out.astype(np.int64)

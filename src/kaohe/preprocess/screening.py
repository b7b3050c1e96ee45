"""Screening: dropping units with too little data.

The data availability of unit u over n indicators, m of them missing, is computed as COINr does::

    aᵤ = 1 − m / n

(not (n − m) / n, which can differ in the last bit and so at the threshold). A unit is kept if
aᵤ ≥ min_share; forced inclusion then keeps a unit whatever its data, and forced exclusion drops
it whatever its data — exclusion wins over inclusion (COINr's ``Screen(Force = ...)``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Vec = NDArray[np.float64]
Mask = NDArray[np.bool_]


def data_availability(present: ArrayLike) -> Vec:
    """aᵤ = 1 − mᵤ / n: the share of the n indicators present for each unit ([units])."""
    mask = np.asarray(present, dtype=np.bool_)
    if mask.ndim != 2 or mask.shape[1] == 0:
        raise ValueError(f"present must be a [units, indicators] mask, got shape {mask.shape}")
    missing = np.sum(~mask, axis=1)
    result: Vec = 1.0 - missing / mask.shape[1]
    return result


def screen(
    present: ArrayLike,
    min_share: float,
    include: ArrayLike | None = None,
    exclude: ArrayLike | None = None,
) -> Mask:
    """Kept units ([units]): (aᵤ ≥ min_share or forced include) and not forced exclude.

    ``present`` is the [units, indicators] mask of present data; ``include`` and ``exclude``
    are [units] masks of forced inclusions and exclusions.
    """
    if not 0.0 <= min_share <= 1.0:
        raise ValueError(f"min_share must be between 0 and 1, got {min_share}")
    share = data_availability(present)
    kept = share >= min_share
    if include is not None:
        kept = kept | _unit_mask(include, share.size, "include")
    if exclude is not None:
        kept = kept & ~_unit_mask(exclude, share.size, "exclude")
    return kept


def _unit_mask(mask: ArrayLike, n_units: int, name: str) -> Mask:
    result = np.asarray(mask, dtype=np.bool_)
    if result.shape != (n_units,):
        raise ValueError(f"{name} must have one entry per unit ({n_units}), got {result.shape}")
    return result

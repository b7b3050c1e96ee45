"""Outlier treatment, as COINr's ``treat()`` (the version that built the ASEM reference,
``TreatSpec = "Default, winmax = …"``).

Skewness and (excess) kurtosis are the small-sample "type 2" statistics (e1071, Excel), over the
n present values, with dᵢ = xᵢ − x̄::

    G1 = √n Σdᵢ³ / (Σdᵢ²)^{3/2} · √(n(n − 1)) / (n − 2)                       (n ≥ 3)
    r  = n Σdᵢ⁴ / (Σdᵢ²)²
    G2 = ((n + 1)(r − 3) + 6)(n − 1) / ((n − 2)(n − 3))                       (n ≥ 4)

An indicator *fails* when |G1| > t_skew AND G2 > t_kurt (defaults 2 and 3.5); it passes
otherwise, i.e. when |G1| ≤ t_skew OR G2 ≤ t_kurt (COINr uses strict ">" for failing).
Undefined statistics (too few values, all values equal) pass.

A failing indicator is winsorised one step at a time while it fails and fewer than max_points
steps were made: if G1 ≥ 0, every value equal to the maximum is set to the largest other value;
otherwise every value equal to the minimum is set to the smallest other value. The direction is
decided afresh at each step. Tied extremes move together in one step, so a step may move several
points. If the indicator still fails after max_points steps, the winsorisation is discarded and
the fallback transform is applied to the ORIGINAL values:

* ``"log"`` (COINr's "CTlog"): x′ = ln(x − min + 0.01 (max − min)) — defined for zeros and
  negatives since the shift makes every argument positive;
* ``"boxcox"``: y = x − min + 1, x′ = (y^λ − 1) / λ, or ln y when λ = 0;
* ``"none"``: the original values are returned (COINr's ``"None"``).

Flags per cell: 0 untouched, 1 winsorised low, 2 winsorised high, 3 transformed (every cell of
a transformed indicator, as COINr). As in COINr, the cells flagged high are those equal to the
maximum at the last high step (which are exactly the cells moved down); likewise low, and a low
flag overwrites a high one. The counts are the numbers of flagged cells; ``steps`` is COINr's
"Winsorised k points", the number of steps — larger counts than steps mean tied extremes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaohe.preprocess._rstats import r_mean, r_sum

Vec = NDArray[np.float64]
Index = NDArray[np.intp]


class TreatmentFlag(IntEnum):
    UNTOUCHED = 0
    WINSORISED_LOW = 1
    WINSORISED_HIGH = 2
    TRANSFORMED = 3


@dataclass(frozen=True)
class TreatmentSpec:
    """How to treat an indicator. ``max_points=None`` is COINr's default, ⌈0.1 · units⌉."""

    method: Literal["winsorise", "none"] = "winsorise"
    max_points: int | None = None
    skew_threshold: float = 2.0
    kurtosis_threshold: float = 3.5
    fallback: Literal["log", "boxcox", "none"] = "log"
    boxcox_lambda: float | None = None

    def __post_init__(self) -> None:
        if self.method not in ("winsorise", "none"):
            raise ValueError(f"method must be 'winsorise' or 'none', got {self.method!r}")
        if self.fallback not in ("log", "boxcox", "none"):
            raise ValueError(f"fallback must be 'log', 'boxcox' or 'none', got {self.fallback!r}")
        if self.fallback == "boxcox" and self.boxcox_lambda is None:
            raise ValueError("the boxcox fallback needs boxcox_lambda")
        if self.max_points is not None and self.max_points < 0:
            raise ValueError(f"max_points must be 0 or more, got {self.max_points}")


@dataclass(frozen=True)
class TreatmentResult:
    values: Vec  # treated values (NaN where the input was NaN)
    flags: NDArray[np.int8]  # TreatmentFlag per cell
    low: int  # cells flagged winsorised low
    high: int  # cells flagged winsorised high
    steps: int  # winsorisation steps kept (COINr's "Winsorised k points"); 0 if discarded
    transform: Literal["none", "log", "boxcox"]  # the transform applied
    skewness_before: float
    kurtosis_before: float
    skewness_after: float
    kurtosis_after: float
    passed: bool  # whether the treated values pass the skewness/kurtosis check
    #: min and max of the values before treatment: what the log and Box-Cox fallbacks shift by
    minimum: float = float("nan")
    maximum: float = float("nan")


def skewness(x: ArrayLike) -> float:
    """G1 = √n Σd³ / (Σd²)^{3/2} · √(n(n − 1)) / (n − 2), d = x − x̄ over the non-NaN values.

    NaN when n < 3 or all values are equal.
    """
    d, n = _deviations(x)
    if n < 3:
        return float("nan")
    with np.errstate(over="ignore"):
        s2 = r_sum(d * d)
    if s2 == 0.0:
        return float("nan")
    den = math.pow(s2, 1.5)
    if not 0.0 < den < math.inf:  # deviations so small (or large) that s2^1.5 under/overflows
        d, s2 = _rescaled(d)
        den = math.pow(s2, 1.5)
    g1 = math.sqrt(n) * r_sum(np.power(d, 3)) / den
    return g1 * math.sqrt(n * (n - 1)) / (n - 2)


def kurtosis(x: ArrayLike) -> float:
    """Excess kurtosis G2 = ((n + 1)(r − 3) + 6)(n − 1) / ((n − 2)(n − 3)), r = n Σd⁴ / (Σd²)²,
    d = x − x̄ over the non-NaN values.

    NaN when n < 4 or all values are equal.
    """
    d, n = _deviations(x)
    if n < 4:
        return float("nan")
    with np.errstate(over="ignore"):
        s2 = r_sum(d * d)
    if s2 == 0.0:
        return float("nan")
    if not 0.0 < s2 * s2 < math.inf:  # s2² under/overflows: the same ratio on d / max|d|
        d, s2 = _rescaled(d)
    r = n * r_sum(np.power(d, 4)) / (s2 * s2)
    return ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def _rescaled(d: Vec) -> tuple[Vec, float]:
    """d / max|d| and its Σ: skewness and kurtosis do not change with the scale, and the powers
    of tiny (1e-89) or huge deviations no longer under- or overflow."""
    scaled: Vec = d / float(np.max(np.abs(d)))
    return scaled, r_sum(scaled * scaled)


def default_max_points(n_units: int) -> int:
    """COINr's default winmax: ⌈n / 10⌉, a tenth of the units rounded up (6 for ASEM's 51)."""
    return -(-n_units // 10)


def passes(skew: float, kurt: float, spec: TreatmentSpec) -> bool:
    """Not (|G1| > t_skew and G2 > t_kurt); undefined (NaN) statistics pass."""
    return not (abs(skew) > spec.skew_threshold and kurt > spec.kurtosis_threshold)


def log_shift(x: ArrayLike) -> Vec:
    """x′ = ln(x − min + 0.01 (max − min)), min and max over the non-NaN values (COINr "CTlog")."""
    v = np.asarray(x, dtype=np.float64)
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    with np.errstate(divide="ignore"):
        result: Vec = np.log(v - lo + 0.01 * (hi - lo))
    return result


def boxcox(x: ArrayLike, lam: float) -> Vec:
    """y = x − min + 1 (min over the non-NaN values); x′ = (y^λ − 1) / λ, or ln y when λ = 0."""
    v = np.asarray(x, dtype=np.float64)
    y = v - float(np.nanmin(v)) + 1.0
    result: Vec = np.log(y) if lam == 0 else (np.power(y, lam) - 1.0) / lam
    return result


def treat(column: ArrayLike, spec: TreatmentSpec | None = None) -> TreatmentResult:
    """Treat one indicator ([units], NaN = missing) for outliers — see the module docstring."""
    spec = TreatmentSpec() if spec is None else spec
    original = np.asarray(column, dtype=np.float64)
    if original.ndim != 1:
        raise ValueError(f"column must be one-dimensional, got shape {original.shape}")
    skew0, kurt0 = skewness(original), kurtosis(original)
    if spec.method == "none" or passes(skew0, kurt0, spec):
        return _result(original, _flags(original.size), 0, "none", skew0, kurt0, spec)
    max_points = default_max_points(original.size) if spec.max_points is None else spec.max_points
    values, high, low, steps = _winsorise(original, max_points, spec)
    if passes(skewness(values), kurtosis(values), spec):
        flags = _flags(original.size)
        flags[high] = TreatmentFlag.WINSORISED_HIGH
        flags[low] = TreatmentFlag.WINSORISED_LOW
        return _result(values, flags, steps, "none", skew0, kurt0, spec)
    if spec.fallback == "none":
        return _result(original, _flags(original.size), 0, "none", skew0, kurt0, spec)
    if spec.fallback == "log":
        transformed = log_shift(original)
    else:
        assert spec.boxcox_lambda is not None
        transformed = boxcox(original, spec.boxcox_lambda)
    flags = _flags(original.size, TreatmentFlag.TRANSFORMED)
    res = _result(transformed, flags, 0, spec.fallback, skew0, kurt0, spec)
    lo, hi = float(np.nanmin(original)), float(np.nanmax(original))
    return replace(res, minimum=lo, maximum=hi)


def _winsorise(
    original: Vec, max_points: int, spec: TreatmentSpec
) -> tuple[Vec, Index, Index, int]:
    """Winsorise step by step while failing and steps < max_points.

    Returns the values, the cells at the maximum at the last high step, the cells at the minimum
    at the last low step, and the number of steps.
    """
    values = original.copy()
    high: Index = np.empty(0, dtype=np.intp)
    low: Index = np.empty(0, dtype=np.intp)
    steps = 0
    skew, kurt = skewness(values), kurtosis(values)
    while not passes(skew, kurt, spec) and steps < max_points:
        if skew >= 0:
            high = np.flatnonzero(values == np.nanmax(values))
            values[high] = np.nanmax(np.delete(values, high))
        else:
            low = np.flatnonzero(values == np.nanmin(values))
            values[low] = np.nanmin(np.delete(values, low))
        steps += 1
        if np.unique(values[~np.isnan(values)]).size < 2:
            raise ValueError(
                "winsorising further would leave fewer than two distinct values; "
                "use a lower max_points, a transform, or no treatment for this indicator"
            )
        skew, kurt = skewness(values), kurtosis(values)
    return values, high, low, steps


def _result(
    values: Vec,
    flags: NDArray[np.int8],
    steps: int,
    transform: Literal["none", "log", "boxcox"],
    skew0: float,
    kurt0: float,
    spec: TreatmentSpec,
) -> TreatmentResult:
    skew1, kurt1 = skewness(values), kurtosis(values)
    return TreatmentResult(
        values=values,
        flags=flags,
        low=int(np.sum(flags == TreatmentFlag.WINSORISED_LOW)),
        high=int(np.sum(flags == TreatmentFlag.WINSORISED_HIGH)),
        steps=steps,
        transform=transform,
        skewness_before=skew0,
        kurtosis_before=kurt0,
        skewness_after=skew1,
        kurtosis_after=kurt1,
        passed=passes(skew1, kurt1, spec),
    )


def _flags(n: int, flag: TreatmentFlag = TreatmentFlag.UNTOUCHED) -> NDArray[np.int8]:
    return np.full(n, int(flag), dtype=np.int8)


def _deviations(x: ArrayLike) -> tuple[Vec, int]:
    """d = x − x̄ over the non-NaN values (x̄ as R's mean), and their number n."""
    v = np.asarray(x, dtype=np.float64).ravel()
    present = v[~np.isnan(v)]
    if present.size == 0:
        return present, 0
    deviations: Vec = present - r_mean(present)
    return deviations, int(present.size)

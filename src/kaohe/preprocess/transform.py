"""Transforms of an indicator's value before its rule — the pure numerical core, no I/O.

For a value x, with ``shift`` c added first (y = x + c; c = 0 by default)::

    ln          y ↦ ln y                 y > 0
    log10       y ↦ log₁₀ y              y > 0
    sqrt        y ↦ √y                   y ≥ 0
    power p     y ↦ yᵖ                   y > 0 if p < 0 and p is not whole; y ≠ 0 if p < 0;
                                         y ≥ 0 if p is not whole
    reciprocal  y ↦ 1 / y                y ≠ 0

A value outside the domain (or whose result is not a finite number) is never turned into NaN or
±∞ silently: :func:`outside_domain` finds such cells so that the caller can name them.
Composite indices use this all the time (income in logs between goalposts, UNDP's HDI).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]
Mask = NDArray[np.bool_]
Function = Literal["ln", "log10", "sqrt", "power", "reciprocal"]
FUNCTIONS: tuple[Function, ...] = ("ln", "log10", "sqrt", "power", "reciprocal")


def transform(x: Vec, function: Function, exponent: float | None = None, shift: float = 0.0) -> Vec:
    """f(x + shift) for every cell; cells outside the domain give NaN or ±∞ (see
    :func:`outside_domain`)."""
    y = np.asarray(x, dtype=np.float64) + shift if shift else np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if function == "ln":
            out: Vec = np.log(y)
        elif function == "log10":
            out = np.log10(y)
        elif function == "sqrt":
            out = np.sqrt(y)
        elif function == "reciprocal":
            out = np.divide(1.0, y)
        elif function == "power":
            if exponent is None:
                raise ValueError("the power transform needs an exponent")
            out = np.power(y, exponent)
        else:
            raise ValueError(f"unknown transform {function!r}; use one of {', '.join(FUNCTIONS)}")
    return out


def outside_domain(
    x: Vec, function: Function, exponent: float | None = None, shift: float = 0.0
) -> Mask:
    """Cells (not NaN) where f(x + shift) is undefined or not a finite number."""
    v = np.asarray(x, dtype=np.float64)
    y = v + shift if shift else v
    present = ~np.isnan(v)
    out = transform(v, function, exponent, shift)
    bad: Mask = present & (~np.isfinite(out) | ~domain_holds(y, function, exponent))
    return bad


def domain_holds(y: Vec, function: Function, exponent: float | None = None) -> Mask:
    """Whether each y = x + shift is inside the function's domain."""
    with np.errstate(invalid="ignore"):
        if function in ("ln", "log10"):
            ok: Mask = y > 0
        elif function == "sqrt":
            ok = y >= 0
        elif function == "reciprocal":
            ok = y != 0
        else:
            p = 1.0 if exponent is None else exponent
            whole = float(p).is_integer()
            if p < 0:
                ok = (y > 0) if not whole else (y != 0)
            else:
                ok = (y >= 0) if not whole else np.ones(y.shape, dtype=bool)
    return ok


def domain_text(function: Function, exponent: float | None = None) -> str:
    """The condition on y = x + shift, as a person writes it (``> 0``, ``≥ 0``, ``≠ 0``; empty
    when every number is inside the domain, as for a whole exponent ≥ 0)."""
    if function in ("ln", "log10"):
        return "> 0"
    if function == "sqrt":
        return "≥ 0"
    if function == "reciprocal":
        return "≠ 0"
    p = 1.0 if exponent is None else exponent
    whole = float(p).is_integer()
    if p < 0:
        return "≠ 0" if whole else "> 0"
    return "≥ 0" if not whole else ""


def transform_value(
    x: float, function: Function, exponent: float | None = None, shift: float = 0.0
) -> float:
    """f(x + shift) for one number, as a person computes it (used to check explanations)."""
    y = x + shift if shift else x
    if function == "ln":
        return math.log(y)
    if function == "log10":
        return math.log10(y)
    if function == "sqrt":
        return math.sqrt(y)
    if function == "reciprocal":
        return 1.0 / y
    assert exponent is not None
    return float(y**exponent)

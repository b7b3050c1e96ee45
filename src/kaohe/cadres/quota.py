"""Quotas: a share of the participants turned into a whole number by a stated rounding rule."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaohe.cadres.words import Msg, fmt

ROUNDING_NAMES = {
    "floor": ("向下取整", "floor"),
    "half_up": ("四舍五入", "round half up"),
    "ceil": ("向上取整", "ceil"),
}


def quota_counts(share: ArrayLike, n: ArrayLike, rounding: str) -> NDArray[np.int64]:
    """``share × n`` rounded by ``floor``, ``half_up`` or ``ceil`` (vectorised).

    The product is first rounded to 9 decimals, so that 0.29 × 100 is 29 and not 28.999….
    """
    exact = np.round(np.asarray(share, dtype=np.float64) * np.asarray(n, dtype=np.float64), 9)
    if rounding == "floor":
        out = np.floor(exact)
    elif rounding == "ceil":
        out = np.ceil(exact)
    elif rounding == "half_up":
        out = np.floor(exact + 0.5)
    else:
        raise ValueError(f"unknown rounding {rounding!r}")
    return out.astype(np.int64)


class RoundingName:
    """The rounding rule's name in the language in force."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule

    def __str__(self) -> str:
        from kaohe.i18n import lang

        zh, en = ROUNDING_NAMES[self.rule]
        return en if lang() == "en" else zh


def quota_msg(top: str, share: float, n: int, rounding: str, limit: int) -> Msg:
    return Msg(
        "a.quota",
        top=top,
        n=n,
        pct=fmt(share * 100),
        exact=fmt(round(share * n, 9)),
        rounding=RoundingName(rounding),
        limit=limit,
    )

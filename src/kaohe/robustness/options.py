"""Command-line overrides of a scheme's ``robustness:`` settings, validated like the scheme."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kaohe.errors import Issue, SchemeError
from kaohe.scheme import Robustness


def _list(text: str | None) -> list[str] | None:
    return None if text is None else [x.strip() for x in text.split(",") if x.strip()]


def spec_with(
    base: Robustness,
    *,
    samples: int | None = None,
    seed: int | None = None,
    weights: str | None = None,
    concentration: float | None = None,
    range_: float | None = None,
    level: str | None = None,
    normalisation: str | None = None,
    aggregation: str | None = None,
    imputation: str | None = None,
    treatment: str | None = None,
    drop: str | None = None,
    sensitivity: int | None = None,
    top: str | None = None,
) -> Robustness:
    """``base`` with every given option replacing the scheme's value."""
    raw: dict[str, Any] = base.model_dump(mode="json")
    for key, number in (("samples", samples), ("seed", seed)):
        if number is not None:
            raw[key] = number
    if top is not None:
        raw["top"] = [int(x) for x in _list(top) or []]
    if weights == "none":
        raw["weights"] = None
    elif weights is not None or concentration is not None or range_ is not None or level:
        w = raw.get("weights") or {}
        for key, value in (
            ("method", weights),
            ("concentration", concentration),
            ("range", range_),
            ("level", level),
        ):
            if value is not None:
                w[key] = value
        raw["weights"] = w
    alt = raw["alternatives"]
    for key, value in (
        ("normalisation", normalisation),
        ("aggregation", aggregation),
        ("imputation", imputation),
    ):
        if value is not None:
            alt[key] = _list(value)
    if treatment is not None:
        alt["treatment"] = [treatment]
    if drop is not None:
        alt["drop"] = drop
    if sensitivity is not None:
        raw["sensitivity"] = {**(raw.get("sensitivity") or {}), "samples": sensitivity}
    try:
        return Robustness.model_validate(raw)
    except ValidationError as exc:
        raise SchemeError(
            [
                Issue(e["msg"], path="robustness." + ".".join(map(str, e["loc"])))
                for e in exc.errors()
            ]
        ) from None

"""The name of a quota's rounding rule in the cadres' explanations (the count itself is
:func:`kaohe.quota.quota_counts`, shared with the engine and the rulebook)."""

from __future__ import annotations

ROUNDING_NAMES = {
    "floor": ("向下取整", "floor"),
    "half_up": ("四舍五入", "round half up"),
    "ceil": ("向上取整", "ceil"),
}


class RoundingName:
    """The rounding rule's name in the language in force."""

    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule

    def __str__(self) -> str:
        from kaohe.i18n import lang

        zh, en = ROUNDING_NAMES[self.rule]
        return en if lang() == "en" else zh

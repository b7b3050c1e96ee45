"""Vectorised implementations of the scoring rules, registered by rule type."""

from kaohe.rules import items, normalise, peer, target
from kaohe.rules.base import REGISTRY, RuleImpl, RuleInput, RuleOutput

__all__ = [
    "REGISTRY",
    "RuleImpl",
    "RuleInput",
    "RuleOutput",
    "items",
    "normalise",
    "peer",
    "target",
]

"""Pydantic's validation errors, turned into messages a person can act on.

Each error gets the dotted path of the field as written in the scheme (union branch names such as
``float`` or ``linear`` removed), and a sentence saying what is wrong and what is allowed, e.g.
``weight must be ≥ 0, got -3`` or ``unknown key 'rat' (did you mean 'rate'?); allowed: …``.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from kaohe.errors import Issue
from kaohe.i18n import MESSAGES, Said
from kaohe.monitoring.declaration import model_at as monitoring_model_at
from kaohe.scheme import (
    Category,
    Department,
    Dimension,
    Gate,
    Grade,
    Grading,
    Indicator,
    Period,
    Quota,
    Ranking,
    Scheme,
    Unit,
)

_TYPE_ERRORS = frozenset(
    {
        "float_type",
        "float_parsing",
        "int_type",
        "int_parsing",
        "dict_type",
        "model_type",
        "model_attributes_type",
        "list_type",
        "tuple_type",
        "string_type",
        "literal_error",
        "is_instance_of",
        "bool_type",
        "bool_parsing",
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
    }
)


def issues_from_pydantic(exc: ValidationError, raw: Any) -> list[Issue]:
    """One issue per real problem: a union's failed branches collapse into the likeliest one."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    for err in exc.errors():
        found.append((_clean_loc(tuple(err["loc"]), raw, err["type"]), err))
    keep: list[tuple[tuple[Any, ...], Any]] = []
    seen_paths: set[tuple[Any, ...]] = set()
    for k, (path, err) in enumerate(found):
        if err["type"] == "union_tag_invalid" and isinstance(_value_at(raw, path), dict):
            found[k] = (path := (*path, "type"), err)
        if err["type"] in _TYPE_ERRORS:
            deeper = any(len(p) > len(path) and p[: len(path)] == path for p, _ in found)
            if deeper or path in seen_paths:
                continue
        seen_paths.add(path)
        keep.append((path, err))
    return [
        Issue(_message(err, path, raw), path=".".join(str(p) for p in path)) for path, err in keep
    ]


def raw_reference_issues(raw: Any) -> list[Issue]:
    """References checked on the raw mapping, so they are reported with structural errors."""
    if not isinstance(raw, dict):
        return []

    def keys(section: str) -> dict[str, Any]:
        value = raw.get(section)
        return value if isinstance(value, dict) else {}

    cats, deps, dims = keys("categories"), keys("departments"), keys("dimensions")
    issues: list[Issue] = []

    def ref(value: Any, known: dict[str, Any], what: str, path: str) -> None:
        if isinstance(value, str) and value not in known:
            issues.append(unknown_reference(what, value, known, path))

    for uid, unit in keys("units").items():
        if isinstance(unit, dict) and cats:
            ref(unit.get("category"), cats, "category", f"units.{uid}.category")
    for section in ("dimensions", "indicators"):
        for nid, node in keys(section).items():
            if not isinstance(node, dict):
                continue
            ref(node.get("parent"), dims, "parent dimension", f"{section}.{nid}.parent")
            if section == "indicators":
                ref(node.get("owner"), deps, "department", f"{section}.{nid}.owner")
            weights = node.get("weights")
            if isinstance(weights, dict) and cats:
                for cid in weights:
                    ref(cid, cats, "category", f"{section}.{nid}.weights.{cid}")
    return issues


def _clean_loc(loc: tuple[Any, ...], raw: Any, kind: str) -> tuple[Any, ...]:
    """Keep only the parts of pydantic's location that are keys of the input.

    A part absent from the input is either a missing key (the last part of a ``missing``
    error: kept) or the name of a union branch such as ``float`` or ``linear`` (dropped).
    """
    out: list[Any] = []
    node = raw
    for i, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif i == len(loc) - 1 and kind == "missing":
            out.append(part)
    return tuple(out)


#: the keys whose values have a name of their own in messages (``scheme.noun.<key>``)
_NOUNS = frozenset(
    {
        "weights",
        "full_marks",
        "target",
        "baseline",
        "previous",
        "share",
        "count",
        "cap_ratio",
        "step",
        "scale",
    }
)


def _noun(path: tuple[Any, ...]) -> str:
    for part in reversed(path):
        if isinstance(part, str) and part in _NOUNS:
            return Said(f"scheme.noun.{part}")
    last = path[-1] if path else None
    return str(last) if isinstance(last, str) else Said("scheme.noun.value")


def _message(err: Any, path: tuple[Any, ...], raw: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    noun = _noun(path)
    if kind == "extra_forbidden":
        return _unknown_key(str(path[-1]) if path else "?", path, raw)
    if kind == "missing":
        return Said("scheme.required")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sym = {
            "greater_than_equal": "≥",
            "greater_than": ">",
            "less_than_equal": "≤",
            "less_than": "<",
        }[kind]
        limit = next(iter(ctx.values()))
        return Said("scheme.compare", noun=noun, sym=sym, limit=_num(limit), got=_num(got))
    if kind == "union_tag_invalid":
        allowed = str(ctx.get("expected_tags", "")).replace(chr(39), "")
        return Said("scheme.rule_type", tag=str(ctx.get("tag")), allowed=allowed)
    if kind == "union_tag_not_found":
        return Said("scheme.rule_needs_type")
    if kind == "string_pattern_mismatch":
        return Said("scheme.bad_id", got=repr(got))
    if kind == "literal_error":
        return Said("scheme.not_allowed", got=repr(got), allowed=str(ctx.get("expected", "")))
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return Said("scheme.number", noun=noun, got=repr(got))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Said("scheme.mapping", got=_describe(got))
    if kind in ("list_type", "tuple_type"):
        return Said("scheme.list", got=_describe(got))
    if kind == "too_short":
        return Said("scheme.too_short", n=str(ctx.get("min_length", 1)))
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return Said("scheme.date", got=repr(got))
    if kind == "string_type":
        return Said("scheme.text", got=_describe(got))
    if kind == "bool_type" or kind == "bool_parsing":
        return Said("scheme.bool", got=repr(got))
    return str(err["msg"])


def _unknown_key(key: str, path: tuple[Any, ...], raw: Any) -> str:
    allowed = _allowed_keys(path[:-1], raw)
    hint = ""
    if allowed:
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = Said("cell.did_you_mean", close=close[0]) if close else ""
        return Said(
            "scheme.unknown_key_allowed", key=key, hint=hint, allowed=", ".join(sorted(allowed))
        )
    return Said("scheme.unknown_key", key=key)


def _allowed_keys(parent: tuple[Any, ...], raw: Any) -> list[str]:
    """The keys a model at this path accepts (best effort, for the error message)."""
    model = _model_at(parent, raw)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _value_at(raw: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _model_at(path: tuple[Any, ...], raw: Any) -> type[BaseModel] | None:
    from kaohe.rulespec import RULE_CLASSES

    value = _value_at(raw, path)
    if (
        isinstance(value, dict)
        and path
        and (path[-1] == "rule" or (len(path) >= 2 and path[-2] == "category_rules"))
    ):
        return RULE_CLASSES.get(str(value.get("type")))
    top: dict[str, type[BaseModel]] = {
        "categories": Category,
        "departments": Department,
        "units": Unit,
        "dimensions": Dimension,
        "indicators": Indicator,
    }
    if not path:
        return Scheme
    head = path[0]
    if head == "monitoring":
        return monitoring_model_at(path[1:])
    if head in top and len(path) == 2:
        return top[head]
    nested: dict[str, type[BaseModel]] = {
        "ranking": Ranking,
        "grading": Grading,
        "period": Period,
    }
    if head in nested and len(path) == 1:
        return nested[head]
    if head == "grading" and len(path) == 3 and path[1] == "grades":
        return Grade
    if head == "grading" and len(path) == 3 and path[1] == "gates":
        return Gate
    if head == "grading" and len(path) == 4 and path[3] == "quota":
        return Quota
    return None


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _describe(x: Any) -> str:
    if isinstance(x, str):
        return Said("scheme.described_text", text=repr(x))
    if isinstance(x, list):
        return Said("scheme.described_list")
    if isinstance(x, dict):
        return Said("scheme.described_mapping")
    return repr(x)


# --------------------------------------------------------------------------- meaning


def unknown_reference(what: str, value: str, known: Any, path: str) -> Issue:
    names = list(known)
    close = difflib.get_close_matches(value, names, n=1)
    hint = Said("cell.did_you_mean", close=close[0]) if close else ""
    shown = ", ".join(names[:12]) + (" …" if len(names) > 12 else "")
    key = f"scheme.what.{what.replace(' ', '_')}"
    kind: str = Said(key) if key in MESSAGES else what
    return Issue(
        Said("scheme.unknown_reference", what=kind, value=value, hint=hint, known=shown), path=path
    )

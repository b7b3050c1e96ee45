"""The documentation is executable: every rule's worked example is run, every key documented."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from doc_examples import DOCS, Example, examples, number, sections
from kaohe import assess, build_scheme
from kaohe.dataset import Dataset
from kaohe.rulespec import RULE_CLASSES, RULE_TYPES

EXAMPLES = examples()


def _scheme(ex: Example) -> tuple[Any, list[str]]:
    units = [r[ex.header.index("unit")] for r in ex.rows]
    ind = dict(ex.indicator)
    ind.setdefault("name", "示例指标")
    if "target" in ex.header:
        ind["target"] = {
            u: number(r[ex.header.index("target")]) for u, r in zip(units, ex.rows, strict=True)
        }
    if "previous" in ex.header:
        ind["previous"] = {
            u: number(r[ex.header.index("previous")]) for u, r in zip(units, ex.rows, strict=True)
        }
    raw = {
        "name": f"docs example {ex.section}",
        "categories": {"c": {"name": "类别"}},
        "units": {u: {"name": u, "category": "c"} for u in units},
        "indicators": {
            "x": ind,
            # every unit gets 10 points here, so that extra items have a base to act on
            "base10": {"name": "基础分", "weights": 10, "rule": {"type": "judgement"}},
        },
        **ex.scheme,
    }
    return build_scheme(raw), units


def _data(ex: Example, scheme: Any, units: list[str]) -> Dataset:
    data: dict[str, dict[str, Any]] = {}
    notes = {}
    for u, r in zip(units, ex.rows, strict=True):
        row: dict[str, Any] = {}
        for col, cell in zip(ex.header, r, strict=False):
            if col == "value":
                row["x"] = cell or None
            elif col.startswith("item:"):
                row["x:" + col.removeprefix("item:")] = number(cell)
            elif col == "note" and cell:
                notes[(u, "x")] = cell
        data[u] = row
    return Dataset.from_mapping(scheme, data, notes=notes)


def test_every_rule_type_has_a_worked_example() -> None:
    documented = {ex.section for ex in EXAMPLES}
    missing = [t for t in RULE_TYPES if t not in documented]
    assert not missing, f"rule types without a worked example in docs/rules.md: {missing}"


def test_every_rule_key_is_documented() -> None:
    text = sections((DOCS / "rules.md").read_text(encoding="utf-8"))
    for rtype, cls in RULE_CLASSES.items():
        body = text[rtype]
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if key == "type":
                continue
            if rtype == "baseline" and f"`{key}`" in text["linear"]:
                continue  # baseline shares linear's keys
            assert f"`{key}`" in body, f"docs/rules.md: {rtype}.{key} is not documented"


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.section for e in EXAMPLES])
def test_worked_example(ex: Example) -> None:
    if ex.section == "missing-values":
        pass
    scheme, units = _scheme(ex)
    # judgement notes are needed before validation: build with notes in the data
    data = _data(ex, scheme, units)
    res = assess(scheme, data)
    j = res.indicators.index("x")
    for k, (u, r) in enumerate(zip(units, ex.rows, strict=True)):
        expected = number(r[ex.header.index("points")])
        got = res.points[k, j]
        assert expected is not None
        assert math.isclose(got, expected, abs_tol=1e-9), (
            f"{ex.section} {u}: docs say {expected}, engine gives {got}: "
            f"{res.explain(u).indicators[0].arithmetic}"
        )
        if "score" in ex.header:
            assert math.isclose(res.score[k], number(r[ex.header.index("score")]) or 0.0)
        if "grade" in ex.header:
            assert res.grade(k) == r[ex.header.index("grade")]


def _scheme_models() -> list[str]:
    """Every record of the scheme format (each must have its section in docs/scheme.md)."""
    import kaohe.scheme as sm

    return sorted(
        name
        for name, obj in vars(sm).items()
        if isinstance(obj, type) and issubclass(obj, sm._Model) and obj is not sm._Model
    )


SCHEME_MODELS = _scheme_models()


@pytest.mark.parametrize("model", SCHEME_MODELS)
def test_every_scheme_key_is_documented(model: str) -> None:
    import kaohe.scheme as sm

    text = sections((DOCS / "scheme.md").read_text(encoding="utf-8"))
    anchor = model.lower()
    assert anchor in text, f'docs/scheme.md has no section <a id="{anchor}">'
    cls = getattr(sm, model)
    for name, field in cls.model_fields.items():
        key = field.alias or name
        assert re.search(rf"\|\s*`{re.escape(key)}`", text[anchor]), (
            f"docs/scheme.md: key {model}.{key} is not in the section's table"
        )

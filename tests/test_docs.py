"""The documentation is executable: every rule's worked example is run, every key documented."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from kaohe import assess, build_scheme
from kaohe.dataset import Dataset
from kaohe.rulespec import RULE_CLASSES, RULE_TYPES

from .doc_examples import DOCS, Example, examples, number, sections

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


# --------------------------------------------------------------------------- documented defaults

REQUIRED = object()  # the docs' "—": no default, the key must be given (where it applies)
PROSE = object()  # a default told in words ("scheme", "all units", "[0, F]", `period.as_of` …)


def _default_cells(text: str) -> dict[str, str]:
    """key → the default cell, from the tables of ``text`` whose second column is "default"."""
    out: dict[str, str] = {}
    in_table = False
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            in_table = False
            continue
        if len(cells) >= 3 and cells[0] == "key":
            in_table = cells[1] == "default"
            continue
        if in_table and cells[0].startswith("`"):
            for key in re.findall(r"`([^`]+)`", cells[0]):
                out[key] = cells[1]
    return out


def _documented(cell: str) -> Any:
    """A documented default as a value: a literal, REQUIRED, or PROSE for words."""
    c = cell.strip()
    if c == "—":
        return REQUIRED
    if c == "none":
        return None
    if c == '""':
        return ""
    if c in ("true", "false"):
        return c == "true"
    try:
        return float(c.replace("−", "-"))
    except ValueError:
        pass
    plain = c.strip("`")
    if re.fullmatch(r"\[[^\]]*\]|\{[^}]*\}", plain.replace("`", "")) and not re.search(
        r"\bF\b", plain
    ):
        import yaml

        return yaml.safe_load(plain.replace("`", ""))
    if re.fullmatch(r"`[\w-]*`", c):  # a choice, e.g. `sum` (`period.as_of` names another key)
        return plain
    return PROSE


def _model_default(field: Any) -> Any:
    from pydantic_core import PydanticUndefined

    if field.default_factory is not None:
        return field.default_factory()
    if field.default is PydanticUndefined:
        return REQUIRED
    return field.default


def _same(doc: Any, code: Any) -> bool:
    from pydantic import BaseModel

    if doc is PROSE:  # words are for defaults that depend on something else
        return code is None or isinstance(code, BaseModel | dict | list) or code is REQUIRED
    if doc is REQUIRED:  # none needed where the key does not apply (a validator says when)
        return code is REQUIRED or code is None
    if code is REQUIRED:
        return False
    if doc is None and isinstance(code, BaseModel):  # "none": a record with nothing set
        return all(v in (None, "", "none", [], {}) for v in code.model_dump().values())
    if isinstance(code, BaseModel):
        dumped = code.model_dump(mode="json")
        return isinstance(doc, dict) and all(dumped.get(k) == v for k, v in doc.items())
    if isinstance(doc, float) and not isinstance(code, bool | str):
        return code is not None and math.isclose(float(code), doc)
    if isinstance(code, tuple):
        code = list(code)
    return bool(doc == code)


def _mismatches(model: type[Any], cells: dict[str, str]) -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key == "type" or key not in cells:
            continue
        code = _model_default(field)
        if not _same(_documented(cells[key]), code):
            shown = "required" if code is REQUIRED else repr(code)
            out.append(f"{model.__name__}.{key}: docs say {cells[key]!r}, the code {shown}")
    return out


@pytest.mark.parametrize("model", SCHEME_MODELS)
def test_every_documented_scheme_default_is_the_codes(model: str) -> None:
    import kaohe.scheme as sm

    text = sections((DOCS / "scheme.md").read_text(encoding="utf-8"))
    bad = _mismatches(getattr(sm, model), _default_cells(text[model.lower()]))
    assert not bad, "docs/scheme.md: " + "; ".join(bad)


@pytest.mark.parametrize("rtype", sorted(RULE_CLASSES))
def test_every_documented_rule_default_is_the_codes(rtype: str) -> None:
    text = sections((DOCS / "rules.md").read_text(encoding="utf-8"))
    section = "linear" if rtype == "baseline" else rtype
    cells = _default_cells(text[section])
    if rtype == "baseline":  # baseline shares linear's keys; its reference defaults to baseline
        cells["reference"] = "`baseline`"
    bad = _mismatches(RULE_CLASSES[rtype], cells)
    assert not bad, "docs/rules.md: " + "; ".join(bad)


def test_a_wrong_documented_default_is_caught() -> None:
    from kaohe.scheme import Treatment

    assert _mismatches(Treatment, {"max_points": "5"})  # the code's default is ⌈n / 10⌉
    assert _mismatches(Treatment, {"skew": "3"})
    assert not _mismatches(Treatment, {"skew": "2", "method": "`winsorise`"})


def test_every_flag_is_documented() -> None:
    from kaohe.scoring import FLAG_NAMES

    text = (DOCS / "scheme.md").read_text(encoding="utf-8")
    results = text[text.index("## Results") :]
    missing = [f for f in FLAG_NAMES.values() if f"`{f}`" not in results]
    assert not missing, f"docs/scheme.md (Results): flags not listed: {missing}"

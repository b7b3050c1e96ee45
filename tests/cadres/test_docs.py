"""docs/cadres.md cannot rot: every key of every design is in its section's table, and the two
worked examples are executed."""

from __future__ import annotations

import io
import math
import re

import pandas as pd
import pytest
import yaml
from pydantic import BaseModel

from kaohe.cadres import design as dm
from kaohe.cadres.annual import grade_cadres
from kaohe.cadres.appraisal import appraise, build_ballots
from kaohe.cadres.people import build_people

from ..doc_examples import DOCS, sections
from .helpers import number

TEXT = (DOCS / "cadres.md").read_text(encoding="utf-8")
SECTIONS = sections(TEXT)
MODELS = sorted(
    name
    for name, obj in vars(dm).items()
    if isinstance(obj, type)
    and issubclass(obj, BaseModel)
    and obj is not dm._Model
    and obj.__module__ == dm.__name__
)


@pytest.mark.parametrize("model", MODELS)
def test_every_design_key_is_documented(model: str) -> None:
    anchor = model.lower()
    assert anchor in SECTIONS, f'docs/cadres.md has no section <a id="{anchor}">'
    for name in getattr(dm, model).model_fields:
        assert re.search(rf"\|\s*`{re.escape(name)}`", SECTIONS[anchor]), (
            f"docs/cadres.md: key {model}.{name} is not in the section's table"
        )


def _blocks(anchor: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", SECTIONS[anchor], re.S)


def _expected(anchor: str) -> list[dict[str, str]]:
    """The rows of the section's table, each by its header."""
    lines = [ln for ln in SECTIONS[anchor].splitlines() if ln.startswith("|")]
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[2:]]


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_the_appraisal_example() -> None:
    (design_text,) = _blocks("example-appraisal", "yaml")
    (ballots,) = _blocks("example-appraisal", "csv")
    design = dm.build_design(dm.AppraisalDesign, yaml.safe_load(design_text))
    res = appraise(build_ballots(_csv(ballots), design), design)
    got = res.scores()
    for row in _expected("example-appraisal"):
        assert math.isclose(round(got[row["subject_id"]], 2), float(row["score"]))


def test_the_grading_example() -> None:
    design_text, tilt_text = _blocks("example-grading", "yaml")
    cadres, components = _blocks("example-grading", "csv")
    design = dm.build_design(dm.GradingDesign, yaml.safe_load(design_text))
    people = build_people(_csv(cadres))
    comp = _csv(components).set_index("cadre_id").replace("", None).astype(float)
    g = grade_cadres(people, comp, design, top_shares=yaml.safe_load(tilt_text)["top_shares"])
    f = g.frame.set_index("cadre_id")
    for row in _expected("example-grading"):
        cid = row["cadre_id"]
        assert f.loc[cid, "grade"] == row["grade"], cid
        assert math.isclose(number(f, cid, "score"), float(row["score"])), cid

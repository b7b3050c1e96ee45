"""``kaohe explain`` never crashes (issue 10): it stopped with ``KeyError: 'flag.denominated'``
on examples/asem. Every flag has Chinese and English text, and every unit of every example
folder is explained in both languages, as text and as JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from kaohe import assess, load_scheme
from kaohe.cli.main import main
from kaohe.cli.terminal import print_explanation
from kaohe.i18n import LABELS
from kaohe.io.data_files import load_data
from kaohe.scoring import FLAG_NAMES

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FOLDERS = sorted(p.parent for p in EXAMPLES.glob("*/scheme.yaml"))


def _data(folder: Path) -> Path:
    return next(folder / n for n in ("data.xlsx", "data.csv") if (folder / n).exists())


def test_every_flag_has_words_in_both_languages() -> None:
    for name in FLAG_NAMES.values():
        zh, en = LABELS[f"flag.{name}"]
        assert zh, name
        assert en, name
        assert zh != en, name


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_unit_of_every_example_is_explained(folder: Path, lang: str) -> None:
    scheme = load_scheme(folder / "scheme.yaml")
    data, _ = load_data(scheme, _data(folder))
    results = assess(scheme, data)
    flags = set()
    for uid in scheme.units:  # what kaohe explain prints, for every unit
        e = results.explain(uid, lang)
        console = Console(file=io.StringIO(), width=200)
        print_explanation(console, results, e, lang)
        assert scheme.units[uid].name in console.file.getvalue()  # type: ignore[attr-defined]
        json.dumps(e.to_dict(), ensure_ascii=False, allow_nan=False)
        flags |= {f for ind in e.indicators for f in ind.flags}
    assert flags, "an example that sets no flag tests nothing here"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kaohe_explain_runs_on_every_example(folder: Path, lang: str) -> None:
    scheme = load_scheme(folder / "scheme.yaml")
    uid = next(iter(scheme.units))
    args = ["explain", str(folder / "scheme.yaml"), str(_data(folder)), uid, "--lang", lang]
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0, (shown.output, shown.exception)
    as_json = CliRunner().invoke(main, [*args, "--json"])
    assert json.loads(as_json.output)["unit"] == uid


def test_the_json_record_of_an_indicator_holds_every_field() -> None:
    """``to_dict`` is written field by field (for speed): a field added to the record must be
    added there too, or it silently vanishes from explain.json."""
    from dataclasses import fields

    from kaohe.explanation import IndicatorExplanation

    probe = IndicatorExplanation.__new__(IndicatorExplanation)
    for f in fields(IndicatorExplanation):
        object.__setattr__(probe, f.name, (0.0, 0.0) if f.name == "bounds" else None)
    object.__setattr__(probe, "path", ())
    object.__setattr__(probe, "terms", {})
    object.__setattr__(probe, "flags", ())
    assert set(probe.to_dict()) == {f.name for f in fields(IndicatorExplanation)}

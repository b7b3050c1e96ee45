"""The monitoring section of a scheme: structure, meaning, located messages, and its docs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kaohe.errors import SchemeError
from kaohe.i18n import language
from kaohe.io.scheme_file import parse_scheme_text
from kaohe.monitoring import declaration

from ..doc_examples import DOCS, sections
from .helpers import MONITORING, raw_scheme, scheme


def _problems(monitoring: dict[str, Any], lang: str = "en", **top: Any) -> list[str]:
    text = yaml.safe_dump(raw_scheme(monitoring, **top), allow_unicode=True, sort_keys=False)
    with language(lang), pytest.raises(SchemeError) as err:
        parse_scheme_text(text, "scheme.yaml")
    return [str(i) for i in err.value.issues]


def test_a_scheme_without_monitoring_is_unchanged() -> None:
    raw = raw_scheme()
    del raw["monitoring"]
    from kaohe import build_scheme

    assert build_scheme(raw).monitoring is None
    assert scheme().monitoring is not None


def test_unknown_keys_name_the_allowed_ones() -> None:
    mon = {"indicators": {"revenue": {"kind": "cumulative", "profil": "x"}}}
    (problem,) = _problems(mon)
    assert problem.startswith("scheme.yaml:")
    assert (
        "monitoring.indicators.revenue.profil: unknown key 'profil' (did you mean 'profile'?)"
        in problem
    )
    assert "allowed:" in problem
    assert "threshold" in problem


@pytest.mark.parametrize(
    ("monitoring", "path", "en", "zh"),
    [
        (
            {"indicators": {"revenue": {"kind": "rate", "compare": "growth"}}},
            "monitoring.indicators.revenue",
            "a rate (kind: rate) is a growth already",
            "增速类数值（kind: rate）本身就是增速",
        ),
        (
            {
                "indicators": {
                    "revenue": {"kind": "cumulative", "compare": "growth", "path": "proportional"}
                }
            },
            "monitoring.indicators.revenue",
            "path must be flat",
            "path 只能是 flat",
        ),
        (
            {**MONITORING, "thresholds": {"growth": {"measure": "rank"}}},
            "monitoring.thresholds.growth",
            "warnings by rank (measure: rank) need green and amber",
            "按名次预警（measure: rank）需要写明 green 和 amber",
        ),
        (
            {**MONITORING, "thresholds": {"growth": {"green": 0.9, "amber": 1}}},
            "monitoring.thresholds.growth",
            "amber cannot be above green",
            "amber（黄色预警线）不能高于 green",
        ),
        (
            {**MONITORING, "profiles": {"p": {"shares": [1, 2], "from": "previous"}}},
            "monitoring.profiles.p",
            "a profile needs exactly one of shares",
            "进度曲线需要且只能有 shares",
        ),
    ],
)
def test_structure(monitoring: dict[str, Any], path: str, en: str, zh: str) -> None:
    (problem,) = _problems(monitoring)
    assert f"{path}: " in problem
    assert en in problem
    (problem,) = _problems(monitoring, "zh")
    assert zh in problem


def test_meaning_is_checked_with_lines() -> None:
    mon = {
        "indicators": {
            "revenue": {"kind": "cumulative", "periods": ["2022-13"], "profile": "seasn"},
            "fai": {"indicator": "growt", "kind": "cumulative"},
            "again": {"indicator": "revenue", "kind": "flow", "threshold": "nope"},
        },
        "profiles": {"season": {"shares": [1, 2, 3]}},
    }
    problems = _problems(mon)
    text = "\n".join(problems)
    assert re.search(
        r"scheme\.yaml:\d+: monitoring\.profiles\.season\.shares: "
        r"shares needs one number per monitoring period, 12 in all; got 3",
        text,
    )
    assert "monitoring.indicators.revenue.periods.0: unknown period '2022-13'" in text
    assert (
        "monitoring.indicators.revenue.profile: unknown profile 'seasn' (did you mean 'season'?)"
        in text
    )
    assert (
        "monitoring.indicators.fai.indicator: unknown indicator 'growt' (did you mean 'growth'?)"
        in text
    )
    assert "indicator revenue is already dispatched as revenue" in text
    assert "monitoring.indicators.again.threshold: unknown threshold 'nope'" in text
    zh = "\n".join(_problems(mon, "zh"))
    assert "未知的监测期 2022-13" in zh
    assert "未知的指标 growt（是否应为 growth？）" in zh


def test_a_warning_needs_a_target_unless_by_rank() -> None:
    mon = {"indicators": {"ext": {"indicator": "growth", "kind": "rate", "target": {"dev": 5}}}}
    (problem,) = _problems(mon)
    assert (
        "monitoring.indicators.ext.target: warnings need an annual target, missing for c, d"
        in problem
    )
    by_rank = {**mon, "thresholds": {"default": {"measure": "rank", "green": 1, "amber": 2}}}
    assert scheme(by_rank).monitoring is not None


def test_the_span_and_named_periods() -> None:
    named: dict[str, Any] = {
        "periods": [
            {"id": "H1", "name": "上半年", "date": "2022-06-30", "deadline": "2022-07-15"},
            {"id": "Q3", "name": "前三季度", "date": "2022-09-30"},
            {"id": "Y", "name": "全年", "date": "2022-12-31"},
        ],
        "indicators": {"revenue": {"kind": "cumulative", "periods": ["H1", "2022-12-31"]}},
    }
    from kaohe.monitoring.plan import compile_monitor

    p = compile_monitor(scheme(named))
    assert p.calendar.ids == ("H1", "Q3", "Y")
    assert [d.isoformat() for d in p.calendar.deadlines] == [
        "2022-07-15",
        "2022-10-10",
        "2023-01-10",
    ]
    assert p.dispatched[0].tolist() == [True, False, True]
    assert p.shares[0].tolist() == [0.5, 0.75, 1.0]
    bad = {**named, "periods": [named["periods"][1], named["periods"][0]]}
    assert "the periods must be in date order" in "\n".join(_problems(bad))
    outside = {**named, "periods": [{"id": "X", "date": "2023-01-05"}]}
    assert "is outside the monitored span" in "\n".join(_problems(outside))
    no_span = _problems(MONITORING, period={"label": "2022"})
    assert "monitoring.start: monitoring needs its first and last day" in no_span[0]


def test_bonus_items_cannot_be_dispatched() -> None:
    from .helpers import BASE

    inds = {
        **BASE["indicators"],
        "awards": {"name": "表彰", "rule": {"type": "bonus_items", "levels": {"国家级": 2}}},
    }
    mon = {"indicators": {"awards": {"kind": "flow"}}}
    (problem,) = _problems(mon, indicators=inds)
    assert "awards is not a scored single-value indicator" in problem


# --------------------------------------------------------------------------- docs


MODELS = sorted(
    name
    for name, obj in vars(declaration).items()
    if isinstance(obj, type)
    and issubclass(obj, declaration._Model)
    and obj is not declaration._Model
)


@pytest.mark.parametrize("model", MODELS)
def test_every_monitoring_key_is_documented(model: str) -> None:
    text = sections((DOCS / "monitoring.md").read_text(encoding="utf-8"))
    anchor = model.lower()
    assert anchor in text, f'docs/monitoring.md has no section <a id="{anchor}">'
    cls = getattr(declaration, model)
    for name, field in cls.model_fields.items():
        key = field.alias or name
        assert re.search(rf"\|\s*`{re.escape(key)}`", text[anchor]), (
            f"docs/monitoring.md: key {model}.{key} is not in the section's table"
        )


def test_the_docs_worked_example(tmp_path: Path) -> None:
    """The worked example of docs/monitoring.md gives the figures its tables print."""
    body = (DOCS / "monitoring.md").read_text(encoding="utf-8")
    example = body[body.index("## A worked example") : body.index("## The data file")]
    (scheme_text,) = re.findall(r"```yaml\n(.*?)```", example, re.S)
    series_text, previous_text = re.findall(r"```csv\n(.*?)```", example, re.S)
    (tmp_path / "series.csv").write_text(series_text, encoding="utf-8")
    (tmp_path / "previous.csv").write_text(previous_text, encoding="utf-8")
    from kaohe.io.series_files import load_series
    from kaohe.monitoring.monitor import monitor
    from kaohe.monitoring.plan import compile_monitor
    from kaohe.monitoring.provisional import assess_provisional

    with language("zh"):
        plan = compile_monitor(parse_scheme_text(scheme_text))
        now, _ = load_series(plan, tmp_path / "series.csv")
        before, _ = load_series(plan, tmp_path / "previous.csv", year_shift=1)
        m = monitor(plan, now, before)
        warnings, provisional = _tables(example)
        got = {(w.unit, w.series): w for w in m.warnings(m.current)}
        for unit, series, measure, colour, reason in warnings:
            w = got[(unit, series)]
            assert w.measure == pytest.approx(float(measure.replace("−", "-")))
            assert (w.colour, str(w.reason)) == (colour, reason)
        checks = [(d.unit, d.check, str(d.reason)) for d in m.data_warnings()]
        assert checks == [("d", "late", "第1季度的数值截至 2022-04-10 未报送")]
        rows = {r["unit"]: r for r in assess_provisional(m).rows()}
        for unit, _rev, _growth, score, in_cat, rank in provisional:
            r = rows[unit]
            assert (r["score"], r["rank_in_category"], r["rank"]) == pytest.approx(
                (float(score), int(in_cat), int(rank))
            )


def _tables(text: str) -> list[list[list[str]]]:
    out: list[list[list[str]]] = []
    for block in re.findall(r"((?:^\|.*\|\n)+)", text, re.M):
        lines = block.strip().splitlines()[2:]
        out.append([[c.strip() for c in line.strip("|").split("|")] for line in lines])
    return out

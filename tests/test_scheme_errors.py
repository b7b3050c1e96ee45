"""Every documented scheme error: its line, its field path and what it says.

A scheme error reads ``scheme.yaml:42: indicators.gdp_growth.weights.ecology: weight must be ≥ 0,
got -3`` — file, line, dotted field path, and what is wrong (and, for unknown keys, what is
allowed). Each test writes a small variant of the minimal scheme of docs/scheme.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kaohe import load_scheme
from kaohe.errors import Issue, SchemeError
from kaohe.io.yamlfile import load_yaml

from .io_helpers import MINIMAL, dedent, line_of, only, scheme_issues, shown, write_text


def variant(*changes: tuple[str, str]) -> str:
    """The minimal scheme with each (old, new) text replaced exactly once."""
    text = MINIMAL
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} must occur once in the minimal scheme"
        text = text.replace(old, new)
    return text


def by_path(issues: list[Issue], path: str) -> Issue:
    found = [i for i in issues if i.path == path]
    assert found, f"no issue at {path!r} among:\n{shown(issues)}"
    return found[0]


# --------------------------------------------------------------------------- baseline


def test_it_loads_the_minimal_scheme_of_the_docs(tmp_path: Path) -> None:
    scheme = load_scheme(write_text(tmp_path / "scheme.yaml", MINIMAL))
    assert list(scheme.units) == ["jining", "siziwang"]
    assert scheme.indicators["gdp_growth"].weight_for("ecology") == 30


# --------------------------------------------------------------------------- values


def test_it_reports_a_negative_weight_with_file_line_path_and_value(tmp_path: Path) -> None:
    text = variant(("ecology: 30}", "ecology: -3}"))
    issue = only(scheme_issues(tmp_path, text))
    line = line_of(text, "ecology: -3")
    assert issue.file == str(tmp_path / "scheme.yaml")
    assert issue.line == line
    assert issue.path == "indicators.gdp_growth.weights.ecology"
    assert str(issue) == (
        f"{tmp_path / 'scheme.yaml'}:{line}: "
        "indicators.gdp_growth.weights.ecology: weight must be ≥ 0, got -3"
    )


def test_it_reports_the_line_of_the_value_in_a_block_mapping(tmp_path: Path) -> None:
    text = variant(
        (
            "    weights: {development: 60, ecology: 30}   # 分值 by category\n",
            "    weights:\n      development: 60\n      ecology: -3\n",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "ecology: -3")
    assert issue.path == "indicators.gdp_growth.weights.ecology"


# --------------------------------------------------------------------------- unknown keys


def test_it_rejects_an_unknown_top_level_key_with_a_hint(tmp_path: Path) -> None:
    text = variant(("name: 示例考核方案\n", "name: 示例考核方案\ndecimal: 3\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "decimal: 3")
    assert issue.path == "decimal"
    assert "unknown key 'decimal'" in issue.message
    assert "did you mean 'decimals'?" in issue.message
    assert "allowed:" in issue.message
    assert "indicators" in issue.message


def test_it_rejects_an_unknown_key_in_a_unit_with_a_hint(tmp_path: Path) -> None:
    text = variant(
        (
            "jining: {name: 集宁区, category: development}",
            "jining: {name: 集宁区, category: development, atributes: {pop: 3}}",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "atributes")
    assert issue.path == "units.jining.atributes"
    assert "unknown key 'atributes' (did you mean 'attributes'?)" in issue.message
    assert "allowed:" in issue.message
    assert "category" in issue.message


def test_it_rejects_an_unknown_key_in_an_indicator_with_a_hint(tmp_path: Path) -> None:
    text = variant(('    unit_of_measure: "%"\n', '    unit_of_measur: "%"\n'))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "unit_of_measur:")
    assert issue.path == "indicators.gdp_growth.unit_of_measur"
    assert "unknown key 'unit_of_measur' (did you mean 'unit_of_measure'?)" in issue.message


def test_it_rejects_an_unknown_key_in_a_rule_with_a_hint(tmp_path: Path) -> None:
    text = variant(
        (
            "rule: {type: linear, below_rate: 2, above_rate: 1, bonus_max: 5}",
            "rule:\n      type: linear\n      below_rat: 2\n      above_rate: 1",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "below_rat:")
    assert issue.path == "indicators.gdp_growth.rule.below_rat"
    assert "unknown key 'below_rat' (did you mean 'below_rate'?)" in issue.message
    # the keys of *this* rule type are listed, not those of every rule
    assert "allowed:" in issue.message
    assert "bonus_max" in issue.message
    assert "cap_ratio" not in issue.message


def test_it_rejects_an_unknown_rule_type_listing_the_types(tmp_path: Path) -> None:
    text = variant(
        (
            "rule: {type: proportional}",
            "rule:\n      type: proportionl",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    # the bad value is the type: the issue points at it, not at the `rule:` line above
    assert issue.path == "indicators.forest_cover.rule.type"
    assert issue.line == line_of(text, "type: proportionl")
    assert "unknown rule type 'proportionl'" in issue.message
    assert "proportional" in issue.message
    assert "linear" in issue.message


def test_it_asks_for_a_rule_type_when_none_is_given(tmp_path: Path) -> None:
    text = variant(("rule: {type: proportional}", "rule: {cap_ratio: 1.2}"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.forest_cover.rule"
    assert issue.line == line_of(text, "cap_ratio: 1.2")
    assert "needs a type" in issue.message


# --------------------------------------------------------------------------- required keys


def test_it_reports_a_missing_required_key_at_the_line_of_its_parent(tmp_path: Path) -> None:
    text = variant(("siziwang: {name: 四子王旗, category: ecology}", "siziwang: {name: 四子王旗}"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "units.siziwang.category"
    assert issue.line == line_of(text, "siziwang:")
    assert "required" in issue.message


def test_it_reports_a_missing_rule_at_the_line_of_the_indicator(tmp_path: Path) -> None:
    text = variant(("    rule: {type: proportional}\n", ""))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.forest_cover.rule"
    assert issue.line == line_of(text, "forest_cover:")
    assert "required" in issue.message


# --------------------------------------------------------------------------- YAML itself


def test_it_rejects_a_duplicate_key_which_yaml_would_silently_overwrite(tmp_path: Path) -> None:
    text = variant(("    target: 6.5\n", "    target: 6.5\n    target: 7\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "target: 7")
    assert issue.path == "indicators.gdp_growth.target"
    assert "duplicate key 'target'" in issue.message
    assert f"first on line {line_of(text, 'target: 6.5')}" in issue.message


def test_it_rejects_a_duplicate_indicator_id(tmp_path: Path) -> None:
    text = variant(("  forest_cover:\n", "  gdp_growth:\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "  gdp_growth:", nth=2)
    assert issue.path == "indicators.gdp_growth"
    assert "duplicate key 'gdp_growth'" in issue.message


def test_it_reports_invalid_yaml_syntax_with_its_line(tmp_path: Path) -> None:
    text = variant(("    target: 6.5\n", "    target: [6.5\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.file == str(tmp_path / "scheme.yaml")
    assert issue.line is not None
    # the parser notices at the next key, at most a couple of lines below the open bracket
    assert line_of(text, "target: [6.5") <= issue.line <= line_of(text, "target: [6.5") + 2
    assert "not valid YAML" in issue.message


def test_it_reports_bad_indentation_at_its_line(tmp_path: Path) -> None:
    text = variant(("    target: 6.5\n", "   target: 6.5\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "   target: 6.5")
    assert "not valid YAML" in issue.message


def test_it_rejects_a_tab_used_for_indentation(tmp_path: Path) -> None:
    text = variant(("    target: 6.5\n", "\ttarget: 6.5\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "\ttarget: 6.5")
    assert "not valid YAML" in issue.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_it_rejects_an_empty_file(tmp_path: Path, text: str) -> None:
    issue = only(scheme_issues(tmp_path, text))
    assert issue.file == str(tmp_path / "scheme.yaml")
    assert "empty" in issue.message


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- name: a\n- name: b\n", "list"), ("just some text\n", "str"), ("42\n", "int")],
)
def test_it_rejects_a_top_level_that_is_not_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    issue = only(scheme_issues(tmp_path, text))
    assert issue.file == str(tmp_path / "scheme.yaml")
    assert issue.line == 1
    assert "must be a mapping" in issue.message
    assert kind in issue.message


def test_it_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "scheme.yaml"
    path.write_bytes(MINIMAL.encode("gb18030"))
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    issue = only(info.value.issues)
    assert issue.file == str(path)
    assert "UTF-8" in issue.message


def test_it_names_a_scheme_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(SchemeError) as info:
        load_scheme(tmp_path / "nope.yaml")
    issue = only(info.value.issues)
    assert issue.file == str(tmp_path / "nope.yaml")
    assert "not found" in issue.message


# --------------------------------------------------------------------------- references


def test_it_rejects_an_unknown_category_of_a_unit(tmp_path: Path) -> None:
    text = variant(
        ("category: development}", "category: developmnet}"),
        ("units:\n", "units:\n  fengzhen: {name: 丰镇市, category: development}\n"),
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "units.jining.category"
    assert issue.line == line_of(text, "developmnet")
    assert "unknown category 'developmnet' (did you mean 'development'?)" in issue.message
    assert "known: development, ecology" in issue.message


def test_it_rejects_a_category_with_no_units(tmp_path: Path) -> None:
    text = variant(
        (
            "  ecology: {name: 重点生态功能区, full_marks: 100}\n",
            "  ecology: {name: 重点生态功能区, full_marks: 100}\n  agri: {name: 农产品主产区}\n",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "categories.agri"
    assert issue.line == line_of(text, "agri:")
    assert "no unit" in issue.message


def test_it_rejects_an_unknown_parent_dimension(tmp_path: Path) -> None:
    text = variant(
        (
            "    parent: economy\n    weights: {development: 40",
            "    parent: econmy\n    weights: {development: 40",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.forest_cover.parent"
    assert issue.line == line_of(text, "parent: econmy")
    assert "unknown parent dimension 'econmy' (did you mean 'economy'?)" in issue.message


def test_it_rejects_a_cycle_of_parents(tmp_path: Path) -> None:
    text = variant(
        (
            "  economy: {name: 经济发展}\n",
            "  economy: {name: 经济发展, parent: growth}\n"
            "  growth: {name: 增长, parent: economy}\n",
        )
    )
    issues = scheme_issues(tmp_path, text)
    issue = by_path(issues, "dimensions.economy.parent")
    assert issue.line == line_of(text, "economy: {name: 经济发展")
    assert "loops" in issue.message
    assert by_path(issues, "dimensions.growth.parent").line == line_of(text, "growth: {")
    assert len(issues) == 2, shown(issues)


def test_it_rejects_a_dimension_with_no_children(tmp_path: Path) -> None:
    text = variant(
        (
            "  economy: {name: 经济发展}\n",
            "  economy: {name: 经济发展}\n  social: {name: 社会民生}\n",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "dimensions.social"
    assert issue.line == line_of(text, "social:")
    assert "no indicators or dimensions under it" in issue.message


def test_it_rejects_an_unknown_owner_department(tmp_path: Path) -> None:
    text = variant(
        ("units:\n", "departments:\n  stats: {name: 市统计局}\nunits:\n"),
        ('    unit_of_measure: "%"\n', '    unit_of_measure: "%"\n    owner: stat\n'),
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.gdp_growth.owner"
    assert issue.line == line_of(text, "owner: stat")
    assert "unknown department 'stat' (did you mean 'stats'?)" in issue.message


def test_it_rejects_weights_keyed_by_an_unknown_category(tmp_path: Path) -> None:
    text = variant(
        ("weights: {development: 40, ecology: 70}", "weights: {development: 40, ecolgy: 70}")
    )
    issues = scheme_issues(tmp_path, text)
    issue = by_path(issues, "indicators.forest_cover.weights.ecolgy")
    assert issue.line == line_of(text, "ecolgy: 70")
    assert "unknown category 'ecolgy' (did you mean 'ecology'?)" in issue.message


def test_it_rejects_a_target_keyed_by_neither_unit_nor_category(tmp_path: Path) -> None:
    text = variant(
        (
            "    target: {default: 20, ecology: 25}\n",
            "    target:\n      default: 20\n      siziwong: 25\n",
        )
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.forest_cover.target.siziwong"
    assert issue.line == line_of(text, "siziwong: 25")
    assert "'siziwong' is neither a unit nor a category" in issue.message


def test_it_names_the_units_a_rule_needing_a_target_lacks_it_for(tmp_path: Path) -> None:
    text = variant(("    target: {default: 20, ecology: 25}\n", "    target: {development: 20}\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.forest_cover.target"
    assert issue.line == line_of(text, "target: {development: 20}")
    assert "proportional needs a target" in issue.message
    assert "siziwang" in issue.message
    assert "jining" not in issue.message


def test_it_reports_a_missing_target_at_the_indicator(tmp_path: Path) -> None:
    text = variant(("    target: 6.5\n", ""))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.gdp_growth.target"
    assert issue.line == line_of(text, "gdp_growth:")
    assert "linear needs a target" in issue.message
    assert "jining" in issue.message
    assert "siziwang" in issue.message


def test_it_names_the_category_and_both_sums_when_full_marks_do_not_add_up(
    tmp_path: Path,
) -> None:
    text = variant(
        ("weights: {development: 40, ecology: 70}", "weights: {development: 40, ecology: 68}")
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "categories.ecology.full_marks"
    assert issue.line == line_of(text, "ecology: {name: 重点生态功能区")
    assert "重点生态功能区" in issue.message
    assert "worth 98" in issue.message
    assert "full_marks says 100" in issue.message


def test_it_checks_the_stated_points_of_a_dimension_under_a_sum(tmp_path: Path) -> None:
    text = variant(("  economy: {name: 经济发展}\n", "  economy: {name: 经济发展, weights: 90}\n"))
    issues = scheme_issues(tmp_path, text)
    issue = by_path(issues, "dimensions.economy.weights")
    assert issue.line == line_of(text, "economy: {name: 经济发展")
    assert "经济发展" in issue.message
    assert "90" in issue.message
    assert "100" in issue.message


# --------------------------------------------------------------------------- kinds and parents


BONUS = """\
  awards:
    name: 表彰奖励
    parent: extra
    rule: {type: bonus_items, levels: {national: 3}}
"""


def test_it_rejects_a_bonus_item_under_a_mean_parent(tmp_path: Path) -> None:
    text = variant(
        (
            "  economy: {name: 经济发展}\n",
            "  economy: {name: 经济发展}\n  extra: {name: 加分, aggregation: mean}\n",
        ),
        ("grading:\n", BONUS + "grading:\n"),
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.awards.parent"
    assert issue.line == line_of(text, "parent: extra")
    assert "bonus" in issue.message
    assert "sum" in issue.message
    assert "mean" in issue.message


def test_it_asks_for_the_points_of_a_base_indicator_under_a_sum(tmp_path: Path) -> None:
    text = variant(("    weights: {development: 40, ecology: 70}\n", ""))
    issues = scheme_issues(tmp_path, text)
    issue = by_path(issues, "indicators.forest_cover.weights")
    assert issue.line == line_of(text, "forest_cover:")
    assert "give weights" in issue.message


def test_it_rejects_weights_on_a_bonus_item(tmp_path: Path) -> None:
    text = variant(
        ("  economy: {name: 经济发展}\n", "  economy: {name: 经济发展}\n  extra: {name: 加分}\n"),
        ("grading:\n", BONUS.replace("    rule:", "    weights: 5\n    rule:") + "grading:\n"),
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.awards.weights"
    assert issue.line == line_of(text, "weights: 5")
    assert "bonus item has no full marks" in issue.message
    assert "remove weights" in issue.message


def test_it_rejects_a_veto_rule_with_another_kind(tmp_path: Path) -> None:
    veto = "  veto:\n    name: 否决\n    parent: economy\n    kind: bonus\n    rule: {type: veto}\n"
    text = variant(("grading:\n", veto + "grading:\n"))
    issues = scheme_issues(tmp_path, text)
    issue = by_path(issues, "indicators.veto.kind")
    assert issue.line == line_of(text, "kind: bonus")
    assert "veto" in issue.message


# --------------------------------------------------------------------------- grading


GATE = """\
  gates:
    - id: award_gate
      name: 评优门槛
      max_grade: god
      require_target_met: [gdp_growth]
"""


def test_it_rejects_an_unknown_grade_in_a_gate(tmp_path: Path) -> None:
    text = MINIMAL + GATE
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "grading.gates.0.max_grade"
    assert issue.line == line_of(text, "max_grade: god")
    assert "unknown grade 'god' (did you mean 'good'?)" in issue.message
    assert "excellent, good" in issue.message


def test_it_rejects_an_unknown_grade_in_a_veto(tmp_path: Path) -> None:
    veto = (
        "  veto:\n    name: 否决\n    parent: economy\n"
        "    rule:\n      type: veto\n      effect: max_grade\n      max_grade: excelent\n"
    )
    text = variant(("grading:\n", veto + "grading:\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.veto.rule.max_grade"
    assert issue.line == line_of(text, "max_grade: excelent")
    assert "unknown grade 'excelent' (did you mean 'excellent'?)" in issue.message


def test_it_rejects_a_gate_on_an_unknown_indicator(tmp_path: Path) -> None:
    text = MINIMAL + GATE.replace("max_grade: god", "max_grade: good").replace(
        "[gdp_growth]", "[gdp_grwth]"
    )
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "grading.gates.0.require_target_met"
    assert issue.line == line_of(text, "gdp_grwth")
    assert "did you mean 'gdp_growth'?" in issue.message


def test_it_rejects_a_quota_on_the_last_grade(tmp_path: Path) -> None:
    text = variant(("{id: good, name: 良好}", "{id: good, name: 良好, quota: {count: 1}}"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "grading.grades.1"
    assert issue.line == line_of(text, "id: good")
    assert "last grade" in issue.message
    assert "no quota" in issue.message


def test_it_rejects_a_bad_tie_break_key_listing_the_valid_ones(tmp_path: Path) -> None:
    text = MINIMAL + "ranking:\n  tie_break:\n    - indicator:gdp_growth\n    - points:gdp\n"
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "ranking.tie_break.1"
    assert issue.line == line_of(text, "points:gdp")
    assert "unknown tie-break 'points:gdp'" in issue.message
    assert "indicator:<id>" in issue.message
    assert "dimension:<id>" in issue.message


def test_it_rejects_a_tie_break_on_an_unknown_indicator(tmp_path: Path) -> None:
    text = variant(("grading:\n", "grading:\n  tie_break: [value:gdp]\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "grading.tie_break.0"
    assert issue.line == line_of(text, "value:gdp")


def test_it_rejects_a_quota_with_both_share_and_count(tmp_path: Path) -> None:
    text = variant(("quota: {share: 0.3}", "quota: {share: 0.3, count: 2}"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "grading.grades.0.quota"
    assert issue.line == line_of(text, "count: 2")
    assert "exactly one of share or count" in issue.message


def test_it_rejects_a_quota_share_above_one(tmp_path: Path) -> None:
    text = variant(("quota: {share: 0.3}", "quota: {share: 30}"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "grading.grades.0.quota.share"
    assert issue.message == "share must be ≤ 1, got 30"


# --------------------------------------------------------------------------- ids and types


@pytest.mark.parametrize("reserved", ["score", "rank", "grade", "unit"])
def test_it_rejects_an_indicator_id_reserved_for_a_results_column(
    tmp_path: Path, reserved: str
) -> None:
    text = variant(("  forest_cover:\n", f"  {reserved}:\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == f"indicators.{reserved}"
    assert issue.line == line_of(text, f"  {reserved}:")
    assert f"'{reserved}' is reserved" in issue.message


def test_it_rejects_a_dimension_id_reserved_for_a_results_column(tmp_path: Path) -> None:
    text = MINIMAL.replace("economy", "total")
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "dimensions.total"
    assert issue.line == line_of(text, "total: {name")


def test_it_rejects_an_id_that_is_not_an_identifier(tmp_path: Path) -> None:
    text = variant(("  jining: {name: 集宁区", "  jin/ing: {name: 集宁区"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.line == line_of(text, "jin/ing")
    assert issue.path.startswith("units")
    assert "'jin/ing' is not a valid id" in issue.message


def test_it_names_the_allowed_values_of_a_choice(tmp_path: Path) -> None:
    text = variant(('    unit_of_measure: "%"\n', '    unit_of_measure: "%"\n    direction: up\n'))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.gdp_growth.direction"
    assert issue.line == line_of(text, "direction: up")
    assert "'up' is not allowed" in issue.message
    assert "higher" in issue.message
    assert "lower" in issue.message


def test_it_rejects_text_where_a_number_belongs(tmp_path: Path) -> None:
    text = variant(("    target: 6.5\n", "    target: 六点五\n"))
    issue = only(scheme_issues(tmp_path, text))
    assert issue.path == "indicators.gdp_growth.target"
    assert issue.line == line_of(text, "target: 六点五")
    assert "must be a number" in issue.message
    assert "六点五" in issue.message


def test_it_keeps_no_and_on_as_text_not_booleans(tmp_path: Path) -> None:
    # YAML 1.1 would read the unit id `no` as false and the name `on` as true.
    text = variant(
        ("  siziwang: {name: 四子王旗, category: ecology}", "  no: {name: on, category: ecology}"),
    )
    scheme = load_scheme(write_text(tmp_path / "scheme.yaml", text))
    assert list(scheme.units) == ["jining", "no"]
    assert scheme.units["no"].name == "on"


def test_it_reads_yes_no_on_off_as_text_and_only_true_false_as_booleans() -> None:
    value, _, issues = load_yaml("a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\nno: 1\n", "x")
    assert issues == []
    assert value == {"a": "yes", "b": "no", "c": "on", "d": "off", "e": True, "f": False, "no": 1}


def test_it_reads_1e3_as_a_number() -> None:
    value, _, issues = load_yaml("a: 1e3\nb: -2.5E-1\nc: 1_000\n", "x")
    assert issues == []
    assert value["a"] == 1000.0
    assert isinstance(value["a"], float)
    assert value["b"] == -0.25


def test_it_reads_1e1_as_a_number_where_a_whole_number_is_wanted(tmp_path: Path) -> None:
    # YAML 1.1 reads `1e1` as the text '1e1', which is no whole number; YAML 1.2 reads 10.0
    text = variant(("name: 示例考核方案\n", "name: 示例考核方案\ndecimals: 1e1\n"))
    scheme = load_scheme(write_text(tmp_path / "scheme.yaml", text))
    assert scheme.decimals == 10


# --------------------------------------------------------------------------- all at once


def test_it_reports_every_problem_at_once_sorted_by_line(tmp_path: Path) -> None:
    text = variant(
        ("quota: {share: 0.3}", "quota: {share: 3}"),  # last
        ("ecology: 30}", "ecology: -3}"),  # middle
        ("name: 示例考核方案\n", "name: 示例考核方案\nscal: 10\n"),  # first
    )
    issues = scheme_issues(tmp_path, text)
    assert [i.line for i in issues] == [
        line_of(text, "scal: 10"),
        line_of(text, "ecology: -3"),
        line_of(text, "share: 3"),
    ], shown(issues)
    assert [i.path for i in issues] == [
        "scal",
        "indicators.gdp_growth.weights.ecology",
        "grading.grades.0.quota.share",
    ]


def test_it_reports_problems_of_structure_and_of_reference_together(tmp_path: Path) -> None:
    # an unknown key (structure), a unit in an unknown category (reference) and an indicator
    # owned by an unknown department (reference) are independent: all three are reported.
    text = variant(
        ("name: 示例考核方案\n", "name: 示例考核方案\nscal: 10\n"),
        ("category: development}", "category: developmnet}"),
        ('    unit_of_measure: "%"\n', '    unit_of_measure: "%"\n    owner: stats\n'),
    )
    issues = scheme_issues(tmp_path, text)
    assert [i.path for i in issues] == [
        "scal",
        "units.jining.category",
        "indicators.gdp_growth.owner",
    ], shown(issues)


def test_it_reports_a_duplicate_key_together_with_other_problems(tmp_path: Path) -> None:
    text = variant(
        ("    target: 6.5\n", "    target: 6.5\n    target: 7\n"),
        ("weights: {development: 40, ecology: 70}", "weights: {development: 40, ecology: -70}"),
    )
    issues = scheme_issues(tmp_path, text)
    assert [i.line for i in issues] == [
        line_of(text, "target: 7"),
        line_of(text, "ecology: -70"),
    ], shown(issues)


def test_it_locates_every_reference_problem_and_sorts_them_by_line(tmp_path: Path) -> None:
    text = variant(
        ("category: development}", "category: developmnet}"),
        (
            "siziwang: {name: 四子王旗, category: ecology}",
            "siziwang: {name: 四子王旗, category: ecolgy}",
        ),
    )
    issues = scheme_issues(tmp_path, text)
    # both typos; the categories they leave empty are not reported again (the typo explains it)
    assert [i.path for i in issues] == [
        "units.jining.category",
        "units.siziwang.category",
    ], shown(issues)
    assert [i.line for i in issues] == [line_of(text, "developmnet"), line_of(text, "ecolgy")]


def test_it_states_every_issue_as_file_line_path_message(tmp_path: Path) -> None:
    text = dedent(
        """
        name: x
        categories:
          c: {name: C}
        units:
          u: {name: U, category: c}
        indicators:
          i: {name: I, weights: 10, rule: {type: target_met}}
        """
    )
    issue = only(scheme_issues(tmp_path, text))
    path = tmp_path / "scheme.yaml"
    assert str(issue) == (
        f"{path}:{line_of(text, 'i: {')}: indicators.i.target: "
        f"rule target_met needs a target for every unit it applies to; missing for u"
    )

"""Loading a scheme from its YAML file, with every error located at a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kaohe.checks import build_scheme
from kaohe.errors import Issue, SchemeError
from kaohe.io.yamlfile import LineMap, load_yaml, read_yaml
from kaohe.scheme import Scheme


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate a scheme file.

    Raises :class:`SchemeError` whose issues read like
    ``scheme.yaml:42: indicators.gdp_growth.weights.ecology: weight must be ≥ 0, got -3``.
    """
    path = Path(path)
    raw, lines, issues = read_yaml(path)
    return _validate(raw, lines, issues)


def parse_scheme_text(text: str, name: str = "scheme.yaml") -> Scheme:
    """Validate a scheme given as YAML text (e.g. stored by the platform); errors as above."""
    raw, lines, issues = load_yaml(text, name)
    return _validate(raw, lines, issues)


def _validate(raw: Any, lines: LineMap, issues: list[Issue]) -> Scheme:
    if raw is None and issues:  # unreadable: nothing more can be checked
        raise SchemeError(issues)
    if not isinstance(raw, dict):
        raise SchemeError([*issues, lines.locate(_top_level_issue(raw))])
    try:
        # with duplicate keys a definition was dropped: checks of meaning would only mislead
        scheme = build_scheme(raw, check=not issues)
    except SchemeError as exc:
        issues += [lines.locate(i) for i in exc.issues]
    if issues:  # e.g. duplicate keys, reported together with every other problem
        raise SchemeError(sorted(issues, key=lambda i: i.line or 0))
    return scheme


def _top_level_issue(raw: object) -> Issue:
    return Issue(
        f"a scheme must be a mapping of keys (name, categories, units, …), got {type(raw).__name__}"
    )

"""Loading a scheme from its YAML file, with every error located at a line."""

from __future__ import annotations

from pathlib import Path

from kaohe.errors import Issue, SchemeError
from kaohe.io.yamlfile import read_yaml
from kaohe.scheme import Scheme, build_scheme


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate a scheme file.

    Raises :class:`SchemeError` whose issues read like
    ``scheme.yaml:42: indicators.gdp_growth.weights.ecology: weight must be ≥ 0, got -3``.
    """
    path = Path(path)
    raw, lines, issues = read_yaml(path)
    if issues:
        raise SchemeError(issues)
    if not isinstance(raw, dict):
        raise SchemeError([lines.locate(_top_level_issue(raw))])
    try:
        return build_scheme(raw)
    except SchemeError as exc:
        located = sorted((lines.locate(i) for i in exc.issues), key=lambda i: i.line or 0)
        raise SchemeError(located) from None


def _top_level_issue(raw: object) -> Issue:
    from kaohe.errors import Issue

    return Issue(
        f"a scheme must be a mapping of keys (name, categories, units, …), got {type(raw).__name__}"
    )

"""YAML reading that remembers the line of every key and value.

PyYAML's composer gives each node a start mark; we build plain Python values from the nodes and
keep a map from the dotted path of each value to its line. Duplicate keys — which PyYAML would
silently resolve to the last one — are errors. Only ``true``/``false`` are booleans (so a key
``no`` or ``on`` stays text), and ``1e3`` is a number, as in YAML 1.2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kaohe.errors import Issue

try:
    _Base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader with YAML 1.2 booleans and floats."""


_Loader.yaml_implicit_resolvers = {
    k: [
        (tag, rx)
        for tag, rx in v
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")
    ]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


@dataclass
class LineMap:
    """Dotted path → line number (1-based) of every key and value in a YAML document."""

    file: str
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def line_of(self, path: tuple[Any, ...] | str) -> int | None:
        if isinstance(path, str):
            path = _split(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def locate(self, issue: Issue) -> Issue:
        return issue.located(file=self.file, line=self.line_of(issue.path))


def _split(path: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()


def load_yaml(text: str, name: str) -> tuple[Any, LineMap, list[Issue]]:
    """Parse YAML text; return the value, its line map, and problems (duplicates, syntax)."""
    lm = LineMap(name)
    issues: list[Issue] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, lm, [Issue(f"not valid YAML: {problem}", file=name, line=line)]
    if node is None:
        return None, lm, [Issue("the file is empty", file=name, line=1)]
    loader = _Loader("")
    value = _build(node, (), lm, issues, loader)
    return value, lm, issues


def _build(
    node: yaml.Node, path: tuple[Any, ...], lm: LineMap, issues: list[Issue], loader: Any
) -> Any:
    lm.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            if not isinstance(key, str | int | float):
                issues.append(
                    Issue(
                        "keys must be text or numbers",
                        file=lm.file,
                        line=knode.start_mark.line + 1,
                        path=_dotted(path),
                    )
                )
                continue
            if isinstance(key, bool):
                key = str(key).lower()
            if isinstance(key, float | int) and not isinstance(key, bool):
                key = str(key)
            sub = (*path, key)
            if key in out:
                issues.append(
                    Issue(
                        f"duplicate key {key!r} (first on line {lm.lines[sub]})",
                        file=lm.file,
                        line=knode.start_mark.line + 1,
                        path=_dotted(sub),
                    )
                )
                continue
            lm.lines[sub] = knode.start_mark.line + 1
            out[key] = _build(vnode, sub, lm, issues, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lm, issues, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def read_yaml(path: Path) -> tuple[Any, LineMap, list[Issue]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, LineMap(str(path)), [Issue("file not found", file=str(path))]
    except UnicodeDecodeError as exc:
        return (
            None,
            LineMap(str(path)),
            [Issue(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", file=str(path))],
        )
    return load_yaml(text, str(path))

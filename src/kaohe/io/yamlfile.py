"""YAML reading that remembers the line of every key and value.

PyYAML's composer gives each node a start mark; we build plain Python values from the nodes and
keep a map from the dotted path of each value to its line. Duplicate keys — which PyYAML would
silently resolve to the last one — are errors. Only ``true``/``false`` are booleans (so a key
``no`` or ``on`` stays text), and ``1e3`` is a number, as in YAML 1.2.

Every YAML file Kaohe reads (schemes, rulebooks, cadre designs; from disk or uploaded) is bounded
before anything is built from it: at most :data:`MAX_YAML_BYTES` bytes, nested at most
:data:`MAX_YAML_DEPTH` deep, and aliases (``*name``) may repeat at most :data:`MAX_ALIAS_NODES`
nodes in all — so a "billion laughs" file of a few hundred bytes is refused at its line instead
of expanding into gigabytes. The bounds are checked on PyYAML's event stream, in memory and time
proportional to the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kaohe.errors import Issue
from kaohe.i18n import Said, t

#: The largest YAML file read (bytes): far above any real scheme (the examples are 25 KB; a
#: scheme of 30,000 units is about 2 MB), far below what would exhaust memory.
MAX_YAML_BYTES = 8 * 1024 * 1024
#: The deepest nesting of mappings and lists (a scheme is about 6 deep).
MAX_YAML_DEPTH = 64
#: The most nodes all aliases together may repeat (an alias to a mapping of 10 keys repeats 21
#: nodes: the mapping, its keys and its values).
MAX_ALIAS_NODES = 10_000

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
    """Parse YAML text; return the value, its line map, and problems (duplicates, syntax).

    The text is first checked against the bounds (:func:`yaml_bound_issues`); a file beyond
    them gives ``(None, …, [issue])`` and nothing is built."""
    lm = LineMap(name)
    issues: list[Issue] = []
    try:
        refused = yaml_bound_issues(text, name)
        if refused:
            return None, lm, refused
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, lm, [Issue(Said("file.not_yaml", problem=problem), file=name, line=line)]
    if node is None:
        return None, lm, [Issue(Said("file.empty"), file=name, line=1)]
    loader = _Loader("")
    value = _build(node, (), lm, issues, loader)
    return value, lm, issues


def load_yaml_bytes(data: bytes, name: str) -> tuple[Any, LineMap, list[Issue]]:
    """Parse an uploaded YAML file (its bytes, as received), bounded like every YAML file:
    the size is checked before the bytes are decoded, then as :func:`load_yaml`."""
    if len(data) > MAX_YAML_BYTES:
        return None, LineMap(name), [_too_large(name, len(data))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, LineMap(name), [_not_utf8(name, exc)]
    return load_yaml(text, name)


def yaml_bound_issues(text: str, name: str) -> list[Issue]:
    """Why the YAML ``text`` is refused before being built — too large, nested too deep, or
    aliases repeating too much (or an alias inside the collection it names) — as located
    issues in the language in force; ``[]`` if it is within :data:`MAX_YAML_BYTES`,
    :data:`MAX_YAML_DEPTH` and :data:`MAX_ALIAS_NODES`. Syntax errors are left to the parser
    (``yaml.YAMLError`` propagates)."""
    if len(text) * 4 > MAX_YAML_BYTES:  # a UTF-8 character takes at most 4 bytes
        size = len(text.encode("utf-8"))
        if size > MAX_YAML_BYTES:
            return [_too_large(name, size)]
    sizes: dict[str, int] = {}  # anchor → nodes it expands to
    open_: list[list[Any]] = []  # per open collection: [anchor, nodes so far]
    repeated = 0

    def add(n: int) -> None:
        if open_:
            open_[-1][1] += n

    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if len(open_) >= MAX_YAML_DEPTH:
                return [Issue(t("yaml.too_deep", n=MAX_YAML_DEPTH), file=name, line=line)]
            open_.append([event.anchor, 1])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            anchor, n = open_.pop()
            if anchor is not None:
                sizes[anchor] = n
            add(n)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                if any(a == event.anchor for a, _ in open_):
                    return [Issue(t("yaml.alias_loop", a=event.anchor), file=name, line=line)]
                continue  # an undefined alias: the parser says so
            repeated += sizes[event.anchor]
            if repeated > MAX_ALIAS_NODES:
                return [Issue(t("yaml.aliases", n=MAX_ALIAS_NODES), file=name, line=line)]
            add(sizes[event.anchor])
    return []


def _too_large(name: str, size: int) -> Issue:
    return Issue(
        t("yaml.too_large", size=f"{size / 1e6:.1f}", max=f"{MAX_YAML_BYTES / 1e6:.1f}"),
        file=name,
    )


def _not_utf8(name: str, exc: UnicodeDecodeError) -> Issue:
    return Issue(Said("file.not_utf8", byte=exc.start), file=name)


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
                key = knode.value  # as written: a unit 150902 or 010203 keeps its digits
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
    """A YAML file from disk, bounded like every YAML file (a file too large is not read)."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            return None, LineMap(str(path)), [_too_large(str(path), size)]
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, LineMap(str(path)), [Issue(Said("file.not_found"), file=str(path))]
    except UnicodeDecodeError as exc:
        return None, LineMap(str(path)), [_not_utf8(str(path), exc)]
    return load_yaml(text, str(path))

"""Read the worked examples of docs/rules.md: a YAML block (the indicator) and a table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DOCS = Path(__file__).resolve().parent.parent / "docs"


@dataclass
class Example:
    section: str  # the rule type (or anchor) the example belongs to
    indicator: dict[str, Any]
    scheme: dict[str, Any]
    header: list[str]
    rows: list[list[str]]


def sections(text: str) -> dict[str, str]:
    """Anchor id → the text up to the next anchor."""
    parts = re.split(r'<a id="([^"]+)"></a>', text)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def _table_after(text: str, start: int) -> tuple[list[str], list[list[str]]]:
    lines = text[start:].splitlines()
    rows: list[list[str]] = []
    for line in lines:
        s = line.strip()
        if not s and not rows:
            continue
        if not s.startswith("|"):
            if rows:
                break
            continue
        rows.append([c.strip() for c in s.strip("|").split("|")])
    header, body = rows[0], list(rows[2:])
    return header, body


def examples(path: Path = DOCS / "rules.md") -> list[Example]:
    out = []
    for anchor, body in sections(path.read_text(encoding="utf-8")).items():
        m = re.search(r"```yaml\n(.*?)```", body, re.S)
        if not m:
            continue
        doc = yaml.safe_load(m.group(1))
        if "indicator" in doc:
            ind, extra = doc["indicator"], doc.get("scheme", {})
        else:
            ind, extra = doc, {}
        header, rows = _table_after(body, m.end())
        out.append(Example(anchor, ind, extra, header, rows))
    return out


def number(cell: str) -> float | None:
    cell = cell.replace("−", "-").strip()
    return None if cell == "" else float(cell)

"""Render docs/demo.svg: what `kaohe run` prints for the Ulanqab example.

    .venv/bin/python docs/make_demo.py
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from kaohe import assess
from kaohe.cli.terminal import print_ranking

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ex = ROOT / "examples" / "ulanqab"
    results = assess(ex / "scheme.yaml", ex / "data.xlsx")
    console = Console(record=True, width=96, highlight=False, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print("$ kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o out")
    print_ranking(console, results)
    console.print("结果已写入 out")
    svg = console.export_svg(title="kaohe run")
    # no web fonts: the picture must not fetch anything (monospace and CJK fallbacks serve)
    svg = re.sub(r"@font-face\s*\{[^}]*\}", "", svg)
    (ROOT / "docs" / "demo.svg").write_text(svg, encoding="utf-8")


if __name__ == "__main__":
    main()

"""matplotlib figures to bytes: SVG (deterministic and inline-safe) or PNG.

The SVG has no prolog, comments, metadata or ``style`` attributes (refused by
``style-src 'self'``: they become presentation attributes) and a fixed ``svg.hashsalt``. Text is
drawn as paths, so the picture does not depend on the reader's fonts. Coordinates are rounded to
two decimals to keep the file small — but only numbers ≥ 1: the glyphs' scale factors
(``scale(0.015625)``) keep every digit, or text would shrink to 64% of its size with wide gaps
between the letters.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any, Literal

Format = Literal["svg", "png"]
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
PNG_DPI = 144


def render(fig: Any, fmt: Format, salt: str = "kaohe") -> bytes:
    """A figure as SVG (deterministic, inline-safe) or PNG bytes."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": f"kaohe-{salt}", "svg.fonttype": "path"}):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
            return clean_svg(buf.getvalue().decode("utf-8")).encode("utf-8")
        fig.savefig(
            buf, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight"
        )
    return buf.getvalue()


_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
#: a decimal number of 1 or more with three or more decimals (not a digit of a longer number)
_LONG_COORDINATE = re.compile(r"(?<![\d.])([1-9]\d*\.\d\d)\d+")


def clean_svg(svg: str) -> str:
    """matplotlib's SVG without prolog, comments and metadata, with style attributes written
    as presentation attributes (allowed under ``style-src 'self'``), ready to inline."""
    svg = re.sub(r"<\?xml.*?\?>\s*|<!DOCTYPE[^>]*>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<defs>\s*<style[^>]*>.*?</style>\s*</defs>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)

    def attrs(m: re.Match[str]) -> str:
        out = []
        for decl in m.group(1).split(";"):
            name, sep, value = decl.partition(":")
            name, value = name.strip(), value.strip()
            if sep and re.fullmatch(r"[a-z\-]+", name):
                out.append(f' {name}="{html.escape(value, quote=True)}"')
        return "".join(out)

    svg = _STYLE_ATTR.sub(attrs, svg)
    svg = _LONG_COORDINATE.sub(r"\1", svg)
    svg = re.sub(r"\s*\n\s*", " ", svg)
    svg = re.sub(r">\s+<", "><", svg)
    # the root: scales with the page; what the <style> element set, as attributes
    return re.sub(
        r'<svg([^>]*?)\swidth="[^"]*"\sheight="[^"]*"',
        r'<svg\1 class="chart" stroke-linejoin="round" stroke-linecap="butt"',
        svg,
        count=1,
    ).strip()

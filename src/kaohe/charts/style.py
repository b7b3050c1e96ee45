"""One look for every chart: the font faces (a CJK face first), the sizes, a palette that reads
on white paper and on a projector, and numbers written as people write them (no ``2.033e+04``).

Pure constants and small functions: the SVG writer (:mod:`kaohe.charts.svg`), the matplotlib
writer (:mod:`kaohe.charts.mpl`) and the report's CSS all take their faces and colours here.
"""

from __future__ import annotations

import math

#: Font faces, best first: Noto Sans CJK (Debian's ``fonts-noto-cjk``), then the faces offices
#: have on Windows and macOS. Never fetched: what is installed is used.
FONT_FACES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "DejaVu Sans",
)
#: The same faces as a CSS ``font-family`` value.
CSS_FONTS = ", ".join(f"'{f}'" for f in FONT_FACES) + ", sans-serif"

# sizes in points (a chart 16 cm wide on A4: 9 pt reads like the body text)
TITLE_SIZE = 11.0
LABEL_SIZE = 9.0
TICK_SIZE = 8.5
NOTE_SIZE = 8.0

INK = "#1f2328"  # text
MUTED = "#57606a"  # axis text, notes
GRID = "#d0d7de"
BAR = "#2f5f98"  # the unit, or a bar without a grade
BEST = "#b3261e"  # the category's best
MEDIAN = "#6e7781"  # the category's median
TARGET = "#1a7f37"  # a target met, the 100% line

#: Grades, best first: green, blue, amber, red, then purple and slate for more grades.
GRADE_COLOURS = ("#1a7f37", "#2f5f98", "#9a6700", "#b3261e", "#6f42c1", "#57606a")

#: Series (one per unit or category): dark, distinct hues, each at least 4.5:1 against white,
#: so a thin line or a label in that colour can be read (no pastels).
SERIES_COLOURS = (
    "#1f5fa8",
    "#c4501b",
    "#1a7f37",
    "#b3261e",
    "#6f42c1",
    "#8a5a2b",
    "#b0307a",
    "#4d5a66",
    "#6b6b00",
    "#0f7283",
    "#16325c",
    "#9c4f00",
)


def grade_colour(index: int) -> str:
    """The colour of the grade at ``index`` (0 the best)."""
    return GRADE_COLOURS[index % len(GRADE_COLOURS)]


def series_colour(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


def number(x: float | None, decimals: int | None = None) -> str:
    """A number as people write it: ``decimals`` places when given; otherwise whole numbers
    from 1,000 up with thousands separators (``20,330``), else four significant digits with no
    trailing zeros (``94.82``, ``0.0153``). Never an exponent; ``—`` for none."""
    if x is None or not math.isfinite(x):
        return "—" if x is None or math.isnan(x) else ("∞" if x > 0 else "−∞")
    if decimals is not None:
        text = f"{x:,.{decimals}f}"
    elif abs(x) >= 1000:
        text = f"{x:,.0f}"
    elif x == 0:
        text = "0"
    else:
        places = min(max(3 - math.floor(math.log10(abs(x))), 0), 8)
        text = f"{x:.{places}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text.startswith("-"):
        return "0" if text.strip("-0.,") == "" else "−" + text[1:]
    return text


def percent(x: float | None, decimals: int = 1) -> str:
    """A share (0.234) as a percentage (``23.4%``)."""
    return "—" if x is None or not math.isfinite(x) else f"{x * 100:.{decimals}f}%"

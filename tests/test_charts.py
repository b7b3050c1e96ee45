"""The chart stack: inline SVG text at the size the PNG draws it, values beyond the axis marked,
numbers without exponents, every chart with a title, an axis label and a legend in words."""

from __future__ import annotations

import io
import re

import pytest

from kaohe.charts import style
from kaohe.charts.mpl import to_png
from kaohe.charts.render import clean_svg, render
from kaohe.charts.spec import Bar, BarChart, LegendEntry, RadarChart, Series
from kaohe.charts.svg import to_svg
from kaohe.io.charts import pyplot


def _glyph_scales(svg: str) -> list[float]:
    """Every scale factor in the drawing, in order: the text groups' (font size) and the
    glyph outlines' (font units to points) — together the size text is drawn at."""
    return [float(x) for x in re.findall(r"scale\((-?[\d.]+)", svg)]


def test_inline_svg_text_keeps_the_size_matplotlib_draws_it_in_the_png() -> None:
    plt = pyplot()
    import matplotlib

    fig = plt.figure(figsize=(3, 1))
    fig.text(0.1, 0.5, "丰镇市 94.82", fontsize=10)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "x"}):
        fig.savefig(buf, format="svg")  # what the PNG is drawn from: the same geometry
    raw = buf.getvalue().decode("utf-8")
    inline = render(fig, "svg").decode("utf-8")
    plt.close(fig)
    before, after = _glyph_scales(raw), _glyph_scales(inline)
    assert before
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        assert b == pytest.approx(a, rel=1e-3)  # was 0.64× (0.015625 rounded to 0.01)


def test_clean_svg_rounds_coordinates_but_not_small_scale_factors() -> None:
    svg = '<svg width="1" height="1"><path d="M 12.345678 0.015625"/></svg>'
    assert 'd="M 12.34 0.015625"' in clean_svg(svg)


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [
        (20330.0, None, "20,330"),
        (94.8234, None, "94.82"),
        (0.0153, None, "0.0153"),
        (3.0, None, "3"),
        (-2.5, None, "−2.5"),
        (0.0, None, "0"),
        (1234.5, 2, "1,234.50"),
        (None, None, "—"),
        (-0.001, 2, "0"),
    ],
)
def test_numbers_are_written_without_exponents(
    x: float | None, decimals: int | None, text: str
) -> None:
    assert style.number(x, decimals) == text


def _bars() -> BarChart:
    return BarChart(
        "完成率",
        "完成目标的 %（%）",
        (Bar("丰镇市", 234.0, style.BAR, "234%"), Bar("集宁区", 80.0, style.BEST, "80%")),
        200.0,
        (LegendEntry("已完成", style.BAR), LegendEntry("落后", style.BEST)),
    )


def test_a_value_beyond_the_axis_gets_an_arrow_and_its_true_value() -> None:
    c = _bars()
    svg = to_svg(c)
    assert c.clipped(c.bars[0])
    assert not c.clipped(c.bars[1])
    assert svg.count("<path") == 1  # the arrow, on the clipped bar only
    assert ">234%</text>" in svg
    assert 'font-weight="bold"' in svg


def test_every_chart_has_its_title_axis_label_and_legend_in_words() -> None:
    radar = RadarChart(
        "集宁区：各维度得分率",
        "得分率（%）",
        ("经济", "项目", "治理"),
        (
            Series("同类最高", style.BEST, (1.0, 0.9, 0.8), "dashed"),
            Series("集宁区", style.BAR, (0.7, 0.6, 1.2), filled=True),
        ),
    )
    for chart in (_bars(), radar):
        svg = to_svg(chart)
        assert svg == to_svg(chart)  # deterministic
        assert f'aria-label="{chart.title}"' in svg
        assert f">{chart.title}</text>" in svg
        assert f">{chart.axis_label}</text>" in svg
        for entry in chart.legend:
            assert f">{entry.label}</text>" in svg
        assert "Noto Sans CJK SC" in svg
        assert " style=" not in svg
        assert to_png(chart).startswith(b"\x89PNG")
    assert radar.ring_max == 1.25  # a share above 100% widens the rings

"""Kaohe's one chart stack: what a chart shows (:mod:`~kaohe.charts.spec`, frozen records), one
look (:mod:`~kaohe.charts.style`: CJK faces, sizes, readable colours, numbers), drawn as inline
SVG (:mod:`~kaohe.charts.svg`, text as text) or by matplotlib as PNG (:mod:`~kaohe.charts.mpl`);
matplotlib figures made deterministic and inline-safe by :mod:`~kaohe.charts.render`."""

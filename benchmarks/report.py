"""Benchmark of ``kaohe report``: a report for 3,000 units (HTML, XLSX, PDF).

    .venv/bin/python benchmarks/report.py                      # 3,000 units × 30 indicators
    .venv/bin/python benchmarks/report.py --units 300 --runs 5

A synthetic scheme (benchmarks/synthetic.py: 3 categories, a 3-level tree, 14 rule types,
bonus and deduction items, a veto, four grades under quota with a gate) and its data. Timed
separately, each the median of ``--runs`` runs (the PDF of ``--pdf-runs``): the content model
(``build_report``, without exact gaps), each writer, and — on ``--gap-units`` units — the exact
gaps (``--gaps 5``), whose cost grows with the number of units. Printed: each figure and the
PDF's page count. Targets (issue 14): HTML and XLSX under 10 s, PDF under 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kaohe import __version__
from kaohe.engine import assess
from kaohe.report.content import InputFile, Provenance, build_report
from synthetic import synthetic_data, synthetic_scheme


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--indicators", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pdf-runs", type=int, default=1)
    ap.add_argument("--gap-units", type=int, default=3)
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()

    from kaohe.report.html import write_html
    from kaohe.report.xlsx import write_xlsx

    scheme = synthetic_scheme(args.units, args.indicators)
    data = synthetic_data(scheme)
    results = assess(scheme, data)
    digest = hashlib.sha256(scheme.model_dump_json().encode()).hexdigest()
    prov = Provenance(__version__, dt.date(2026, 1, 1), (InputFile("scheme", "synthetic", digest),))
    print(f"{args.units:,} units × {args.indicators} indicators (median of {args.runs} runs)")
    t_content, report = timed(lambda: build_report(results, prov, "zh", gaps_per_unit=0), args.runs)
    print(f"  content model (no gaps)   {t_content:7.2f} s")
    # exact gaps on a few units, to give their cost per unit
    few = list(range(min(args.gap_units, args.units)))
    if few:
        from kaohe.report import content

        peers = content._PeerStats.of(results)
        start = time.perf_counter()
        for i in few:
            content.unit_page(results, i, peers, content.GAPS_PER_UNIT)
        per_unit = (time.perf_counter() - start) / len(few)
        print(
            f"  exact gaps (--gaps 5)     {per_unit:7.2f} s per unit "
            f"(≈ {per_unit * args.units / 60:,.0f} min for all)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t_html, _ = timed(lambda: write_html(report, out / "report.html"), args.runs)
        size = (out / "report.html").stat().st_size
        print(f"  report.html               {t_html:7.2f} s  ({size / 1e6:.1f} MB)")
        t_xlsx, _ = timed(lambda: write_xlsx(report, out / "report.xlsx"), args.runs)
        size = (out / "report.xlsx").stat().st_size
        print(f"  report.xlsx               {t_xlsx:7.2f} s  ({size / 1e6:.1f} MB)")
        if not args.no_pdf:
            from kaohe.report.pdf import write_pdf

            t_pdf, pages = timed(lambda: write_pdf(report, out / "report.pdf"), args.pdf_runs)
            size = (out / "report.pdf").stat().st_size
            print(
                f"  report.pdf                {t_pdf:7.2f} s  "
                f"({pages:,} pages, {size / 1e6:.1f} MB)"
            )


if __name__ == "__main__":
    main()

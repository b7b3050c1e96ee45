"""Cost of comparing peers at 12 significant digits (kaohe.rules.base.peer_values).

    .venv/bin/python benchmarks/peer_precision.py            # 3,000 and 30,000 units
    .venv/bin/python benchmarks/peer_precision.py --sizes 3000 --runs 9

On the synthetic scheme of benchmarks/synthetic.py (100 indicators, 54 of them peer-relative),
prints the median of ``kaohe.assess`` with peer precision and with it switched off (the rules
then see the raw values, as before it existed), run after run in the same process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kaohe import assess
from kaohe.rules import base
from synthetic import synthetic_data, synthetic_scheme


def _timed(scheme: object, data: object) -> float:
    t = time.perf_counter()
    assess(scheme, data)  # type: ignore[arg-type]
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,30000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    original = base.compares_peers
    for n in (int(s) for s in args.sizes.split(",")):
        scheme = synthetic_scheme(n)
        data = synthetic_data(scheme)
        assess(scheme, data)  # warm up
        on, off = [], []
        for _ in range(args.runs):  # interleaved: the machine's load falls on both alike
            on.append(_timed(scheme, data))
            base.compares_peers = lambda r: False
            off.append(_timed(scheme, data))
            base.compares_peers = original
        print(
            f"{n:>6} units: assess median {statistics.median(on):.3f} s with peer precision, "
            f"{statistics.median(off):.3f} s without ({args.runs} interleaved runs each)"
        )


if __name__ == "__main__":
    main()

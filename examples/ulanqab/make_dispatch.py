"""Write the ILLUSTRATIVE monthly dispatch data of the Ulanqab example: dispatch.csv (2022) and
dispatch_2021.csv (the same months a year earlier, for year-on-year growth and last year's shape).

Every unit-level number here is made up. December's values are this example's annual values
(data.csv, from make_data.py), so the year closes where the annual assessment starts; the months
before follow a seasonal shape and a pace per unit (some ahead, some behind). The city-level
half-year figures follow the news article loosely: the counties' GDP growth in the first half
sits near the city's +4.4% (below the annual targets), their fixed-asset investment grows about
+31% on a year earlier. A few cells are made to show the data warnings: 化德县 does not report
its June budget revenue (late), 商都县's investment to date falls in May (a correction), and
四子王旗 signs an unusual number of projects in March (a jump).

Run from the repository root (deterministic: the same files every time)::

    .venv/bin/python examples/ulanqab/make_dispatch.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_data import U, values  # noqa: E402  (the annual values of this example)

CURRENT = HERE / "dispatch.csv"
PREVIOUS = HERE / "dispatch_2021.csv"
SEED = 20220630
MONTHS = range(1, 13)
QUARTER_ENDS = (3, 6, 9, 12)

# Seasonal shapes (one weight per month) of last year's flows.
REVENUE_SHAPE = np.array([9, 7, 8, 8, 8, 10, 7, 7, 8, 8, 8, 12], dtype=float)
FAI_SHAPE = np.array([1, 2, 8, 12, 13, 14, 12, 11, 10, 8, 6, 3], dtype=float)
CONSTRUCTION = np.array([0, 0, 15, 30, 25, 15, 10, 5, 0, 0, 0, 0], dtype=float)

# Pace in the first half-year (1 = on last year's shape): below 1 behind, above 1 ahead.
PACE = dict(
    zip(
        U,
        (1.04, 0.93, 0.97, 1.06, 0.80, 0.86, 1.08, 1.02, 0.90, 1.00, 1.05),
        strict=True,
    )
)
# Last year's fixed-asset investment (亿元) and reserve projects at December.
FAI_2021 = dict(zip(U, (160, 210, 55, 120, 30, 38, 62, 70, 26, 45, 80), strict=True))
RESERVE_2021 = dict(zip(U, (165, 135, 64, 118, 44, 57, 66, 72, 43, 60, 80), strict=True))


def shares(shape: np.ndarray) -> np.ndarray:
    """Cumulative shares of a monthly shape (the last is 1)."""
    cs = np.cumsum(shape)
    return cs / cs[-1]


def paced(final: float, base: np.ndarray, pace: float) -> np.ndarray:
    """Levels to date that reach ``final`` in December, ``pace`` × the base shape in June and
    back on it by December (the gap closes linearly in the second half)."""
    months = np.arange(1, 13)
    factor = np.where(months <= 6, pace, pace + (1 - pace) * (months - 6) / 6)
    return final * np.minimum(base * factor, 1.0)


def monotone(x: np.ndarray) -> np.ndarray:
    return np.maximum.accumulate(x)


def rows_2022(rng: np.random.Generator) -> list[list[Any]]:
    annual = values()
    out: list[list[Any]] = []

    def put(indicator: str, uid: str, month: int, value: float, decimals: int) -> None:
        out.append([uid, indicator, f"2022-{month:02d}", round(float(value), decimals)])

    rev = shares(REVENUE_SHAPE)
    fai = shares(FAI_SHAPE)
    start = shares(CONSTRUCTION)
    for uid in U:
        pace = PACE[uid]
        # GDP growth to date, by quarter: the first half below the year (city +4.4%)
        gdp = float(annual["gdp_growth"][uid])
        for q, lag in zip(QUARTER_ENDS, (2.3, 1.9, 0.8, 0.0), strict=True):
            put("gdp_growth", uid, q, gdp - lag * (2 - pace), 1)
        ind = float(annual["industry_growth"][uid])
        for m in MONTHS:
            put("industry_growth", uid, m, ind + rng.normal(0, 0.6) - 1.5 * (12 - m) / 12, 1)
        inc = float(annual["urban_income_growth"][uid])
        for q in QUARTER_ENDS:
            put("urban_income_growth", uid, q, inc + rng.normal(0, 0.15), 1)
        # budget revenue to date (亿元): December is the annual value
        levels = monotone(paced(float(annual["budget_revenue"][uid]), rev, pace))
        for m in MONTHS:
            if (uid, m) != ("huade", 6):  # not reported: late
                put("budget_revenue", uid, m, levels[m - 1], 2)
        # fixed-asset investment to date (亿元): growth on last year's months
        g_year = float(annual["fai_growth"][uid]) / 100
        for m in MONTHS:
            g = g_year + 0.09 * (12 - m) / 6  # the first half grows faster (city +31.1%)
            level = FAI_2021[uid] * fai[m - 1] * (1 + g)
            if (uid, m) == ("shangdu", 5):  # a correction: below April's level to date
                level = FAI_2021[uid] * fai[3] * (1 + g_year + 0.09 * 8 / 6) * 0.98
            put("fai", uid, m, level, 2)
        # major projects started, % to date (the construction season)
        final = float(annual["project_start_rate"][uid])
        pstart = monotone(paced(final, start, min(pace, 1.0)))
        for m in MONTHS:
            put("project_start_rate", uid, m, pstart[m - 1], 1)
        # reserve projects (a stock): from last December to this year's
        r0, r1 = RESERVE_2021[uid], float(annual["reserve_projects"][uid])
        for m in MONTHS:
            level = r0 + (r1 - r0) * min(1.0, m / 12 * (pace if m <= 6 else 1.0))
            put("reserve_projects", uid, m, round(level), 0)
        # signed projects and funds in place: monthly flows adding up to the year
        for iid, decimals in (("signed_projects", 0), ("funds_in_place", 2)):
            total = float(annual[iid][uid])
            flat = np.full(12, 1.0 / 12)
            cum = paced(total, np.cumsum(flat), pace)
            flows = np.diff(np.concatenate([[0.0], cum]))
            if decimals == 0:
                flows = np.diff(np.concatenate([[0], np.round(cum)]))
            if (iid, uid) == ("signed_projects", "siziwang"):
                flows[2] += 14  # an unusual month: a jump
                flows[11] -= 14
            for m in MONTHS:
                put(iid, uid, m, flows[m - 1], decimals)
    return out


def rows_2021(rng: np.random.Generator) -> list[list[Any]]:
    annual = values()
    out: list[list[Any]] = []

    def put(indicator: str, uid: str, month: int, value: float, decimals: int) -> None:
        out.append([uid, indicator, f"2021-{month:02d}", round(float(value), decimals)])

    rev = shares(REVENUE_SHAPE * (1 + rng.normal(0, 0.03, 12)))
    fai = shares(FAI_SHAPE)
    for uid in U:
        revenue = float(annual["budget_revenue"][uid]) / 1.052  # the city's +5.2%
        for m in MONTHS:
            put("budget_revenue", uid, m, revenue * rev[m - 1], 2)
            put("fai", uid, m, FAI_2021[uid] * fai[m - 1], 2)
        for m in MONTHS:
            put("reserve_projects", uid, m, RESERVE_2021[uid] - (12 - m), 0)
    return out


def write(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["unit", "indicator", "period", "value"])
        w.writerows(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    now, before = rows_2022(rng), rows_2021(rng)
    write(CURRENT, now)
    write(PREVIOUS, before)
    print(f"wrote {CURRENT.name} ({len(now)} values) and {PREVIOUS.name} ({len(before)} values)")


if __name__ == "__main__":
    main()

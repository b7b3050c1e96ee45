"""Writing the robustness analysis: ranks.csv, sensitivity.csv, robustness.json and two charts
(rank intervals per unit, sensitivity bars), all in one folder, atomically."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from kaohe import __version__
from kaohe.i18n import LABELS, t
from kaohe.io.atomic import atomic_dir
from kaohe.io.cells import safe_row
from kaohe.io.charts import pyplot, unit_label
from kaohe.robustness.analysis import RobustnessResults

OUTPUT_FILES = (
    "ranks.csv",
    "sensitivity.csv",
    "robustness.json",
    "rank_intervals.png",
    "sensitivity.png",
)


def write_robustness(rr: RobustnessResults, out: str | Path, language: str | None = None) -> Path:
    out = Path(out)
    with atomic_dir(out, OUTPUT_FILES) as tmp:
        write_ranks(rr, tmp / "ranks.csv")
        write_sensitivity(rr, tmp / "sensitivity.csv")
        write_json(rr, tmp / "robustness.json")
        chart_intervals(rr, tmp / "rank_intervals.png", language)
        if rr.sensitivity:
            chart_sensitivity(rr, tmp / "sensitivity.png", language)
    return out


def rank_rows(rr: RobustnessResults) -> list[dict[str, Any]]:
    """One row per unit, best nominal rank first."""
    res, sm = rr.nominal, rr.summary
    grades = [g.id for g in res.scheme.grading.grades] if res.scheme.grading else []
    rows = []
    for i in np.argsort(res.rank, kind="stable").tolist():
        uid = res.units[i]
        row: dict[str, Any] = {
            "unit": uid,
            "name": res.scheme.units[uid].name,
            "category": res.scheme.units[uid].category,
            "nominal_rank": int(res.rank[i]),
            "median_rank": int(sm.median[i]),
            "rank_p05": int(sm.low[i]),
            "rank_p95": int(sm.high[i]),
            "nominal_rank_in_category": int(res.rank_in_category[i]),
            "median_rank_in_category": int(sm.median_in_category[i]),
            "rank_in_category_p05": int(sm.low_in_category[i]),
            "rank_in_category_p95": int(sm.high_in_category[i]),
            "nominal_grade": res.grade(i) or "",
        }
        for k, top in enumerate(rr.spec.top):
            row[f"p_top{top}"] = float(sm.top[i, k])
            row[f"p_top{top}_in_category"] = float(sm.top_in_category[i, k])
        for k, g in enumerate(grades):
            row[f"p_{g}"] = float(sm.grade[i, k])
        rows.append(row)
    return rows


def write_ranks(rr: RobustnessResults, path: Path) -> None:
    rows = rank_rows(rr)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(safe_row(rows[0]))
        for row in rows:
            w.writerow(safe_row(row.values()))


def write_sensitivity(rr: RobustnessResults, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["input", "output", "S1", "S1_conf", "ST", "ST_conf"])
        for r in rr.sensitivity:
            w.writerow(safe_row([r.input, r.output, r.s1, r.s1_conf, r.st, r.st_conf]))


def write_json(rr: RobustnessResults, path: Path) -> None:
    doc = {
        "generator": f"kaohe {__version__}",
        "scheme": rr.nominal.scheme.name,
        "settings": rr.spec.model_dump(mode="json"),
        "samples": rr.samples,
        "configurations": rr.configurations,
        "factors": {f.name: list(f.options) for f in rr.factors},
        "skipped": list(rr.skipped),
        "mean_abs_rank_shift": rr.mean_abs_shift,
        "units": rank_rows(rr),
        "sensitivity": [vars(r) for r in rr.sensitivity],
    }
    with path.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


# --------------------------------------------------------------------------- charts


def _label(rr: RobustnessResults, uid: str) -> str:
    return unit_label(rr.nominal.scheme.units[uid].name, uid)


def chart_intervals(rr: RobustnessResults, path: Path, language: str | None = None) -> None:
    """Each unit's 5–95% rank interval, its median and its nominal rank, best first."""
    plt = pyplot()
    rows = rank_rows(rr)[:60]
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * n + 1.2)), dpi=120)
    y = np.arange(n)
    lo = np.array([r["rank_p05"] for r in rows])
    hi = np.array([r["rank_p95"] for r in rows])
    ax.hlines(y, lo, hi, color="#7aa6d6", linewidth=5, label="5–95%")
    ax.plot([r["median_rank"] for r in rows], y, "o", color="#1f4e79", label=t("median", language))
    ax.plot(
        [r["nominal_rank"] for r in rows],
        y,
        "|",
        color="#c0392b",
        markersize=14,
        markeredgewidth=2,
        label=t("nominal", language),
    )
    ax.set_yticks(y, [_label(rr, r["unit"]) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(t("rank", language))
    ax.set_title(t("rank_intervals", language, n=rr.samples))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def input_label(name: str, language: str | None = None) -> str:
    """An input of the sensitivity analysis as a person reads it."""
    head, sep, rest = name.partition(": ")
    if sep and head == "weights":
        return t("input_weights", language, node=rest)
    return t(f"factor.{name}", language) if f"factor.{name}" in LABELS else name


def chart_sensitivity(rr: RobustnessResults, path: Path, language: str | None = None) -> None:
    """First-order and total Sobol indices of each input for the mean absolute rank shift."""
    plt = pyplot()
    rows = [r for r in rr.sensitivity if r.output == "mean_abs_shift"]
    rows.sort(key=lambda r: -r.st)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.32 * n + 1.2)), dpi=120)
    y = np.arange(n)
    ax.barh(
        y - 0.2,
        [r.st for r in rows],
        height=0.4,
        xerr=[r.st_conf for r in rows],
        color="#1f4e79",
        label="ST",
    )
    ax.barh(
        y + 0.2,
        [max(r.s1, 0.0) for r in rows],
        height=0.4,
        xerr=[r.s1_conf for r in rows],
        color="#7aa6d6",
        label="S1",
    )
    ax.set_yticks(y, [input_label(r.input, language) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(t("sobol_index", language))
    ax.set_title(t("sensitivity_title", language))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

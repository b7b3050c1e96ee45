"""A synthetic scheme and dataset of any size, with a mix of rule types, for benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kaohe import build_scheme
from kaohe.dataset import MISSING, PRESENT, Dataset
from kaohe.scheme import Scheme

CATEGORIES = ("development", "agriculture", "ecology")

# (rule, needs a target, kind) — cycled over the base indicators
RULES: list[dict[str, Any]] = [
    {"type": "linear", "below_rate": 0.1, "above_rate": 0.05, "bonus_max": 0.5},
    {"type": "proportional", "cap_ratio": 1.0},
    {
        "type": "bands",
        "bands": [{"min": 100, "share": 1}, {"min": 90, "share": 0.8}, {"min": 80, "share": 0.6}],
    },
    {"type": "rank_table", "shares": [1, 0.95, 0.9, 0.85, 0.8], "rest": 0.5},
    {"type": "rank_step", "step": 0.001},
    {"type": "ratio_to_best"},
    {"type": "efficacy"},
    {"type": "target_met", "else_points": 0.2},
    {"type": "baseline", "base": 0.8, "rate": 0.01, "reference": "peer_average"},
    {"type": "minmax"},
    {"type": "rescale", "from": [0, 200]},
    {"type": "goalposts", "lower": 0, "upper": 200},
    {"type": "rank_percentile"},
    {"type": "distance_to_target"},
]
TARGETED = {"linear", "proportional", "bands", "target_met", "distance_to_target"}


def synthetic_scheme(n_units: int, n_indicators: int = 100) -> Scheme:
    """``n_units`` units in 3 categories; ``n_indicators`` indicators (95% scored, 5% items)."""
    return build_scheme(scheme_mapping(n_units, n_indicators))


def scheme_mapping(n_units: int, n_indicators: int = 100) -> dict[str, Any]:
    """The scheme of :func:`synthetic_scheme` as the plain mapping its YAML file holds."""
    n_items = max(2, n_indicators // 20)
    n_base = n_indicators - n_items - 1
    dims: dict[str, Any] = {}
    for a in range(5):
        dims[f"d{a}"] = {"name": f"维度{a}"}
        for b in range(4):
            dims[f"d{a}_{b}"] = {"name": f"维度{a}.{b}", "parent": f"d{a}"}
    dims["extra"] = {"name": "加减分", "cap": 5, "floor": -5}
    inds: dict[str, Any] = {}
    for j in range(n_base):
        rule = RULES[j % len(RULES)]
        w = [1.0, 0.5 if j % 2 else 1.5, 1.5 if j % 2 else 0.5]
        ind: dict[str, Any] = {
            "name": f"指标{j}",
            "parent": f"d{j % 5}_{(j // 5) % 4}",
            "direction": "lower" if j % 7 == 3 and rule["type"] != "rescale" else "higher",
            "weights": dict(zip(CATEGORIES, w, strict=True)),
            "rule": rule,
            "missing": "peer_average" if j % 10 == 0 else "error",
        }
        if rule["type"] in TARGETED:
            ind["target"] = {"default": 100.0, "agriculture": 95.0}
        if ind["direction"] == "lower" and rule["type"] in ("proportional", "ratio_to_best"):
            ind["direction"] = "higher"
        inds[f"i{j}"] = ind
    for k in range(n_items):
        if k % 2:
            inds[f"bonus{k}"] = {
                "name": f"加分{k}",
                "parent": "extra",
                "rule": {"type": "bonus_items", "levels": {"national": 2, "province": 1}, "cap": 3},
            }
        else:
            inds[f"ded{k}"] = {
                "name": f"扣分{k}",
                "parent": "extra",
                "rule": {"type": "count_deduction", "per_count": 0.5, "cap": 3},
            }
    inds["veto"] = {"name": "一票否优", "rule": {"type": "veto", "effect": "bar_top"}}
    units = {
        f"u{i:06d}": {"name": f"单位{i}", "category": CATEGORIES[i % 3]} for i in range(n_units)
    }
    return {
        "name": f"synthetic {n_units}x{n_indicators}",
        "categories": {c: {"name": c} for c in CATEGORIES},
        "units": units,
        "dimensions": dims,
        "indicators": inds,
        "grading": {
            "rounding": "floor",
            "tie_break": ["indicator:i0", "id"],
            "grades": [
                {"id": "excellent", "name": "优秀", "quota": {"share": 0.2}, "min_share": 0.6},
                {"id": "good", "name": "良好", "quota": {"share": 0.4}},
                {"id": "fair", "name": "一般", "min_share": 0.3},
                {"id": "poor", "name": "较差"},
            ],
            "gates": [
                {"id": "g", "name": "门槛", "max_grade": "good", "require_target_met": ["i0"]}
            ],
        },
    }


def synthetic_data(scheme: Scheme, seed: int = 7) -> Dataset:
    rng = np.random.default_rng(seed)
    units, inds = tuple(scheme.units), tuple(scheme.indicators)
    values = rng.normal(100.0, 15.0, size=(len(units), len(inds))).clip(1.0, None)
    status = np.full(values.shape, PRESENT, dtype=np.int8)
    items: dict[str, np.ndarray] = {}
    for j, iid in enumerate(inds):
        rule = scheme.indicators[iid].rule
        pts = rule.item_points()
        if iid == "veto":
            values[:, j] = (rng.random(len(units)) < 0.01).astype(float)
        elif pts is not None:
            items[iid] = rng.poisson(0.3, size=(len(units), len(pts))).astype(float)
        elif rule.type == "count_deduction":
            values[:, j] = rng.poisson(0.5, size=len(units)).astype(float)
        elif scheme.indicators[iid].missing == "peer_average":
            gap = rng.random(len(units)) < 0.02
            values[gap, j] = np.nan
            status[gap, j] = MISSING
    return Dataset(units, inds, values, status, items)


def data_table(scheme: Scheme, data: Dataset) -> tuple[list[str], list[list[Any]]]:
    """The dataset as a wide data file: header (``unit``, indicator ids, ``id:item`` columns)
    and one row per unit (an empty cell where a value is missing)."""
    header = ["unit"]
    columns: list[tuple[int, int | None]] = []  # (indicator, item or None)
    for j, iid in enumerate(data.indicators):
        pts = scheme.indicators[iid].rule.item_points()
        if pts is None:
            header.append(iid)
            columns.append((j, None))
        else:
            for k, item in enumerate(pts):
                header.append(f"{iid}:{item}")
                columns.append((j, k))
    values = np.where(data.status == PRESENT, data.values, np.nan)
    rows = []
    for i, uid in enumerate(data.units):
        row: list[Any] = [uid]
        for j, kk in columns:
            v = values[i, j] if kk is None else data.items[data.indicators[j]][i, kk]
            row.append(None if v != v else float(v))
        rows.append(row)
    return header, rows


def write_files(n_units: int, folder: Path, n_indicators: int = 100) -> tuple[Path, Path]:
    """``scheme.yaml`` and ``data.xlsx`` of the synthetic case in ``folder``."""
    import yaml
    from openpyxl import Workbook

    raw = scheme_mapping(n_units, n_indicators)
    scheme = build_scheme(raw)
    folder.mkdir(parents=True, exist_ok=True)
    scheme_path = folder / "scheme.yaml"
    scheme_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    header, rows = data_table(scheme, synthetic_data(scheme))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(header)
    for row in rows:
        ws.append(row)
    data_path = folder / "data.xlsx"
    wb.save(data_path)
    return scheme_path, data_path

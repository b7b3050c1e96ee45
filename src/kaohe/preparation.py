"""The raw values made ready for the rules: denominated, imputed and treated for outliers, as the
scheme says (``denominator`` on indicators, ``preprocessing:``). Every stage is kept, and every
changed cell flagged, so that explanations show the value each rule used and where it came from.

Only *base* indicators scored by a numeric rule are touched: counted items, vetoes and
judgements keep their cells as entered. Imputation and treatment look only at the units an
indicator applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import MISSING, PRESENT, Dataset
from kaohe.errors import ComputationError, Issue
from kaohe.plan import Plan
from kaohe.preprocess import TreatmentResult, TreatmentSpec, denominate, impute, screen, treat
from kaohe.scheme import Scheme, Treatment

Vec = NDArray[np.float64]
UNTOUCHED = frozenset({"veto", "judgement", "bonus_items", "count_deduction"})


@dataclass(frozen=True)
class Prepared:
    """The values the rules read, and how they came to be."""

    values: Vec  # [U, I]
    status: NDArray[np.int8]  # [U, I]
    stages: dict[str, Vec] = field(default_factory=dict)  # denominated, imputed, treated
    imputed: NDArray[np.bool_] | None = None  # [U, I]
    denominated: NDArray[np.bool_] | None = None  # [U, I] cells divided by a denominator
    treatment: dict[str, TreatmentResult] = field(default_factory=dict)  # by indicator id
    treated: NDArray[np.int8] | None = None  # [U, I] TreatmentFlag of every cell
    no_denominator: NDArray[np.bool_] | None = None  # [U, I] values lost for want of one


def prepare(plan: Plan, data: Dataset) -> Prepared:
    scheme = plan.scheme
    values = np.array(data.values, dtype=np.float64)
    status = np.array(data.status, dtype=np.int8)
    stages: dict[str, Vec] = {}
    cols = np.array([_numeric(plan, j) for j in range(len(plan.indicators))], dtype=bool)
    denominated = no_denominator = None
    if any(scheme.indicators[i].denominator for i in plan.indicators):
        values, denominated, no_denominator = _denominate(plan, values, status)
        stages["denominated"] = values.copy()
    imputed = None
    if scheme.preprocessing.impute is not None:
        values, status, imputed = _impute(plan, values, status, cols)
        stages["imputed"] = values.copy()
    treatment: dict[str, TreatmentResult] = {}
    treated = None
    if scheme.preprocessing.treat is not None or any(
        isinstance(scheme.indicators[i].treat, Treatment) for i in plan.indicators
    ):
        values, treatment, treated = _treat(plan, values, status, cols)
        stages["treated"] = values.copy()
    frozen: list[NDArray[np.generic]] = [values, status, *stages.values()]
    for arr in frozen:
        arr.flags.writeable = False
    return Prepared(
        values, status, stages, imputed, denominated, treatment, treated, no_denominator
    )


def _numeric(plan: Plan, j: int) -> bool:
    ind = plan.scheme.indicators[plan.indicators[j]]
    return plan.kinds[j] == "base" and ind.rule.type not in UNTOUCHED


def _denominate(
    plan: Plan, values: Vec, status: NDArray[np.int8]
) -> tuple[Vec, NDArray[np.bool_], NDArray[np.bool_]]:
    scheme = plan.scheme
    dens = np.full(values.shape, np.nan)
    scale = np.ones(values.shape[1])
    which = np.zeros(values.shape[1], dtype=bool)
    for j, iid in enumerate(plan.indicators):
        ind = scheme.indicators[iid]
        if ind.denominator is None:
            continue
        which[j] = True
        scale[j] = ind.denominator_scale
        for i, uid in enumerate(plan.units):
            dens[i, j] = scheme.units[uid].attributes.get(ind.denominator, np.nan)
    out = denominate(values, dens, scale, which)
    cells = which[None, :] & (status == PRESENT)
    # a value without its denominator has no denominated value: it becomes missing, and the
    # indicator's policy (or the imputation) decides — flagged, never silent
    lost = out.invalid & cells
    values_out: Vec = np.where(cells & ~lost, out.values, np.where(lost, np.nan, values))
    status[lost] = MISSING
    return values_out, cells & ~lost, lost


def _groups(plan: Plan) -> NDArray[np.int64] | None:
    imp = plan.scheme.preprocessing.impute
    assert imp is not None
    if imp.by is None:
        return None
    if imp.by == "category":
        return plan.cat_index
    labels = [plan.scheme.units[u].groups.get(imp.by, "") for u in plan.units]
    codes = {lab: k for k, lab in enumerate(dict.fromkeys(labels))}
    return np.array([codes[lab] for lab in labels], dtype=np.int64)


def _impute(
    plan: Plan, values: Vec, status: NDArray[np.int8], cols: NDArray[np.bool_]
) -> tuple[Vec, NDArray[np.int8], NDArray[np.bool_]]:
    imp = plan.scheme.preprocessing.impute
    assert imp is not None
    use = cols & np.array([plan.scheme.indicators[i].impute for i in plan.indicators])
    # only cells that apply and hold a value feed the means; only missing cells are filled
    source = np.where(plan.applies & (status == PRESENT), values, np.nan)
    groups = _groups(plan) if imp.axis == "column" else None
    filled = impute(source[:, use], imp.method, groups, imp.axis)
    holes = (status == MISSING) & plan.applies & use[None, :]
    out = values.copy()
    block = out[:, use]
    mask = holes[:, use] & filled.imputed
    block[mask] = filled.values[mask]
    out[:, use] = block
    imputed = np.zeros(values.shape, dtype=bool)
    imputed[:, use] = mask
    new_status = np.where(imputed, PRESENT, status).astype(np.int8)
    return out, new_status, imputed


def _treat(
    plan: Plan, values: Vec, status: NDArray[np.int8], cols: NDArray[np.bool_]
) -> tuple[Vec, dict[str, TreatmentResult], NDArray[np.int8]]:
    scheme = plan.scheme
    out = values.copy()
    flags = np.zeros(values.shape, dtype=np.int8)
    results: dict[str, TreatmentResult] = {}
    for j, iid in enumerate(plan.indicators):
        if not cols[j]:
            continue
        ind = scheme.indicators[iid]
        spec = ind.treat if ind.treat is not None else scheme.preprocessing.treat
        if spec is None or spec == "none":
            continue
        assert isinstance(spec, Treatment)
        rows = plan.applies[:, j] & (status[:, j] == PRESENT)
        if rows.sum() < 2:
            continue
        try:
            res = treat(
                values[rows, j],
                TreatmentSpec(
                    method=spec.method,
                    max_points=spec.max_points,
                    skew_threshold=spec.skew,
                    kurtosis_threshold=spec.kurtosis,
                    fallback=spec.fallback,
                    boxcox_lambda=spec.boxcox_lambda,
                ),
            )
        except ValueError as exc:
            raise ComputationError(
                Issue(f"outlier treatment failed: {exc}", path=f"indicators.{iid}.treat")
            ) from None
        out[rows, j] = res.values
        flags[rows, j] = res.flags
        results[iid] = res
    return out, results, flags


def preparation_flags(prepared: Prepared) -> NDArray[np.int16]:
    """The explanation flags of every cell that preparation changed."""
    from kaohe.scoring import DENOMINATED, IMPUTED, TRANSFORMED, WINSORISED

    shape = prepared.values.shape
    flags = np.zeros(shape, dtype=np.int16)
    if prepared.imputed is not None:
        flags |= np.where(prepared.imputed, IMPUTED, 0).astype(np.int16)
    if prepared.treated is not None:
        t = prepared.treated
        flags |= np.where((t == 1) | (t == 2), WINSORISED, 0).astype(np.int16)
        flags |= np.where(t == 3, TRANSFORMED, 0).astype(np.int16)
    if prepared.denominated is not None:
        flags |= np.where(prepared.denominated, DENOMINATED, 0).astype(np.int16)
    return flags


def screen_units(scheme: Scheme, data: Dataset) -> tuple[Scheme, Dataset, tuple[str, ...]]:
    """Leave out units with too little data: (scheme, data, ids left out)."""
    spec = scheme.preprocessing.screen
    assert spec is not None
    units = tuple(scheme.units)
    include = np.array([u in spec.include for u in units])
    exclude = np.array([u in spec.exclude for u in units])
    base = [
        j
        for j, iid in enumerate(data.indicators)
        if scheme.indicators[iid].effective_kind == "base"
    ]
    kept = screen(np.asarray(data.status)[:, base] == PRESENT, spec.min_share, include, exclude)
    if kept.all():
        return scheme, data, ()
    keep_ids = [u for u, k in zip(units, kept, strict=True) if k]
    if not keep_ids:
        raise ComputationError(
            Issue(
                "screening leaves no unit: lower min_share", path="preprocessing.screen.min_share"
            )
        )
    cats = {scheme.units[u].category for u in keep_ids}
    sub = scheme.model_copy(
        update={
            "units": {u: scheme.units[u] for u in keep_ids},
            "categories": {c: v for c, v in scheme.categories.items() if c in cats},
            "preprocessing": scheme.preprocessing.model_copy(update={"screen": None}),
        }
    )
    rows = np.flatnonzero(kept)
    sub_data = Dataset(
        tuple(keep_ids),
        data.indicators,
        np.asarray(data.values)[rows],
        np.asarray(data.status)[rows],
        {k: np.asarray(v)[rows] for k, v in data.items.items()},
        {k: v for k, v in data.notes.items() if k[0] in keep_ids},
        {k: v for k, v in data.sources.items() if k[0] in keep_ids},
        {k: v for k, v in data.provenance.items() if k[0] in keep_ids},
    )
    return sub, sub_data, tuple(u for u, k in zip(units, kept, strict=True) if not k)

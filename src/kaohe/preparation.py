"""The raw values made ready for the rules: denominated, transformed, imputed and treated for
outliers, as the scheme says (``denominator`` and ``transform`` on indicators,
``preprocessing:``), in that order. Every stage is kept, and every changed cell flagged, so that
explanations show the value each rule used and every step from the value entered.

Only *base* indicators scored by a numeric rule are touched: counted items, vetoes and
judgements keep their cells as entered. Imputation and treatment look only at the units an
indicator applies to.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import MISSING, PRESENT, CellRef, Dataset
from kaohe.errors import ComputationError, DataError, Issue
from kaohe.i18n import Msg, say
from kaohe.plan import Plan
from kaohe.preprocess import TreatmentResult, TreatmentSpec, denominate, impute, screen, treat
from kaohe.preprocess.transform import (
    domain_holds,
    domain_text,
    outside_domain,
    transform,
    transform_value,
)
from kaohe.rules.base import PEER_DIGITS, comparable, fmt
from kaohe.scheme import UNPREPARED_RULES, Scheme, Transform, Treatment

if TYPE_CHECKING:
    from kaohe.results import Results

Vec = NDArray[np.float64]
UNTOUCHED = UNPREPARED_RULES


@dataclass(frozen=True)
class Prepared:
    """The values the rules read, and how they came to be."""

    values: Vec  # [U, I]
    status: NDArray[np.int8]  # [U, I]
    #: after each step done: denominated, transformed, imputed, treated
    stages: dict[str, Vec] = field(default_factory=dict)
    imputed: NDArray[np.bool_] | None = None  # [U, I]
    denominated: NDArray[np.bool_] | None = None  # [U, I] cells divided by a denominator
    treatment: dict[str, TreatmentResult] = field(default_factory=dict)  # by indicator id
    treated: NDArray[np.int8] | None = None  # [U, I] TreatmentFlag of every cell
    no_denominator: NDArray[np.bool_] | None = None  # [U, I] values lost for want of one
    transformed: NDArray[np.bool_] | None = None  # [U, I] cells the indicator's transform changed


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
    transformed = None
    if any(scheme.indicators[i].transform is not None for i in plan.indicators):
        values, transformed = _transform(plan, data, values, status, cols)
        stages["transformed"] = values.copy()
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
        values,
        status,
        stages,
        imputed,
        denominated,
        treatment,
        treated,
        no_denominator,
        transformed,
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


def _transform(
    plan: Plan, data: Dataset, values: Vec, status: NDArray[np.int8], cols: NDArray[np.bool_]
) -> tuple[Vec, NDArray[np.bool_]]:
    """Each indicator's ``transform`` on the values present where it applies; a value outside
    the function's domain is a :class:`DataError` naming its cell, unit and indicator."""
    out = values.copy()
    done = np.zeros(values.shape, dtype=bool)
    issues: list[Issue] = []
    for j, iid in enumerate(plan.indicators):
        spec = plan.scheme.indicators[iid].transform
        if spec is None or not cols[j]:
            continue
        rows = plan.applies[:, j] & (status[:, j] == PRESENT)
        x = np.where(rows, values[:, j], np.nan)
        bad = outside_domain(x, spec.type, spec.exponent, spec.shift)
        for i in np.flatnonzero(bad):
            issues.append(_domain_issue(plan, data, spec, int(i), j, float(x[i])))
        out[:, j] = np.where(rows, transform(x, spec.type, spec.exponent, spec.shift), out[:, j])
        done[:, j] = rows
    if issues:
        raise DataError(issues)
    return out, done


def _domain_issue(plan: Plan, data: Dataset, spec: Transform, i: int, j: int, x: float) -> Issue:
    uid, iid = plan.units[i], plan.indicators[j]
    y = x + spec.shift if spec.shift else x
    words = {
        "unit": f"{plan.scheme.units[uid].name} ({uid})",
        "indicator": f"{plan.scheme.indicators[iid].name} ({iid})",
        "value": fmt(x),
        "expr": transform_expr(spec, "x"),
    }
    if bool(domain_holds(np.array([y]), spec.type, spec.exponent)[0]):
        msg = Msg("prep.transform_overflow", **words)
    else:
        cond = domain_text(spec.type, spec.exponent)
        msg = Msg("prep.transform_domain", cond=f"{transform_arg(spec, 'x')} {cond}", **words)
    ref = data.sources.get((uid, iid), CellRef())
    return ref.issue(str(msg), path=f"indicators.{iid}.transform")


def transform_arg(spec: Transform, x: str) -> str:
    """The transform's argument as written: ``x``, or ``x + 1`` with a shift."""
    if not spec.shift:
        return x
    sign = "+" if spec.shift > 0 else "−"
    return f"{x} {sign} {fmt(abs(spec.shift))}"


def transform_expr(spec: Transform, x: str) -> str:
    """The transform of ``x`` (a number as text) as a person writes it: ``ln(5)``, ``√(5 + 1)``,
    ``log₁₀(5)``, ``5^0.5``, ``1 / 5``."""
    arg = transform_arg(spec, x)
    if spec.type == "ln":
        return f"ln({arg})"
    if spec.type == "log10":
        return f"log₁₀({arg})"
    if spec.type == "sqrt":
        return f"√({arg})"
    if spec.type == "reciprocal":
        return f"1 / ({arg})" if spec.shift or arg.startswith("−") else f"1 / {arg}"
    assert spec.exponent is not None
    base = f"({arg})" if spec.shift or arg.startswith("−") else arg
    return f"{base}^{fmt(spec.exponent)}"


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
    if prepared.transformed is not None:
        flags |= np.where(prepared.transformed, TRANSFORMED, 0).astype(np.int16)
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


# --------------------------------------------------------------------------- explained

Step = dict[str, Any]
_NO_STEPS: tuple[Step, ...] = ()


def preparation_steps(res: Results, j: int) -> Callable[[int], tuple[Step, ...]] | None:
    """For indicator ``j``: a function giving a unit's steps from the value entered to the value
    its rule used, each as plain data ``{step, op, before, after, terms, text}`` with its sentence
    in the language in force; None when preparation changed no cell of the indicator."""
    p = res.prepared
    if p is None:
        return None
    masks = {
        name: m[:, j]
        for name, m in (
            ("denominated", p.denominated),
            ("no_denominator", p.no_denominator),
            ("transformed", p.transformed),
            ("imputed", p.imputed),
        )
        if m is not None and m[:, j].any()
    }
    treated = p.treated[:, j] if p.treated is not None and p.treated[:, j].any() else None
    if not masks and treated is None:
        return None
    steps = _ColumnSteps(res, j, masks, treated)
    return steps.of


class _ColumnSteps:
    """The preparation steps of one indicator's cells (built only for the cells changed)."""

    def __init__(
        self,
        res: Results,
        j: int,
        masks: dict[str, NDArray[np.bool_]],
        treated: NDArray[np.int8] | None,
    ) -> None:
        self.res, self.j = res, j
        self.iid = res.plan.indicators[j]
        self.ind = res.scheme.indicators[self.iid]
        self.masks = {k: v.tolist() for k, v in masks.items()}
        self.treated = treated.tolist() if treated is not None else None
        self.raw = res.data.values[:, j].tolist()
        assert res.prepared is not None
        self.stages = {k: v[:, j] for k, v in res.prepared.stages.items()}
        self.treatment = res.prepared.treatment.get(self.iid)

    def of(self, i: int) -> tuple[Step, ...]:
        m = self.masks
        t = self.treated[i] if self.treated is not None else 0
        if not t and not any(v[i] for v in m.values()):
            return _NO_STEPS
        out: list[Step] = []
        x = self.raw[i]
        if m.get("denominated", _FALSE)[i]:
            x = self._denominated(out, i, x)
        elif m.get("no_denominator", _FALSE)[i]:
            out.append(_step("no_denominator", None, x, math.nan, {}, self._no_den_text(x)))
            x = math.nan
        if m.get("transformed", _FALSE)[i]:
            x = self._transformed(out, i, x)
        if m.get("imputed", _FALSE)[i]:
            x = self._imputed(out, i)
        if t:
            self._treated(out, i, x, t)
        return tuple(out)

    def _after(self, stage: str, i: int) -> float:
        return float(self.stages[stage][i])

    def _denominated(self, out: list[Step], i: int, x: float) -> float:
        ind = self.ind
        assert ind.denominator is not None
        uid = self.res.plan.units[i]
        d = float(self.res.scheme.units[uid].attributes[ind.denominator])
        s, v = float(ind.denominator_scale), self._after("denominated", i)
        words = {"attr": ind.denominator, "x": fmt(x), "d": fmt(d), "v": fmt(v)}
        if s == 1.0:
            text = say("prep.denominated", **words)
        else:
            text = say("prep.denominated_scaled", s=fmt(s), **words)
        out.append(_step("denominated", "divide", x, v, {"d": d, "s": s}, text))
        return v

    def _no_den_text(self, x: float) -> str:
        return say("prep.no_denominator", x=fmt(x), attr=self.ind.denominator)

    def _transformed(self, out: list[Step], i: int, x: float) -> float:
        spec = self.ind.transform
        assert spec is not None
        v = self._after("transformed", i)
        terms = {"exponent": spec.exponent} if spec.exponent is not None else {}
        if spec.shift:
            terms["shift"] = spec.shift
        text = say("prep.transformed", expr=transform_expr(spec, fmt(x)), v=fmt(v))
        out.append(_step("transformed", spec.type, x, v, terms, text))
        return v

    def _imputed(self, out: list[Step], i: int) -> float:
        imp = self.res.scheme.preprocessing.impute
        assert imp is not None
        v = self._after("imputed", i)
        centre = say(f"prep.centre.{imp.method}")
        if imp.axis == "row":
            how = say("prep.how.row", centre=centre)
        elif imp.by is None:
            how = say("prep.how.all", centre=centre)
        elif imp.by == "category":
            how = say("prep.how.category", centre=centre)
        else:
            label = self.res.scheme.units[self.res.plan.units[i]].groups.get(imp.by, "")
            how = say("prep.how.group", centre=centre, key=imp.by, label=label)
        text = say("prep.imputed", how=how, v=fmt(v))
        out.append(_step("imputed", imp.method, None, v, {}, text))
        return v

    def _treated(self, out: list[Step], i: int, x: float, flag: int) -> None:
        v = self._after("treated", i)
        if flag in (1, 2):
            op = "low" if flag == 1 else "high"
            text = say("prep.winsorised", x=fmt(x), v=fmt(v))
            out.append(_step("winsorised", op, x, v, {}, text))
            return
        res = self.treatment
        assert res is not None
        lo, hi = res.minimum, res.maximum
        if res.transform == "log":
            words = {"x": fmt(x), "min": fmt(lo), "max": fmt(hi), "v": fmt(v)}
            text = say("prep.treated_log", **words)
            out.append(_step("treated", "log", x, v, {"min": lo, "max": hi}, text))
            return
        lam = self._boxcox_lambda()
        y = x - lo + 1.0
        words = {"x": fmt(x), "min": fmt(lo), "y": fmt(y), "v": fmt(v)}
        if lam == 0:
            text = say("prep.treated_boxcox0", **words)
        else:
            text = say("prep.treated_boxcox", lam=fmt(lam), **words)
        out.append(_step("treated", "boxcox", x, v, {"min": lo, "y": y, "lambda": lam}, text))

    def _boxcox_lambda(self) -> float:
        spec = self.ind.treat if self.ind.treat is not None else self.res.scheme.preprocessing.treat
        assert isinstance(spec, Treatment)
        assert spec.boxcox_lambda is not None
        return float(spec.boxcox_lambda)


class _Never:
    def __getitem__(self, i: int) -> bool:
        return False


_FALSE = _Never()


def _step(
    step: str,
    op: str | None,
    before: float | None,
    after: float,
    terms: dict[str, float],
    text: str,
) -> Step:
    return {
        "step": step,
        "op": op,
        "before": _plain(before),
        "after": _plain(after),
        "terms": {k: _plain(v) for k, v in terms.items()},
        "text": text,
    }


def compared_step(before: float, after: float) -> Step:
    """The last step of a value its peers' rule compared at :data:`PEER_DIGITS` significant
    digits (two values that differ only past that digit tie, as on paper)."""
    text = say("prep.compared", digits=PEER_DIGITS, v=fmt(after))
    return _step("compared", "digits", before, after, {"digits": float(PEER_DIGITS)}, text)


def _plain(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def redo_step(step: Step, before: float | None) -> float | None:
    """A step's value again from the value before it and the terms it shows — by hand; for a
    step whose value comes from the other units (an imputed mean, a winsorised extreme), the
    value it shows."""
    name, op, t = step["step"], step["op"], step["terms"]
    if name == "no_denominator":
        return None
    if name in ("imputed", "winsorised"):
        after: float | None = step["after"]
        return after
    if before is None:
        return None
    if name == "compared":
        return float(comparable(np.array([before]))[0])
    if name == "denominated":
        return before / float(t["d"]) * float(t["s"])
    if name == "transformed":
        return transform_value(before, op, t.get("exponent"), float(t.get("shift", 0.0)))
    lo = float(t["min"])
    if op == "log":
        return math.log(before - lo + 0.01 * (float(t["max"]) - lo))
    y = before - lo + 1.0
    lam = float(t["lambda"])
    return math.log(y) if lam == 0 else (float(np.power(y, lam)) - 1.0) / lam

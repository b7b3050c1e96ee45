"""The robustness analysis: how every unit's rank and grade move when the method's choices move.

Uncertain inputs (``robustness:`` in the scheme, or the command line):

- the weights — sampled around the nominal ones (see :mod:`kaohe.robustness.sampling`);
- discrete alternatives — another normalisation, another aggregation, another imputation, no
  outlier treatment, dropping one indicator or dimension at a time. Each sample picks one option
  of every factor at random (the scheme's own choice is option 0). Each distinct combination is
  assessed once by the engine; its samples then vary the weights on top.

**Uncertainty analysis**: per unit, the nominal rank, the median rank and the 5–95% interval,
the probability of each grade (under the scheme's quotas and gates) and of being in the top k —
overall and within the category. **Sensitivity analysis**: first-order and total Sobol indices
(SALib's Sobol sampler and estimator, with bootstrap confidence intervals) of every uncertain
input for the mean absolute rank shift and for the rank of each unit.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import Dataset
from kaohe.engine import assess
from kaohe.errors import ComputationError, Issue, KaoheError
from kaohe.results import Results
from kaohe.robustness.evaluate import Slot, Structure, linear_form, slots_for, structure
from kaohe.robustness.montecarlo import (
    RankSummary,
    Tally,
    grading_inputs,
    simulate,
    summarise,
)
from kaohe.robustness.sampling import nominal_shares, sample_multipliers
from kaohe.robustness.sensitivity import SobolRow, sobol
from kaohe.scheme import Robustness, Scheme

Vec = NDArray[np.float64]
NORMALISATIONS = ("minmax", "zscore", "rank_percentile", "distance_to_target", "goalposts")
MEANS = ("mean", "geometric", "harmonic", "power")


@dataclass(frozen=True)
class Factor:
    """A discrete uncertain input: its options, the scheme's own first."""

    name: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class RobustnessResults:
    nominal: Results
    spec: Robustness
    samples: int
    summary: RankSummary
    factors: tuple[Factor, ...]
    skipped: tuple[str, ...]  # options that could not be computed, with why
    configurations: int
    mean_abs_shift: float
    sensitivity: tuple[SobolRow, ...] = field(default_factory=tuple)
    tally: Tally | None = None


def factors_of(scheme: Scheme, spec: Robustness) -> list[Factor]:
    alt = spec.alternatives
    out: list[Factor] = []
    if alt.normalisation:
        out.append(Factor("normalisation", ("scheme", *alt.normalisation)))
    if alt.aggregation:
        out.append(Factor("aggregation", ("scheme", *alt.aggregation)))
    if alt.imputation:
        out.append(Factor("imputation", ("scheme", *alt.imputation)))
    if alt.treatment:
        out.append(Factor("treatment", ("scheme", *alt.treatment)))
    if alt.drop == "indicators":
        ids = [i for i, ind in scheme.indicators.items() if ind.effective_kind == "base"]
        out.append(Factor("drop", ("none", *ids)))
    elif alt.drop == "dimensions":
        out.append(Factor("drop", ("none", *scheme.dimensions)))
    return out


def variant(scheme: Scheme, choice: dict[str, str]) -> Scheme:
    """The scheme with one option of each factor applied (not re-validated: full marks may no
    longer add up when something is dropped; shares keep units comparable)."""
    from kaohe import rulespec

    inds = dict(scheme.indicators)
    dims = dict(scheme.dimensions)
    pre = scheme.preprocessing
    norm = choice.get("normalisation", "scheme")
    if norm != "scheme":
        for iid, ind in inds.items():
            if (
                ind.rule.type in NORMALISATIONS
                and not (norm in ("distance_to_target",) and ind.target is None)
                and norm != "goalposts"
            ):
                cls = rulespec.RULE_CLASSES[norm]
                inds[iid] = ind.model_copy(
                    update={"rule": cls.model_validate({"type": norm}), "category_rules": {}}
                )
    agg = choice.get("aggregation", "scheme")
    if agg != "scheme":
        for did, dim in dims.items():
            if dim.aggregation in MEANS:
                dims[did] = dim.model_copy(update={"aggregation": agg, "power": None})
    imp = choice.get("imputation", "scheme")
    if imp != "scheme":
        new_imp = (
            None
            if imp == "none"
            else (pre.impute or _default_imputation()).model_copy(update={"method": imp})
        )
        pre = pre.model_copy(update={"impute": new_imp})
    if choice.get("treatment", "scheme") == "none":
        pre = pre.model_copy(update={"treat": None})
        inds = {i: ind.model_copy(update={"treat": "none"}) for i, ind in inds.items()}
    drop = choice.get("drop", "none")
    if drop != "none":
        dropped = _descendants(scheme, drop)
        for iid in dropped:
            w = inds[iid].weights  # zero, where it applied: applicability is unchanged
            zero = dict.fromkeys(w, 0.0) if isinstance(w, dict) else 0.0
            inds[iid] = inds[iid].model_copy(update={"weights": zero})
    update: dict[str, Any] = {"indicators": inds, "dimensions": dims, "preprocessing": pre}
    return scheme.model_copy(update=update)


def _default_imputation() -> Any:
    from kaohe.scheme import Imputation

    return Imputation()


def _descendants(scheme: Scheme, node: str) -> list[str]:
    if node in scheme.indicators:
        return [node]
    out = []
    for iid, ind in scheme.indicators.items():
        p = ind.parent
        while p is not None:
            if p == node:
                out.append(iid)
                break
            p = scheme.dimensions[p].parent
    return out


class _Configurations:
    """Each distinct combination of options, assessed once and kept."""

    def __init__(
        self, scheme: Scheme, data: Dataset, factors: list[Factor], spec: Robustness
    ) -> None:
        self.scheme, self.data, self.factors, self.spec = scheme, data, factors, spec
        self.cache: dict[tuple[int, ...], tuple[Structure, Any, Any] | None] = {}
        self.skipped: dict[str, str] = {}

    def get(self, combo: tuple[int, ...]) -> tuple[Structure, Any, Any] | None:
        if combo not in self.cache:
            self.cache[combo] = self._build(combo)
        return self.cache[combo]

    def _build(self, combo: tuple[int, ...]) -> tuple[Structure, Any, Any] | None:
        choice = {f.name: f.options[i] for f, i in zip(self.factors, combo, strict=True)}
        try:
            res = assess(variant(self.scheme, choice), self.data)
        except KaoheError as exc:
            label = ", ".join(f"{k}={v}" for k, v in choice.items() if v not in ("scheme", "none"))
            self.skipped[label] = str(exc.issues[0].message if exc.issues else exc)
            return None
        w = self.spec.weights
        slots = slots_for(res.plan, w.level if w else "all", w.nodes if w else None)
        st = structure(
            res.plan, np.asarray(res.points), np.asarray(res.aggregates.values), slots if w else ()
        )
        return st, linear_form(st), res


class Progress(Protocol):
    """Where the analysis reports how far it is (e.g. a progress bar)."""

    def expect(self, n: int) -> None: ...  # n more evaluations are coming

    def advance(self, n: int) -> None: ...  # n evaluations are done


def analyse(
    scheme: Scheme,
    data: Dataset,
    spec: Robustness | None = None,
    progress: Progress | None = None,
    workers: int = 2,
    keep_tally: bool = False,
) -> RobustnessResults:
    """Run the uncertainty analysis (and the sensitivity analysis if ``spec.sensitivity``)."""
    spec = spec or scheme.robustness
    if progress is not None:
        progress.expect(spec.samples)
    advance = progress.advance if progress is not None else None
    nominal = assess(scheme, data)
    if nominal.decisions is not None:
        cap = nominal.decisions.cap
    else:
        cap = np.zeros(len(nominal.units), dtype=np.int64)
    facs = factors_of(scheme, spec)
    configs = _Configurations(scheme, data, facs, spec)
    rng = np.random.default_rng(spec.seed)
    combos = (
        [tuple(int(rng.integers(len(f.options))) for f in facs) for _ in range(spec.samples)]
        if facs
        else [()] * spec.samples
    )
    tallies = []
    counts = Counter(combos)
    for k, combo in enumerate(sorted(counts)):
        count = counts[combo]
        built = configs.get(combo)
        if built is None:
            continue
        st, form, res = built
        grading = grading_inputs(res.plan, cap)
        sampler = _sampler(spec, st)
        tallies.append(
            simulate(
                st,
                form,
                sampler,
                count,
                _seed(spec.seed, k),
                nominal.rank,
                nominal.void,
                grading,
                scheme.ranking.basis,
                workers=workers,
                progress=advance,
            )
        )
    if not tallies:
        raise ComputationError(
            Issue(
                "no configuration of the robustness analysis could be "
                "computed: " + "; ".join(configs.skipped.values())
            )
        )
    tally = _concatenate(tallies)
    n_grades = len(scheme.grading.grades) if scheme.grading else 1
    summary = summarise(tally, list(spec.top), n_grades)
    sens: tuple[SobolRow, ...] = ()
    if spec.sensitivity is not None:
        sens = sobol(scheme, nominal, configs, facs, spec, cap, progress, workers)
    return RobustnessResults(
        nominal=nominal,
        spec=spec,
        samples=tally.samples,
        summary=summary,
        factors=tuple(facs),
        skipped=tuple(f"{k}: {v}" for k, v in configs.skipped.items()),
        configurations=sum(1 for v in configs.cache.values() if v is not None),
        mean_abs_shift=float(tally.abs_shift.mean()),
        sensitivity=sens,
        tally=tally if keep_tally else None,
    )


def _seed(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def _sampler(spec: Robustness, st: Structure) -> Callable[[np.random.Generator, int], Vec]:
    w = spec.weights
    n_c, n_k = len(st.plan.categories), len(st.slots)
    if w is None or n_k == 0:
        return lambda rng, n: np.ones((n, n_c, max(n_k, 1)))[:, :, :n_k]
    shares = nominal_shares(st.plan, st.slots)
    spread = w.concentration if w.method == "dirichlet" else w.range
    slots: tuple[Slot, ...] = st.slots
    return lambda rng, n: sample_multipliers(rng, n, shares, slots, w.method, spread)


def _concatenate(tallies: list[Tally]) -> Tally:
    if len(tallies) == 1:
        return tallies[0]
    perm = tallies[0].perm
    if any(not np.array_equal(t.perm, perm) for t in tallies):
        raise ComputationError(Issue("configurations laid units out differently"))
    return Tally(
        np.concatenate([t.rank for t in tallies]),
        np.concatenate([t.rank_in_category for t in tallies]),
        np.concatenate([t.grade for t in tallies]),
        np.concatenate([t.abs_shift for t in tallies]),
        perm,
    )


def combinations(facs: list[Factor]) -> list[tuple[int, ...]]:
    """Every combination of options (for reports; the analysis samples them)."""
    return list(itertools.product(*(range(len(f.options)) for f in facs)))

"""Weighting methods of the composite-indicator field, as pure functions (no I/O).

Every method returns a vector of non-negative weights that sums to 1, in the order of its input's
indicators (columns, or rows and columns of a pairwise matrix):

* :func:`equal` — 1/n each;
* :func:`ahp` — Saaty's analytic hierarchy process on a pairwise comparison matrix, with the
  consistency ratio (:func:`check_consistency` refuses a matrix that is too inconsistent);
* :func:`entropy` — the entropy weight method (more dispersion, more weight);
* :func:`critic` — CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995): contrast × conflict;
* :func:`pca` — principal components, the OECD/JRC *Handbook on Constructing Composite
  Indicators* (2008, §6.1) way; :func:`pca_analysis` gives the intermediate tables;
* :func:`budget` — budget allocation: experts share out points, the weights are the mean shares;
* :func:`effective_weights` — the weight each indicator carries in the final score, given the
  nominal weights of a tree (the product of the sibling-normalised weights down its path).

Unusable judgements (a pairwise matrix, budget allocations, a weight tree) raise
:class:`~kaohe.errors.SchemeError`; a data matrix on which a method has no defined result raises
:class:`~kaohe.errors.ComputationError`. Both carry one :class:`~kaohe.errors.Issue` per problem,
naming the cell, column, expert or node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from kaohe.errors import ComputationError, Issue, KaoheError, SchemeError

Vec = NDArray[np.float64]
Mat = NDArray[np.float64]
AHPMethod = Literal["eigenvector", "geometric"]
Rotation = Literal["varimax", "none"]

#: Saaty's random consistency index RI(n): the mean consistency index of random reciprocal
#: matrices of order n with entries from the 1/9…9 scale. Values for n = 1…15 as tabulated in
#: T. L. Saaty, *The Analytic Hierarchy Process*, McGraw-Hill, New York, 1980, p. 21; the values
#: for n ≤ 10 are also those of Saaty, "How to make a decision: the analytic hierarchy process",
#: European Journal of Operational Research 48 (1990) 9–26.
RANDOM_INDEX: Mapping[int, float] = MappingProxyType(
    {
        1: 0.0,
        2: 0.0,
        3: 0.58,
        4: 0.90,
        5: 1.12,
        6: 1.24,
        7: 1.32,
        8: 1.41,
        9: 1.45,
        10: 1.49,
        11: 1.51,
        12: 1.48,
        13: 1.56,
        14: 1.57,
        15: 1.59,
    }
)

#: Saaty's threshold: a consistency ratio above 0.10 calls for revised judgements.
MAX_CR = 0.1


# --------------------------------------------------------------------------- shared helpers


def _frozen(v: Vec) -> Vec:
    """The array made read-only, so that results stay as computed."""
    v.setflags(write=False)
    return v


def _label(j: int, labels: Sequence[str] | None) -> str:
    """``'gdp' (column 2)`` with labels, ``column 2`` without (1-based)."""
    return f"'{labels[j]}' (column {j + 1})" if labels is not None else f"column {j + 1}"


def _check_labels(labels: Sequence[str] | None, n: int, what: str, error: type[KaoheError]) -> None:
    if labels is not None and len(labels) != n:
        raise error(Issue(f"{len(labels)} labels given for {n} {what}", path="labels"))


def _table(x: npt.ArrayLike, name: str, error: type[KaoheError]) -> Mat:
    """``x`` as a 2-D float array of finite numbers, else ``error`` naming the bad cells."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error(Issue(f"must be a table of numbers ({exc})", path=name)) from None
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise error(Issue(f"must be a non-empty 2-D table, got shape {a.shape}", path=name))
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        raise error(
            [
                Issue(f"row {i + 1}, column {j + 1} is {a[i, j]}: a number is needed", path=name)
                for i, j in bad[:10]
            ]
        )
    return a


def _data(x: npt.ArrayLike, labels: Sequence[str] | None, min_rows: int) -> Mat:
    """A units × indicators data matrix with at least ``min_rows`` units."""
    a = _table(x, "x", ComputationError)
    _check_labels(labels, a.shape[1], "indicators (columns)", ComputationError)
    if a.shape[0] < min_rows:
        raise ComputationError(
            Issue(f"needs at least {min_rows} units (rows), got {a.shape[0]}", path="x")
        )
    return a


def _constant(a: Mat) -> NDArray[np.bool_]:
    """Columns whose values are all equal."""
    return np.asarray(np.all(a == a[0], axis=0), dtype=np.bool_)


# --------------------------------------------------------------------------- equal


def equal(n: int) -> Vec:
    """Equal weights: w_j = 1/n for j = 1…n."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SchemeError(Issue(f"the number of indicators must be an integer ≥ 1, got {n!r}"))
    return _frozen(np.full(n, 1.0 / n))


# --------------------------------------------------------------------------- AHP


@dataclass(frozen=True)
class AHPResult:
    """Priorities of a pairwise comparison matrix and its consistency.

    ``ci = (lambda_max − n)/(n − 1)`` (0 for n = 1), ``ri = RANDOM_INDEX[n]``,
    ``cr = ci/ri`` (0 for n ≤ 2, where every reciprocal matrix is consistent).
    """

    weights: Vec
    lambda_max: float
    ci: float
    ri: float
    cr: float
    method: AHPMethod

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])


def pairwise_from_weights(weights: npt.ArrayLike) -> Mat:
    """The perfectly consistent pairwise matrix of a weight vector: a_ij = w_i / w_j."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise SchemeError(Issue("weights must be a non-empty vector of numbers > 0"))
    return _frozen(np.asarray(w[:, None] / w[None, :], dtype=np.float64))


def _ahp_issues(a: Mat, labels: Sequence[str] | None, tol: float) -> list[Issue]:
    """Every cell that is not positive, every diagonal ≠ 1, every non-reciprocal pair."""

    def cell(i: int, j: int) -> str:
        names = f" ({labels[i]} vs {labels[j]})" if labels is not None else ""
        return f"cell (row {i + 1}, column {j + 1}){names}"

    issues: list[Issue] = []
    n = a.shape[0]
    for i, j in np.argwhere(a <= 0):
        issues.append(
            Issue(
                f"{cell(i, j)} is {a[i, j]:g}: judgements must be > 0", path=f"a[{i + 1},{j + 1}]"
            )
        )
    for i in range(n):
        if a[i, i] > 0 and abs(a[i, i] - 1.0) > tol:
            issues.append(
                Issue(
                    f"{cell(i, i)} is {a[i, i]:g}: an element compared with itself must be 1",
                    path=f"a[{i + 1},{i + 1}]",
                )
            )
        for j in range(i + 1, n):
            if a[i, j] > 0 and a[j, i] > 0 and abs(a[i, j] * a[j, i] - 1.0) > tol:
                issues.append(
                    Issue(
                        f"{cell(j, i)} is {a[j, i]:g} but the reciprocal of {cell(i, j)} is "
                        f"1/{a[i, j]:g} = {1.0 / a[i, j]:.4g}: a_ji must be 1/a_ij "
                        f"(write fractions exactly, e.g. 1/7)",
                        path=f"a[{j + 1},{i + 1}]",
                    )
                )
    return issues


def _pairwise(matrix: npt.ArrayLike, labels: Sequence[str] | None, tol: float) -> Mat:
    a = _table(matrix, "matrix", SchemeError)
    n, k = a.shape
    if n != k:
        raise SchemeError(Issue(f"a pairwise matrix must be square, got {n} × {k}", path="matrix"))
    _check_labels(labels, n, "compared elements", SchemeError)
    if n > len(RANDOM_INDEX):
        raise SchemeError(
            Issue(
                f"{n} elements compared at once: Saaty's random index is tabulated for n ≤ "
                f"{len(RANDOM_INDEX)} (and he advises ≤ 9); split them into groups",
                path="matrix",
            )
        )
    issues = _ahp_issues(a, labels, tol)
    if issues:
        raise SchemeError(issues)
    return a


def _principal_eigenvector(a: Mat) -> tuple[Vec, float]:
    """Perron vector of a positive matrix, normalised to sum 1, and its eigenvalue λmax."""
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)  # the Perron vector has entries of one sign
    return np.asarray(v / v.sum(), dtype=np.float64), float(vals[k].real)


def _geometric_mean_vector(a: Mat) -> tuple[Vec, float]:
    """Row geometric means g_i = (Π_j a_ij)^(1/n), normalised; λmax ≈ mean_i (A·w)_i / w_i."""
    g = np.exp(np.log(a).mean(axis=1))
    w = g / g.sum()
    return np.asarray(w, dtype=np.float64), float(np.mean((a @ w) / w))


def ahp(
    matrix: npt.ArrayLike,
    method: AHPMethod = "eigenvector",
    *,
    labels: Sequence[str] | None = None,
    tol: float = 0.01,
) -> AHPResult:
    """Priorities of a pairwise comparison matrix A (a_ij: how much more i matters than j).

    * ``eigenvector`` (Saaty): w is the principal right eigenvector, A·w = λmax·w, Σ w = 1.
    * ``geometric`` (row geometric mean, Crawford & Williams 1985): w_i ∝ (Π_j a_ij)^(1/n), and
      λmax is estimated as mean_i (A·w)_i / w_i. For n ≤ 3 both give the same w.

    CI = (λmax − n)/(n − 1), RI from :data:`RANDOM_INDEX`, CR = CI/RI (0 for n ≤ 2). A is
    checked first: square, n ≤ 15, every a_ij > 0, a_ii = 1 and a_ji·a_ij = 1 within ``tol``
    (relative), each violation an issue naming the cell (1-based; ``labels`` names the elements).
    """
    a = _pairwise(matrix, labels, tol)
    n = a.shape[0]
    if method == "eigenvector":
        w, lam = _principal_eigenvector(a)
    elif method == "geometric":
        w, lam = _geometric_mean_vector(a)
    else:
        raise SchemeError(
            Issue(f"unknown AHP method {method!r}: use 'eigenvector' or 'geometric'", path="method")
        )
    ci = max(0.0, (lam - n) / (n - 1)) if n > 1 else 0.0  # λmax ≥ n; clamp round-off below 0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if n > 2 else 0.0
    return AHPResult(_frozen(w), lam, ci, ri, cr, method)


def check_consistency(result: AHPResult, max_cr: float = MAX_CR) -> AHPResult:
    """``result`` itself if CR ≤ ``max_cr``; else :class:`SchemeError` giving the CR.

    Saaty's rule is CR ≤ 0.10 (in later work 0.05 for n = 3 and 0.08 for n = 4).
    """
    if result.cr > max_cr:
        raise SchemeError(
            Issue(
                f"the pairwise judgements are too inconsistent: consistency ratio "
                f"CR = {result.cr:.3f} > {max_cr:g} (λmax = {result.lambda_max:.3f}, "
                f"n = {result.n}, CI = {result.ci:.3f}, RI = {result.ri:.2f}); revise the "
                "judgements that contradict the others",
                path="matrix",
            )
        )
    return result


# --------------------------------------------------------------------------- entropy


def _non_negative(a: Mat, labels: Sequence[str] | None, what: str) -> None:
    bad = [j for j in range(a.shape[1]) if np.any(a[:, j] < 0)]
    if bad:
        raise ComputationError(
            [
                Issue(
                    f"{what} needs values ≥ 0; {_label(j, labels)} has "
                    f"{float(a[:, j].min()):g} in row {int(np.argmin(a[:, j])) + 1} "
                    "(normalise the data first)",
                    path="x",
                )
                for j in bad
            ]
        )


def _no_weights(what: str) -> ComputationError:
    return ComputationError(
        Issue(f"{what}: no indicator discriminates between the units, so no weights", path="x")
    )


def entropy(x: npt.ArrayLike, *, labels: Sequence[str] | None = None) -> Vec:
    """Entropy weights of a units × indicators matrix of non-negative normalised values.

    p_ij = x_ij / Σ_i x_ij,  e_j = −(1/ln m) Σ_i p_ij ln p_ij  (0·ln 0 = 0),
    d_j = 1 − e_j,  w_j = d_j / Σ_k d_k.

    A constant column (all units equal, all-zero included) tells the units nothing: e_j = 1,
    weight 0. If every column is constant, :class:`ComputationError`. Needs m ≥ 2 units.
    Multiplying a column by c > 0 leaves the weights unchanged (p_ij does not change).
    """
    a = _data(x, labels, min_rows=2)
    _non_negative(a, labels, "the entropy method")
    m = a.shape[0]
    totals = a.sum(axis=0)
    p = a / np.where(totals > 0, totals, 1.0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / math.log(m)
    d = np.where(_constant(a), 0.0, np.clip(1.0 - e, 0.0, None))
    if d.sum() <= 0:
        raise _no_weights("entropy")
    return _frozen(np.asarray(d / d.sum(), dtype=np.float64))


# --------------------------------------------------------------------------- CRITIC


def _minmax(a: Mat) -> Mat:
    """(x − min_j)/(max_j − min_j) per column; a constant column becomes 0."""
    lo, hi = a.min(axis=0), a.max(axis=0)
    span = hi - lo
    return np.asarray((a - lo) / np.where(span > 0, span, 1.0), dtype=np.float64)


def critic(x: npt.ArrayLike, *, rescale: bool = True, labels: Sequence[str] | None = None) -> Vec:
    """CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995) of a units × indicators matrix.

    C_j = σ_j · Σ_k (1 − r_jk),  w_j = C_j / Σ_k C_k,

    σ_j the sample standard deviation (n − 1 denominator) of column j and r_jk the Pearson
    correlation of columns j and k. Values must be oriented so that more is better. With
    ``rescale`` (the original method) each column is first min–max rescaled,
    x'_ij = (x_ij − min_j)/(max_j − min_j); without it ``x`` is used as given (already
    normalised on a common scale). A constant column gets weight 0 and is left out of the
    others' conflict sums (its correlations are undefined). :class:`ComputationError` if no two
    varying columns differ (e.g. one varying column, or all perfectly correlated).
    """
    a = _data(x, labels, min_rows=2)
    z = _minmax(a) if rescale else a
    varying = ~_constant(a)
    sd = z.std(axis=0, ddof=1)
    c = np.zeros(a.shape[1])
    if varying.sum() >= 2:
        r = np.clip(np.corrcoef(z[:, varying], rowvar=False), -1.0, 1.0)
        c[varying] = sd[varying] * (1.0 - r).sum(axis=1)
    if c.sum() <= 0:
        raise _no_weights(
            "CRITIC (it needs at least two varying, not perfectly correlated columns)"
        )
    return _frozen(np.asarray(c / c.sum(), dtype=np.float64))


# --------------------------------------------------------------------------- PCA


@dataclass(frozen=True)
class PCAResult:
    """The tables behind :func:`pca` (p indicators, k retained factors).

    ``eigenvalues`` [p] of the correlation matrix, largest first; ``retained`` = k;
    ``loadings`` [p, k] after rotation (ℓ_jf, the correlation of indicator j with factor f);
    ``explained`` [k] the variance each factor explains, EV_f = Σ_j ℓ_jf²; ``assignment`` [p]
    the factor on which each indicator has its largest squared loading; ``weights`` [p].
    """

    eigenvalues: Vec
    retained: int
    loadings: Mat
    explained: Vec
    assignment: NDArray[np.int64]
    weights: Vec

    @property
    def scaled_squared_loadings(self) -> Mat:
        """ℓ_jf² / EV_f: each factor's squared loadings scaled to unity sum (Handbook table)."""
        return np.asarray(self.loadings**2 / self.explained, dtype=np.float64)

    @property
    def factor_shares(self) -> Vec:
        """EV_f / Σ_g EV_g: the weight of each factor's intermediate composite."""
        return np.asarray(self.explained / self.explained.sum(), dtype=np.float64)


def _retained(eigenvalues: Vec, components: int | None) -> int:
    """Leading factors with λ > 1 or a share of the variance > 10 %, then more while < 60 %."""
    p = eigenvalues.shape[0]
    if components is not None:
        if isinstance(components, bool) or not 1 <= components <= p:
            raise ComputationError(
                Issue(
                    f"components must be between 1 and {p}, got {components!r}", path="components"
                )
            )
        return components
    share = eigenvalues / eigenvalues.sum()
    keep = (eigenvalues > 1.0) | (share > 0.10)
    k = max(1, int(np.argmin(keep)) if not keep.all() else p)
    while k < p and share[:k].sum() < 0.60:
        k += 1
    return k


def _varimax_angle(x: Vec, y: Vec) -> float:
    """The angle θ that maximises the varimax criterion of two columns turned by θ.

    With u_j = x_j² − y_j², v_j = 2·x_j·y_j, A = Σu, B = Σv, C = Σ(u² − v²), D = 2·Σuv:
    tan 4θ = (D − 2AB/p) / (C − (A² − B²)/p), the quadrant of 4θ taken from the signs of
    numerator and denominator (Kaiser 1959; Harman, *Modern Factor Analysis*, 1976, §14.4).
    """
    p = x.shape[0]
    u, v = x**2 - y**2, 2.0 * x * y
    a, b = float(u.sum()), float(v.sum())
    c, d = float((u**2 - v**2).sum()), 2.0 * float((u * v).sum())
    return math.atan2(d - 2.0 * a * b / p, c - (a**2 - b**2) / p) / 4.0


def _varimax(loadings: Mat, tol: float = 1e-10, max_sweeps: int = 1000) -> Mat:
    """Kaiser's varimax rotation (1958), with Kaiser normalisation.

    Rows are scaled to unit communality h_j; the criterion Σ_f [Σ_j z_jf⁴ − (Σ_j z_jf²)²/p] is
    then maximised by turning each pair of factors to its best angle (:func:`_varimax_angle`:
    x' = x·cos θ + y·sin θ, y' = −x·sin θ + y·cos θ), sweeping over the pairs until no angle
    exceeds ``tol`` radians; the rotated loadings are rescaled by h_j. Turning each pair to its
    global best angle also leaves a symmetric start (a minimum of the criterion), where
    gradient-style iterations stay put.
    """
    h = np.sqrt((loadings**2).sum(axis=1))
    h = np.where(h > 0, h, 1.0)
    z = np.array(loadings / h[:, None], dtype=np.float64)
    k = z.shape[1]
    for _ in range(max_sweeps):
        turned = False
        for f in range(k - 1):
            for g in range(f + 1, k):
                theta = _varimax_angle(z[:, f], z[:, g])
                if abs(theta) > tol:
                    cos, sin = math.cos(theta), math.sin(theta)
                    z[:, f], z[:, g] = cos * z[:, f] + sin * z[:, g], -sin * z[:, f] + cos * z[:, g]
                    turned = True
        if not turned:
            break
    return np.asarray(z * h[:, None], dtype=np.float64)


def _standardised(a: Mat, labels: Sequence[str] | None) -> Mat:
    """z_ij = (x_ij − mean_j)/sd_j; a constant column cannot be standardised."""
    const = _constant(a)
    if const.any():
        raise ComputationError(
            [
                Issue(f"{_label(j, labels)} is constant: PCA cannot standardise it", path="x")
                for j in map(int, np.flatnonzero(const))
            ]
        )
    return np.asarray((a - a.mean(axis=0)) / a.std(axis=0, ddof=1), dtype=np.float64)


def pca_analysis(
    x: npt.ArrayLike,
    *,
    components: int | None = None,
    rotation: Rotation = "varimax",
    labels: Sequence[str] | None = None,
) -> PCAResult:
    """PCA weights the OECD/JRC Handbook (2008, §6.1, pp. 89–91) way, with its tables.

    1. Standardise the columns, take the correlation matrix R and its eigenvalues λ_1 ≥ … ≥ λ_p.
    2. Retain the leading factors with λ > 1 or a share λ/p > 10 % of the variance (the
       Handbook's criteria — its TAI example keeps factors with λ = 1.0 and 0.9 that explain
       12.3 % and 11.1 %), adding the next ones while the retained explain < 60 %; or exactly
       ``components`` factors.
    3. Loadings ℓ_jf = v_jf·√λ_f, rotated by varimax (``rotation="none"`` to skip).
    4. Each factor's squared loadings scaled to unity sum, ℓ_jf²/EV_f (EV_f = Σ_j ℓ_jf²);
       indicator j belongs to the factor f(j) of its largest ℓ_jf²; each factor's intermediate
       composite weighs EV_f/Σ_g EV_g.
    5. w_j ∝ (ℓ_jf(j)²/EV_f(j)) · (EV_f(j)/Σ_g EV_g) = ℓ_jf(j)² / Σ_g EV_g, normalised to sum 1:
       w_j = max_f ℓ_jf² / Σ_i max_f ℓ_if².
    """
    a = _data(x, labels, min_rows=2)
    z = _standardised(a, labels)
    corr = z.T @ z / (a.shape[0] - 1)
    vals, vecs = np.linalg.eigh(corr)
    order = np.argsort(vals)[::-1]
    vals = np.clip(vals[order], 0.0, None)
    vecs = vecs[:, order]
    k = _retained(vals, components)
    loadings = vecs[:, :k] * np.sqrt(vals[:k])
    if rotation == "varimax" and k >= 2:
        loadings = _varimax(loadings)
    elif rotation not in ("varimax", "none"):
        raise ComputationError(
            Issue(f"unknown rotation {rotation!r}: use 'varimax' or 'none'", path="rotation")
        )
    squared = loadings**2
    assignment = np.argmax(squared, axis=1).astype(np.int64)
    top = squared[np.arange(squared.shape[0]), assignment]
    return PCAResult(
        eigenvalues=_frozen(vals),
        retained=k,
        loadings=_frozen(np.asarray(loadings, dtype=np.float64)),
        explained=_frozen(np.asarray(squared.sum(axis=0), dtype=np.float64)),
        assignment=assignment,
        weights=_frozen(np.asarray(top / top.sum(), dtype=np.float64)),
    )


def pca(
    x: npt.ArrayLike,
    *,
    components: int | None = None,
    rotation: Rotation = "varimax",
    labels: Sequence[str] | None = None,
) -> Vec:
    """PCA weights: w_j = max_f ℓ_jf² / Σ_i max_f ℓ_if² (see :func:`pca_analysis`)."""
    return pca_analysis(x, components=components, rotation=rotation, labels=labels).weights


# --------------------------------------------------------------------------- budget allocation


def budget(
    allocations: npt.ArrayLike,
    *,
    experts: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
) -> Vec:
    """Budget allocation: expert e shares out points b_ej ≥ 0 over the indicators.

    w_j = (1/E) Σ_e b_ej / Σ_k b_ek — each expert's allocation normalised to sum 1, then
    averaged, so every expert counts the same whatever the points they were given. A negative
    allocation, or an expert whose allocations sum to 0, is a :class:`SchemeError` naming them.
    """
    b = _table(allocations, "allocations", SchemeError)
    _check_labels(experts, b.shape[0], "experts (rows)", SchemeError)
    _check_labels(labels, b.shape[1], "indicators (columns)", SchemeError)

    def who(e: int) -> str:
        return f"expert '{experts[e]}' (row {e + 1})" if experts is not None else f"expert {e + 1}"

    issues = [
        Issue(
            f"{who(e)} allocates {b[e, j]:g} to {_label(j, labels)}: points must be ≥ 0",
            path=f"allocations[{e + 1},{j + 1}]",
        )
        for e, j in np.argwhere(b < 0)
    ]
    issues += [
        Issue(
            f"{who(e)} allocates 0 points in all: nothing to share out",
            path=f"allocations[{e + 1}]",
        )
        for e in map(int, np.flatnonzero(b.sum(axis=1) <= 0))
        if not np.any(b[e] < 0)
    ]
    if issues:
        raise SchemeError(issues)
    shares = b / b.sum(axis=1, keepdims=True)
    return _frozen(np.asarray(shares.mean(axis=0), dtype=np.float64))


# --------------------------------------------------------------------------- effective weights


def _is_weight(w: object) -> bool:
    if isinstance(w, bool | str):
        return False
    try:
        v = float(w)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v >= 0


def _tree_issues(parent: Mapping[str, str | None], weights: Mapping[str, float]) -> list[Issue]:
    issues = [
        Issue(
            f"parent '{p}' of '{c}' is not a node (give it an entry; None for the top level)",
            path=c,
        )
        for c, p in parent.items()
        if p is not None and p not in parent
    ]
    issues += [Issue("no weight given", path=c) for c in parent if c not in weights]
    issues += [
        Issue("weight of a node that is not in the tree", path=c)
        for c in weights
        if c not in parent
    ]
    issues += [
        Issue(f"weight {w!r} must be a finite number ≥ 0", path=c)
        for c, w in weights.items()
        if c in parent and not _is_weight(w)
    ]
    return issues


def _cycle(parent: Mapping[str, str | None]) -> list[str] | None:
    """The nodes of a cycle in ``parent`` (child → parent), if there is one."""
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in done:
            if node in path:
                return path[path.index(node) :]
            path.append(node)
            node = parent.get(node)
        done.update(path)
    return None


def effective_weights(
    parent: Mapping[str, str | None], weights: Mapping[str, float]
) -> dict[str, float]:
    """The effective weight of every leaf (a node that is no one's parent) in the final score.

    Sibling weights are normalised, ŵ_c = w_c / Σ_{s: parent(s) = parent(c)} w_s (the top-level
    nodes, parent ``None``, are siblings), and a leaf's effective weight is the product of the
    ŵ on its path from the top: E_leaf = Π_{c ∈ path} ŵ_c. The effective weights sum to 1.
    Unknown parents, missing or negative weights, cycles and sibling groups whose weights sum to
    0 are :class:`SchemeError`\\ s naming the node.
    """
    issues = _tree_issues(parent, weights)
    if issues:
        raise SchemeError(issues)
    cycle = _cycle(parent)
    if cycle is not None:
        raise SchemeError(Issue(f"the tree has a cycle: {' → '.join(cycle)}", path=cycle[0]))
    group: dict[str | None, float] = {}
    for c, p in parent.items():
        group[p] = group.get(p, 0.0) + float(weights[c])
    empty = [p for p, total in group.items() if total <= 0]
    if empty:
        raise SchemeError(
            [Issue("the weights of its children sum to 0", path=p or "(top level)") for p in empty]
        )

    def effective(node: str) -> float:
        p = parent[node]
        own = float(weights[node]) / group[p]
        return own if p is None else own * effective(p)

    return {c: effective(c) for c in parent if c not in group}

"""Weighting methods (kaohe.weighting): published figures, tables computed by hand, properties.

AHP is checked against T. L. Saaty, "How to make a decision: the analytic hierarchy process",
European Journal of Operational Research 48 (1990) 9–26, the house-buying example: Table 2
(the eight criteria: published priorities .173 .054 .188 .018 .031 .036 .167 .333, λmax = 9.669,
C.I. = .238, C.R. = .169) and the "yard space" comparison of houses A, B, C (published
priorities .674 .101 .226, λmax = 3.086, C.I. = .043, C.R. = .074). The other examples are the
worked examples of docs/weighting.md, whose printed figures are checked here too.
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from kaohe.errors import ComputationError, SchemeError
from kaohe.weighting import (
    RANDOM_INDEX,
    AHPResult,
    _retained,
    ahp,
    budget,
    check_consistency,
    critic,
    effective_weights,
    entropy,
    equal,
    pairwise_from_weights,
    pca,
    pca_analysis,
)

Mat = NDArray[np.float64]
DOC = Path(__file__).resolve().parent.parent / "docs" / "weighting.md"
PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fractions(text: str) -> Mat:
    """A matrix written as in the paper: rows of integers and fractions like 1/7."""
    return np.array(
        [[float(Fraction(c)) for c in row.split()] for row in text.strip().splitlines()]
    )


# --------------------------------------------------------------------------- equal


def test_it_gives_equal_weights() -> None:
    assert equal(4).tolist() == [0.25, 0.25, 0.25, 0.25]
    assert equal(1).tolist() == [1.0]


@pytest.mark.parametrize("n", [0, -2, 2.5, True])
def test_it_refuses_a_number_of_indicators_that_is_not_a_positive_integer(n: object) -> None:
    with pytest.raises(SchemeError, match="integer ≥ 1"):
        equal(n)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- AHP: Saaty (1990)

# Saaty (1990), Table 2: size of house, transportation, neighbourhood, age of house, yard space,
# modern facilities, general condition, financing.
HOUSE = fractions(
    """
    1   5   3   7   6   6   1/3 1/4
    1/5 1   1/3 5   3   3   1/5 1/7
    1/3 3   1   6   3   4   6   1/5
    1/7 1/5 1/6 1   1/3 1/4 1/7 1/8
    1/6 1/3 1/3 3   1   1/2 1/5 1/6
    1/6 1/3 1/4 4   2   1   1/5 1/6
    3   5   1/6 7   5   5   1   1/2
    4   7   5   8   6   6   2   1
    """
)
HOUSE_CRITERIA = ["size", "transport", "neighbourhood", "age", "yard", "modern", "condition",
                  "financing"]  # fmt: skip
HOUSE_PUBLISHED = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]

# Saaty (1990): houses A, B, C compared on yard space.
YARD = fractions(
    """
    1   5   4
    1/5 1   1/3
    1/4 3   1
    """
)


def test_it_reproduces_saatys_published_house_criteria_priorities() -> None:
    res = ahp(HOUSE, labels=HOUSE_CRITERIA)
    assert np.round(res.weights, 3).tolist() == HOUSE_PUBLISHED
    assert round(res.lambda_max, 3) == 9.669
    assert round(res.ci, 3) == 0.238  # (9.669 − 8)/7
    assert res.ri == 1.41  # RI(8)
    assert round(res.cr, 3) == 0.169  # .238/1.41
    assert res.n == 8
    assert res.method == "eigenvector"


def test_it_refuses_saatys_house_criteria_as_too_inconsistent() -> None:
    # Saaty's own C.R. of .169 is above his 0.10 threshold
    with pytest.raises(SchemeError, match=r"CR = 0\.169 > 0\.1 \(λmax = 9\.669"):
        check_consistency(ahp(HOUSE))
    assert check_consistency(ahp(HOUSE), max_cr=0.2).cr == pytest.approx(0.1691, abs=1e-4)


def test_it_computes_geometric_mean_priorities_of_the_house_criteria_by_hand() -> None:
    # Row products of HOUSE, exactly: 315, 3/35, 432/5, 1/141120, 1/1080, 1/270, 875/4, 80640.
    # Eighth roots: 2.0525 0.7356 1.7461 0.2271 0.4177 0.4967 1.9611 4.1051, sum 11.7418.
    products = [315, 3 / 35, 432 / 5, 1 / 141120, 1 / 1080, 1 / 270, 875 / 4, 80640]
    roots = np.array(products) ** (1 / 8)
    res = ahp(HOUSE, "geometric")
    np.testing.assert_allclose(res.weights, roots / roots.sum(), rtol=1e-12)
    # w = .1748 .0626 .1487 .0193 .0356 .0423 .1670 .3496 (the eigenvector's .188 for the
    # neighbourhood becomes .149: the two methods differ on an inconsistent matrix)
    assert np.round(res.weights, 4).tolist() == [
        0.1748, 0.0626, 0.1487, 0.0193, 0.0356, 0.0423, 0.167, 0.3496
    ]  # fmt: skip
    # (A·w)_i / w_i = 9.6100 8.9528 12.5006 8.8718 8.6030 8.7395 10.3524 9.1156, mean 9.5932
    assert round(res.lambda_max, 4) == 9.5932
    assert round(res.ci, 4) == round((9.593203 - 8) / 7, 4) == 0.2276
    assert round(res.cr, 4) == 0.1614  # .2276/1.41
    with pytest.raises(SchemeError, match=r"CR = 0\.161"):
        check_consistency(res)


@pytest.mark.parametrize("method", ["eigenvector", "geometric"])
def test_it_reproduces_saatys_published_yard_space_priorities(method: str) -> None:
    # For n = 3 the row geometric means are the principal eigenvector (Crawford & Williams):
    # products 20, 1/15, 3/4; cube roots 2.7144 0.4055 0.9086, sum 4.0285 → .674 .101 .226;
    # (A·w)_i / w_i = 3.0858 in every row → λmax = 3.086, CI = .043, CR = .043/.58 = .074.
    res = check_consistency(ahp(YARD, method))  # type: ignore[arg-type]
    assert np.round(res.weights, 3).tolist() == [0.674, 0.101, 0.226]
    assert round(res.lambda_max, 3) == 3.086
    assert round(res.ci, 3) == 0.043
    assert res.ri == 0.58
    assert round(res.cr, 3) == 0.074


def test_it_gives_a_two_by_two_matrix_its_ratio_and_cr_0() -> None:
    res = ahp([[1.0, 3.0], [1 / 3, 1.0]])
    np.testing.assert_allclose(res.weights, [0.75, 0.25])
    assert res.lambda_max == pytest.approx(2.0)
    assert (res.ci, res.ri, res.cr) == (0.0, 0.0, 0.0)


def test_it_states_saatys_random_index_table() -> None:
    assert [RANDOM_INDEX[n] for n in range(1, 16)] == [
        0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59
    ]  # fmt: skip


def test_it_names_the_cell_that_breaks_reciprocity() -> None:
    bad = YARD.copy()
    bad[2, 0] = 0.3  # should be 1/4
    with pytest.raises(SchemeError) as err:
        ahp(bad, labels=["A", "B", "C"])
    (issue,) = err.value.issues
    assert issue.path == "a[3,1]"
    assert "row 3, column 1" in issue.message
    assert "(C vs A)" in issue.message
    assert "1/4 = 0.25" in issue.message


def test_it_accepts_reciprocals_rounded_to_three_decimals() -> None:
    rounded = np.array([[1, 3, 5], [0.333, 1, 2], [0.2, 0.5, 1]])
    assert ahp(rounded).weights.sum() == pytest.approx(1.0)
    with pytest.raises(SchemeError, match="must be 1/a_ij"):
        ahp(rounded, tol=1e-6)


def test_it_names_every_unusable_cell() -> None:
    bad = np.array([[1, 2, -1], [0.5, 2, 1], [0, 1, 1]])
    with pytest.raises(SchemeError) as err:
        ahp(bad)
    paths = sorted(i.path for i in err.value.issues)
    assert paths == ["a[1,3]", "a[2,2]", "a[3,1]"]
    text = str(err.value)
    assert "row 1, column 3) is -1: judgements must be > 0" in text
    assert "row 2, column 2) is 2: an element compared with itself must be 1" in text


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], "must be square, got 2 × 3"),
        ([1, 2, 3], "2-D table"),
        ([[1, float("nan")], [1, 1]], "row 1, column 2 is nan"),
        ([["a", "b"], ["c", "d"]], "table of numbers"),
        (np.ones((16, 16)), "tabulated for n ≤ 15"),
    ],
    ids=["not-square", "vector", "nan", "text", "n=16"],
)
def test_it_refuses_a_matrix_that_is_not_a_pairwise_comparison_matrix(
    matrix: object, message: str
) -> None:
    with pytest.raises(SchemeError, match=re.escape(message)):
        ahp(matrix)  # type: ignore[arg-type]


def test_it_refuses_an_unknown_ahp_method() -> None:
    with pytest.raises(SchemeError, match="unknown AHP method 'mean'"):
        ahp(YARD, "mean")  # type: ignore[arg-type]


SAATY_SCALE = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]


@st.composite
def pairwise_matrices(draw: st.DrawFn, max_n: int = 9) -> Mat:
    n = draw(st.integers(1, max_n))
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = draw(st.sampled_from(SAATY_SCALE))
            a[j, i] = 1 / a[i, j]
    return a


@PROPS
@given(pairwise_matrices(), st.sampled_from(["eigenvector", "geometric"]))
def test_it_gives_ahp_weights_that_are_positive_and_sum_to_1(a: Mat, method: str) -> None:
    res = ahp(a, method)  # type: ignore[arg-type]
    assert np.all(res.weights > 0)
    assert res.weights.sum() == pytest.approx(1.0)
    assert res.lambda_max >= res.n - 1e-9
    assert res.cr >= 0


@PROPS
@given(pairwise_matrices(), st.sampled_from(["eigenvector", "geometric"]), st.randoms())
def test_it_permutes_ahp_weights_with_the_elements(a: Mat, method: str, rnd: random.Random) -> None:
    perm = np.array(rnd.sample(range(a.shape[0]), a.shape[0]))
    base = ahp(a, method)  # type: ignore[arg-type]
    moved = ahp(a[np.ix_(perm, perm)], method)  # type: ignore[arg-type]
    np.testing.assert_allclose(moved.weights, base.weights[perm], atol=1e-10)
    assert moved.cr == pytest.approx(base.cr, abs=1e-10)


@given(st.integers(1, 15), st.sampled_from(["eigenvector", "geometric"]))
def test_it_gives_equal_weights_and_cr_0_for_equal_judgements(n: int, method: str) -> None:
    res = ahp(np.ones((n, n)), method)  # type: ignore[arg-type]
    np.testing.assert_allclose(res.weights, np.full(n, 1 / n), rtol=1e-12)
    assert res.cr == pytest.approx(0.0, abs=1e-12)
    assert res.lambda_max == pytest.approx(n)


@PROPS
@given(
    st.lists(st.floats(0.01, 100), min_size=1, max_size=15),
    st.sampled_from(["eigenvector", "geometric"]),
)
def test_it_recovers_the_weights_of_a_perfectly_consistent_matrix(
    w: list[float], method: str
) -> None:
    res = check_consistency(ahp(pairwise_from_weights(w), method), max_cr=1e-9)  # type: ignore[arg-type]
    np.testing.assert_allclose(res.weights, np.array(w) / sum(w), rtol=1e-8)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.lambda_max == pytest.approx(len(w), rel=1e-9)


def test_it_keeps_ahp_results_as_computed() -> None:
    res = ahp(YARD)
    assert isinstance(res, AHPResult)
    with pytest.raises(ValueError, match="read-only"):
        res.weights[0] = 1.0


# --------------------------------------------------------------------------- entropy

# docs/weighting.md, entropy: 3 units × 3 indicators, already normalised (≥ 0).
ENTROPY_X = np.array([[1.0, 1, 0], [1, 2, 1], [2, 3, 1]])


def test_it_computes_entropy_weights_by_hand() -> None:
    # ln 3 = 1.098612.
    # column 1: p = 1/4, 1/4, 1/2;  −Σ p ln p = 2·(1/4)·1.386294 + (1/2)·0.693147 = 1.039721;
    #           e = 1.039721/1.098612 = 0.946395, d = 0.053605
    # column 2: p = 1/6, 1/3, 1/2;  −Σ p ln p = 0.298627 + 0.366204 + 0.346574 = 1.011404;
    #           e = 0.920620, d = 0.079380
    # column 3: p = 0, 1/2, 1/2 (0·ln 0 = 0);  −Σ p ln p = 0.693147; e = 0.630930, d = 0.369070
    # Σ d = 0.502056 → w = 0.106772, 0.158110, 0.735118
    w = entropy(ENTROPY_X)
    np.testing.assert_allclose(w, [0.106772, 0.158110, 0.735118], atol=1e-6)


def test_it_gives_a_constant_or_all_zero_column_no_entropy_weight() -> None:
    x = np.column_stack([ENTROPY_X, [5.0, 5, 5], [0.0, 0, 0]])
    w = entropy(x)
    assert w[3:].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(w[:3], entropy(ENTROPY_X), rtol=1e-12)


def test_it_refuses_entropy_weights_when_no_column_varies() -> None:
    with pytest.raises(ComputationError, match="no indicator discriminates"):
        entropy(np.array([[1, 0], [1, 0], [1, 0]]))


def test_it_names_the_column_with_negative_values() -> None:
    with pytest.raises(ComputationError) as err:
        entropy(np.array([[1, 2], [3, -4]]), labels=["gdp", "debt"])
    assert "'debt' (column 2) has -4 in row 2" in str(err.value)


def test_it_needs_two_units_for_entropy() -> None:
    with pytest.raises(ComputationError, match="at least 2 units"):
        entropy([[1.0, 2, 3]])


@st.composite
def data_matrices(draw: st.DrawFn, min_cols: int = 1) -> Mat:
    m = draw(st.integers(2, 8))
    n = draw(st.integers(min_cols, 5))
    cells = draw(st.lists(st.integers(0, 20), min_size=m * n, max_size=m * n))
    return np.array(cells, dtype=np.float64).reshape(m, n)


def varies(x: Mat) -> bool:
    return bool(np.any(np.ptp(x, axis=0) > 0))


@PROPS
@given(data_matrices())
def test_it_gives_entropy_weights_that_are_non_negative_and_sum_to_1(x: Mat) -> None:
    assume(varies(x))
    w = entropy(x)
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0)


@PROPS
@given(data_matrices(), st.randoms())
def test_it_permutes_entropy_weights_with_the_indicators(x: Mat, rnd: random.Random) -> None:
    assume(varies(x))
    perm = np.array(rnd.sample(range(x.shape[1]), x.shape[1]))
    np.testing.assert_allclose(entropy(x[:, perm]), entropy(x)[perm], atol=1e-12)


@PROPS
@given(data_matrices(), st.data())
def test_it_keeps_entropy_weights_when_a_column_is_rescaled(x: Mat, data: st.DataObject) -> None:
    assume(varies(x))
    j = data.draw(st.integers(0, x.shape[1] - 1))
    c = data.draw(st.sampled_from([0.01, 0.5, 3.7, 1000.0]))
    scaled = x.copy()
    scaled[:, j] *= c
    np.testing.assert_allclose(entropy(scaled), entropy(x), atol=1e-12)


# --------------------------------------------------------------------------- CRITIC

# docs/weighting.md, CRITIC: 4 units × 3 indicators on [0, 1] with min 0 and max 1 in every
# column, so the min–max rescaling leaves them unchanged.
CRITIC_X = np.array([[0.0, 0, 1], [0, 1, 0], [1, 0, 0.5], [1, 0, 1]])


def test_it_computes_critic_weights_by_hand() -> None:
    # means .5, .25, .625; deviations
    #   c1: −.5 −.5 .5 .5          Σd² = 1      σ1 = √(1/3)     = 0.577350
    #   c2: −.25 .75 −.25 −.25     Σd² = .75    σ2 = √(.75/3)   = 0.5
    #   c3: .375 −.625 −.125 .375  Σd² = .6875  σ3 = √(.6875/3) = 0.478714
    # r12 = −.5/√(1·.75) = −0.577350;  r13 = .25/√(1·.6875) = 0.301511;
    # r23 = −.625/√(.75·.6875) = −0.870388
    # C1 = 0.577350·(1.577350 + 0.698489) = 1.313956
    # C2 = 0.5·(1.577350 + 1.870388)      = 1.723869
    # C3 = 0.478714·(0.698489 + 1.870388) = 1.229756;  Σ C = 4.267582
    # w = 0.307892, 0.403945, 0.288162
    np.testing.assert_allclose(critic(CRITIC_X), [0.307892, 0.403945, 0.288162], atol=1e-6)


def test_it_rescales_raw_values_for_critic() -> None:
    raw = CRITIC_X * np.array([10.0, 200, 3]) + np.array([50.0, -7, 1])
    np.testing.assert_allclose(critic(raw), critic(CRITIC_X), atol=1e-12)
    # without rescaling the spread of the raw units counts: column 2 (× 200) dominates
    assert critic(raw, rescale=False)[1] > 0.9


def test_it_leaves_a_constant_column_out_of_critic() -> None:
    x = np.column_stack([CRITIC_X[:, :2], [7.0, 7, 7, 7], CRITIC_X[:, 2]])
    w = critic(x)
    assert w[2] == 0.0
    np.testing.assert_allclose(w[[0, 1, 3]], critic(CRITIC_X), atol=1e-12)


@pytest.mark.parametrize(
    "x",
    [
        [[1.0, 5], [2, 5], [3, 5]],  # one varying column
        [[1.0, 2], [2, 4], [3, 6]],  # perfectly correlated
    ],
    ids=["one-varying", "collinear"],
)
def test_it_refuses_critic_weights_without_contrast_and_conflict(x: list[list[float]]) -> None:
    with pytest.raises(ComputationError, match="two varying, not perfectly correlated"):
        critic(x)


@PROPS
@given(data_matrices(min_cols=2), st.randoms())
def test_it_gives_critic_weights_that_sum_to_1_and_follow_a_permutation(
    x: Mat, rnd: random.Random
) -> None:
    try:
        w = critic(x)
    except ComputationError:
        reject()
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0)
    perm = np.array(rnd.sample(range(x.shape[1]), x.shape[1]))
    np.testing.assert_allclose(critic(x[:, perm]), w[perm], atol=1e-12)


# --------------------------------------------------------------------------- PCA


def hadamard8() -> NDArray[np.int64]:
    """Sylvester's 8 × 8 Hadamard matrix: columns 1…7 are orthogonal, centred ±1 vectors."""
    return np.array([[(-1) ** bin(i & j).count("1") for j in range(8)] for i in range(8)])


# docs/weighting.md, PCA: x1 = u, x2 = .8u + .6v, x3 = s, x4 = .96s + .28t for orthogonal
# centred ±1 vectors u, v, s, t (Hadamard columns 1, 2, 4, 7), as scores 50 + 10·x:
# corr(x1, x2) = .8, corr(x3, x4) = .96, every other correlation 0.
PCA_X = np.array(
    [
        [60, 64, 60, 62.4],
        [40, 48, 60, 56.8],
        [60, 52, 60, 56.8],
        [40, 36, 60, 62.4],
        [60, 64, 40, 37.6],
        [40, 48, 40, 43.2],
        [60, 52, 40, 43.2],
        [40, 36, 40, 37.6],
    ]
)


def test_it_builds_the_pca_example_from_hadamard_columns() -> None:
    h = hadamard8()
    u, v, s, t = h[:, 1], h[:, 2], h[:, 4], h[:, 7]
    built = 50 + 10 * np.column_stack([u, 0.8 * u + 0.6 * v, s, 0.96 * s + 0.28 * t])
    np.testing.assert_allclose(built, PCA_X, atol=1e-12)
    expected = np.array([[1, 0.8, 0, 0], [0.8, 1, 0, 0], [0, 0, 1, 0.96], [0, 0, 0.96, 1]])
    np.testing.assert_allclose(np.corrcoef(PCA_X, rowvar=False), expected, atol=1e-12)


def test_it_computes_pca_weights_by_hand() -> None:
    # R is block diagonal: eigenvalues 1 ± .96 and 1 ± .8 → 1.96, 1.8, 0.2, 0.04
    # (shares 49 %, 45 %, 5 %, 1 %): the two with λ > 1 are kept (94 % ≥ 60 %).
    # Loadings: factor 1 = (0, 0, 1, 1)/√2 · √1.96 → ℓ² = .98 for x3, x4;
    #           factor 2 = (1, 1, 0, 0)/√2 · √1.8  → ℓ² = .90 for x1, x2.
    # Simple structure already: varimax turns nothing. EV = 1.96, 1.8 (Σ 3.76).
    # Scaled squared loadings .98/1.96 = .5, .9/1.8 = .5; factor shares .521277, .478723.
    # w = .5·.478723 = .239362 (x1, x2), .5·.521277 = .260638 (x3, x4).
    res = pca_analysis(PCA_X)
    np.testing.assert_allclose(res.eigenvalues, [1.96, 1.8, 0.2, 0.04], atol=1e-12)
    assert res.retained == 2
    np.testing.assert_allclose(
        res.loadings**2, [[0, 0.9], [0, 0.9], [0.98, 0], [0.98, 0]], atol=1e-12
    )
    np.testing.assert_allclose(res.explained, [1.96, 1.8], atol=1e-12)
    np.testing.assert_allclose(res.factor_shares, [1.96 / 3.76, 1.8 / 3.76], atol=1e-12)
    np.testing.assert_allclose(res.scaled_squared_loadings.max(axis=1), 0.5, atol=1e-12)
    assert res.assignment.tolist() == [1, 1, 0, 0]
    np.testing.assert_allclose(res.weights, [0.239362, 0.239362, 0.260638, 0.260638], atol=1e-6)
    np.testing.assert_allclose(res.weights, np.array([1.8, 1.8, 1.96, 1.96]) / 7.52, rtol=1e-12)


def test_it_weights_by_the_squared_first_eigenvector_with_one_component() -> None:
    # first eigenvector (0, 0, 1, 1)/√2: w_j = ℓ_j1² / Σ ℓ² = v_j² = 0, 0, .5, .5
    w = pca(PCA_X, components=1, rotation="none")
    np.testing.assert_allclose(w, [0, 0, 0.5, 0.5], atol=1e-12)


def correlated_data(r: Mat) -> Mat:
    """8 units whose correlation matrix is exactly ``r`` (p ≤ 7): Hadamard columns · chol."""
    p = r.shape[0]
    return np.asarray(hadamard8()[:, 1 : p + 1] @ np.linalg.cholesky(r).T, dtype=np.float64)


def varimax_criterion(loadings: Mat) -> float:
    z2 = (loadings / np.sqrt((loadings**2).sum(axis=1, keepdims=True))) ** 2
    return float(((z2**2).sum(axis=0) - z2.sum(axis=0) ** 2 / len(z2)).sum())


def test_it_turns_a_symmetric_two_factor_solution_by_45_degrees() -> None:
    # within-pair correlation .8, across pairs .2: eigenvalues 2.2, 1.4, .2, .2, two kept.
    # Unrotated loadings (a, ±b) with a = √2.2/2 = .741620, b = √1.4/2 = .591608 — the
    # varimax criterion is 0 there (its minimum); the 45° turn gives (a ± b)/√2:
    # .942734 and .106074, each pair on its own factor.
    r = np.array([[1, 0.8, 0.2, 0.2], [0.8, 1, 0.2, 0.2], [0.2, 0.2, 1, 0.8], [0.2, 0.2, 0.8, 1]])
    res = pca_analysis(correlated_data(r))
    np.testing.assert_allclose(res.eigenvalues, [2.2, 1.4, 0.2, 0.2], atol=1e-12)
    a, b = math.sqrt(2.2) / 2, math.sqrt(1.4) / 2
    high, low = (a + b) / math.sqrt(2), (a - b) / math.sqrt(2)
    np.testing.assert_allclose(np.sort(np.abs(res.loadings), axis=1), [[low, high]] * 4, atol=1e-9)
    assert res.assignment[0] == res.assignment[1] != res.assignment[2] == res.assignment[3]
    np.testing.assert_allclose(res.weights, 0.25, atol=1e-12)


def test_it_finds_the_best_varimax_angle_found_by_a_grid_search() -> None:
    # an asymmetric case: pairs correlated .8 and .5, .3 across; two factors forced.
    r = np.array([[1, 0.8, 0.3, 0.3], [0.8, 1, 0.3, 0.3], [0.3, 0.3, 1, 0.5], [0.3, 0.3, 0.5, 1]])
    vals, vecs = np.linalg.eigh(r)
    unrotated = vecs[:, [3, 2]] * np.sqrt(vals[[3, 2]])
    angles = np.linspace(0.0, math.pi / 2, 100_001)
    scores = [
        varimax_criterion(unrotated @ np.array([[math.cos(t), -math.sin(t)],
                                                [math.sin(t), math.cos(t)]]))
        for t in angles
    ]  # fmt: skip
    best = angles[int(np.argmax(scores))]
    turned = unrotated @ np.array([[math.cos(best), -math.sin(best)],
                                   [math.sin(best), math.cos(best)]])  # fmt: skip
    top = (turned**2).max(axis=1)
    res = pca_analysis(correlated_data(r), components=2)
    assert varimax_criterion(res.loadings) >= max(scores) - 1e-12
    np.testing.assert_allclose(res.weights, top / top.sum(), atol=1e-6)
    # unrotated, every indicator loads most on factor 1 and the weights differ
    assert not np.allclose(pca(correlated_data(r), components=2, rotation="none"), res.weights)


@pytest.mark.parametrize(
    ("eigenvalues", "kept"),
    [
        # the Handbook's TAI example (Table 16): shares 41.9 12.3 11.1 … % — four factors kept,
        # the third and fourth for explaining more than 10 % though λ < 1
        (8 * np.array([0.419, 0.218, 0.123, 0.111, 0.060, 0.037, 0.022, 0.009]), 4),
        # one λ > 1 explaining 12.5 %, nineteen of 4.6 %: extended until ≥ 60 %:
        # 12.5 + 10·4.605 = 58.6 % < 60 ≤ 12.5 + 11·4.605 = 63.2 % → 12 factors
        (np.array([2.5] + [17.5 / 19] * 19), 12),
        # uncorrelated: every λ = 1 with 25 % each → all four kept
        (np.ones(4), 4),
    ],
    ids=["tai", "to-60-percent", "identity"],
)
def test_it_retains_factors_by_the_handbooks_criteria(eigenvalues: Mat, kept: int) -> None:
    assert _retained(np.asarray(eigenvalues, dtype=np.float64), None) == kept


def test_it_refuses_pca_on_a_constant_column_or_a_bad_number_of_components() -> None:
    x = np.column_stack([PCA_X, np.full(8, 3.0)])
    with pytest.raises(ComputationError, match="'flat' \\(column 5\\) is constant"):
        pca(x, labels=["a", "b", "c", "d", "flat"])
    with pytest.raises(ComputationError, match="between 1 and 4, got 5"):
        pca(PCA_X, components=5)


def well_separated(x: Mat) -> bool:
    """No tie between eigenvalues and none at a retention threshold (where ties are arbitrary)."""
    if np.any(np.ptp(x, axis=0) == 0):
        return False
    vals = np.sort(np.linalg.eigvalsh(np.corrcoef(x, rowvar=False)))[::-1]
    share = vals / vals.sum()
    cumulative = np.cumsum(share)
    return bool(
        np.all(np.abs(np.diff(vals)) > 1e-6)
        and np.all(np.abs(vals - 1) > 1e-6)
        and np.all(np.abs(share - 0.1) > 1e-6)
        and np.all(np.abs(cumulative - 0.6) > 1e-6)
    )


@PROPS
@given(data_matrices(min_cols=2), st.randoms(), st.sampled_from(["varimax", "none"]))
def test_it_gives_pca_weights_that_sum_to_1_and_follow_a_permutation(
    x: Mat, rnd: random.Random, rotation: str
) -> None:
    assume(x.shape[0] >= 3 and well_separated(x))
    w = pca(x, rotation=rotation)  # type: ignore[arg-type]
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0)
    perm = np.array(rnd.sample(range(x.shape[1]), x.shape[1]))
    np.testing.assert_allclose(pca(x[:, perm], rotation=rotation), w[perm], atol=1e-7)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- budget allocation

# docs/weighting.md, budget allocation: three experts, four indicators.
BUDGET = np.array([[40.0, 30, 20, 10], [25, 25, 25, 25], [5, 5, 0, 0]])


def test_it_averages_the_experts_budget_shares() -> None:
    # shares: .40 .30 .20 .10 | .25 .25 .25 .25 | .50 .50 0 0 (expert 3 had 10 points, not 100)
    # means: 1.15/3 = .383333, 1.05/3 = .35, .45/3 = .15, .35/3 = .116667
    np.testing.assert_allclose(budget(BUDGET), [0.383333, 0.35, 0.15, 0.116667], atol=1e-6)


def test_it_names_the_expert_who_allocates_nothing_or_a_negative_amount() -> None:
    with pytest.raises(SchemeError) as err:
        budget(
            np.array([[1, 2], [0, 0], [3, -1]]), experts=["Li", "Wang", "Zhao"], labels=["x", "y"]
        )
    text = str(err.value)
    assert "expert 'Wang' (row 2) allocates 0 points in all" in text
    assert "expert 'Zhao' (row 3) allocates -1 to 'y' (column 2): points must be ≥ 0" in text
    assert len(err.value.issues) == 2


@PROPS
@given(data_matrices(), st.randoms())
def test_it_gives_budget_weights_that_sum_to_1_and_follow_a_permutation(
    b: Mat, rnd: random.Random
) -> None:
    assume(np.all(b.sum(axis=1) > 0))
    w = budget(b)
    assert np.all(w >= 0)
    assert w.sum() == pytest.approx(1.0)
    perm = np.array(rnd.sample(range(b.shape[1]), b.shape[1]))
    np.testing.assert_allclose(budget(b[:, perm]), w[perm], atol=1e-12)


# --------------------------------------------------------------------------- effective weights

# docs/weighting.md, effective weights.
TREE: dict[str, str | None] = {
    "econ": None,
    "society": None,
    "gdp": "econ",
    "invest": "econ",
    "edu": "society",
    "health": "society",
}
NOMINAL = {"econ": 60.0, "society": 40.0, "gdp": 3.0, "invest": 1.0, "edu": 1.0, "health": 1.0}


def test_it_multiplies_the_normalised_weights_down_the_tree() -> None:
    # econ .6, society .4; gdp 3/4, invest 1/4; edu 1/2, health 1/2
    # → gdp .6·.75 = .45, invest .6·.25 = .15, edu .4·.5 = .2, health .2
    eff = effective_weights(TREE, NOMINAL)
    assert list(eff) == ["gdp", "invest", "edu", "health"]
    np.testing.assert_allclose(list(eff.values()), [0.45, 0.15, 0.2, 0.2], atol=1e-12)


def test_it_handles_a_single_root_and_uneven_depths() -> None:
    tree = {"total": None, "a": "total", "b": "total", "b1": "b", "b2": "b", "b21": "b2"}
    weights = {"total": 1, "a": 1, "b": 3, "b1": 1, "b2": 1, "b21": 5}
    # a = 1/4; b = 3/4 split evenly: b1 = 3/8, b2 → its only child b21 = 3/8
    assert effective_weights(tree, weights) == pytest.approx({"a": 0.25, "b1": 0.375, "b21": 0.375})


@pytest.mark.parametrize(
    ("tree", "weights", "path", "message"),
    [
        ({"a": None, "b": "ecno"}, {"a": 1, "b": 1}, "b", "parent 'ecno' of 'b' is not a node"),
        ({"a": None, "b": "a"}, {"a": 1}, "b", "no weight given"),
        ({"a": None}, {"a": 1, "z": 2}, "z", "not in the tree"),
        ({"a": None}, {"a": -1}, "a", "must be a finite number ≥ 0"),
        ({"a": None, "b": "a"}, {"a": 1, "b": 0}, "a", "children sum to 0"),
        ({"a": "b", "b": "a", "c": None}, {"a": 1, "b": 1, "c": 1}, "a", "cycle: a → b"),
    ],
    ids=["unknown-parent", "missing-weight", "unknown-node", "negative", "zero-group", "cycle"],
)
def test_it_names_the_node_of_an_unusable_weight_tree(
    tree: dict[str, str | None], weights: dict[str, float], path: str, message: str
) -> None:
    with pytest.raises(SchemeError) as err:
        effective_weights(tree, weights)
    assert any(i.path == path and message in i.message for i in err.value.issues), str(err.value)


@st.composite
def weight_trees(draw: st.DrawFn) -> tuple[dict[str, str | None], dict[str, float]]:
    n = draw(st.integers(1, 12))
    parent: dict[str, str | None] = {"n0": None}
    for k in range(1, n):
        parent[f"n{k}"] = draw(st.sampled_from([None, *(f"n{i}" for i in range(k))]))
    weights = {c: float(draw(st.integers(1, 9))) for c in parent}
    return parent, weights


@PROPS
@given(weight_trees())
def test_it_gives_effective_weights_that_sum_to_1(
    tree: tuple[dict[str, str | None], dict[str, float]],
) -> None:
    eff = effective_weights(*tree)
    parents = set(tree[0].values())
    assert set(eff) == {c for c in tree[0] if c not in parents}
    assert all(v > 0 for v in eff.values())
    assert sum(eff.values()) == pytest.approx(1.0)


# --------------------------------------------------------------------------- the docs' figures


def doc_section(anchor: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f'<a id="{anchor}"></a>')
    end = text.find('<a id="', start + 1)
    return text[start : end if end > 0 else None]


@pytest.mark.parametrize(
    ("anchor", "figures"),
    [
        ("equal", lambda: equal(4)),
        ("ahp", lambda: ahp(HOUSE).weights),
        ("ahp", lambda: ahp(HOUSE, "geometric").weights),
        ("ahp", lambda: ahp(YARD).weights),
        ("entropy", lambda: entropy(ENTROPY_X)),
        ("critic", lambda: critic(CRITIC_X)),
        ("pca", lambda: pca(PCA_X)),
        ("budget", lambda: budget(BUDGET)),
        ("effective", lambda: np.array(list(effective_weights(TREE, NOMINAL).values()))),
    ],
    ids=[
        "equal",
        "ahp-eigen",
        "ahp-geometric",
        "ahp-yard",
        "entropy",
        "critic",
        "pca",
        "budget",
        "effective",
    ],
)
def test_it_prints_in_the_docs_the_weights_the_code_computes(anchor: str, figures: object) -> None:
    section = doc_section(anchor)
    for w in figures():  # type: ignore[operator]
        assert f"{w:.4f}" in section, f"docs/weighting.md #{anchor} lacks {w:.4f}"


@pytest.mark.parametrize(
    "figure",
    [
        "λmax = 9.669",
        "CI = 0.238",
        "CR = 0.169",
        "λmax = 9.593",
        "CR = 0.161",
        "λmax = 3.086",
        "CR = 0.074",
    ],
)
def test_it_prints_in_the_docs_the_ahp_consistency_the_code_computes(figure: str) -> None:
    computed = {
        "λmax = 9.669": ahp(HOUSE).lambda_max,
        "CI = 0.238": ahp(HOUSE).ci,
        "CR = 0.169": ahp(HOUSE).cr,
        "λmax = 9.593": ahp(HOUSE, "geometric").lambda_max,
        "CR = 0.161": ahp(HOUSE, "geometric").cr,
        "λmax = 3.086": ahp(YARD).lambda_max,
        "CR = 0.074": ahp(YARD).cr,
    }[figure]
    assert figure.endswith(f"{computed:.3f}")
    assert figure in doc_section("ahp")

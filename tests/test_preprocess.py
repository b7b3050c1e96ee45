"""Preprocessing (kaohe.preprocess): COINr's ASEM reference build rebuilt cell by cell, and small
tables computed by hand (the worked examples of docs/preprocessing.md).

Tolerance on the reference: every cell must agree to 1e-12 relative (|a − e| ≤ 1e-12·|e|, so
zeros exactly) — stricter than the 1e-9 asked; on x86-64 the agreement is in fact bit for bit.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from numpy.typing import NDArray

from kaohe.preprocess import (
    TreatmentFlag,
    TreatmentSpec,
    boxcox,
    data_availability,
    default_max_points,
    denominate,
    impute,
    kurtosis,
    log_shift,
    screen,
    skewness,
    treat,
)

from . import asem_reference as ref

NAN = math.nan
REL = 1e-12

needs_reference = pytest.mark.skipif(not ref.available(), reason="ASEM reference files absent")


def assert_cells_match(actual: NDArray[np.float64], expected: NDArray[np.float64]) -> None:
    """Same NaN cells; every other cell within REL relative; names the first cells that differ."""
    assert actual.shape == expected.shape
    units, codes = ref.unit_codes(), ref.indicator_codes()
    nan_diff = np.argwhere(np.isnan(actual) != np.isnan(expected))
    assert not nan_diff.size, [(units[u], codes[j]) for u, j in nan_diff]
    both = ~np.isnan(expected)
    err = np.zeros_like(expected)
    err[both] = np.abs(actual[both] - expected[both])
    bad = np.argwhere(err > REL * np.abs(np.nan_to_num(expected)))
    assert not bad.size, [(units[u], codes[j], actual[u, j], expected[u, j]) for u, j in bad[:10]]


def rounded(moments: tuple[float, float]) -> tuple[float, float]:
    return round(moments[0], 4), round(moments[1], 4)


def exact_moments(x: list[float]) -> tuple[float, float]:
    """G1 and G2 by the type-2 formulas in exact rational arithmetic (G1's roots at the end)."""
    n = len(x)
    mean = Fraction(sum(Fraction(v) for v in x), n)
    d = [Fraction(v) - mean for v in x]
    s2, s3, s4 = (sum(t**k for t in d) for k in (2, 3, 4))
    g1 = float(s3) * math.sqrt(n) / float(s2) ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    r = n * s4 / s2**2
    g2 = ((n + 1) * (r - 3) + 6) * (n - 1) / Fraction((n - 2) * (n - 3))
    return g1, float(g2)


# --------------------------------------------------------------------------- the ASEM reference


def asem_denominators() -> NDArray[np.float64]:
    """[units, indicators]: the Den_* column named in Input_IndMeta, NaN where none."""
    dens = ref.denominators()
    n_units = len(ref.unit_codes())
    cols = [
        dens[m["Denominator"]] if m["Denominator"] else np.full(n_units, NAN)
        for m in ref.indicator_meta()
    ]
    return np.column_stack(cols)


def eurasia_labels() -> NDArray[np.intp]:
    _, labels = np.unique(np.array(ref.groups("Group_EurAsia")), return_inverse=True)
    return labels.astype(np.intp)


COINR_FLAG = {
    TreatmentFlag.UNTOUCHED: "No",
    TreatmentFlag.WINSORISED_LOW: "WLow",
    TreatmentFlag.WINSORISED_HIGH: "WHigh",
    TreatmentFlag.TRANSFORMED: "CTLog",
}


@needs_reference
def test_it_rebuilds_data_denominated_from_the_inputs() -> None:
    # COINr divides by the metadata's Den_* column with no scale (scale 1)
    result = denominate(ref.dataset("Input_IndData"), asem_denominators())
    assert_cells_match(result.values, ref.dataset("Denominated"))
    # Lao PDR has no energy denominator: its Elec and Gas are reported (COINr leaves them NA)
    units, codes = ref.unit_codes(), ref.indicator_codes()
    assert [(units[u], codes[j]) for u, j in np.argwhere(result.invalid)] == [
        ("LAO", "Elec"),
        ("LAO", "Gas"),
    ]


@needs_reference
def test_it_rebuilds_data_imputed_by_eurasia_group_mean() -> None:
    denominated = ref.dataset("Denominated")
    result = impute(denominated, method="mean", groups=eurasia_labels())
    assert_cells_match(result.values, ref.dataset("Imputed"))
    assert np.array_equal(result.imputed, np.isnan(denominated))
    assert int(result.imputed.sum()) == 65


@needs_reference
def test_it_screens_the_asem_units_at_90_percent_availability() -> None:
    # The reference build (COINr's build_ASEM) has no screening step: all 51 units go on.
    # Screened at 90% before imputation, five units would go; after imputation, none.
    units = np.array(ref.unit_codes())
    kept = screen(~np.isnan(ref.dataset("Denominated")), 0.9)
    assert sorted(units[~kept]) == ["BGD", "BRN", "KHM", "LAO", "MMR"]
    assert screen(~np.isnan(ref.dataset("Imputed")), 0.9).all()


@needs_reference
def test_it_rebuilds_data_treated_and_the_treatment_tables() -> None:
    imputed = ref.dataset("Imputed")
    assert default_max_points(imputed.shape[0]) == 6  # TreatSpec "Default, winmax = 6"
    results = [treat(imputed[:, j]) for j in range(imputed.shape[1])]
    explicit = [treat(imputed[:, j], TreatmentSpec(max_points=6)) for j in range(49)]
    assert all(np.array_equal(a.values, b.values) for a, b in zip(results, explicit, strict=True))
    assert_cells_match(np.column_stack([r.values for r in results]), ref.dataset("Treated"))

    flags = np.array([[COINR_FLAG[TreatmentFlag(f)] for f in r.flags] for r in results]).T
    assert np.array_equal(flags, ref.treat_flags())

    for r, row in zip(results, ref.treat_summary(), strict=True):
        assert (r.low, r.high) == (float(row["Low"]), float(row["High"])), row["IndCode"]
        label = f"Winsorised {r.steps} points" if r.steps else "None"
        assert r.transform == "none"
        assert label == row["Treatment"], row["IndCode"]
        assert r.passed


# --------------------------------------------------------------------------- skewness, kurtosis


def test_it_computes_type_2_skewness_and_kurtosis_as_by_hand() -> None:
    # x = 1 2 3 4 10: x̄ = 4, d = −3 −2 −1 0 6, Σd² = 50, Σd³ = 180, Σd⁴ = 1394
    # G1 = √5·180/50^1.5 · √20/3 = 1.2√2;  r = 5·1394/50² = 2.788, G2 = (6·(−0.212)+6)·4/6 = 3.152
    x = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert skewness(x) == pytest.approx(1.2 * math.sqrt(2), rel=1e-14)
    assert kurtosis(x) == pytest.approx(3.152, rel=1e-14)


def test_it_ignores_missing_values_in_skewness_and_kurtosis() -> None:
    x = [1.0, NAN, 2.0, 3.0, NAN, 4.0, 10.0]
    assert skewness(x) == pytest.approx(1.2 * math.sqrt(2), rel=1e-14)
    assert kurtosis(x) == pytest.approx(3.152, rel=1e-14)


def test_it_leaves_skewness_and_kurtosis_undefined_without_enough_spread() -> None:
    assert math.isnan(skewness([1.0, 2.0]))
    assert math.isnan(kurtosis([1.0, 2.0, 3.0]))
    assert math.isnan(skewness([5.0, 5.0, 5.0, 5.0]))
    assert math.isnan(kurtosis([5.0, 5.0, 5.0, 5.0]))


# --------------------------------------------------------------------------- treatment

# docs/preprocessing.md: 0, 1, …, 19, 50, 100 (22 values)
TWO_OUTLIERS = [float(v) for v in range(20)] + [50.0, 100.0]


def test_it_winsorises_two_points_on_the_high_side() -> None:
    before = exact_moments(TWO_OUTLIERS)  # fails
    step1 = exact_moments([*TWO_OUTLIERS[:-1], 50.0])  # 100 → 50: still fails
    step2 = exact_moments([*TWO_OUTLIERS[:-2], 19.0, 19.0])  # 50, 50 → 19: passes
    assert rounded(before) == (3.3134, 12.1378)
    assert rounded(step1) == (2.0934, 4.4488)
    assert rounded(step2) == (-0.0945, -1.2938)

    r = treat(TWO_OUTLIERS, TreatmentSpec(max_points=5))
    assert r.values.tolist() == [*TWO_OUTLIERS[:-2], 19.0, 19.0]
    assert r.flags.tolist() == [0] * 20 + [2, 2]
    assert (r.low, r.high, r.steps, r.transform, r.passed) == (0, 2, 2, "none", True)
    assert (r.skewness_before, r.kurtosis_before) == pytest.approx(before, rel=1e-12)
    assert (r.skewness_after, r.kurtosis_after) == pytest.approx(step2, rel=1e-12)


def test_it_winsorises_the_low_side_when_skewness_is_negative() -> None:
    r = treat([-v for v in TWO_OUTLIERS], TreatmentSpec(max_points=5))
    assert r.values.tolist() == [-v for v in [*TWO_OUTLIERS[:-2], 19.0, 19.0]]
    assert r.flags.tolist() == [0] * 20 + [1, 1]
    assert (r.low, r.high, r.steps) == (2, 0, 2)


def test_it_decides_the_side_again_at_each_step() -> None:
    # 111 goes first (skew > 0); then −26 is the outlier (skew < 0)
    x = [-26.0, 3.0, 4.0, 4.0, 6.0, 6.0, 7.0, 111.0]
    assert rounded(exact_moments(x)) == (2.3753, 6.5058)
    assert rounded(exact_moments([*x[1:-1], 7.0, -26.0])) == (-2.7296, 7.578)  # after step 1
    r = treat(x, TreatmentSpec(max_points=5))
    assert (r.skewness_after, r.kurtosis_after) == pytest.approx((0.0, -2.044), abs=1e-12)
    assert r.values.tolist() == [3.0, 3.0, 4.0, 4.0, 6.0, 6.0, 7.0, 7.0]
    assert r.flags.tolist() == [1, 0, 0, 0, 0, 0, 0, 2]
    assert (r.low, r.high, r.steps) == (1, 1, 2)


def test_it_moves_tied_extremes_together_and_counts_them_as_one_step() -> None:
    # COINr reports "Winsorised 1 points" and High = 2 for this
    x = [float(v) for v in range(20)] + [100.0, 100.0]
    assert rounded(exact_moments(x)) == (2.822, 7.153)
    r = treat(x, TreatmentSpec(max_points=5))
    assert r.values.tolist()[-3:] == [19.0, 19.0, 19.0]
    assert (r.high, r.steps) == (2, 1)


def test_it_falls_back_to_the_log_of_the_original_data() -> None:
    # one step (100 → 50) still fails: ln(x − 0 + 0.01·(100 − 0)) = ln(x + 1) of the ORIGINAL
    r = treat(TWO_OUTLIERS, TreatmentSpec(max_points=1))
    assert r.values == pytest.approx([math.log(v + 1) for v in TWO_OUTLIERS], rel=1e-15)
    assert r.values[0] == 0.0
    assert r.values[-1] == pytest.approx(4.61512051684126, rel=1e-14)
    assert r.flags.tolist() == [3] * 22
    assert (r.low, r.high, r.steps, r.transform, r.passed) == (0, 0, 0, "log", True)


def test_it_logs_zeros_and_negatives_after_the_shift() -> None:
    # min −1, max 99: ln(x + 1 + 0.01·100) = ln(x + 2); the minimum maps to ln 1 = 0
    x = [v - 1.0 for v in TWO_OUTLIERS]
    r = treat(x, TreatmentSpec(max_points=1))
    assert r.values == pytest.approx([math.log(v + 2) for v in x], rel=1e-15)
    assert log_shift([-1.0, 0.0, 99.0]).tolist() == pytest.approx([0.0, math.log(2), math.log(101)])


def test_it_keeps_missing_cells_missing_and_flags_the_whole_transformed_column() -> None:
    r = treat([*TWO_OUTLIERS, NAN], TreatmentSpec(max_points=1))
    assert math.isnan(r.values[-1])
    assert r.values[:-1] == pytest.approx([math.log(v + 1) for v in TWO_OUTLIERS], rel=1e-15)
    assert r.flags.tolist() == [3] * 23  # as COINr's TreatFlags


def test_it_can_fall_back_to_box_cox() -> None:
    # y = x − 0 + 1; λ = 0.5: (√y − 1)/0.5 → 0 ↦ 0, 3 ↦ 2, 8 ↦ 4
    r = treat(TWO_OUTLIERS, TreatmentSpec(max_points=1, fallback="boxcox", boxcox_lambda=0.5))
    assert r.transform == "boxcox"
    assert r.values[[0, 3, 8, 21]].tolist() == pytest.approx([0.0, 2.0, 4.0, 18.09975124224178])
    assert boxcox([0.0, math.e - 1], 0.0).tolist() == pytest.approx([0.0, 1.0])


def test_it_returns_the_original_data_when_there_is_no_fallback() -> None:
    r = treat(TWO_OUTLIERS, TreatmentSpec(max_points=1, fallback="none"))
    assert r.values.tolist() == TWO_OUTLIERS
    assert (r.high, r.steps, r.transform, r.passed) == (0, 0, "none", False)


def test_it_leaves_an_indicator_that_passes_untouched() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 10.0]  # |G1| = 1.697 ≤ 2
    r = treat(x)
    assert r.values.tolist() == x
    assert r.flags.tolist() == [0] * 5
    assert r.steps == 0


def test_it_passes_when_only_one_statistic_exceeds_its_threshold() -> None:
    # |G1| > 2 but G2 ≤ 3.5 passes; the check fails only when both exceed
    spec = TreatmentSpec(kurtosis_threshold=20.0)
    assert treat(TWO_OUTLIERS, spec).steps == 0
    spec = TreatmentSpec(skew_threshold=3.4)
    assert treat(TWO_OUTLIERS, spec).steps == 0


def test_it_skips_treatment_when_asked() -> None:
    r = treat(TWO_OUTLIERS, TreatmentSpec(method="none"))
    assert r.values.tolist() == TWO_OUTLIERS
    assert not r.passed


def test_it_refuses_to_winsorise_down_to_a_single_value() -> None:
    with pytest.raises(ValueError, match="fewer than two distinct values"):
        treat([0.0] * 9 + [1.0], TreatmentSpec(max_points=5))


def test_it_takes_coinr_default_winmax_of_a_tenth_of_the_units_rounded_up() -> None:
    assert [default_max_points(n) for n in (1, 10, 11, 30, 51)] == [1, 1, 2, 3, 6]
    # R's ceiling(n * 0.1) in floating point gives the same for every n up to 10,000
    assert all(default_max_points(n) == math.ceil(n * 0.1) for n in range(10_001))


def test_it_rejects_a_box_cox_fallback_without_lambda() -> None:
    with pytest.raises(ValueError, match="boxcox_lambda"):
        TreatmentSpec(fallback="boxcox")


# --------------------------------------------------------------------------- imputation

#   unit group    a     b
#   u1    0       1     –
#   u2    0       3     –
#   u3    0       –     –
#   u4    1      10     4
#   u5    1       –     6
#   u6    1      20     –
TABLE = np.array(
    [[1.0, NAN], [3.0, NAN], [NAN, NAN], [10.0, 4.0], [NAN, 6.0], [20.0, NAN]],
)
GROUPS = np.array([0, 0, 0, 1, 1, 1])


def test_it_imputes_the_group_mean_and_leaves_an_empty_group_missing() -> None:
    values, imputed = impute(TABLE, method="mean", groups=GROUPS)
    expected = [[1, NAN], [3, NAN], [2, NAN], [10, 4], [15, 6], [20, 5]]
    np.testing.assert_array_equal(values, np.array(expected))
    assert imputed.tolist() == [
        [False, False],
        [False, False],
        [True, False],  # group 0 has no b at all: stays missing, not flagged
        [False, False],
        [True, False],
        [False, True],
    ]


def test_it_imputes_the_column_mean_without_groups() -> None:
    values, imputed = impute(TABLE)
    assert values[:, 0].tolist() == [1, 3, 8.5, 10, 8.5, 20]  # (1 + 3 + 10 + 20)/4
    assert values[:, 1].tolist() == [5, 5, 5, 4, 6, 5]
    assert int(imputed.sum()) == 6


def test_it_imputes_the_column_median() -> None:
    values, _ = impute(np.array([[1.0], [2.0], [10.0], [NAN]]), method="median")
    assert values[:, 0].tolist() == [1, 2, 10, 2]
    values, _ = impute(np.array([[1.0], [2.0], [10.0], [20.0], [NAN]]), method="median")
    assert values[-1, 0] == 6.0  # (2 + 10)/2


def test_it_imputes_the_row_mean_or_median() -> None:
    row = np.array([[1.0, NAN, 2.0, 9.0], [NAN, NAN, NAN, NAN]])
    values, imputed = impute(row, method="mean", axis="row")
    assert values[0].tolist() == [1, 4, 2, 9]  # (1 + 2 + 9)/3
    assert np.isnan(values[1]).all()
    assert imputed.tolist() == [[False, True, False, False], [False] * 4]
    values, _ = impute(row, method="median", axis="row")
    assert values[0, 1] == 2.0


def test_it_never_changes_present_values() -> None:
    values, _ = impute(TABLE, groups=GROUPS)
    present = ~np.isnan(TABLE)
    assert np.array_equal(values[present], TABLE[present])


# --------------------------------------------------------------------------- screening

#   availability: u0 4/4, u1 3/4, u2 2/4, u3 1/4
PRESENT = np.array(
    [
        [True, True, True, True],
        [True, True, True, False],
        [True, False, True, False],
        [False, False, True, False],
    ]
)


def test_it_computes_the_share_of_data_available() -> None:
    assert data_availability(PRESENT).tolist() == [1.0, 0.75, 0.5, 0.25]


def test_it_keeps_units_at_or_above_the_threshold() -> None:
    assert screen(PRESENT, 0.75).tolist() == [True, True, False, False]


def test_it_forces_inclusion_and_exclusion() -> None:
    include = np.array([False, False, False, True])
    exclude = np.array([True, False, False, False])
    assert screen(PRESENT, 0.75, include=include, exclude=exclude).tolist() == [
        False,
        True,
        False,
        True,
    ]


def test_it_lets_forced_exclusion_win_over_forced_inclusion() -> None:
    both = np.array([False, False, True, False])
    assert screen(PRESENT, 0.75, include=both, exclude=both).tolist() == [
        True,
        True,
        False,
        False,
    ]


# --------------------------------------------------------------------------- denomination


def test_it_denominates_and_reports_zero_or_missing_denominators() -> None:
    values = np.array([[10.0, 3.0], [4.0, 5.0], [6.0, 7.0], [NAN, 8.0]])
    dens = np.array([[2.0, NAN], [0.0, NAN], [NAN, NAN], [5.0, NAN]])
    result = denominate(values, dens, scale=np.array([100.0, 1000.0]))
    # a = 10/2·100 = 500; b has no denominator: unchanged, its scale not applied
    np.testing.assert_array_equal(
        result.values, np.array([[500.0, 3.0], [NAN, 5.0], [NAN, 7.0], [NAN, 8.0]])
    )
    assert result.invalid.tolist() == [[False, False], [True, False], [True, False], [False, False]]


def test_it_takes_the_denominated_indicators_when_given() -> None:
    values = np.array([[10.0], [4.0]])
    result = denominate(values, np.array([[NAN], [NAN]]), denominated=np.array([True]))
    assert np.isnan(result.values).all()
    assert result.invalid.all()


def test_it_uses_a_scale_of_one_by_default() -> None:
    result = denominate(np.array([[3.0, 1.0]]), np.array([[4.0, NAN]]))
    assert result.values.tolist() == [[0.75, 1.0]]

"""Preprocessing of indicator data before normalisation — the pure numerical core, no I/O:

* :func:`denominate` — divide extensive indicators by a size measure (x / d · s);
* :func:`impute` — fill missing cells with a group mean/median by column, or a row mean/median;
* :func:`screen` — keep units with enough data, with forced inclusions and exclusions;
* :func:`treat` — COINr's outlier procedure: skewness/kurtosis check, stepwise winsorisation,
  log (or Box-Cox) fallback.

Each reproduces the corresponding step of COINr (the EU JRC's composite-indicator package) to
the bit on its ASEM reference build; see docs/preprocessing.md.
"""

from kaohe.preprocess.denomination import Denomination, denominate, denominated_indicators
from kaohe.preprocess.imputation import Imputation, impute
from kaohe.preprocess.screening import data_availability, screen
from kaohe.preprocess.treatment import (
    TreatmentFlag,
    TreatmentResult,
    TreatmentSpec,
    boxcox,
    default_max_points,
    kurtosis,
    log_shift,
    passes,
    skewness,
    treat,
)

__all__ = [
    "Denomination",
    "Imputation",
    "TreatmentFlag",
    "TreatmentResult",
    "TreatmentSpec",
    "boxcox",
    "data_availability",
    "default_max_points",
    "denominate",
    "denominated_indicators",
    "impute",
    "kurtosis",
    "log_shift",
    "passes",
    "screen",
    "skewness",
    "treat",
]

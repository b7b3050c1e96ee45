"""Kaohe (考核): differentiated performance assessment.

    >>> import kaohe
    >>> results = kaohe.assess("examples/ulanqab/scheme.yaml", "examples/ulanqab/data.xlsx")
    >>> results.to_pandas()                     # one row per unit
    >>> results.explain("集宁区").to_dict()      # every point, line by line

The computational core (:mod:`kaohe.engine`) takes a validated :class:`Scheme` and a
:class:`Dataset`; the helpers here also accept file paths and read them at the edge.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe.errors import ComputationError, DataError, KaoheError, SchemeError, UnknownUnitError

if TYPE_CHECKING:
    from kaohe.checks import build_scheme
    from kaohe.dataset import Dataset
    from kaohe.results import Results
    from kaohe.scheme import Scheme

__version__ = "0.1.0"

#: Names imported when first used, so that ``import kaohe`` (and ``kaohe --help``) stays fast.
_LAZY = {
    "Dataset": "kaohe.dataset",
    "Results": "kaohe.results",
    "Scheme": "kaohe.scheme",
    "build_scheme": "kaohe.checks",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kaohe' has no attribute {name!r}")


__all__ = [
    "ComputationError",
    "DataError",
    "Dataset",
    "KaoheError",
    "Results",
    "Scheme",
    "SchemeError",
    "UnknownUnitError",
    "__version__",
    "assess",
    "build_scheme",
    "load_data",
    "load_scheme",
]


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate a scheme YAML file (errors name the file, line and field)."""
    from kaohe.io.scheme_file import load_scheme as _load

    return _load(path)


def load_data(scheme: Scheme, path: str | Path) -> Dataset:
    """Read and validate a CSV or Excel data file against a scheme."""
    from kaohe.io.data_files import load_data as _load

    return _load(scheme, path)[0]


def assess(scheme: Scheme | str | Path, data: Dataset | str | Path) -> Results:
    """Assess: scheme (object or YAML path) and data (dataset or CSV/XLSX path) → results."""
    from kaohe.dataset import Dataset
    from kaohe.engine import assess as _assess
    from kaohe.scheme import Scheme

    s = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    d = data if isinstance(data, Dataset) else load_data(s, data)
    return _assess(s, d)

"""Reader for COINr's ASEM reference build (tests/reference/coinr-asem/, see its README).

Every function returns plain Python or numpy values, rows in the order of the published files
(the same 51 units everywhere), indicator columns in the order of Input_IndMeta.csv:

    >>> units = unit_codes()                 # ("AUT", "BEL", …)
    >>> codes = indicator_codes()            # ("Goods", "Services", …)
    >>> raw = dataset("Raw")                 # float [units, indicators], NaN = missing
    >>> denominators()["Den_GDP"]            # float [units]

Set KAOHE_ASEM_REFERENCE to read the files from elsewhere; tests skip when they are absent.
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

ROOT = Path(
    os.environ.get(
        "KAOHE_ASEM_REFERENCE", Path(__file__).resolve().parent / "reference" / "coinr-asem"
    )
)
BUILD = ROOT / "published_build"
Vec = NDArray[np.float64]


def available() -> bool:
    """Whether the reference files are there."""
    return (BUILD / "Input_IndData.csv").is_file()


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of published_build/<name>.csv as dicts of text cells."""
    with (BUILD / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def number(cell: str) -> float:
    """A cell as a float; empty or NA = NaN."""
    return float("nan") if cell.strip() in ("", "NA", "NaN") else float(cell)


def columns(name: str, codes: tuple[str, ...]) -> Vec:
    """Columns ``codes`` of published_build/<name>.csv as floats [units, len(codes)]."""
    table = rows(name)
    if tuple(r["UnitCode"] for r in table) != unit_codes():
        raise ValueError(f"{name}.csv does not list the units in the reference order")
    return np.array([[number(r[c]) for c in codes] for r in table], dtype=np.float64)


@cache
def unit_codes() -> tuple[str, ...]:
    """The 51 unit (country) codes, in file order."""
    return tuple(r["UnitCode"] for r in rows("Input_IndData"))


@cache
def indicator_codes() -> tuple[str, ...]:
    """The 49 indicator codes, in metadata order."""
    return tuple(r["IndCode"] for r in rows("Input_IndMeta"))


def indicator_meta() -> tuple[dict[str, str], ...]:
    """Input_IndMeta.csv rows: IndName, IndCode, Direction, IndWeight, Denominator, …"""
    return rows("Input_IndMeta")


def dataset(name: str) -> Vec:
    """Data_<name>.csv (Raw, Denominated, Imputed, Treated, Normalised, Aggregated) or an
    Input_* table of indicator data ("Input_IndData"): the indicators as [units, indicators]."""
    table = name if name.startswith("Input_") else f"Data_{name}"
    return columns(table, indicator_codes())


def denominators() -> dict[str, Vec]:
    """The denominator columns of Input_Denominators.csv by name (Den_GDP, Den_Pop, …)."""
    names = tuple(c for c in rows("Input_Denominators")[0] if c.startswith("Den_"))
    table = columns("Input_Denominators", names)
    return {n: table[:, k] for k, n in enumerate(names)}


def groups(column: str = "Group_EurAsia") -> tuple[str, ...]:
    """A unit grouping column of Input_IndData.csv (Group_EurAsia, Group_GDP, …), per unit."""
    return tuple(r[column] for r in rows("Input_IndData"))


def treat_summary() -> tuple[dict[str, str], ...]:
    """Analysis_TreatSummary.csv rows: IndCode, Low, High, TreatSpec, Treatment."""
    return rows("Analysis_TreatSummary")


def treat_flags() -> NDArray[np.str_]:
    """Analysis_TreatFlags.csv as text [units, indicators]: "No", "WHigh", "WLow", …"""
    table = rows("Analysis_TreatFlags")
    return np.array([[r[c] for c in indicator_codes()] for r in table], dtype=np.str_)

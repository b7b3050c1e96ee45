"""The annual assessment's ``previous`` values from last year's (同比、进位: last year's value,
last year's rank), read, not typed: an indicator declares ``previous_from: last_year``, and its
previous value for each unit is that unit's value of the same indicator last year — from last
year's data file (``kaohe run --last-year``) or, on the platform, from the previous cycle of the
same scheme. Pure: values in, a scheme out."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from kaohe.checks import check_scheme
from kaohe.dataset import PRESENT, Dataset
from kaohe.errors import SchemeError
from kaohe.scheme import Scheme

#: last year's values: indicator id → unit id → value
LastYear = Mapping[str, Mapping[str, float | None]]


def reads_last_year(scheme: Scheme) -> list[str]:
    """The indicators whose previous value comes from last year's (``previous_from:
    last_year``), in the scheme's order."""
    return [iid for iid, ind in scheme.indicators.items() if ind.previous_from == "last_year"]


def with_last_year(scheme: Scheme, last: LastYear) -> Scheme:
    """The scheme with last year's values as the ``previous`` of every indicator that reads
        them: for each unit of the scheme with a finite value last year, that value; the others
        keep ``previous`` as written (or have none). Indicators that do not read last year's values,
        and units or indicators ``last`` names that the scheme does not know, are left as they
        are. The same scheme when nothing reads last year's values. :class:`SchemeError` when a rule
    needs a previous value that neither last year nor the scheme gives (each unit named)."""
    wanted = reads_last_year(scheme)
    if not wanted:
        return scheme
    indicators = dict(scheme.indicators)
    for iid in wanted:
        theirs = last.get(iid, {})
        values = {
            uid: float(x)
            for uid in scheme.units
            if (x := theirs.get(uid)) is not None and math.isfinite(float(x))
        }
        indicators[iid] = scheme.indicators[iid].model_copy(update={"last_year": values})
    filled = scheme.model_copy(update={"indicators": indicators})
    issues = check_scheme(filled)
    if issues:  # a unit with no value last year and no previous written, for a rule needing it
        raise SchemeError(issues)
    return filled


def last_year_values(scheme: Scheme, data: Dataset) -> dict[str, dict[str, float]]:
    """Last year's values of the indicators that read them, from last year's data set (read
    against this year's scheme): the values reported (not empty, not N/A), by indicator and
    unit."""
    out: dict[str, dict[str, float]] = {}
    for iid in reads_last_year(scheme):
        if iid not in data.indicators:
            continue
        j = data.indicators.index(iid)
        col = data.values[:, j]
        ok = data.status[:, j] == PRESENT
        out[iid] = {
            uid: float(col[i]) for i, uid in enumerate(data.units) if ok[i] and np.isfinite(col[i])
        }
    return out

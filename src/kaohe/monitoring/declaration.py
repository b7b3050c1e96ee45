"""The ``monitoring:`` section of a scheme (调度与预警), as validated records.

It declares the monitoring periods of a cycle (months, quarters, or named dates with their date),
which indicators are dispatched in each period and the kind of each value (a cumulative level, a
period flow, a rate, a stock), the seasonal profiles of the time-proportional target, the warning
thresholds, the checks of the data and how the provisional assessment treats a missing value.
Every key is documented in ``docs/monitoring.md``. The records only *describe*; the arithmetic is
in the rest of :mod:`kaohe.monitoring`, and the checks of meaning (references to the scheme's
indicators and units) in :mod:`kaohe.monitoring.checks`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kaohe.i18n import Msg

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
PeriodId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]
#: A per-unit value: one number, or a mapping of unit ids, category ids or ``default``.
ValueMap = float | dict[str, float]

ValueKind = Literal["cumulative", "flow", "rate", "stock"]
Compare = Literal["level", "growth"]
Path = Literal["proportional", "flat", "from_start"]
Measure = Literal["ratio", "gap", "rank"]
#: Profiles every scheme has without declaring them.
BUILTIN_PROFILES = ("linear", "days")
#: The threshold used when a scheme declares none (green ≥ 100% of the path, amber ≥ 90%).
DEFAULT_THRESHOLD = "default"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MonitoringPeriod(_Model):
    """A named monitoring date (e.g. 上半年 on 30 June) with the deadline of its values."""

    id: PeriodId
    name: str = ""
    date: dt.date
    deadline: dt.date | None = None

    @model_validator(mode="after")
    def _deadline(self) -> Self:
        if self.deadline is not None and self.deadline < self.date:
            raise ValueError(str(Msg("mon.decl.deadline_before", date=self.date)))
        return self


class MonitoredIndicator(_Model):
    """One dispatched indicator: the kind of its values, what is compared, with which path."""

    indicator: Id | None = None  # the scheme's indicator it tracks (default: the entry's id)
    name: str = ""
    unit_of_measure: str | None = None
    owner: Id | None = None
    kind: ValueKind
    compare: Compare | None = None
    path: Path | None = None
    periods: list[PeriodId | dt.date] | None = None
    target: ValueMap | None = None
    profile: str = "linear"
    threshold: Id | None = None
    range: tuple[float | None, float | None] | None = None
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == "rate" and self.compare == "growth":
            raise ValueError(str(Msg("mon.decl.rate_growth")))
        if self.compared != "level" and self.path not in (None, "flat"):
            raise ValueError(str(Msg("mon.decl.growth_path")))
        if self.range is not None:
            lo, hi = self.range
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(str(Msg("mon.decl.range", lo=lo, hi=hi)))
        return self

    @property
    def compared(self) -> Literal["level", "growth", "value"]:
        """What is held against the target: the level to date, its growth on last year, or (for
        a rate) the value itself."""
        if self.kind == "rate":
            return "value"
        return self.compare or "level"

    @property
    def target_path(self) -> Path:
        """The path of the target through the year (see docs/monitoring.md#paths)."""
        if self.path is not None:
            return self.path
        if self.compared == "level" and self.kind in ("cumulative", "flow"):
            return "proportional"
        return "flat"


class Profile(_Model):
    """A seasonal profile of the time-proportional target: shares per period, or last year's
    own shape (``from: previous``)."""

    shares: list[Annotated[float, Field(ge=0)]] | None = None
    source: Literal["previous"] | None = Field(default=None, alias="from")
    description: str = ""

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.shares is None) == (self.source is None):
            raise ValueError(str(Msg("mon.decl.profile_one")))
        if self.shares is not None and sum(self.shares) <= 0:
            raise ValueError(str(Msg("mon.decl.profile_sum")))
        return self


class Threshold(_Model):
    """Warning bands: green at or beyond ``green``, amber at or beyond ``amber``, else red."""

    measure: Measure = "ratio"
    green: float | None = None
    amber: float | None = None
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.measure == "rank":
            if self.green is None or self.amber is None:
                raise ValueError(str(Msg("mon.decl.rank_bands")))
            places = float(self.green).is_integer() and float(self.amber).is_integer()
            if not (places and 1 <= self.green <= self.amber):
                raise ValueError(str(Msg("mon.decl.rank_order", g=self.green, a=self.amber)))
            return self
        green, amber = self.bands
        if amber > green:
            raise ValueError(str(Msg("mon.decl.band_order", g=green, a=amber)))
        return self

    @property
    def bands(self) -> tuple[float, float]:
        """(green, amber), with the defaults of the measure: ratio 1 and 0.9; gap 0 and −10."""
        default = {"ratio": (1.0, 0.9), "gap": (0.0, -10.0), "rank": (1.0, 1.0)}[self.measure]
        green = default[0] if self.green is None else float(self.green)
        amber = default[1] if self.amber is None else float(self.amber)
        return green, amber


class DataChecks(_Model):
    """Warnings about the data themselves (``null`` turns a check off)."""

    late: bool = True
    decreasing: bool = True
    own_factor: Annotated[float, Field(gt=1)] | None = 3.0
    peer_factor: Annotated[float, Field(gt=1)] | None = 5.0
    rate_points: Annotated[float, Field(gt=0)] | None = 10.0
    min_history: Annotated[int, Field(ge=1)] = 2
    min_peers: Annotated[int, Field(ge=1)] = 2


class ProvisionalSettings(_Model):
    """How the provisional assessment treats a value not (yet) reported."""

    missing: Literal["zero", "peer_average", "renormalise"] = "renormalise"


class Monitoring(_Model):
    """The monitoring of a cycle: periods, dispatched indicators, profiles, thresholds, checks."""

    start: dt.date | None = None
    end: dt.date | None = None
    periods: Literal["months", "quarters"] | list[MonitoringPeriod] = "months"
    deadline_days: Annotated[int, Field(ge=0, le=366)] = 10
    indicators: dict[Id, MonitoredIndicator] = Field(min_length=1)
    profiles: dict[Id, Profile] = Field(default_factory=dict)
    thresholds: dict[Id, Threshold] = Field(default_factory=dict)
    checks: DataChecks = Field(default_factory=DataChecks)
    provisional: ProvisionalSettings = Field(default_factory=ProvisionalSettings)

    def threshold_for(self, entry: MonitoredIndicator) -> Threshold:
        """The thresholds of an entry: its own, else ``default``, else the built-in default."""
        name = entry.threshold or DEFAULT_THRESHOLD
        return self.thresholds.get(name) or Threshold()


#: Every record of the section, by the key it sits under (for messages naming allowed keys).
MODELS: dict[str, type[BaseModel]] = {
    "monitoring": Monitoring,
    "periods": MonitoringPeriod,
    "indicators": MonitoredIndicator,
    "profiles": Profile,
    "thresholds": Threshold,
    "checks": DataChecks,
    "provisional": ProvisionalSettings,
}


def model_at(path: tuple[object, ...]) -> type[BaseModel] | None:
    """The record at a path inside ``monitoring`` (``()`` is the section itself), or None."""
    if not path:
        return Monitoring
    head = str(path[0])
    if head in ("checks", "provisional") and len(path) == 1:
        return MODELS[head]
    if head in ("periods", "indicators", "profiles", "thresholds") and len(path) == 2:
        return MODELS[head]
    return None

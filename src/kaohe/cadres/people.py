"""People: leadership teams (领导班子) of units and the cadres (干部) in them.

A cadre belongs to a unit and, optionally, to one of its leadership teams; has a position, a rank
level and a status — normal, on probation (试用期), under investigation (立案审查), on leave (休假)
or in a disciplinary influence period (处分影响期) — with the dates the status holds. Tables are
checked completely by :func:`build_people`; every bad cell is reported, nothing is returned
unless all are right.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kaohe.cadres.frames import (
    Problems,
    Source,
    blank,
    date_column,
    duplicated_ids,
    require_columns,
    required_text,
    text_column,
    unknown,
)

#: Status id → (Chinese name, English name). Either name or the id is accepted in a file.
STATUSES: dict[str, tuple[str, str]] = {
    "normal": ("正常", "normal"),
    "probation": ("试用期", "on probation"),
    "investigation": ("立案审查", "under investigation"),
    "leave": ("休假", "on leave"),
    "discipline": ("处分影响期", "disciplinary influence period"),
}
_STATUS_WORDS = {
    **{k: k for k in STATUSES},
    **{zh: k for k, (zh, _) in STATUSES.items()},
    **{en: k for k, (_, en) in STATUSES.items()},
}

TEAM_COLUMNS = ("team_id", "unit", "name")
CADRE_COLUMNS = (
    "cadre_id",
    "name",
    "unit",
    "team_id",
    "position",
    "rank_level",
    "status",
    "status_start",
    "status_end",
)


@dataclass(frozen=True)
class People:
    """The validated teams and cadres, one row each, in the order of the files.

    ``teams``: team_id, unit, name. ``cadres``: the :data:`CADRE_COLUMNS`, with ``status`` an id
    of :data:`STATUSES` and the dates as ``datetime64`` (``NaT`` when not given).
    """

    teams: pd.DataFrame
    cadres: pd.DataFrame

    @property
    def units(self) -> list[str]:
        return sorted(set(self.cadres["unit"]) | set(self.teams["unit"]))


def build_teams(
    frame: pd.DataFrame, units: Collection[str] | None = None, source: Source | None = None
) -> pd.DataFrame:
    """Check a table of leadership teams; raises :class:`~kaohe.errors.DataError` listing all."""
    p = Problems(frame, source or Source())
    if not require_columns(p, TEAM_COLUMNS, TEAM_COLUMNS):
        p.raise_if_any()
    ids = required_text(p, "team_id")
    unit = required_text(p, "unit")
    name = required_text(p, "name")
    duplicated_ids(p, ids, "team_id", "team")
    if units is not None:
        unknown(p, unit, units, "unit", "unit")
    p.raise_if_any()
    return pd.DataFrame({"team_id": ids, "unit": unit, "name": name}).reset_index(drop=True)


def build_cadres(
    frame: pd.DataFrame,
    teams: pd.DataFrame | None = None,
    units: Collection[str] | None = None,
    source: Source | None = None,
) -> pd.DataFrame:
    """Check a table of cadres against the teams and units; raises DataError listing all."""
    p = Problems(frame, source or Source())
    if not require_columns(p, ("cadre_id", "name", "unit"), CADRE_COLUMNS):
        p.raise_if_any()
    ids = required_text(p, "cadre_id")
    name = required_text(p, "name")
    unit = required_text(p, "unit")
    duplicated_ids(p, ids, "cadre_id", "cadre")
    if units is not None:
        unknown(p, unit, units, "unit", "unit")
    team = text_column(frame, "team_id")
    if teams is not None and len(team):
        unknown(p, team, set(teams["team_id"]), "team_id", "team")
        team_unit = team.map(dict(zip(teams["team_id"], teams["unit"], strict=True)))
        wrong = (team_unit.notna() & unit.notna() & (team_unit != unit)).to_numpy()
        tu = team_unit.to_numpy()
        for i in np.flatnonzero(wrong).tolist():
            p.cell(
                i,
                "team_id",
                f"team {team.iloc[i]!r} belongs to unit {tu[i]!r}, not {unit.iloc[i]!r}",
            )
    elif teams is None:
        p.cells(~blank(team), "team_id", "no teams were given to refer to")
    raw_status = text_column(frame, "status")
    status = raw_status.map(_STATUS_WORDS)
    allowed = ", ".join(f"{k} ({zh})" for k, (zh, _) in STATUSES.items())
    p.cells(
        (raw_status.notna() & status.isna()).to_numpy(),
        "status",
        lambda v: f"unknown status {v!r}; allowed: {allowed}",
    )
    status = status.fillna("normal")
    start = date_column(p, "status_start")
    end = date_column(p, "status_end")
    p.cells(
        (start.notna() & end.notna() & (start > end)).to_numpy(),
        "status_end",
        "the status ends before it starts",
    )
    is_disc = (status == "discipline").to_numpy()
    p.cells(
        is_disc & start.isna().to_numpy(),
        "status_start",
        "a disciplinary influence period needs its start date",
    )
    p.cells(
        is_disc & end.isna().to_numpy(),
        "status_end",
        "a disciplinary influence period needs its end date",
    )
    p.cells(
        (status == "investigation").to_numpy() & start.isna().to_numpy(),
        "status_start",
        "an investigation needs the date it was opened",
    )
    p.raise_if_any()
    return pd.DataFrame(
        {
            "cadre_id": ids,
            "name": name,
            "unit": unit,
            "team_id": team,
            "position": text_column(frame, "position"),
            "rank_level": text_column(frame, "rank_level"),
            "status": status.astype(object),
            "status_start": start,
            "status_end": end,
        }
    ).reset_index(drop=True)


def build_people(
    cadres: pd.DataFrame,
    teams: pd.DataFrame | None = None,
    units: Collection[str] | None = None,
    *,
    cadres_source: Source | None = None,
    teams_source: Source | None = None,
) -> People:
    """Teams and cadres checked together: every problem of both tables in one error."""
    from kaohe.errors import DataError

    issues = []
    checked_teams = pd.DataFrame({c: pd.Series(dtype=object) for c in TEAM_COLUMNS})
    if teams is not None:
        try:
            checked_teams = build_teams(teams, units, teams_source)
        except DataError as exc:
            issues += exc.issues
            # check the cadres against the teams as written, so that their problems are theirs
            as_written = {c: text_column(teams, c) for c in TEAM_COLUMNS}
            checked_teams = pd.DataFrame(as_written).dropna(subset=["team_id"])
            checked_teams = checked_teams.drop_duplicates("team_id")
    try:
        checked = build_cadres(
            cadres, checked_teams if teams is not None else None, units, cadres_source
        )
    except DataError as exc:
        raise DataError(issues + exc.issues) from None
    if issues:
        raise DataError(issues)
    return People(checked_teams, checked)


def status_name(status: str, english: bool = False) -> str:
    zh, en = STATUSES[status]
    return en if english else zh

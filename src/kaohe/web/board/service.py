"""A published cycle as the board reads it: its latest result snapshot, parsed once into a
:class:`~kaohe.publication.Publication`, with the cycle's scheme. What the pages compute from it
is the core's (:mod:`kaohe.publication`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kaohe.publication import Publication
from kaohe.scheme import Scheme
from kaohe.web.board import charts
from kaohe.web.cycles.service import scheme_of
from kaohe.web.results.service import latest_results, published
from kaohe.web.store.models import Cycle, SchemeVersion


@dataclass(frozen=True)
class Published:
    """A published cycle's latest result."""

    cycle: Cycle
    result: Publication
    scheme: Scheme
    computed_at: dt.datetime
    key: str  # digest of the result and the scheme: charts are cached under it


def latest(session: Session, cycle: Cycle) -> Published | None:
    """The cycle's latest result (None before the first computation)."""
    snap = latest_results(session, cycle)
    if snap is None:
        return None
    version = session.get(SchemeVersion, cycle.scheme_version_id)
    assert version is not None
    key = charts.digest(snap.rows, snap.explain, version.sha256)
    return Published(cycle, published(snap), scheme_of(cycle, session), snap.computed_at, key)

"""A published result and what the public board shows of it.

* :mod:`~kaohe.publication.record` — a result snapshot (the rows of results.csv and the
  explain document) parsed once into frozen records: :func:`parse_publication` →
  :class:`Publication`;
* :mod:`~kaohe.publication.compare` — the board's analyses of that record: 比位次
  (:func:`ranking`), 比进度 (:func:`progress`), 比贡献 (:func:`contribution`), a unit against
  its category (:func:`comparison`, :func:`strengths`, :func:`gaps`, :func:`radar`).

Pure: no database, files or settings. The platform stores snapshots and draws the pages;
``kaohe.io.results_files`` writes the record's files.
"""

from kaohe.publication.compare import (
    CategoryRanking,
    Contribution,
    ContributionLine,
    IndicatorComparison,
    Progress,
    ProgressCell,
    ProgressLine,
    RadarAxis,
    comparison,
    contribution,
    gaps,
    period_elapsed,
    progress,
    radar,
    ranking,
    strengths,
    units_of,
)
from kaohe.publication.record import (
    Category,
    Decision,
    DimensionResult,
    Gate,
    IndicatorResult,
    Publication,
    PublicationError,
    ResultRow,
    UnitResult,
    parse_publication,
    parse_row,
)

__all__ = [
    "Category",
    "CategoryRanking",
    "Contribution",
    "ContributionLine",
    "Decision",
    "DimensionResult",
    "Gate",
    "IndicatorComparison",
    "IndicatorResult",
    "Progress",
    "ProgressCell",
    "ProgressLine",
    "Publication",
    "PublicationError",
    "RadarAxis",
    "ResultRow",
    "UnitResult",
    "comparison",
    "contribution",
    "gaps",
    "parse_publication",
    "parse_row",
    "period_elapsed",
    "progress",
    "radar",
    "ranking",
    "strengths",
    "units_of",
]

"""The assessment of people: leadership teams (领导班子) and cadres (干部).

A pure core — tables in, tables and explanations out, no files — in the order of the work:

* :mod:`~kaohe.cadres.people` — teams and cadres with their statuses (:func:`build_people`);
* :mod:`~kaohe.cadres.appraisal` — democratic appraisal (民主测评): :func:`build_ballots`,
  :func:`appraise`, weights renormalised over the groups that voted;
* :mod:`~kaohe.cadres.checks` — quarterly regular checks (平时考核) with a capped top grade;
* :mod:`~kaohe.cadres.arena` — arena contests (擂台比武): :func:`build_marks`, :func:`run_arena`;
* :mod:`~kaohe.cadres.annual` — annual grades under a per-unit quota (:func:`grade_cadres`,
  :func:`grade_teams`), with the gates of :mod:`~kaohe.cadres.gates`;
* :mod:`~kaohe.cadres.design` — the YAML designs of all of these;
* :mod:`~kaohe.cadres.assessment` — the whole year in one call (:func:`assess_cadres`):
  designs and inputs in, annual grades and the rulebook's decisions out.

Files are read and written by :mod:`kaohe.io.cadre_files`. The designs are documented in
``docs/cadres.md``.
"""

from kaohe.cadres.annual import (
    AnnualGrades,
    by_unit,
    component_frame,
    grade_annual,
    grade_cadres,
    grade_teams,
    history,
)
from kaohe.cadres.appraisal import AppraisalResult, Ballots, appraise, build_ballots
from kaohe.cadres.arena import ArenaResult, build_marks, run_arena
from kaohe.cadres.assessment import (
    CadreAssessment,
    CadreDesigns,
    CadreInputs,
    assess_cadres,
    build_scores,
)
from kaohe.cadres.checks import CheckCap, build_checks, cap_checks, checks_summary
from kaohe.cadres.design import (
    AppraisalDesign,
    ArenaDesign,
    ChecksDesign,
    GradeSet,
    GradingDesign,
    build_design,
)
from kaohe.cadres.people import People, build_cadres, build_people, build_teams

__all__ = [
    "AnnualGrades",
    "AppraisalDesign",
    "AppraisalResult",
    "ArenaDesign",
    "ArenaResult",
    "Ballots",
    "CadreAssessment",
    "CadreDesigns",
    "CadreInputs",
    "CheckCap",
    "ChecksDesign",
    "GradeSet",
    "GradingDesign",
    "People",
    "appraise",
    "assess_cadres",
    "build_ballots",
    "build_cadres",
    "build_checks",
    "build_design",
    "build_marks",
    "build_people",
    "build_scores",
    "build_teams",
    "by_unit",
    "cap_checks",
    "checks_summary",
    "component_frame",
    "grade_annual",
    "grade_cadres",
    "grade_teams",
    "history",
    "run_arena",
]

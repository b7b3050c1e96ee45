"""Democratic appraisal (民主测评): ballots of rater groups, and the score of each cadre or team.

A ballot (one row) rates one subject — a cadre or a leadership team — on every item of the
design with a choice of the scale (好/较好/一般/差 …). The ballot's value is the item-weighted mean
of its choices' points (an abstention, when allowed, leaves the item out of that ballot). A
group's mean is the mean of its ballots. The score is

    score = Σ_g mean_g × w_g / Σ_{g voted} w_g

over the groups that **actually voted**: a group with no ballots — or, with
``below_minimum: not_voted``, fewer than its ``min_sample`` — does not drag the score down; its
weight is shared out over the others in proportion, and the explanation shows it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kaohe.cadres.design import AppraisalDesign
from kaohe.cadres.frames import (
    ROW,
    Problems,
    Source,
    blank,
    duplicated_ids,
    require_columns,
    required_text,
    text_column,
    unknown,
)
from kaohe.cadres.words import Listing, Msg, fmt, join

BALLOT_COLUMNS = ("ballot_id", "subject_id", "group", "rater")
FloatMat = NDArray[np.float64]


@dataclass(frozen=True)
class Ballots:
    """Valid ballots: ``frame`` has ballot_id, subject_id, group (id) and one column of points
    per item (NaN for an abstention), in the order of the file."""

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)


def build_ballots(
    frame: pd.DataFrame,
    design: AppraisalDesign,
    subjects: Collection[str] | None = None,
    source: Source | None = None,
    headcounts: Mapping[tuple[str, str], int] | None = None,
) -> Ballots:
    """Check ballots against the design; raises :class:`~kaohe.errors.DataError` listing every
    duplicate ballot, unknown subject or group, invalid choice and over-vote.

    Over-voting: more ballots for a subject in a group than the group's ``headcount`` (or the
    subject's own entry in ``headcounts``) — every ballot past the count is reported — and, when
    raters are identified, one rater rating the same subject twice.
    """
    p = Problems(frame, source or Source())
    item_columns = _item_columns(frame, design)
    allowed = [*BALLOT_COLUMNS, *item_columns.values(), *item_columns.keys()]
    required = ["ballot_id", "subject_id", "group"] + (["rater"] if not design.anonymous else [])
    missing_items = [i for i in design.items if i not in item_columns]
    for item in missing_items:
        p.table(f"the column of item {item!r} ({design.items[item].name}) is missing", item)
    if not require_columns(p, required, allowed) or missing_items:
        p.raise_if_any()
    ballot = required_text(p, "ballot_id")
    subject = required_text(p, "subject_id")
    group_text = required_text(p, "group")
    duplicated_ids(p, ballot, "ballot_id", "ballot")
    if subjects is not None:
        unknown(p, subject, set(subjects), "subject_id", "cadre or team")
    group_words = {gid: gid for gid in design.groups} | {
        g.name: gid for gid, g in design.groups.items()
    }
    group = group_text.map(group_words)
    unknown(p, group_text, group_words, "group", "rater group")
    points = _choices(p, design, item_columns)
    rater = text_column(frame, "rater")
    if "rater" in frame.columns:
        if not design.anonymous:
            p.cells(blank(rater), "rater", "this cell is required (the design is not anonymous)")
        twice = (
            rater.notna() & subject.notna() & pd.DataFrame({"s": subject, "r": rater}).duplicated()
        ).to_numpy()
        p.cells(twice, "rater", lambda v: f"rater {v!r} has already rated this subject")
    _over_votes(p, design, subject, group, headcounts or {})
    p.raise_if_any()
    out = pd.DataFrame({"ballot_id": ballot, "subject_id": subject, "group": group})
    for item in design.items:
        out[item] = points[item]
    if not design.anonymous:
        out["rater"] = rater
    if ROW in frame.columns:
        out[ROW] = frame[ROW].to_numpy()
    return Ballots(out.reset_index(drop=True))


def _item_columns(frame: pd.DataFrame, design: AppraisalDesign) -> dict[str, str]:
    """item id → the column holding it (headed by the item's id or its name)."""
    out: dict[str, str] = {}
    for iid, item in design.items.items():
        for header in (iid, item.name):
            if header in frame.columns:
                out[iid] = header
                break
    return out


def _choices(
    p: Problems, design: AppraisalDesign, columns: dict[str, str]
) -> dict[str, NDArray[np.float64]]:
    """Points of every item's choices (as categoricals: a few distinct words, millions of rows)."""
    words = {lv.id: lv.points for lv in design.scale} | {lv.name: lv.points for lv in design.scale}
    allowed = ", ".join(f"{lv.name} ({lv.id})" for lv in design.scale)
    out: dict[str, NDArray[np.float64]] = {}
    rated = np.zeros(len(p.frame), dtype=bool)
    for iid, col in columns.items():
        cat = pd.Categorical(text_column(p.frame, col))
        table = np.array([words.get(str(c), np.nan) for c in cat.categories] + [np.nan])
        codes = np.asarray(cat.codes)
        pts = table[codes]  # code -1 (blank) takes the last entry, NaN
        empty = codes < 0
        p.cells(~empty & np.isnan(pts), col, lambda v: f"invalid choice {v!r}; allowed: {allowed}")
        if design.blank == "invalid":
            p.cells(empty, col, "no choice made (blank choices are not allowed by the design)")
        rated |= ~empty
        out[iid] = pts
    if design.blank == "abstain":
        p.cells(~rated, next(iter(columns.values())), "the ballot rates nothing")
    return out


def _over_votes(
    p: Problems,
    design: AppraisalDesign,
    subject: pd.Series,
    group: pd.Series,
    headcounts: Mapping[tuple[str, str], int],
) -> None:
    limit = group.map({gid: g.headcount for gid, g in design.groups.items()})
    if headcounts:
        own = pd.Series(list(zip(subject, group, strict=True)), index=subject.index).map(
            dict(headcounts)
        )
        limit = own.where(own.notna(), limit)
    if limit.isna().all():
        return
    nth = pd.DataFrame({"s": subject, "g": group}).groupby(["s", "g"], dropna=True).cumcount() + 1
    lim = pd.to_numeric(limit, errors="coerce").to_numpy(dtype=np.float64)
    counts = nth.reindex(subject.index).to_numpy(dtype=np.float64)
    over = ~np.isnan(lim) & (counts > lim)
    subj, grp = subject.to_numpy(), group.to_numpy()
    for i in np.flatnonzero(over).tolist():
        p.cell(
            i,
            "group",
            f"over-voting: ballot {int(counts[i])} for {subj[i]!r} in group {grp[i]!r}, "
            f"whose headcount is {int(lim[i])}",
        )


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class AppraisalResult:
    """Scores of every subject, with the arrays behind them.

    ``subjects[s]``; ``counts``, ``means`` and ``weights`` are subjects × groups (groups in the
    design's order); ``weights`` are the renormalised weights actually used (0 for a group that
    did not vote); ``score`` is NaN for a subject without any valid group.
    """

    design: AppraisalDesign
    subjects: tuple[str, ...]
    counts: NDArray[np.int64]
    means: FloatMat
    voted: NDArray[np.bool_]
    weights: FloatMat
    score: NDArray[np.float64]

    @cached_property
    def _index(self) -> dict[str, int]:
        return {s: k for k, s in enumerate(self.subjects)}

    @property
    def groups(self) -> list[str]:
        return list(self.design.groups)

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per subject: score, groups voted, and per group n, mean, weight used."""
        out = pd.DataFrame(
            {"subject_id": self.subjects, "score": self.score, "groups_voted": self.voted.sum(1)}
        )
        for k, g in enumerate(self.groups):
            out[f"{g}.n"] = self.counts[:, k]
            out[f"{g}.mean"] = self.means[:, k]
            out[f"{g}.weight"] = self.weights[:, k]
        return out

    def scores(self) -> pd.Series:
        """subject id → score (NaN without a valid group): a component of the annual grade."""
        return pd.Series(self.score, index=pd.Index(self.subjects, name="subject_id"))

    def explain(self, subject: str) -> list[Msg]:
        """The sentences behind one subject's score (groups, renormalisation, the sum)."""
        d, s = self.design, self._index[subject]
        dec = d.decimals
        out: list[Msg] = []
        for k, g in enumerate(d.groups.values()):
            n = int(self.counts[s, k])
            if n == 0:
                out.append(Msg("ap.group_none", name=g.name))
            elif n < g.min_sample and not self.voted[s, k]:
                out.append(Msg("ap.group_short", name=g.name, n=n, min=g.min_sample))
            else:
                key = "ap.group" if n >= g.min_sample else "ap.group_short_kept"
                out.append(
                    Msg(
                        key,
                        name=g.name,
                        n=n,
                        mean=fmt(self.means[s, k], dec),
                        w=fmt(g.weight),
                        min=g.min_sample,
                    )
                )
        if not self.voted[s].any() or np.isnan(self.score[s]):
            out.append(Msg("ap.no_score"))
            return out
        given = np.array([g.weight for g in d.groups.values()])
        used = self.voted[s] & (given > 0)
        total = float(given[used].sum())
        names = [g.name for g in d.groups.values()]
        if not np.isclose(total, 1.0) or not used.all():
            parts = [
                Msg(
                    "ap.part",
                    name=names[k],
                    w=fmt(given[k]),
                    total=fmt(total),
                    r=fmt(self.weights[s, k]),
                )
                for k in np.flatnonzero(used).tolist()
            ]
            out.append(Msg("ap.renormalised", total=fmt(total), parts=Listing(parts)))
        terms = [
            str(Msg("ap.term", mean=fmt(self.means[s, k], dec), w=fmt(self.weights[s, k])))
            for k in np.flatnonzero(used).tolist()
        ]
        out.append(Msg("ap.score", expr=" + ".join(terms), score=fmt(self.score[s], dec)))
        return out

    def explanations(self) -> pd.Series:
        """The explanation of every subject as one line of text (in the language in force)."""
        return pd.Series([join(self.explain(s)) for s in self.subjects], index=self.subjects)


def appraise(
    ballots: Ballots, design: AppraisalDesign, subjects: Sequence[str] | None = None
) -> AppraisalResult:
    """Every subject's score from valid ballots (vectorised: one pass of ``bincount``).

    ``subjects``: the subjects to report, in this order (those without ballots get no score);
    default: every subject with a ballot, sorted.
    """
    f = ballots.frame
    subj = tuple(sorted(set(f["subject_id"]))) if subjects is None else tuple(subjects)
    gids = list(design.groups)
    s_code = pd.Index(subj).get_indexer(pd.Index(f["subject_id"]))
    g_code = pd.Index(gids).get_indexer(pd.Index(f["group"]))
    keep = s_code >= 0
    s_code, g_code = s_code[keep], g_code[keep]
    item_w = np.array([it.weight for it in design.items.values()])
    pts = f.loc[keep, list(design.items)].to_numpy(dtype=np.float64)
    rated = ~np.isnan(pts)
    value = np.where(rated, pts, 0.0) @ item_w / (rated @ item_w)
    n_s, n_g = len(subj), len(gids)
    key = s_code * n_g + g_code
    counts = np.bincount(key, minlength=n_s * n_g).reshape(n_s, n_g)
    sums = np.bincount(key, weights=value, minlength=n_s * n_g).reshape(n_s, n_g)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    need = np.array(
        [g.min_sample if design.below_minimum == "not_voted" else 1 for g in design.groups.values()]
    )
    voted = counts >= need[None, :]
    given = np.array([g.weight for g in design.groups.values()])
    w = np.where(voted, given[None, :], 0.0)
    total = w.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = np.where(total > 0, w / np.where(total > 0, total, 1.0), 0.0)
        score = np.where(total[:, 0] > 0, (np.where(voted, means, 0.0) * weights).sum(1), np.nan)
    return AppraisalResult(design, subj, counts, means, voted, weights, score)

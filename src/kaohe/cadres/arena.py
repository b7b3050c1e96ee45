"""Arena contest (擂台比武): panels of judges mark contestants; ranks are published.

A judge's total for a contestant is the weighted mean of the criteria marks, each taken as a
fraction of its ``max`` and put on the contest's ``scale``:

    judge total = scale × Σ_c weight_c × mark_c / max_c / Σ_c weight_c

A panel's score is the mean of its judges' totals; with ``drop_extremes`` one highest and one
lowest total are dropped first. The contestant's score is Σ panel score × share / Σ share (the
shares of the panels that marked the contestant, when ``missing_panel: renormalise``). Ranks are
on the score rounded to ``decimals``: ``ties: shared`` gives equal scores the same rank (1, 2, 2,
4); ``ties: break`` orders them by the panels' scores in the design's order, then by id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kaohe.cadres.design import ArenaDesign
from kaohe.cadres.frames import (
    ROW,
    Problems,
    Source,
    number_column,
    require_columns,
    required_text,
    unknown,
)
from kaohe.cadres.words import Msg, fmt, join

MARK_COLUMNS = ("contestant_id", "panel", "judge_id")


def build_marks(
    frame: pd.DataFrame,
    design: ArenaDesign,
    contestants: Collection[str] | None = None,
    source: Source | None = None,
) -> pd.DataFrame:
    """Check judges' marks (one row per contestant × panel × judge, one column per criterion,
    headed by its id or name); raises DataError listing every problem, including a panel with
    fewer judges than its ``min_judges`` and, with ``missing_panel: error``, a missing panel."""
    p = Problems(frame, source or Source())
    cols = {
        cid: next((h for h in (cid, c.name) if h in frame.columns), cid)
        for cid, c in design.criteria.items()
    }
    if not require_columns(p, [*MARK_COLUMNS, *cols.values()], [*MARK_COLUMNS, *cols.values()]):
        p.raise_if_any()
    contestant = required_text(p, "contestant_id")
    panel_text = required_text(p, "panel")
    judge = required_text(p, "judge_id")
    if contestants is not None:
        unknown(p, contestant, set(contestants), "contestant_id", "contestant")
    words = {pid: pid for pid in design.panels} | {q.name: pid for pid, q in design.panels.items()}
    panel = panel_text.map(words)
    unknown(p, panel_text, words, "panel", "panel")
    out = pd.DataFrame({"contestant_id": contestant, "panel": panel, "judge_id": judge})
    for cid, col in cols.items():
        marks = number_column(p, col)
        top = design.criteria[cid].max
        p.cells((marks < 0) | (marks > top), col, _mark_range(top))
        out[cid] = marks
    twice = out[["contestant_id", "panel", "judge_id"]].duplicated().to_numpy()
    p.cells(
        twice & judge.notna().to_numpy(),
        "judge_id",
        "this judge has already marked this contestant on this panel",
    )
    if not p.issues:
        _panels_complete(p, out, design)
    p.raise_if_any()
    if ROW in frame.columns:
        out[ROW] = frame[ROW].to_numpy()
    return out.reset_index(drop=True)


def _mark_range(top: float) -> Callable[[Any], str]:
    def message(v: Any) -> str:
        return f"a mark is 0 to {fmt(top)}, got {v!r}"

    return message


def _panels_complete(p: Problems, marks: pd.DataFrame, design: ArenaDesign) -> None:
    judges = marks.groupby(["contestant_id", "panel"]).size()
    for c in sorted(set(marks["contestant_id"])):
        for pid, panel in design.panels.items():
            n = int(judges.get((c, pid), 0))
            if n == 0 and design.missing_panel == "renormalise":
                continue
            if n < panel.min_judges:
                p.table(
                    f"contestant {c!r}: panel {pid!r} has {n} judge(s), "
                    f"at least {panel.min_judges} needed",
                    column="panel",
                )


@dataclass(frozen=True)
class ArenaResult:
    """Scores and ranks. ``panel_scores``/``judges``/``highest``/``lowest`` are contestants ×
    panels (NaN/0 for a panel that did not mark the contestant)."""

    design: ArenaDesign
    contestants: tuple[str, ...]
    panel_scores: NDArray[np.float64]
    judges: NDArray[np.int64]
    highest: NDArray[np.float64]
    lowest: NDArray[np.float64]
    score: NDArray[np.float64]
    rank: NDArray[np.int64]

    @cached_property
    def _index(self) -> dict[str, int]:
        return {c: k for k, c in enumerate(self.contestants)}

    @cached_property
    def table(self) -> pd.DataFrame:
        """contestant_id, per panel ``<panel>.score`` and ``<panel>.judges``, score, rank;
        sorted by rank."""
        out = pd.DataFrame({"contestant_id": self.contestants})
        for k, pid in enumerate(self.design.panels):
            out[f"{pid}.score"] = self.panel_scores[:, k]
            out[f"{pid}.judges"] = self.judges[:, k]
        out["score"] = self.score.round(self.design.decimals)
        out["rank"] = self.rank
        return out.sort_values(["rank", "contestant_id"], kind="stable").reset_index(drop=True)

    def scores(self) -> pd.Series:
        """contestant id → the published score (rounded to ``decimals``, as ranked): the
        ``arena`` component of the annual grade."""
        return pd.Series(
            self.score.round(self.design.decimals),
            index=pd.Index(self.contestants, name="contestant_id"),
        )

    def explain(self, contestant: str) -> list[Msg]:
        d, i = self.design, self._index[contestant]
        dec = d.decimals
        out: list[Msg] = []
        terms: list[str] = []
        shares = np.array([q.share for q in d.panels.values()])
        present = self.judges[i] > 0
        total = float(shares[present].sum())
        for k, q in enumerate(d.panels.values()):
            n = int(self.judges[i, k])
            if n == 0:
                out.append(Msg("ar.missing", panel=q.name))
                continue
            mean = fmt(self.panel_scores[i, k], dec)
            if q.drop_extremes and n >= 3:
                out.append(
                    Msg(
                        "ar.dropped",
                        panel=q.name,
                        hi=fmt(self.highest[i, k], dec),
                        lo=fmt(self.lowest[i, k], dec),
                        n=n - 2,
                        mean=mean,
                    )
                )
            else:
                out.append(Msg("ar.mean", panel=q.name, n=n, mean=mean))
            terms.append(f"{mean} × {fmt(q.share / total)}")
        out.append(Msg("ar.total", expr=" + ".join(terms), score=fmt(self.score[i], dec)))
        r = int(self.rank[i])
        tied = [
            c
            for c, rk in zip(self.contestants, self.rank, strict=True)
            if rk == r and c != contestant
        ]
        out.append(Msg("ar.rank", r=r, n=len(self.contestants)))
        if tied:
            out.append(Msg("ar.tied", others=", ".join(tied)))
        return out

    def explanations(self) -> pd.Series:
        return pd.Series([join(self.explain(c)) for c in self.contestants], index=self.contestants)


def run_arena(marks: pd.DataFrame, design: ArenaDesign) -> ArenaResult:
    """Scores and ranks of every contestant from checked marks (vectorised)."""
    crit = list(design.criteria)
    w = np.array([design.criteria[c].weight for c in crit])
    top = np.array([design.criteria[c].max for c in crit])
    m = marks[crit].to_numpy(dtype=np.float64)
    judge_total = design.scale * (m / top) @ w / w.sum()
    contestants = tuple(sorted(set(marks["contestant_id"])))
    pids = list(design.panels)
    c_code = pd.Index(contestants).get_indexer(pd.Index(marks["contestant_id"]))
    p_code = pd.Index(pids).get_indexer(pd.Index(marks["panel"]))
    n_c, n_p = len(contestants), len(pids)
    key = c_code * n_p + p_code
    size = n_c * n_p
    n = np.bincount(key, minlength=size).reshape(n_c, n_p)
    total = np.bincount(key, weights=judge_total, minlength=size).reshape(n_c, n_p)
    hi = np.full(size, -np.inf)
    lo = np.full(size, np.inf)
    np.maximum.at(hi, key, judge_total)
    np.minimum.at(lo, key, judge_total)
    hi2, lo2 = hi.reshape(n_c, n_p), lo.reshape(n_c, n_p)
    drop = np.array([q.drop_extremes for q in design.panels.values()])[None, :] & (n >= 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(
            drop, (total - hi2 - lo2) / (n - 2), np.where(n > 0, total / np.maximum(n, 1), np.nan)
        )
    shares = np.array([q.share for q in design.panels.values()])
    present = n > 0
    s = np.where(present, shares[None, :], 0.0)
    score = (np.where(present, scores, 0.0) * s).sum(1) / s.sum(1)
    hi = np.where(present, hi2, np.nan)
    lo = np.where(present, lo2, np.nan)
    return ArenaResult(
        design, contestants, scores, n, hi, lo, score, _ranks(score, scores, contestants, design)
    )


def _ranks(
    score: NDArray[np.float64],
    panel_scores: NDArray[np.float64],
    ids: tuple[str, ...],
    design: ArenaDesign,
) -> NDArray[np.int64]:
    rounded = np.round(score, design.decimals)
    if design.ties == "shared":
        shared = pd.Series(-rounded).rank(method="min").to_numpy(dtype=np.float64)
        return shared.astype(np.int64)
    keys: list[NDArray[np.float64] | NDArray[np.int64]] = [
        np.arange(len(ids))  # the ids are sorted: their position orders them
    ]
    for k in reversed(range(panel_scores.shape[1])):
        keys.append(-np.nan_to_num(np.round(panel_scores[:, k], design.decimals), nan=-np.inf))
    keys.append(-rounded)
    order = np.lexsort(keys)
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[order] = np.arange(1, len(ids) + 1)
    return ranks

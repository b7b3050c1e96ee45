"""Sentences of the cadre explanations, in Chinese and English.

:class:`Msg` is :class:`kaohe.i18n.Msg` with its own table, so the sentences are rendered in the
language in force when read (``KAOHE_LANG`` or :func:`kaohe.i18n.language`), and can be nested in
the engine's own messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kaohe import i18n

MESSAGES: dict[str, tuple[str, str]] = {
    "sep": ("；", "; "),
    "plus": (" + ", " + "),
    "comma": ("，", ", "),
    # --- appraisal
    "ap.group": (
        "{name} {n} 票，均分 {mean}，权重 {w}",
        "{name}: {n} ballot(s), mean {mean}, weight {w}",
    ),
    "ap.group_short": (
        "{name} {n} 票，少于最低样本 {min}，视为未参评",
        "{name}: {n} ballot(s), below the minimum sample of {min}, counted as not voted",
    ),
    "ap.group_short_kept": (
        "{name} {n} 票（少于最低样本 {min}，按规定仍计入）",
        "{name}: {n} ballot(s) (below the minimum sample of {min}, counted by the design)",
    ),
    "ap.group_none": ("{name} 未参评", "{name}: did not vote"),
    "ap.renormalised": (
        "参评组权重合计 {total}，按比例折算为 1：{parts}",
        "the groups that voted weigh {total} in all, renormalised to 1: {parts}",
    ),
    "ap.part": ("{name} {w}/{total} = {r}", "{name} {w}/{total} = {r}"),
    "ap.score": ("得分 = {expr} = {score}", "score = {expr} = {score}"),
    "ap.term": ("{mean} × {w}", "{mean} × {w}"),
    "ap.no_score": ("无有效参评组，不计得分", "no group voted validly: no score"),
    # --- composite
    "c.term": ("{name} {v} × {w}", "{name} {v} × {w}"),
    "c.missing": ("{name} 无数据", "{name}: no value"),
    "c.missing_zero": ("{name} 无数据，计 0", "{name}: no value, counted as 0"),
    "c.renormalised": (
        "（缺 {names}，其余权重按比例折算，合计 {total} → 1）",
        " ({names} missing: the other weights, {total} in all, renormalised to 1)",
    ),
    "c.score": ("综合得分 = {expr} = {score}{note}", "composite = {expr} = {score}{note}"),
    "c.no_score": ("无任何考核分项数据，不计得分", "no component has a value: no score"),
    # --- annual grades
    "a.placed": (
        "在{unit}参评的 {n} 人中排第 {p} 名",
        "placed {p} of {n} assessed in {unit}",
    ),
    "a.quota": (
        "{top}名额 {n} × {pct}% = {exact} → {rounding} → {limit}",
        "{top} quota: {pct}% of {n} = {exact} → {rounding} → {limit}",
    ),
    "a.tilt": ("（本单位比例经倾斜为 {pct}%）", " (the unit's share is tilted to {pct}%)"),
    "a.quota_full": (
        "{top}名额 {limit} 个已由排名在前者占满",
        "the {top} quota of {limit} is taken by those placed above",
    ),
    "a.tie_excluded": (
        "与 {n} 人同分处于名额边界，按规定均不评为{top}",
        "tied with {n} other(s) at the quota boundary: by the rule none of them is {top}",
    ),
    "a.tie_broken": (
        "与 {others} 同分，按 {key} 排序",
        "tied with {others}, ordered by {key}",
    ),
    "a.min_score": (
        "综合得分 {score} 低于{grade}最低分 {min}",
        "composite {score} is below the minimum {min} for {grade}",
    ),
    "a.cap": ("{reason} → 最高为{grade}", "{reason} → at most {grade}"),
    "a.grade": ("评定等次：{grade}", "grade: {grade}"),
    "a.pending": ("等次待定：{reason}", "grade pending: {reason}"),
    # --- gates
    "g.investigation": (
        "正在接受立案审查（{since}起），结案前不确定等次",
        "under investigation (since {since}): no grade until the case is closed",
    ),
    "g.discipline": (
        "处于处分影响期（{start} 至 {end}）",
        "in a disciplinary influence period ({start} to {end})",
    ),
    "g.status": ("人员状态为{status}", "status {status}"),
    "g.checks": (
        "平时考核有 {k} 个季度低于“{top}”（允许至多 {max} 个）",
        "{k} regular check(s) below {top} (at most {max} allowed)",
    ),
    "g.external": ("{reason}", "{reason}"),
    "g.no_score": ("无考核得分", "no score"),
    # --- regular checks
    "rc.over": (
        "{unit} {year} 年第 {q} 季度“{top}” {k} 人，超过名额 {limit}（{n} × {pct}% → {rounding}）",
        "{unit} {year} Q{q}: {k} rated {top}, over the cap of {limit} ({pct}% of {n} → {rounding})",
    ),
    "rc.lowered": (
        "{cadre}：{unit} {year} 年第 {q} 季度“{top}”名额 {limit}，按得分排第 {p} 位 → {grade}",
        "{cadre}: {unit} {year} Q{q}: {top} capped at {limit}, placed {p} on score → {grade}",
    ),
    # --- arena
    "ar.dropped": (
        "{panel}：去掉最高分 {hi} 和最低分 {lo} 后 {n} 位评委平均 {mean}",
        "{panel}: highest {hi} and lowest {lo} dropped, mean of {n} judge(s) {mean}",
    ),
    "ar.mean": ("{panel}：{n} 位评委平均 {mean}", "{panel}: mean of {n} judge(s) {mean}"),
    "ar.total": ("总分 = {expr} = {score}", "total = {expr} = {score}"),
    "ar.missing": ("{panel}：无评分", "{panel}: no marks"),
    "ar.rank": ("第 {r} 名（共 {n} 人）", "rank {r} of {n}"),
    "ar.tied": ("，与 {others} 并列", ", tied with {others}"),
}


class Msg(i18n.Msg):
    """A sentence of a cadre explanation, rendered in the language in force when read."""

    __slots__ = ()

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        zh, en = MESSAGES[self.key]
        template = en if i18n.lang() == "en" else zh
        return template.format(**{k: _text(v) for k, v in self.values.items()})


def _text(v: Any) -> Any:
    if isinstance(v, i18n.Msg):
        return str(v)
    if isinstance(v, tuple | list) and all(isinstance(x, i18n.Msg) for x in v):
        return str(Msg("sep")).join(str(x) for x in v)
    return v


def join(parts: Sequence[i18n.Msg]) -> str:
    """The sentences joined with the language's separator."""
    return str(Msg("sep")).join(str(p) for p in parts)


def listing(parts: Sequence[i18n.Msg]) -> str:
    """The sentences joined with a comma (for a list inside a sentence)."""
    return str(Msg("comma")).join(str(p) for p in parts)


def fmt(x: float, decimals: int = 4) -> str:
    """A number as people write it: at most ``decimals`` places, no trailing zeros, no ``-0``."""
    x = float(x)
    if x != x:  # NaN
        return "—"
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class Listing:
    """Sentences shown as a comma-separated list inside another sentence (rendered when read)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Msg]) -> None:
        self.parts = parts

    def __str__(self) -> str:
        return listing(self.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Listing) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(tuple(self.parts))

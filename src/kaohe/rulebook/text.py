"""The sentences that explain decisions, in Chinese and English.

A :class:`Sentence` keeps its key and values and is rendered in the language in force when it
is read (``str(sentence)``; see :func:`kaohe.i18n.language`), so evaluating a rulebook never
decides the language.
"""

from __future__ import annotations

from typing import Any

from kaohe.i18n import lang

#: key → (Chinese, English) templates.
SENTENCES: dict[str, tuple[str, str]] = {
    "joined": ("{head}{tail}", "{head}{tail}"),  # a sentence and its clauses, run together
    "tilt.base": (
        "{unit} 未达到倾斜条件：优秀比例为基准 {share}",
        "{unit} meets no tilt condition: excellent share is the base {share}",
    ),
    "tilt.raised": (
        "{unit} {reason}：优秀比例由基准 {base} 提高到 {share}",
        "{unit} {reason}: excellent share raised from the base {base} to {share}",
    ),
    "tilt.capped": ("（上限 {cap}）", " (capped at {cap})"),
    "tilt.count": (
        "；参评 {n} 人 × {share} = {exact}，{rounding} → 优秀名额 {count} 人",
        "; {n} participants × {share} = {exact}, {rounding} → {count} excellent place(s)",
    ),
    "rounding.floor": ("向下取整", "rounded down"),
    "rounding.ceil": ("向上取整", "rounded up"),
    "rounding.half_up": ("四舍五入", "rounded half up"),
    "rounding.half_even": ("四舍六入五成双", "rounded half to even"),
    "cond.grade": ("等次为{v}", "graded {v}"),
    "cond.rank": ("总排名第 {r} 名（前 {k} 名）", "ranked {r} overall (top {k})"),
    "cond.rank_in_category": (
        "类别内第 {r} 名（前 {k} 名）",
        "ranked {r} in its category (top {k})",
    ),
    "cond.category": ("属于{v}类别", "in category {v}"),
    "cond.vetoed": ("被一票否决", "vetoed"),
    "cond.not_vetoed": ("未被一票否决", "not vetoed"),
    "cond.and": ("、", ", "),
    "alloc.count": (
        "{unit}：权重 {weight}{headcount}；应得份额 {quota}（{how}）；整数部分 {floor}{extra}"
        " → {count} 个职数",
        "{unit}: weight {weight}{headcount}; exact share {quota} ({how}); whole part {floor}"
        "{extra} → {count} place(s)",
    ),
    "alloc.by_headcount": (" × 人数 {h} = {w}", " × headcount {h} = {w}"),
    "alloc.prop": ("总数 {total} × {w} / 总权重 {W}", "total {total} × {w} / total weight {W}"),
    "alloc.lam": (
        "其他单位按上下限计后，每单位权重 {lam} 个 × {w}",
        "after the units held at a bound, {lam} per unit of weight × {w}",
    ),
    "alloc.at_min": ("按下限 {v} 计", "held at the minimum {v}"),
    "alloc.at_max": ("按上限 {v} 计", "held at the maximum {v}"),
    "alloc.equal": (
        "权重为 0：有权重的单位均达上限后，余下的由权重为 0 的单位平分",
        "weight 0: what the weighted units cannot take at their maxima is shared equally",
    ),
    "alloc.extra": (
        "，余数 {r} 排第 {k} 位，得 1 个余额",
        ", remainder {r} is number {k} in line and gets one of the places left",
    ),
    "alloc.no_extra": ("，余数 {r} 未得余额", ", remainder {r} gets none of the places left"),
    "reward.grade": ("等次{grade}奖励 {amount}", "grade {grade} reward {amount}"),
    "reward.rise": (
        "进位奖：{rank_kind}由第 {before} 名升至第 {after} 名，"
        "前进 {places} 位 × {per} = {raw}{cap}",
        "rise reward: {rank_kind} from {before} to {after}, {places} place(s) × {per} = {raw}{cap}",
    ),
    "reward.cap": ("，封顶 {cap}", ", capped at {cap}"),
    "reward.total": (
        "{unit}：{parts}，合计 {amount} {currency}",
        "{unit}: {parts}; total {amount} {currency}",
    ),
    "reward.rank_overall": ("总排名", "overall rank"),
    "reward.rank_category": ("类别内排名", "rank in category"),
    "reward.sep": ("；", "; "),
    "commend": (
        "{person}（{unit}）{year} 年度考核等次为{grade}，给予嘉奖",
        "{person} ({unit}) was graded {grade} in {year}: commendation",
    ),
    "merit": (
        "{person}（{unit}）{first}—{last} 年连续 {n} 年年度考核为优秀（{years}），记三等功",
        "{person} ({unit}) was graded excellent {n} consecutive years {first}–{last} "
        "({years}): third-class merit",
    ),
    "merit.moved": ("；期间所在单位：{units}", "; units over those years: {units}"),
    "merit.skipped": ("；{years} 年未定等次，不中断", "; {years} ungraded, not breaking the run"),
    "pool": (
        "{person}（{unit}）近 {window} 年中 {n} 年考核优秀（{years}）{level}，列入提拔使用人选",
        "{person} ({unit}) graded excellent in {n} of the last {window} year(s) ({years}){level}: "
        "listed for promotion",
    ),
    "pool.level": ("，任现职级 {y} 年", ", {y} year(s) at rank level"),
    "stats": (
        "{scope}{year} 年提拔使用 {total} 人，其中{years}年度考核优秀 {n} 人，占 {pct}",
        "{scope}{year}: {total} promoted, of whom {n} graded excellent in {years}: {pct}",
    ),
    "stats.all": ("全市", "all units, "),
    "stats.unit": ("{unit}", "{unit}, "),
    "stats.person": (
        "{person}（{unit}）{year} 年提拔使用（{position}），{years}年度考核为优秀",
        "{person} ({unit}) promoted in {year} ({position}), graded excellent in {years}",
    ),
    "account.unit": (
        "{unit}：{reasons}，列入{action}名单",
        "{unit}: {reasons}; listed for {action}",
    ),
    "account.person": (
        "{person}（{unit}）{year} 年度考核等次为{grade}，列入{action}名单",
        "{person} ({unit}) graded {grade} in {year}; listed for {action}",
    ),
    "account.grade": ("考核等次为{grade}", "graded {grade}"),
    "account.veto": ("被一票否决（{vetoes}）", "vetoed ({vetoes})"),
}


def say(key: str, /, **values: Any) -> str:
    zh, en = SENTENCES[key]
    return (en if lang() == "en" else zh).format(**values)


class Sentence:
    """A sentence kept as its key and values, rendered when it is read."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in SENTENCES:
            raise KeyError(f"no sentence {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        if self.key == "joined":
            tail = self.values.get("tail", ())
            return str(self.values["head"]) + "".join(str(x) for x in tail)
        return say(self.key, **{k: _text(v) for k, v in self.values.items()})

    def __repr__(self) -> str:
        return f"Sentence({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sentence) and (self.key, self.values) == (
            other.key,
            other.values,
        )

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.values))))


def _text(v: Any) -> Any:
    if isinstance(v, Sentence):
        return str(v)
    if isinstance(v, tuple):  # a list: joined with 、 (or ", ")
        return say("cond.and").join(str(x) for x in v)
    return v


def pct(x: float, decimals: int = 1) -> str:
    """A share as a percentage, e.g. 0.2 → ``20%``, 0.385 → ``38.5%``."""
    text = f"{x * 100:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x * 100:.0f}"
    return f"{text}%"


def num(x: float) -> str:
    """A number without a trailing ``.0`` and with at most 6 decimals."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")

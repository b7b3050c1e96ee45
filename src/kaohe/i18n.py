"""Words shown to people, in Chinese (default) and English.

Set ``KAOHE_LANG=en`` (or pass ``--lang en`` on the command line) for English. Labels are
looked up with :func:`t`; sentences of explanations are :class:`Msg` records (a key and its
values) rendered in the language current when they are turned into text, so the engine itself
never decides the language.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from typing import Any

LABELS: dict[str, tuple[str, str]] = {
    "unit": ("考核对象", "Unit"),
    "unit_id": ("编号", "Id"),
    "name": ("名称", "Name"),
    "category": ("类别", "Category"),
    "score": ("得分", "Score"),
    "full_marks": ("满分", "Full marks"),
    "share": ("得分率", "Share"),
    "rank_in_category": ("类别内排名", "Rank in category"),
    "rank": ("总排名", "Overall rank"),
    "grade": ("等次", "Grade"),
    "grade_id": ("等次代码", "Grade id"),
    "vetoed": ("否决项", "Vetoes"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "target": ("目标值", "Target"),
    "rule": ("评分规则", "Rule"),
    "arithmetic": ("计算过程", "Arithmetic"),
    "points": ("得分", "Points"),
    "flags": ("标记", "Flags"),
    "dimension": ("维度", "Dimension"),
    "subtotal": ("小计", "Subtotal"),
    "all_units": ("总表", "All units"),
    "indicator_points": ("指标得分", "Indicator points"),
    "notes": ("说明", "Notes"),
    "results_title": ("考核结果", "Assessment results"),
    "grade_decision": ("等次评定", "Grade decision"),
    "unit_of_measure": ("计量单位", "Unit of measure"),
    "owner": ("牵头部门", "Owner department"),
    "direction": ("方向", "Direction"),
    "higher": ("越高越好", "higher is better"),
    "lower": ("越低越好", "lower is better"),
    "range": ("取值范围", "Range"),
    "note": ("备注", "Note"),
    "source": ("数据来源", "Source"),
    "errors_found": ("发现 {n} 个问题：", "{n} problem(s) found:"),
    "warnings_found": ("{n} 条提示：", "{n} warning(s):"),
    "scheme_ok": (
        "考核方案有效：{units} 个考核对象，{categories} 个类别，{indicators} 项指标",
        "Scheme is valid: {units} units, {categories} categories, {indicators} indicators",
    ),
    "data_ok": ("数据有效：{cells} 个数据单元", "Data are valid: {cells} cells"),
    "written": ("结果已写入 {path}", "Results written to {path}"),
    "template_written": ("填报模板已写入 {path}", "Data-entry template written to {path}"),
    "void": ("（得分无效）", " (score void)"),
    "instructions": ("填报说明", "Instructions"),
    "renormalised": ("按比例折算 ×{v}", "renormalised ×{v}"),
    "median": ("中位数", "median"),
    "year": ("年度", "Year"),
    "web.board": ("亮晒比", "Show · share · compare"),
    "web.cycles": ("已公布的考核", "Published assessments"),
    "web.no_cycles": ("尚无已公布的考核结果。", "No results have been published yet."),
    "web.overall": ("总排名（按得分率）", "Overall ranking (share of full marks)"),
    "web.by_position": ("比位次", "Ranks"),
    "web.login": ("登录", "Log in"),
    "web.logout": ("退出", "Log out"),
    "web.username": ("用户名", "User name"),
    "web.password": ("密码", "Password"),
    "web.bad_login": (
        "用户名或密码不正确，或账号已停用或锁定。",
        "Wrong user name or password, or the account is disabled or locked.",
    ),
    "web.audit": ("审计日志", "Audit log"),
    "web.audit_ok": (
        "链完整：{n} 条记录，末条哈希 {h}",
        "Chain intact: {n} entries, head hash {h}",
    ),
    "web.audit_broken": ("链已被破坏：", "The chain is broken:"),
    "web.state": ("状态", "State"),
    "web.points": ("得分", "Points"),
    "web.full": ("满分", "Full marks"),
    "web.best": ("同类最高", "Best in category"),
    "web.median_cat": ("同类中位数", "Category median"),
    "web.indicator": ("指标", "Indicator"),
    "web.value": ("数值", "Value"),
    "web.strengths": ("优势（高于同类中位数最多）", "Strengths (most above the category median)"),
    "web.gaps": ("差距（距同类最高最远）", "Gaps (furthest from the category best)"),
    "web.download_csv": ("下载 CSV", "Download CSV"),
    "web.when": ("时间", "When"),
    "web.who": ("操作人", "Who"),
    "web.what": ("操作", "Action"),
    "web.target": ("对象", "Target"),
    "web.language": ("English", "中文"),
    "web.work": ("考核工作", "Assessment work"),
    "web.entry": ("数据填报", "Data entry"),
    "web.review": ("数据审核", "Review"),
    "web.manage": ("考核管理", "Manage"),
    "web.save": ("保存", "Save"),
    "web.closed": (
        "本考核当前不在填报阶段，数据只读。",
        "This cycle is not collecting: read only.",
    ),
    "web.errors": (
        "未保存：请改正以下问题（全部正确后才会保存）",
        "Nothing saved: correct these (all must be right)",
    ),
    "web.approve": ("通过", "Approve"),
    "web.return": ("退回", "Return"),
    "web.comment": ("意见（退回时必填）", "Comment (required to return)"),
    "web.nothing_waiting": ("没有待审核的数据。", "Nothing is waiting for review."),
    "web.move_to": ("转到", "Move to"),
    "web.compute": ("计算结果", "Compute results"),
    "web.counts": ("数据版本", "Value versions"),
    "web.version": ("版本", "Version"),
    "web.template": ("下载填报模板", "Download the entry template"),
    "web.objections": ("异议", "Objections"),
    "web.reason": ("理由", "Reasons"),
    "web.file_objection": ("提出异议", "File an objection"),
    "web.answer": ("答复", "Answer"),
    "web.accept": ("采纳", "Accept"),
    "web.reject": ("不予采纳", "Reject"),
    "web.corrected_column": ("更正的列", "Column corrected"),
    "web.corrected_value": ("更正值", "Corrected value"),
    "web.changes": ("最近一次重新计算的变化", "What the last recomputation changed"),
    "web.upload": ("上传填好的模板（.xlsx/.csv）", "Upload the filled template (.xlsx/.csv)"),
    "web.upload_button": ("上传", "Upload"),
    # office: schemes, cycles, dates, dashboard, evidence
    "web.evidence": ("证明材料", "Evidence"),
    "web.file": ("文件", "File"),
    "web.attach": ("上传材料", "Attach"),
    "web.schemes": ("考核方案", "Schemes"),
    "web.upload_scheme": (
        "上传方案文件（.yaml），生成新版本",
        "Upload a scheme file (.yaml) as a new version",
    ),
    "web.new_cycle": ("新建考核", "New cycle"),
    "web.cycle_name": ("考核名称", "Cycle name"),
    "web.scheme_version": ("方案版本", "Scheme version"),
    "web.created": ("创建时间", "Created"),
    "web.schedule": ("时间安排", "Dates"),
    "web.collection_deadline": ("填报截止日", "Collection deadline"),
    "web.publicity_start": ("公示开始", "Publicity from"),
    "web.publicity_end": ("公示结束", "Publicity until"),
    "web.department_deadlines": (
        "部门截止日（不填则用上面的截止日）",
        "Department deadlines (blank: the one above)",
    ),
    "web.save_schedule": ("保存时间安排", "Save the dates"),
    "web.change_version": ("更换方案版本（仅草稿）", "Change the scheme version (draft only)"),
    "web.dashboard": ("填报进度", "Progress of entry"),
    "web.department": ("部门", "Department"),
    "web.expected": ("应报", "Expected"),
    "web.approved": ("已通过", "Approved"),
    "web.waiting": ("待审核", "Waiting"),
    "web.returned": ("已退回", "Returned"),
    "web.missing": ("未报", "Missing"),
    "web.due": ("截止日", "Due"),
    "web.days_left": ("剩余天数", "Days left"),
    "web.overdue": ("已逾期", "Overdue"),
    "web.done": ("完成率", "Done"),
    "web.total": ("合计", "Total"),
    "state.draft": ("草稿", "Draft"),
    "state.collecting": ("数据采集", "Collecting"),
    "state.reviewing": ("审核", "Reviewing"),
    "state.publicity": ("公示", "Publicity"),
    "state.objections_handled": ("异议处理完毕", "Objections handled"),
    "state.final": ("终结", "Final"),
    "trend_title": ("历年总排名", "Overall rank by year"),
    "trend_col_change": ("得分变化", "Score change"),
    "trend_col_rank_change": ("名次变化（+为前进）", "Rank change (+ is up)"),
    "trend_col_cagr": ("年均增长率", "CAGR"),
    "panel_written": (
        "{years} 个年度的结果已写入 {path}",
        "Results of {years} years written to {path}",
    ),
    "effective_weights": ("有效权重", "Effective weights"),
    "gaps_title": (
        "晒差距：单项指标需要达到多少才能前进一位 / 提升一个等次（其他指标不变）",
        "Gaps: what a single indicator would take to move up one place / one grade (all else held)",
    ),
    "gap_place": ("前进一位需达到", "up one place at"),
    "gap_grade": ("提升等次需达到", "better grade at"),
    "gap_unreachable": ("仅靠此项无法达到", "not reachable by this indicator"),
    "input_weights": ("权重：{node}", "weights: {node}"),
    "factor.normalisation": ("标准化方法", "normalisation"),
    "factor.aggregation": ("合成方法", "aggregation"),
    "factor.imputation": ("缺失值插补", "imputation"),
    "factor.treatment": ("异常值处理", "outlier treatment"),
    "factor.drop": ("逐一剔除", "dropping one at a time"),
    "nominal": ("原方案", "nominal"),
    "rank_intervals": ("排名区间（{n} 次抽样）", "Rank intervals ({n} samples)"),
    "sobol_index": ("Sobol 指数", "Sobol index"),
    "sensitivity_title": (
        "各不确定因素对排名变动的影响（平均绝对位次变化）",
        "What moves the ranks (mean absolute rank shift)",
    ),
    "robustness_written": ("稳健性分析结果已写入 {path}", "Robustness analysis written to {path}"),
    "robustness_progress": ("蒙特卡洛抽样", "Monte Carlo samples"),
    "robustness_table": ("排名稳健性", "Rank robustness"),
    "interval": ("5–95% 区间", "5–95% interval"),
    "p_top": ("前{k}名概率", "P(top {k})"),
    "mean_shift": ("平均位次变化 {v}", "mean rank shift {v}"),
    "flag.missing": ("缺失", "missing"),
    "flag.not_applicable": ("不适用", "not applicable"),
    "flag.peer_average": ("按同类平均", "peer average"),
    "flag.zero_filled": ("计零", "zero filled"),
    "flag.renormalised": ("折算", "renormalised"),
    "flag.capped": ("封顶", "capped"),
    "flag.floored": ("保底", "floored"),
    "flag.zero_weight": ("分值为零", "weight 0"),
    "flag.vetoed": ("否决", "vetoed"),
    # board: the public 亮晒比 pages (比进度, 比贡献, 亮, charts, downloads)
    "board.progress": ("比进度", "Progress"),
    "board.contribution": ("比贡献", "Contribution"),
    "board.commitments": ("亮承诺", "Commitments"),
    "board.results": ("晒成绩 · 晒差距", "Results and gaps"),
    "board.ranking_chart": ("各类别得分", "Scores by category"),
    "board.completion_pct": ("目标完成率（%）", "Completion of the target (%)"),
    "board.share_pct": ("占全市合计（%）", "Share of the city total (%)"),
    "board.no_targets": ("没有设定目标值的指标。", "No indicator has a target."),
    "board.no_additive": (
        "方案中没有标为可加总（adds_up）的指标。",
        "The scheme marks no indicator as adding up (adds_up).",
    ),
    "board.target": ("目标值", "Target"),
    "board.completion": ("完成率", "Completion"),
    "board.expected": ("时序进度目标", "Time-proportional target"),
    "board.on_pace": ("对时序进度", "Against the pace"),
    "board.elapsed": ("时间进度 {pct}", "time elapsed {pct}"),
    "board.as_of": ("数据截至 {date}", "Data as of {date}"),
    "board.progress_help": (
        "完成率 = 实际值 ÷ 目标值（越低越好的指标为 目标值 ÷ 实际值）。可加总的累计量在考核期内"
        "还与时序进度目标比较：目标值 × 已过时间占比（“时间过半、任务过半”）。",
        "Completion = value ÷ target (target ÷ value where lower is better). Amounts that add "
        "up are also compared, during the period, with the time-proportional target: target × "
        "the share of the period elapsed.",
    ),
    "board.contribution_help": (
        "可加总指标（方案中 adds_up）：各地数值占全市合计的比例。",
        "Indicators that add up (adds_up in the scheme): each unit's share of the city total.",
    ),
    "board.status": ("进度", "Status"),
    "board.status.met": ("已完成目标", "Target met"),
    "board.status.on_pace": ("快于时序进度", "Ahead of pace"),
    "board.status.behind": ("落后", "Behind"),
    "board.status.unknown": ("—", "—"),
    "board.total": ("全市合计", "City total"),
    "board.share": ("占比", "Share"),
    "board.skipped": (
        "未计算占比（含负值或合计为零）：",
        "No shares (a negative value or a zero total): ",
    ),
    "board.download": ("下载图表", "Download the chart"),
    "board.download_xlsx": ("下载 Excel", "Download Excel"),
    "board.print": ("打印版", "Printable view"),
    "board.radar": (
        "各维度得分率（与同类最高、同类中位数比较）",
        "Points share per dimension (against the category best and median)",
    ),
    "board.explanation": ("等次说明", "How the grade was decided"),
    "board.vetoes": ("否决事项", "Vetoes"),
    "board.commitment": ("承诺事项", "Commitment"),
    "board.detail": ("具体内容", "Details"),
    "board.responsible": ("责任人", "Responsible"),
    "board.due": ("完成时限", "Due"),
    "board.progress_note": ("进展情况", "Progress so far"),
    "board.add": ("新增承诺", "Add a commitment"),
    "board.save": ("保存修改", "Save changes"),
    "board.withdraw": ("撤回", "Withdraw"),
    "board.withdrawn": ("已撤回", "Withdrawn"),
    "board.no_commitments": ("尚未公开承诺。", "No commitments published yet."),
    "board.edit_commitments": ("编辑本单位承诺", "Edit the unit's commitments"),
    "board.revision": ("第 {n} 版", "revision {n}"),
    "board.your_text": ("您提交的内容（未保存）", "Your text (not saved)"),
    "board.err.title": (
        "承诺事项不能为空，最长 256 字。",
        "A commitment needs a title of at most 256 characters.",
    ),
    "board.err.too_long": (
        "“{field}”过长（最多 {n} 字）。",
        "“{field}” is too long (at most {n}).",
    ),
    "board.err.due": (
        "完成时限应为日期，如 2024-06-30。",
        "The due date must be a date such as 2024-06-30.",
    ),
    "board.err.final": (
        "考核已定稿，承诺不能再修改。",
        "The assessment is final: commitments can no longer change.",
    ),
    "board.err.withdrawn": (
        "这条承诺已撤回，不能再修改。",
        "This commitment was withdrawn and can no longer change.",
    ),
    "board.err.stale": (
        "这条承诺已被他人修改：您读取的是第 {read} 版，现在是第 {now} 版。"
        "您的修改没有保存，请查看下面的最新内容后重试。",
        "Someone else changed this commitment: you read revision {read}, it is now at revision "
        "{now}. Your change was not saved; check the current text below and try again.",
    ),
}


_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("kaohe_lang", default=None)


def lang() -> str:
    """The language in force: set by :func:`language`, else ``KAOHE_LANG``, else Chinese."""
    current = _CURRENT.get()
    if current is not None:
        return current
    value = os.environ.get("KAOHE_LANG", "zh").lower()
    return "en" if value.startswith("en") else "zh"


@contextlib.contextmanager
def language(code: str | None) -> Iterator[None]:
    """Render in ``code`` (``zh`` or ``en``; None keeps the language in force)."""
    token = _CURRENT.set(("en" if code.lower().startswith("en") else "zh") if code else lang())
    try:
        yield
    finally:
        _CURRENT.reset(token)


def t(key: str, language: str | None = None, **fmt: object) -> str:
    zh, en = LABELS[key]
    text = en if (language or lang()) == "en" else zh
    return text.format(**fmt) if fmt else text


def say(key: str, /, **values: Any) -> str:
    """A sentence of an explanation in the language in force."""
    zh, en = MESSAGES[key]
    return (en if lang() == "en" else zh).format(**values)


class Msg:
    """A sentence kept as its key and values, rendered when it is read (``str(msg)``)."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any) -> None:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r}")
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return say(self.key, **{k: _text(v) for k, v in self.values.items()})

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.values))))

    def __contains__(self, text: str) -> bool:
        """``"85" in msg``: is the text in the rendered sentence?"""
        return text in str(self)


def _text(v: Any) -> Any:
    if isinstance(v, Msg):
        return str(v)
    if isinstance(v, tuple | list) and v and all(isinstance(x, Msg) for x in v):
        return say("sum.sep").join(str(x) for x in v)
    return v


#: Sentences of explanations: key → (Chinese, English) templates.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- rules
    "met": ("完成", "met"),
    "not_met": ("未完成", "not met"),
    "f.target_met": (
        "实际值 {x}，目标值 {t}：{met} → {pts}",
        "value {x} vs target {t}: {met} → {pts}",
    ),
    "f.proportional": (
        "完成比例 = {expr} = {ratio}；{F} × {ratio} = {raw}",
        "ratio = {expr} = {ratio}; {F} × {ratio} = {raw}",
    ),
    "ref.target": ("目标值", "target"),
    "ref.baseline": ("基数", "baseline"),
    "ref.previous": ("上年值", "previous"),
    "ref.peer_average": ("同类平均值", "peer_average"),
    "ref.peer_median": ("同类中位数", "peer_median"),
    "ref.peer_best": ("同类最优值", "peer_best"),
    "ref.fixed": ("固定值", "fixed"),
    "whole_steps": ("（按整档计）", " (whole steps)"),
    "f.linear": (
        "参照值 {ref}（{kind}）；差值 Δ = {delta_expr} = {delta}；档数 = Δ / {step} = {n}{whole}；"
        "{base} {sign} {abs_n} × {rate} = {raw}",
        "reference {ref} ({kind}); Δ = {delta_expr} = {delta}; steps = Δ / {step} = {n}"
        "{whole}; {base} {sign} {abs_n} × {rate} = {raw}",
    ),
    "measure.completion": ("完成率%", "completion %"),
    "measure.value": ("实际值", "value"),
    "f.bands": (
        "{what} {m} {edge} → 第 {k} 档：{pts} = {raw}",
        "{what} {m} {edge} → band {k}: {pts} = {raw}",
    ),
    "f.bands_none": ("{what} {m} 未达任何档次 → {pts}", "{what} {m} is in no band → {pts}"),
    "f.judgement_none": ("未扣分：得满分 {F}", "no deduction: full marks {F}"),
    "f.judgement": ("{F} − 扣分 {d} = {raw}", "{F} − deduction {d} = {raw}"),
    "f.time_progress": (
        "时间进度 {e}；应完成 {t} × {e} = {exp}；完成进度 {x} / {exp} = {ratio}",
        "elapsed {e} of the period; expected by now {t} × {e} = {exp}; "
        "progress {x} / {exp} = {ratio}",
    ),
    "f.rank_table_avg": (
        "第 {r} 名（共 {n} 个），与 {k} 个并列：取所占名次得分的平均值 = {raw}",
        "rank {r} of {n}, tied with {k} other(s): average of their table entries = {raw}",
    ),
    "f.rank_table_beyond": (
        "第 {r} 名（共 {n} 个）：超出名次表 → {raw}",
        "rank {r} of {n}: beyond the table → {raw}",
    ),
    "f.rank_table_share": (
        "第 {r} 名（共 {n} 个）→ {share} × {F} = {raw}",
        "rank {r} of {n} → {share} × {F} = {raw}",
    ),
    "f.rank_table_points": (
        "第 {r} 名（共 {n} 个）→ 名次表得分 {raw}",
        "rank {r} of {n} → table entry {raw}",
    ),
    "f.rank_step": (
        "第 {r} 名（共 {n} 个）：{top} − {step} × ({r} − 1) = {raw}",
        "rank {r} of {n}: {top} − {step} × ({r} − 1) = {raw}",
    ),
    "f.ratio_to_best": (
        "同类最优值 {best}；{F} × {frac} = {raw}",
        "best among peers {best}; {F} × {frac} = {raw}",
    ),
    "f.efficacy": (
        "功效分 = {base} + {span} × ({x} − {u}) / ({s} − {u}) = {score}；"
        "{F} × {score} / {top} = {raw}",
        "score = {base} + {span} × ({x} − {u}) / ({s} − {u}) = {score}; "
        "{F} × {score} / {top} = {raw}",
    ),
    "f.rank_change": ("上年第 {p} 名，本年第 {r} 名：", "rank last year {p}, now {r}: "),
    "f.rank_up": ("前进 {g} 位 × {rate} = {raw}", "{g} place(s) up × {rate} = {raw}"),
    "f.rank_same": ("位次不变 = 0", "no change = 0"),
    "f.rank_down_free": ("后退 {g} 位，不扣分 = 0", "{g} place(s) down, which costs nothing = 0"),
    "f.rank_down": ("后退 {g} 位 × −{rate} = {raw}", "{g} place(s) down × −{rate} = {raw}"),
    "f.veto_no": ("未触发", "not triggered"),
    "f.veto_yes": ("触发：{effect}", "triggered: {effect}"),
    "veto.void": ("得分无效（一票否决）", "the score is void"),
    "veto.bar_top": ("不得评为最高等次（一票否优）", "cannot be rated in the top grade"),
    "veto.max_grade": ("等次最高为 {g}", "graded at most {g}"),
    "fraction": (
        "标准化值 {expr}{note} = {frac}；{onto}",
        "fraction {expr}{note} = {frac}; {onto}",
    ),
    "truncated": ("，截取于 [0, 1]", ", truncated to [0, 1]"),
    "capped_at_1": ("，上限为 1", ", capped at 1"),
    "f.rank_count": ("同类中低于本单位的有 {below} 个 → {raw}", "{below} peer(s) below → {raw}"),
    "f.rank_percentile": (
        "同类其余 {n} 个中有 {below} 个低于本单位：百分位 {frac}；{onto}",
        "{below} of the other {n} peers are below: fraction {frac}; {onto}",
    ),
    # --- gaps and clamps
    "na": ("不适用（N/A）", "not applicable (N/A)"),
    "no_value": ("无数据", "no value"),
    "gap.peer_average": (
        "{what} → 按同类有数据单位的平均得分：{avg}",
        "{what} → the average points of its category's units with a value: {avg}",
    ),
    "gap.zero": ("{what} → 按规定计 0 分", "{what} → 0 points (policy zero)"),
    "gap.renormalised": (
        "{what} → 不计入，本维度其余指标按比例折算",
        "{what} → left out; the weights of the rest are renormalised in the dimension",
    ),
    "none_reported": ("无 → 0", "none reported → 0"),
    "capped_at": ("；封顶 {v}", "; capped at {v}"),
    "floored_at": ("；保底 {v}", "; floored at {v}"),
    "zero_weight": ("；本类别分值为 0 → 0 分", "; weight 0 in this category → 0 points"),
    # --- grades
    "quota.none": ("不限名额", "no quota"),
    "quota.count": ("{count} 个（固定名额）", "{count} (fixed count)"),
    "quota.share": (
        "{n} × {pct}% = {exact} → {rounding} → {limit}",
        "{pct}% of {n} = {exact} → {rounding} → {limit}",
    ),
    "rounding.floor": ("向下取整", "floor"),
    "rounding.ceil": ("向上取整", "ceil"),
    "rounding.half_up": ("四舍五入", "half_up"),
    "rounding.half_even": ("四舍六入五成双", "half_even"),
    "skip.held": ("受“{name}”限制：{reason}", "held below by {name}: {reason}"),
    "skip.min_score": (
        "得分 {score} 低于该等次最低分 {min}",
        "score {score} is below its minimum {min}",
    ),
    "skip.min_share": (
        "得分率 {share}% 低于该等次最低得分率 {min}%",
        "{share}% of full marks is below its minimum {min}%",
    ),
    "skip.quota": (
        "名额 {limit} 个已由排名在前的单位占满",
        "its quota of {limit} is taken by units placed above",
    ),
    "gate.no_value": (
        "{name}：无数据，视为未完成目标",
        "{name}: no value, so the target is not met",
    ),
    "gate.target": ("{name}：{x} 未达到目标值 {t}", "{name}: {x} does not meet the target {t}"),
    "gate.points": (
        "{name}：得 {p} 分，低于要求的 {need} 分",
        "{name}: {p} points, below the required {need}",
    ),
    "gate.veto_void": ("一票否决：得分无效", "veto (一票否决): the score is void"),
    "gate.veto_bar_top": ("一票否优：不得评为最高等次", "veto (一票否优): not the top grade"),
    "gate.veto_max": ("否决项：等次受限", "veto: grade capped"),
    "sum.void": (
        "得分无效（一票否决）：排在{where}最后（第 {p} 名，共 {n} 个）→ {g}",
        "score void (一票否决): placed last, {p} of {n} {where} → {g}",
    ),
    "sum.overall": ("全部考核对象中", "overall"),
    "sum.in": ("{cat}内", "in {cat}"),
    "sum.share": ("得分率 {v}%", "{v}% of full marks"),
    "sum.points": ("{v} 分", "{v} points"),
    "sum.placed": (
        "{where}第 {p} 名（共 {n} 个，{basis}）",
        "placed {p} of {n} {where} on {basis}",
    ),
    "sum.tied": ("与 {units} 同分{how}", "tied with {units}{how}"),
    "sum.tied_how": ("，按 {key} 排序", ", ordered by {key}"),
    "sum.not": ("未评为{grades}：{why}", "not {grades}: {why}"),
    "sum.gate": ("{name}：{reason}（最高 {g}）", "{name}: {reason} (at most {g})"),
    "sum.sep": ("；", "; "),
    "all": ("{items}", "{items}"),
}

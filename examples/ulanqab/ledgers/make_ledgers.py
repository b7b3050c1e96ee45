"""Write the ILLUSTRATIVE ledgers of the Ulanqab example and the scheme that reads them.

Every project, matter, name, date and amount here is made up (plausible, not official): a
project register of a few hundred projects across the 11 units and 9 investment task forces
(招商专班), with their stage histories over 2022; supervision tasks (督办), challenges
(揭榜领题), leader-taken petition cases (领导包案), and the talks (谈心谈话) of the results
rulebook's accountability list, created from the example's own 2022 results.

It writes, beside itself:

* ``projects.xlsx`` — the register (sheet 项目), one row per project;
* ``matters.xlsx`` — the matters (sheets 事项, 进展, 节点, 名单);
* ``scheme.yaml`` — the example scheme (``../scheme.yaml``) with its project and petition
  indicators derived from the ledgers (``derive:``), a bonus for accepted challenges and a
  deduction for overdue matters; generated, so edit this script, not the file;
* ``data.csv`` — ``../data.csv`` without the columns now derived.

Run from the repository root (deterministic: the same files every time, up to the workbooks'
timestamps)::

    .venv/bin/python examples/ulanqab/ledgers/make_ledgers.py
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from kaohe.engine import assess
from kaohe.io.data_files import load_data
from kaohe.io.ledger_sheets import write_matters, write_projects
from kaohe.io.rulebook_files import load_rulebook
from kaohe.io.scheme_file import load_scheme
from kaohe.ledgers.matters import Event, Matter, Milestone
from kaohe.ledgers.projects import Project, StageChange
from kaohe.ledgers.talks import sources_from_decisions, talks_from
from kaohe.rulebook import RulebookInputs, evaluate

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
SEED = 20221231
D = dt.date

UNITS = {  # id: (short name, major projects planned to start, signed, reserve ≥ 1 亿元)
    "jining": ("集宁", 30, 26, 36),
    "fengzhen": ("丰镇", 26, 23, 30),
    "zhuozi": ("卓资", 25, 18, 14),
    "chayouqian": ("察右前旗", 22, 20, 26),
    "huade": ("化德", 10, 8, 9),
    "shangdu": ("商都", 18, 9, 12),
    "xinghe": ("兴和", 14, 13, 15),
    "liangcheng": ("凉城", 15, 14, 16),
    "chayouzhong": ("察右中旗", 12, 7, 10),
    "chayouhou": ("察右后旗", 11, 10, 13),
    "siziwang": ("四子王旗", 16, 15, 18),
}
# Major projects planned to start in 2022 that did not (the start-rate gate of the scheme):
NOT_STARTED = {"zhuozi": "signed", "shangdu": "signed", "chayouzhong": "dropped"}
TASK_FORCES = {  # 招商专班 → (sector, words for project names)
    "新能源专班": ("新能源", ("风电", "光伏", "储能", "氢能")),
    "新材料专班": ("新材料", ("石墨", "硅材料", "合金", "碳纤维")),
    "大数据云计算专班": ("数字经济", ("数据中心", "算力", "云计算")),
    "装备制造专班": ("装备制造", ("风机装备", "电池", "机械")),
    "农畜产品加工专班": ("农畜产品加工", ("马铃薯", "乳制品", "肉羊", "燕麦")),
    "文旅康养专班": ("文化旅游", ("草原旅游", "康养", "冰雪")),
    "现代物流专班": ("现代物流", ("陆港", "冷链", "仓储")),
    "生物医药专班": ("生物医药", ("中蒙药", "生物制剂")),
    "商贸服务专班": ("商贸服务", ("商贸城", "会展", "电商")),
}
MAJOR_WORDS = ("基础设施", "产业园", "城市更新", "交通", "水利", "能源")
LEADERS = ("市领导甲（示例）", "市领导乙（示例）", "市领导丙（示例）", "市领导丁（示例）")


class Gen:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=int(self.rng.integers(0, (end - start).days + 1)))

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        return str(options[int(self.rng.integers(0, len(options)))])

    def amount(self, lo: float, hi: float) -> float:
        return round(float(self.rng.uniform(lo, hi)), 2)


# --------------------------------------------------------------------------- projects


def projects(g: Gen) -> list[Project]:
    out: list[Project] = []
    for uid, (short, major, signed, reserve) in UNITS.items():
        seq = iter(range(1, 1000))
        out += [_major(g, uid, short, next(seq), k, major) for k in range(major)]
        out += [_signed(g, uid, short, next(seq), k) for k in range(signed)]
        out += [_reserve(g, uid, short, next(seq), 1.0, 60.0) for _ in range(reserve)]
        out += [_reserve(g, uid, short, next(seq), 0.2, 0.9) for _ in range(2)]  # < 1 亿元
    return out


CODES = {
    "jining": "JN",
    "fengzhen": "FZ",
    "zhuozi": "ZZ",
    "chayouqian": "CYQ",
    "huade": "HD",
    "shangdu": "SD",
    "xinghe": "XH",
    "liangcheng": "LC",
    "chayouzhong": "CYZ",
    "chayouhou": "CYH",
    "siziwang": "SZW",
}


def _pid(uid: str, n: int) -> str:
    return f"{CODES[uid]}-{n:03d}"


def _monthly(g: Gen, started: dt.date | None, planned: float) -> tuple[tuple[str, float], ...]:
    """Investment completed by month from the month a project started (to December)."""
    if started is None or started.year > 2022:
        return ()
    first = 1 if started.year < 2022 else started.month
    months = list(range(first, 13))
    shares = g.rng.dirichlet(np.ones(len(months)))
    done = planned * float(g.rng.uniform(0.75, 1.15))
    return tuple(
        (f"2022-{m:02d}", round(done * float(s), 2)) for m, s in zip(months, shares, strict=True)
    )


def _major(g: Gen, uid: str, short: str, n: int, k: int, count: int) -> Project:
    """A major project planned to start in 2022; all start, except as NOT_STARTED says."""
    name = f"{short}{g.pick(MAJOR_WORDS)}重大项目{k + 1}"
    planned_start = g.day(D(2022, 3, 1), D(2022, 10, 31))
    history = [StageChange("reserve", g.day(D(2021, 3, 1), D(2021, 12, 31)))]
    government = g.rng.random() < 0.4  # government-invested: never signed
    if not government:
        history.append(StageChange("signed", g.day(D(2022, 1, 5), planned_start)))
    planned = [("started", planned_start), ("completed", planned_start + dt.timedelta(days=400))]
    last = k == count - 1 and uid in NOT_STARTED
    started = None
    if last and NOT_STARTED[uid] == "dropped":
        history.append(
            StageChange("dropped", D(2022, 8, 15), "资金未落实，经市重大项目办审核终止（示例）")
        )
    elif last:
        if government:
            history.append(StageChange("signed", g.day(D(2022, 2, 1), D(2022, 5, 31))))
    else:
        delay = int(g.rng.integers(-20, 60))
        started = min(
            max(planned_start + dt.timedelta(days=delay), history[-1].on), D(2022, 12, 20)
        )  # type: ignore[type-var]
        history.append(StageChange("started", started))
        building = started + dt.timedelta(days=int(g.rng.integers(15, 60)))
        if building <= D(2022, 12, 31):
            history.append(StageChange("under_construction", building))
            if g.rng.random() < 0.12:
                history.append(StageChange("completed", g.day(building, D(2022, 12, 31))))
    total = g.amount(2, 40)
    plan = round(total * float(g.rng.uniform(0.2, 0.5)), 2)
    return Project(
        id=_pid(uid, n),
        name=name,
        unit=uid,
        history=tuple(history),
        sector=g.pick(MAJOR_WORDS),
        level="重大项目",
        total_investment=total,
        planned_investment=plan,
        monthly=_monthly(g, started, plan),
        planned=tuple(planned),  # type: ignore[arg-type]
        evidence=(f"{uid}-重大项目清单-2022.pdf",),
    )


def _signed(g: Gen, uid: str, short: str, n: int, k: int) -> Project:
    """A project signed in 2022 by an investment task force; some start, a few are dropped."""
    tf = list(TASK_FORCES)[(n + k) % len(TASK_FORCES)]
    sector, words = TASK_FORCES[tf]
    signed = g.day(D(2022, 1, 10), D(2022, 11, 30))
    history = [StageChange("reserve", None), StageChange("signed", signed)]
    roll = g.rng.random()
    started = None
    if roll < 0.45:
        started = g.day(signed, min(signed + dt.timedelta(days=120), D(2022, 12, 31)))
        history.append(StageChange("started", started))
    elif roll < 0.5:
        history.append(
            StageChange(
                "dropped",
                g.day(signed, D(2022, 12, 31)),
                "投资方战略调整，签约项目终止（示例）",
            )
        )
    total = g.amount(0.5, 25)
    plan = round(total * 0.3, 2) if started else None
    return Project(
        id=_pid(uid, n),
        name=f"{short}{g.pick(words)}招商项目{k + 1}",
        unit=uid,
        history=tuple(history),
        task_force=tf,
        sector=sector,
        level="招商引资项目",
        total_investment=total,
        planned_investment=plan,
        monthly=_monthly(g, started, plan or 0.0) if started else (),
        planned=(("started", signed + dt.timedelta(days=90)),),
        evidence=(f"{tf}签约台账-2022.xlsx",),
    )


def _reserve(g: Gen, uid: str, short: str, n: int, lo: float, hi: float) -> Project:
    tf = g.pick(list(TASK_FORCES)) if g.rng.random() < 0.5 else ""
    sector = TASK_FORCES[tf][0] if tf else g.pick(MAJOR_WORDS)
    return Project(
        id=_pid(uid, n),
        name=f"{short}{sector}储备项目{n}",
        unit=uid,
        history=(StageChange("reserve", g.day(D(2021, 6, 1), D(2022, 12, 15))),),
        task_force=tf,
        sector=sector,
        level="储备项目",
        total_investment=g.amount(lo, hi),
    )


# --------------------------------------------------------------------------- matters


def supervision(g: Gen) -> list[Matter]:
    """Three supervision tasks per unit: most closed on time, some late, some still open."""
    out = []
    late = {"shangdu": 2, "huade": 2, "chayouzhong": 1, "zhuozi": 1}
    tasks = ("重大项目要素保障", "营商环境问题整改", "耕地保护问题整改", "安全生产隐患排查")
    units = list(UNITS)
    for i, uid in enumerate(units):
        for k in range(3):
            opened = g.day(D(2022, 2, 1), D(2022, 6, 30))
            deadline = opened + dt.timedelta(days=int(g.rng.integers(60, 150)))
            helper = units[(i + 1) % len(units)] if k == 0 else ""
            events = [
                Event(
                    "progress",
                    opened + dt.timedelta(days=20),
                    unit=uid,
                    text="已制定整改方案，明确责任人（示例）",
                )
            ]
            still_open = k < late.get(uid, 0)
            if still_open:
                new = deadline + dt.timedelta(days=45)
                events.append(
                    Event(
                        "delay",
                        deadline - dt.timedelta(days=5),
                        text="涉及跨部门审批，申请延期（示例）",
                        deadline=new,
                    )
                )
            else:
                closed = g.day(opened + dt.timedelta(days=30), deadline)
                events.append(
                    Event(
                        "close",
                        closed,
                        by="市委督查室（示例）",
                        text="经核查已完成",
                        evidence=(f"督办-{uid}-{k + 1}-销号报告.pdf",),
                    )
                )
                if uid == "xinghe" and k == 2:
                    events.append(
                        Event(
                            "reopen",
                            closed + dt.timedelta(days=30),
                            text="回头看发现问题反弹（示例）",
                            deadline=D(2022, 11, 30),
                        )
                    )
                    events.append(
                        Event(
                            "close",
                            D(2022, 11, 20),
                            text="复查通过",
                            evidence=("督办-xinghe-3-复查报告.pdf",),
                        )
                    )
            out.append(
                Matter(
                    id=f"DB-{i * 3 + k + 1:03d}",
                    kind="supervision",
                    title=f"{UNITS[uid][0]}{tasks[(i + k) % len(tasks)]}（示例）",
                    opened=opened,
                    deadline=deadline,
                    units=(uid,),
                    assisting=(helper,) if helper else (),
                    leader=g.pick(LEADERS),
                    milestones=(
                        Milestone(
                            "制定方案",
                            opened + dt.timedelta(days=15),
                            done=opened + dt.timedelta(days=12),
                        ),
                    ),
                    events=tuple(events),
                )
            )
    return out


def challenges() -> list[Matter]:
    """Five hard problems listed publicly; claimed, submitted, accepted (or not)."""

    def ev(action: str, on: dt.date, unit: str = "", text: str = "", **kw: Any) -> Event:
        return Event(action, on, unit=unit, text=text, **kw)  # type: ignore[arg-type]

    return [
        Matter(
            "JB-001",
            "challenge",
            "破解工业园区用水指标瓶颈（示例）",
            D(2022, 2, 15),
            deadline=D(2022, 10, 31),
            leader="市发展改革委（示例）",
            level="重大",
            public=True,
            milestones=(
                Milestone("提出再生水利用方案", D(2022, 5, 31), "fengzhen", D(2022, 5, 20)),
            ),
            events=(
                ev("claim", D(2022, 3, 1), "fengzhen", "再生水回用、水权转让（示例）"),
                ev("claim", D(2022, 3, 5), "chayouqian", "园区节水改造（示例）"),
                ev("submit", D(2022, 9, 20), "fengzhen", "再生水回用工程投用（示例）"),
                ev("accept", D(2022, 10, 15), "fengzhen", by="市委改革办（示例）"),
                ev("submit", D(2022, 10, 25), "chayouqian", "节水改造方案（示例）"),
                ev("return", D(2022, 11, 10), "chayouqian", "成效数据不足，退回补充（示例）"),
            ),
        ),
        Matter(
            "JB-002",
            "challenge",
            "草原生态修复与牧民增收协同推进（示例）",
            D(2022, 3, 1),
            deadline=D(2022, 11, 30),
            leader="市林草局（示例）",
            level="一般",
            public=True,
            events=(
                ev("claim", D(2022, 3, 20), "siziwang", "划区轮牧+合作社（示例）"),
                ev("claim", D(2022, 3, 25), "chayouhou", "草种繁育基地（示例）"),
                ev("submit", D(2022, 10, 30), "siziwang", "轮牧试点 12 万亩（示例）"),
                ev("accept", D(2022, 11, 20), "siziwang", by="市委改革办（示例）"),
                ev("submit", D(2022, 11, 25), "chayouhou", "草种基地建成（示例）"),
                ev("accept", D(2022, 12, 10), "chayouhou", by="市委改革办（示例）"),
                ev("close", D(2022, 12, 15), text="揭榜期满（示例）"),
            ),
        ),
        Matter(
            "JB-003",
            "challenge",
            "补齐农畜产品冷链物流短板（示例）",
            D(2022, 4, 1),
            deadline=D(2022, 12, 20),
            leader="市商务局（示例）",
            level="一般",
            public=True,
            events=(
                ev("claim", D(2022, 4, 15), "liangcheng", "县域冷链集配中心（示例）"),
                ev("submit", D(2022, 11, 15), "liangcheng", "集配中心投运（示例）"),
                ev("accept", D(2022, 12, 5), "liangcheng", by="市委改革办（示例）"),
            ),
        ),
        Matter(
            "JB-004",
            "challenge",
            "政务服务“一网通办”县域通办（示例）",
            D(2022, 3, 10),
            deadline=D(2022, 9, 30),
            leader="市政务服务局（示例）",
            level="重大",
            public=True,
            events=(
                ev("claim", D(2022, 3, 20), "jining", "高频事项全程网办（示例）"),
                ev("submit", D(2022, 8, 30), "jining", "97 项高频事项全市通办（示例）"),
                ev("accept", D(2022, 9, 15), "jining", by="市委改革办（示例）"),
            ),
        ),
        Matter(
            "JB-005",
            "challenge",
            "盐碱地综合改良利用（示例）",
            D(2022, 9, 1),
            deadline=D(2023, 6, 30),
            leader="市农牧局（示例）",
            level="一般",
            public=True,
        ),
    ]


def cases(g: Gen) -> list[Matter]:
    """Six leader-taken petition cases per unit; a few still open at the year's end."""
    open_cases = {"shangdu": 2, "huade": 1, "chayouzhong": 2, "zhuozi": 1, "siziwang": 1}
    topics = ("征地补偿", "拖欠工程款", "草场纠纷", "棚户区改造", "养老保险", "劳动争议")
    out = []
    for i, uid in enumerate(UNITS):
        for k in range(6):
            opened = g.day(D(2022, 1, 10), D(2022, 7, 31))
            deadline = opened + dt.timedelta(days=int(g.rng.integers(60, 120)))
            events = [
                Event(
                    "progress",
                    opened + dt.timedelta(days=14),
                    text="包案领导接访，制定化解方案（示例）",
                )
            ]
            if k >= open_cases.get(uid, 0):
                events.append(
                    Event(
                        "resolve",
                        g.day(opened + dt.timedelta(days=20), deadline),
                        text="达成和解，信访人息诉罢访（示例）",
                    )
                )
            out.append(
                Matter(
                    id=f"BA-{i * 6 + k + 1:03d}",
                    kind="case",
                    title=f"{UNITS[uid][0]}{topics[(i + k) % len(topics)]}信访事项（示例）",
                    opened=opened,
                    deadline=deadline,
                    units=(uid,),
                    leader=g.pick(LEADERS),
                    subject=f"信访人{i * 6 + k + 1}（示例）",
                    events=tuple(events),
                )
            )
    return out


def talks() -> list[Matter]:
    """The talks of the 2022 accountability list (the example's rulebook on its results)."""
    scheme = load_scheme(EXAMPLE / "scheme.yaml")
    data, _ = load_data(scheme, EXAMPLE / "data.csv")
    book = load_rulebook(EXAMPLE / "rulebook.yaml")
    only = {k: r for k, r in book.rules.items() if r.type == "accountability_list"}
    book = book.model_copy(update={"rules": only})
    import pandas as pd

    history = pd.read_csv(EXAMPLE / "cadres" / "grade_history.csv", dtype=str)
    decisions = evaluate(book, RulebookInputs(results=assess(scheme, data), history=history))
    listed = talks_from(
        sources_from_decisions(decisions),
        "talks-2022",
        D(2023, 1, 10),
        D(2023, 2, 28),
        leader="市委组织部（示例）",
    )
    out = []
    for k, m in enumerate(listed):
        if k == len(listed) - 1:  # the last one is not recorded yet: the list stays open
            out.append(m)
            continue
        held = D(2023, 1, 16) + dt.timedelta(days=4 * k)
        out.append(
            m.__class__(
                **{
                    **{f: getattr(m, f) for f in m.__dataclass_fields__},
                    "events": (
                        Event(
                            "record",
                            held,
                            by="市委书记（示例）"
                            if m.subject.endswith("领导班子")
                            else "市委组织部部长（示例）",
                            text="指出问题、提出整改要求，本人表态（示例）",
                        ),
                        Event(
                            "follow_up",
                            held + dt.timedelta(days=30),
                            text="整改方案已报送，持续跟踪（示例）",
                        ),
                    ),
                }
            )
        )
    return out


# --------------------------------------------------------------------------- the scheme


DERIVED: dict[str, dict[str, Any]] = {
    "project_start_rate": {
        "ledger": "projects",
        "measure": "share",
        "where": {"reached": "started"},
        "of": {"planned": "started", "levels": ["重大项目"]},
        "scale": 100,
    },
    "reserve_projects": {
        "ledger": "projects",
        "where": {"stage": ["reserve"], "min_investment": 1},
    },
    "signed_projects": {
        "ledger": "projects",
        "where": {"entered": "signed", "levels": ["招商引资项目"]},
    },
    "petition_resolution": {
        "ledger": "matters",
        "measure": "share",
        "where": {"done": True},
        "of": {"kinds": ["case"]},
        "scale": 100,
    },
}
NEW: dict[str, dict[str, Any]] = {
    "challenge_bonus": {
        "name": "揭榜领题攻坚加分",
        "parent": "bonus",
        "owner": "organization",
        "unit_of_measure": "项",
        "description": "揭榜并通过验收的：重大课题每项加 1 分，一般课题加 0.5 分（示例）",
        "rule": {
            "type": "bonus_items",
            "levels": {"重大": 1, "一般": 0.5},
            "evidence_required": True,
        },
        "derive": {
            "ledger": "matters",
            "item": "level",
            "where": {"kinds": ["challenge"], "done": True},
        },
    },
    "overdue_matters": {
        "name": "督办事项和包案信访事项逾期",
        "parent": "deduction",
        "owner": "discipline",
        "unit_of_measure": "件",
        "description": (
            "截至考核日逾期未办结的督办事项、领导包案信访事项，每件扣 0.5 分，最多扣 3 分（示例）"
        ),
        "rule": {"type": "count_deduction", "per_count": 0.5, "cap": 3},
        "derive": {
            "ledger": "matters",
            "where": {"kinds": ["supervision", "case"], "overdue": True},
        },
    },
}


def scheme_yaml() -> str:
    raw = yaml.safe_load((EXAMPLE / "scheme.yaml").read_text(encoding="utf-8"))
    raw["name"] += "（台账派生指标）"
    inds = raw["indicators"]
    for iid, derive in DERIVED.items():
        inds[iid]["derive"] = derive
    inds["petition_resolution"]["name"] = "领导包案重点信访事项化解率"
    inds["petition_resolution"]["description"] = (
        "由领导包案台账计算：已化解 ÷ 包案事项 × 100（示例）"
    )
    inds["reserve_projects"]["range"] = [0, 500]
    head = [
        "# 乌兰察布市示例方案的台账派生版本（示例，非官方）。",
        "# 由 make_ledgers.py 从 ../scheme.yaml 生成：请修改脚本，不要直接修改本文件。",
        "# 重大项目开复工率、储备亿元以上项目数、招商引资新签约项目数、信访化解率",
        "# 由台账（projects.xlsx、matters.xlsx）计算；另加揭榜领题加分和逾期事项扣分。",
        "# The Ulanqab example scheme with indicators DERIVED FROM THE LEDGERS (illustrative).",
        "# Generated by make_ledgers.py from ../scheme.yaml: edit the script, not this file.",
        "",
    ]
    ordered = {
        **{k: v for k, v in inds.items() if k not in ("major_accident", "eco_damage")},
        **NEW,
    }
    ordered["major_accident"], ordered["eco_damage"] = inds["major_accident"], inds["eco_damage"]
    raw["indicators"] = ordered
    body = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(head) + body


def write_data_csv(path: Path) -> None:
    with (EXAMPLE / "data.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [k for k, h in enumerate(rows[0]) if h.split(":")[0] not in DERIVED]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([r[k] for k in keep] for r in rows)


def main(out: Path = HERE) -> None:
    g = Gen()
    register = projects(g)
    write_projects(register, out / "projects.xlsx")
    matters = [*supervision(g), *challenges(), *cases(g), *talks()]
    write_matters(matters, out / "matters.xlsx")
    (out / "scheme.yaml").write_text(scheme_yaml(), encoding="utf-8")
    write_data_csv(out / "data.csv")
    kinds = {
        k: sum(m.kind == k for m in matters) for k in ("supervision", "challenge", "case", "talk")
    }
    print(f"wrote projects.xlsx ({len(register)} projects), matters.xlsx ({kinds}),")
    print("      scheme.yaml and data.csv")


if __name__ == "__main__":
    main()

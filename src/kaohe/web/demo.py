"""``kaohe demo``: a fresh database with the Ulanqab example, a year of its illustrative data
entered by each owner department's reporter and approved by its reviewer, the results computed
and published, and an account for every role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kaohe.dataset import header_key
from kaohe.io.data_files import read_tables
from kaohe.scheme import Scheme
from kaohe.web.accounts import service as accounts
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.monitoring.demo import load_last_year, load_monitoring
from kaohe.web.personnel.demo import load_cadres
from kaohe.web.results import service as results
from kaohe.web.reviews import service as reviews
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.migrate import upgrade
from kaohe.web.store.models import Cycle, User
from kaohe.web.submissions import service as submissions

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ulanqab"
SKIPPED = {"unit", "name", "category", "year"}


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str
    what: str


def demo_accounts(scheme: Scheme) -> list[Account]:
    """One office account, a reporter and a reviewer per owner department, one per unit."""
    out = [Account("office", "office-demo-pass", "office", "考核办 assessment office")]
    for did, dept in scheme.departments.items():
        out.append(Account(f"rep-{did}", "report-demo-pass", "reporter", f"{dept.name} 填报"))
        out.append(Account(f"rev-{did}", "review-demo-pass", "reviewer", f"{dept.name} 审核"))
    for uid, unit in scheme.units.items():
        out.append(Account(f"unit-{uid}", "unit-demo-pass", "unit", f"{unit.name} 考核对象"))
    return out


def load_demo(engine: Engine, example: Path = EXAMPLE) -> tuple[Cycle, list[Account]]:
    """Migrate, then fill the database; everything in one transaction."""
    upgrade(engine)
    factory = session_factory(engine)
    text = (example / "scheme.yaml").read_text(encoding="utf-8")
    with transaction(factory) as session:
        version = cycles.store_scheme(session, text, actor="demo")
        scheme = cycles.scheme_of_version(version)
        made = demo_accounts(scheme)
        users = {a.username: _add(session, a, scheme) for a in made}
        cycle = cycles.create_cycle(session, version, scheme.period.label or scheme.name, "demo")
        moves.move(session, cycle, "collecting", "office")
        _enter(session, cycle, scheme, users, example / "data.csv")
        load_monitoring(session, cycle, users, example)  # 调度: the year's monthly values
        _commit(session, cycle, users)
        _ledgers(session, cycle, scheme, users["office"], example / "ledgers")
        moves.move(session, cycle, "reviewing", "office")
        results.compute(session, cycle, "office")
        load_cadres(session, cycle, example)  # cadres graded, rulebook applied, arena ranked
        moves.move(session, cycle, "publicity", "office")
        load_last_year(session, text, users, example)  # 上年同期: the 2021 dispatch values
    return cycle, made


# 亮: a few units' public commitments for the year (illustrative, like the data)
COMMITMENTS = {
    "jining": [
        (
            "重大项目全部开复工",
            "计划实施的重大项目年内全部开复工，逐月调度。",
            "区长",
            "2022-06-30",
        ),
        (
            "一般公共预算收入增长 5% 以上",
            "盘活存量资产，培植新增税源。",
            "常务副区长",
            "2022-12-31",
        ),
    ],
    "fengzhen": [
        ("新签约招商项目 60 个", "组建 2 个招商专班，全年举办 10 场对接活动。", "市长", "")
    ],
    "siziwang": [
        ("完成林草生态建设任务 9 万亩", "退化草原修复与造林种草并举。", "旗长", "2022-10-31")
    ],
}


def _commit(session: Session, cycle: Cycle, users: dict[str, User]) -> None:
    from kaohe.web.commitments import service as commitments

    for uid, items in COMMITMENTS.items():
        for title, detail, responsible, due in items:
            fields = commitments.parse(title, detail, responsible, due)
            commitments.add(session, cycle, uid, fields, users[f"unit-{uid}"])


def _ledgers(session: Session, cycle: Cycle, scheme: Scheme, office: User, folder: Path) -> None:
    """The example's illustrative register and matters (examples/ulanqab/ledgers), imported
    as the office would import them."""
    from kaohe.web.ledgers import service as ledgers

    for name, load in (
        ("projects.xlsx", ledgers.import_projects),
        ("matters.xlsx", ledgers.import_matters),
    ):
        if (folder / name).exists():
            load(session, cycle, scheme, name, (folder / name).read_bytes(), office)
    public = ("code", "name", "unit", "task_force", "level", "stage", "total_investment")
    ledgers.set_public_fields(session, cycle, public, office)


def _add(session: Session, a: Account, scheme: Scheme) -> User:
    dept = a.username.split("-", 1)[1] if a.role in ("reporter", "reviewer") else None
    unit = a.username.split("-", 1)[1] if a.role == "unit" else None
    return accounts.add_user(
        session,
        a.username,
        a.password,
        a.role,
        department=dept,
        unit=unit,
        display_name=a.what,
        actor="demo",
    )


def _enter(
    session: Session, cycle: Cycle, scheme: Scheme, users: dict[str, User], data: Path
) -> None:
    """Each reporter enters its department's columns; its reviewer approves them."""
    tables, _ = read_tables(data)
    for table in tables:
        keys = [header_key(h) for h in table.header]
        for _, cells in table.rows:
            row = dict(zip(keys, cells, strict=False))
            uid = str(row["unit"])
            notes = {
                k.partition(":")[0]: str(v) for k, v in row.items() if k.endswith(":note") and v
            }
            for key, raw in row.items():
                if key in SKIPPED or key.endswith(":note") or raw in (None, ""):
                    continue
                iid = key.partition(":")[0]
                owner = scheme.indicators[iid].owner or next(iter(scheme.departments))
                value = submissions.submit(
                    session, cycle, uid, key, raw, notes.get(iid, ""), users[f"rep-{owner}"]
                )
                reviews.review(session, value, True, users[f"rev-{owner}"])

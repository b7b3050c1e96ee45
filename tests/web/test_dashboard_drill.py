"""The dashboard drills down (issue 15): from every department to one, and from a unit's row to
the state of each of its cells."""

from __future__ import annotations

import re

from sqlalchemy import select

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion, User
from kaohe.web.submissions import service as submissions

from .test_site import client


def test_the_office_drills_from_a_department_to_a_units_cells(demo_url: str) -> None:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (drill)")
        moves.move(s, cycle, "collecting")
        rep = s.execute(select(User).where(User.username == "rep-stats")).scalar_one()
        submissions.submit(s, cycle, "jining", "gdp_growth", "6.5", user=rep)
        cid = cycle.id
    engine.dispose()
    app = create_app(Settings(database_url=demo_url))
    office = client(app, "office")
    base = f"/cycles/{cid}/dashboard"
    every = office.get(base).text
    assert f'href="{base}?department=stats"' in every
    one = office.get(f"{base}?department=stats").text
    table = one[one.index('id="by-department"') : one.index("</table>", one.index("by-department"))]
    assert re.findall(r"<tr[^>]*><td>(?:<a[^>]*>)?([^<]+)", table) == ["市统计局"]
    cells = office.get(f"{base}?department=stats&unit=jining").text
    assert "集宁区：每一项的状态" in cells
    found = cells[cells.index('id="unit-cells"') :]
    found = found[: found.index("</table>")]
    rows = re.findall(r'<tr class="(\w+)"><td>([^<]+)</td><td>([^<]+)</td>', found)
    assert rows[0] == ("submitted", "市统计局", "地区生产总值增速（%）")
    assert {r[1] for r in rows} == {"市统计局"}
    # the stats department's five columns that apply to jining; 位次进位 blank counts as none
    assert [r[0] for r in rows] == ["submitted", "missing", "missing", "missing", "blank"]
    assert "未填（视为无）" in found
    reporter = client(app, "reporter")  # a department sees its own, whatever it asks
    theirs = reporter.get(f"{base}?department=ndrc").text
    assert (
        "市发展和改革委员会"
        not in theirs[theirs.index('id="by-department"') :].split("</table>")[0]
    )

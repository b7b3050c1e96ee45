"""The dashboard counts the period values not reported by their deadline, per department and
per unit (kaohe.web.dashboard.periods), on SQLite and PostgreSQL: hand-counted on the worked
example of docs/monitoring.md (the first quarter's deadline is 10 April 2022)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, update

from kaohe.web.dashboard.periods import period_board
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import Cycle, User, Value
from kaohe.web.submissions import service as submissions

from .test_monitoring import app, login

__all__ = ["app"]


def _enter(engine: Engine) -> None:
    """Revenue of the first quarter: 甲县 on time, 乙县 late, 丙县 and 丁县 not at all;
    investment: 甲县 on time (its second quarter too, not due on 20 April)."""
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, 1)
        rep = {u.username: u for u in s.query(User)}
        for unit, column, period, day, who in (
            ("a", "revenue", "2022-Q1", dt.datetime(2022, 4, 5, 1), "rep-fin"),
            ("b", "revenue", "2022-Q1", dt.datetime(2022, 5, 1, 1), "rep-fin"),
            ("a", "fai", "2022-Q1", dt.datetime(2022, 4, 10, 1), "rep-dev"),
            ("a", "fai", "2022-Q2", dt.datetime(2022, 4, 11, 1), "rep-dev"),
        ):
            assert cycle is not None
            v = submissions.submit(s, cycle, unit, column, "1", user=rep[who], period=period)
            s.flush()
            s.execute(update(Value).where(Value.id == v.id).values(submitted_at=day))


def test_period_values_not_reported_by_their_deadline_are_counted(
    app: object,
    engine: Engine,
) -> None:
    _enter(engine)
    with session_factory(engine)() as s:
        cycle = s.get(Cycle, 1)
        assert cycle is not None
        board = period_board(s, cycle, dt.date(2022, 4, 20))
        assert board is not None
        counts = {
            d: (x.due, x.on_time, x.late, x.missing, x.not_by_deadline)
            for d, x in board.by_department.items()
        }
        assert counts == {"fin": (4, 1, 1, 2, 3), "dev": (4, 1, 0, 3, 3)}
        units = {u: (x.due, x.not_by_deadline) for u, x in board.by_unit.items()}
        assert units == {"a": (2, 0), "b": (2, 2), "c": (2, 2), "d": (2, 2)}
        assert list(board.by_period) == ["2022-Q1"]  # the second quarter is not due yet
        assert board.total.not_by_deadline == 6
        # a department's own only; at the year's end every quarter is due
        fin = period_board(s, cycle, dt.date(2023, 1, 20), "fin")
        assert fin is not None
        assert set(fin.by_department) == {"fin"}
        assert (fin.total.due, fin.total.missing) == (16, 14)
        assert list(fin.by_period) == ["2022-Q4", "2022-Q3", "2022-Q2", "2022-Q1"]
    # on the dashboard page (today: every quarter of 2022 is past its deadline)
    r = login(app, "office").get("/cycles/1/dashboard")
    assert r.status_code == 200
    assert "调度数据报送" in r.text
    part = r.text.split('id="periods-by-department"')[1].split("</table>")[0]
    assert "财政局" in part
    assert "发改委" in part
    r = login(app, "rep-fin").get("/cycles/1/dashboard")
    part = r.text.split('id="periods-by-department"')[1].split("</table>")[0]
    assert "发改委" not in part

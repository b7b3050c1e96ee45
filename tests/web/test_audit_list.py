"""The audit log at an office's size (issue 15): filtered by person, action, the office's days and
cycle, paged by keyset, each entry in words, the filtered list exported — hand-checked on a
generated log."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import Engine, insert

from kaohe.web.app import create_app
from kaohe.web.audit import listing
from kaohe.web.settings import Settings
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import AuditEntry

from .test_site import client

START = datetime(2025, 1, 1, tzinfo=UTC)


def generated(engine: Engine, n: int = 120) -> None:
    """Entry k (1…n): by rep-stats when k % 3 == 0 (else office); a submission when k is even
    (else a move); of cycle 9 when k % 4 == 0 (else cycle 8); at 2025-01-01 00:00 UTC + k hours."""
    rows = []
    for k in range(1, n + 1):
        rows.append(
            {
                "seq": k,
                "at": (START + timedelta(hours=k)).isoformat(timespec="microseconds"),
                "actor": "rep-stats" if k % 3 == 0 else "office",
                "action": "value.submit" if k % 2 == 0 else "cycle.move",
                "target": f"cycle:{9 if k % 4 == 0 else 8}/jining/gdp_growth",
                "before": "null",
                "after": '{"raw": "6.5", "version": 1}',
                "address": "",
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(AuditEntry), rows)


def seqs(engine: Engine, f: listing.Filters, **at: int) -> tuple[list[int], int, listing.Page]:
    with transaction(session_factory(engine)) as s:
        found = listing.page(s, f, size=10, **at)
        return [e.seq for e in found.entries], found.total, found


def test_filters_and_keyset_pages_match_the_hand_count(engine: Engine) -> None:
    generated(engine)
    every, total, first = seqs(engine, listing.Filters())
    assert (every, total) == (list(range(120, 110, -1)), 120)
    assert (first.newer, first.older) == (None, 111)
    older, _, second = seqs(engine, listing.Filters(), before=111)
    assert older == list(range(110, 100, -1))
    assert (second.newer, second.older) == (110, 101)
    back, _, _ = seqs(engine, listing.Filters(), after=110)
    assert back == list(range(120, 110, -1))  # newer again: the first page
    # rep-stats' submissions: k divisible by 6 → 6, 12, …, 120: 20 entries
    mine, total, _ = seqs(engine, listing.Filters(who="rep-stats", action="value.submit"))
    assert total == 20
    assert mine == [120, 114, 108, 102, 96, 90, 84, 78, 72, 66]
    last, _, end = seqs(engine, listing.Filters(who="rep-stats", action="value.submit"), before=12)
    assert (last, end.older) == ([6], None)  # the oldest page: no older link
    # cycle 9: k divisible by 4 → 30 entries; cycle 8 is not cycle 80 or 9
    assert seqs(engine, listing.Filters(cycle=9))[1] == 30
    assert seqs(engine, listing.Filters(cycle=8))[1] == 90
    assert seqs(engine, listing.Filters(cycle=80))[1] == 0


def test_days_are_the_offices_days(engine: Engine) -> None:
    """Shanghai is UTC+8: 2 January there runs from 1 January 16:00 UTC (k = 16) to 2 January
    16:00 UTC (k = 40, excluded)."""
    generated(engine)
    day = date(2025, 1, 2)
    shown, total, _ = seqs(engine, listing.Filters(since=day, until=day))
    assert total == 24
    assert shown[0] == 39
    assert seqs(engine, listing.Filters(since=day, until=day), before=17)[0] == [16]


def test_filters_that_cannot_be_read_are_named_and_left_out() -> None:
    f, errors = listing.read_filters(
        {"who": "rep-stats", "action": "drop", "from": "2025-13-01", "to": "x", "cycle": "-1"},
        "zh",
    )
    assert f == listing.Filters(who="rep-stats")
    assert set(errors) == {"action", "from", "to", "cycle"}
    assert "YYYY-MM-DD" in errors["from"]
    f, errors = listing.read_filters({"from": "2025-02-01", "to": "2025-01-01"}, "en")
    assert (f.since, f.until, list(errors)) == (date(2025, 2, 1), None, ["to"])


def test_the_page_shows_words_and_exports_the_filtered_list(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    office = client(app, "office")
    page = office.get("/admin/audit?action=cycle.move")
    assert page.status_code == 200
    text = page.text
    assert "转换考核状态" in text  # the action in words
    assert "审核 → 公示" in text  # the states by name
    assert "2022年度（示例）" in text  # the cycle by name
    assert '{"state"' not in text  # no raw JSON
    when = re.findall(r'<td class="when">([^<]+)</td>', text)
    assert when
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", w) for w in when)
    submits = office.get("/admin/audit?action=value.submit&cycle=1").text
    assert re.search(r"<td>2022年度（示例） · [^<·a-z]+ · [^<a-z]+</td>", submits)  # by name
    # a monitoring period's value: the indicator by name, then its period
    monthly = office.get("/admin/audit?action=value.submit").text
    assert re.search(r"<td>[^<]+ · [^<·a-z]+ · [^<a-z@]+（\d{4}-\d\d）</td>", monthly)
    assert "@20" not in monthly
    assert "第 1 版：" in submits
    body = office.get("/admin/audit.csv?action=cycle.move")
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "时间", "操作人", "操作", "对象", "详情"]
    assert len(rows) > 1
    assert {r[3] for r in rows[1:]} == {"转换考核状态"}
    book = office.get("/admin/audit.xlsx?action=cycle.move")
    ws = load_workbook(io.BytesIO(book.content)).active
    assert ws is not None
    assert [c.value for c in next(ws.iter_rows(max_row=1))] == rows[0]
    assert ws.max_row == len(rows)
    bad = office.get("/admin/audit?from=yesterday")
    assert bad.status_code == 200
    assert 'class="field-error"' in bad.text
    verified = office.get("/admin/audit/verify")
    assert "链完整" in verified.text

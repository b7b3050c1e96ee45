"""A huge bad data file (issue 16): ``kaohe run`` on a 200 MB CSV printed 739,607 problem
lines. Reading stops where every further row can only repeat a unit, and the listing is capped:
the first problems located, then the count of each kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kaohe import load_scheme
from kaohe.cli.main import main
from kaohe.cli.terminal import SHOWN_ISSUES, issue_kind
from kaohe.dataset import row_bound
from kaohe.errors import DataError, Issue
from kaohe.io.data_files import load_data, read_tables

from .io_helpers import DATA_SCHEME, GOOD_HEADER, GOOD_ROWS, write_text


def _bad_csv(path: Path, lines: int) -> Path:
    """GOOD_ROWS, then ``lines`` rows of text in number cells for unknown units."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(GOOD_HEADER) + "\n")
        for row in GOOD_ROWS:
            fh.write(",".join("" if c is None else str(c) for c in row) + "\n")
        for k in range(lines):
            fh.write(f"u{k},abc,x{k},{'y' if k % 3 else ''},,,,,,,,\n")
    return path


def test_reading_stops_past_the_rows_a_scheme_can_use(tmp_path: Path) -> None:
    scheme = load_scheme(write_text(tmp_path / "scheme.yaml", DATA_SCHEME))
    limit = row_bound(scheme)(GOOD_HEADER)
    assert limit == 2 * len(scheme.units) + 1000
    path = _bad_csv(tmp_path / "data.csv", 100_000)
    (table,), _ = read_tables(path, row_bound(scheme))
    assert len(table.rows) == limit
    issue = table.cut
    assert issue is not None
    assert issue.row == limit + 2  # the header, then the rows read
    assert "1,008" in issue.message
    tables, _ = read_tables(path)  # without a bound, every row is read
    assert len(tables[0].rows) == 100_004


def test_a_valid_file_is_read_as_before_under_the_bound(tmp_path: Path) -> None:
    scheme = load_scheme(write_text(tmp_path / "scheme.yaml", DATA_SCHEME))
    path = _bad_csv(tmp_path / "data.csv", 0)
    data, _ = load_data(scheme, path)
    assert data.values.shape == (4, len(scheme.indicators))


def test_kaohe_check_lists_the_first_problems_then_counts_by_kind(tmp_path: Path) -> None:
    scheme = write_text(tmp_path / "scheme.yaml", DATA_SCHEME)
    path = _bad_csv(tmp_path / "data.csv", 1100)
    for lang in ("zh", "en"):
        result = CliRunner().invoke(main, ["check", str(scheme), str(path), "--lang", lang])
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert len(lines) < SHOWN_ISSUES + 30, result.output
        row, unknown = (
            ("data.csv row", "unknown unit …")
            if lang == "en"
            else ("data.csv 第", "未知的考核对象…")
        )
        located = [line for line in lines if row in line]
        assert len(located) == SHOWN_ISSUES
        assert any(unknown in line and "×" in line for line in lines)
        assert "1,008" in lines[-1] or "1,008" in result.output
    with pytest.raises(DataError) as info:  # the rows read are checked, then the cut reported
        load_data(load_scheme(scheme), _bad_csv(tmp_path / "big.csv", 5000))
    assert len(info.value.issues) == 1008 - 4 + 1
    assert info.value.issues[0].row == 1010


def test_the_kind_of_a_problem_leaves_out_what_varies() -> None:
    a = Issue("text in a number cell: 'abc'; write 3 (the unit…)", row=5)
    b = Issue("text in a number cell: 'xyz'; write 12.5 (the unit…)", row=9)
    assert (
        issue_kind(a, "en")
        == issue_kind(b, "en")
        == "text in a number cell: …; write … (the unit…)"
    )

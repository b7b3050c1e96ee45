"""results.xlsx as ``kaohe run`` writes it (XlsxWriter, row by row): its sheets, their print
look and number formats, and the same file byte for byte when run again on the same inputs."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from kaohe.engine import assess
from kaohe.io.data_files import load_data
from kaohe.io.results_files import write_results
from kaohe.io.scheme_file import load_scheme

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ulanqab"


def _run(out: Path) -> Path:
    scheme = load_scheme(EXAMPLE / "scheme.yaml")
    data, _ = load_data(scheme, EXAMPLE / "data.csv")
    return write_results(assess(scheme, data), out, "zh") / "results.xlsx"


def test_results_xlsx_has_its_sheets_formats_and_print_setup(tmp_path: Path) -> None:
    wb = load_workbook(_run(tmp_path / "a"))
    categories = ["重点开发区", "农产品主产区", "重点生态功能区"]
    assert wb.sheetnames == ["总表", *categories, "指标得分", "有效权重"]
    ws = wb["总表"]
    assert ws["A1"].value.endswith("— 考核结果")
    assert ws["A1"].font.bold
    assert [c.value for c in ws[3]][:4] == ["编号", "名称", "类别", "得分"]
    assert ws["A3"].font.bold
    assert ws["A3"].fill.fgColor.rgb.endswith("DDE6F0")
    assert (ws.freeze_panes, ws.print_title_rows) == ("C4", "$3:$3")
    assert ws.page_setup.orientation == "landscape"
    assert ws.max_row == 3 + 11  # the eleven counties
    first = list(ws[4])
    assert (first[3].number_format, first[5].number_format) == ("0.00", "0.0%")
    assert isinstance(first[3].value, float)
    assert isinstance(first[6].value, int)
    points = wb["指标得分"]
    assert points.freeze_panes == "C2"
    assert points.max_row == 12
    weights = wb["有效权重"]
    assert round(weights.column_dimensions["A"].width) in (30, 31)  # XlsxWriter pads
    assert all(c.number_format == "0.00%" for c in weights[2][1:] if c.value is not None)


def test_results_xlsx_is_the_same_file_when_run_again(tmp_path: Path) -> None:
    assert _run(tmp_path / "a").read_bytes() == _run(tmp_path / "b").read_bytes()

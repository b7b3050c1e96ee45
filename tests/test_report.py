"""kaohe report on the Ulanqab example: HTML, PDF, XLSX and DOCX, in Chinese and English,
reproducible byte for byte (HTML, XLSX) and in text (PDF); bad inputs give located messages."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from kaohe.cli.main import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ulanqab"
SCHEME = EXAMPLE / "scheme.yaml"
DATA = EXAMPLE / "data.xlsx"
UNITS = (
    "集宁区",
    "丰镇市",
    "卓资县",
    "化德县",
    "商都县",
    "兴和县",
    "凉城县",
    "察哈尔右翼前旗",
    "察哈尔右翼中旗",
    "察哈尔右翼后旗",
    "四子王旗",
)


def _pdf_missing() -> str:
    """Why report.pdf cannot be made here ("" if it can)."""
    from kaohe.report.pdf import PdfUnavailableError, installed_faces

    try:
        import typst
    except ImportError:
        return "Typst is not installed (pip install typst)"
    try:
        installed_faces(typst)
    except PdfUnavailableError as exc:
        return str(exc)
    return ""


NO_PDF = _pdf_missing()
needs_pdf = pytest.mark.skipif(bool(NO_PDF), reason=NO_PDF)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is not installed: apt-get install poppler-utils",
)


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def rulebook_inputs(tmp_path_factory: pytest.TempPathFactory) -> list[object]:
    """The rulebook's inputs: last year's results (2021 of panel.csv), a grade history and a
    promotion."""
    tmp = tmp_path_factory.mktemp("inputs")
    panel = pd.read_csv(EXAMPLE / "panel.csv", dtype=str, keep_default_na=False)
    panel[panel.year == "2021"].drop(columns="year").to_csv(tmp / "data2021.csv", index=False)
    assert invoke("run", SCHEME, tmp / "data2021.csv", "-o", tmp / "prev", "-q").exit_code == 0
    history = pd.read_csv(EXAMPLE / "cadres" / "grade_history.csv", dtype=str)
    history["years_at_level"] = "3"
    history.to_csv(tmp / "history.csv", index=False)
    (tmp / "promotions.csv").write_text("person_id,year,unit\njining-001,2022,jining\n")
    return [
        "--rulebook",
        EXAMPLE / "rulebook.yaml",
        "--previous",
        tmp / "prev" / "results.csv",
        "--history",
        tmp / "history.csv",
        "--promotions",
        tmp / "promotions.csv",
    ]


def _report(out: Path, *extra: object) -> Path:
    pdf = () if not NO_PDF else ("--no-pdf",)
    result = invoke("report", SCHEME, DATA, "-o", out, "--date", "2023-01-15", *pdf, *extra)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def zh(tmp_path_factory: pytest.TempPathFactory, rulebook_inputs: list[object]) -> Path:
    out = tmp_path_factory.mktemp("zh") / "report"
    return _report(out, *rulebook_inputs, "--robustness", 200, "--docx")


@pytest.fixture(scope="module")
def en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report(tmp_path_factory.mktemp("en") / "report", "--lang", "en")


# --------------------------------------------------------------------------- HTML


def test_the_html_is_self_contained_and_names_every_unit(zh: Path) -> None:
    html = (zh / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html
    for needle in ("http://", "https://", "src=", "@import", "url("):
        assert needle not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for name in UNITS:
        assert 'id="unit-' in html
        assert name in html
    assert html.count('<article class="unit"') == len(UNITS)
    assert html.count("<svg") >= 3 + len(UNITS) + 1  # rankings, radars, rank intervals
    # the reproducibility header and the method, rules, quotas, gaps, decisions, robustness
    assert "SHA-256 " in html
    assert "2023-01-15" in html
    assert "Kaohe " in html
    for words in (
        "指标体系与各类别分值",
        "名额计算",
        "4 × 30% = 1.2 → 四舍五入 → 1",
        "晒差距",
        "9.8（+0.35）",
        "统筹职级职数",
        "排名稳健性",
        "优秀",
    ):
        assert words in html, words


def test_the_html_is_english_with_lang_en(en: Path) -> None:
    html = (en / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    for words in (
        "Annual assessment report",
        "Rankings and grades",
        "Unit pages",
        "Gaps",
        "Score (points)",
    ):
        assert words in html, words
    assert "晒差距" not in html
    assert "名额计算" not in html


# --------------------------------------------------------------------------- PDF


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@needs_pdf
@needs_poppler
def test_the_pdf_has_a_contents_page_page_numbers_every_unit_and_an_embedded_cjk_font(
    zh: Path, tmp_path: Path
) -> None:
    pdf = zh / "report.pdf"
    text = _pdftotext(pdf)
    for name in UNITS:
        assert name in text, name
    pages = text.split("\f")
    assert "目录" in pages[1]
    n = len([p for p in pages if p.strip()])
    assert f"2 / {n}" in pages[1]  # the page number of the contents page
    assert "考核方法" in pages[1]
    assert "各单位情况" in pages[1]
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk
    assert all(" yes yes " in line for line in cjk)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info
    assert "sha256:" in info.replace("-sha256:", "sha256:")  # the inputs' digests as keywords
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 3
    assert all(p.stat().st_size > 2000 for p in images)


@needs_pdf
@needs_poppler
def test_the_english_pdf_names_every_unit(en: Path) -> None:
    text = _pdftotext(en / "report.pdf")
    assert "Contents" in text
    assert "Unit pages" in text
    for name in UNITS:
        assert name in text


# --------------------------------------------------------------------------- XLSX, DOCX


def test_the_workbook_has_native_charts_frozen_headers_formats_and_print_areas(zh: Path) -> None:
    from openpyxl import load_workbook

    path = zh / "report.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames[:5] == ["说明", "总排名", "重点开发区", "农产品主产区", "重点生态功能区"]
    assert {"指标得分", "考核方法", "考核结果运用", "排名稳健性"} <= set(wb.sheetnames)
    ranking = wb["总排名"]
    assert ranking.freeze_panes == "D4"
    assert ranking["E4"].number_format == "0.00"
    assert ranking["G4"].number_format == "0.0%"
    assert ranking.print_area
    assert ranking.print_title_rows == "$3:$3"
    names = [ranking.cell(row=r, column=3).value for r in range(4, 4 + len(UNITS))]
    assert set(names) == set(UNITS)
    assert names[0] == "凉城县"
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3  # a ranking bar chart per category
        xml = z.read(charts[0]).decode("utf-8")
        assert "<c:barChart>" in xml
        assert "重点开发区" in xml
    for cat in ("重点开发区", "农产品主产区", "重点生态功能区"):
        assert wb[cat].freeze_panes == "D4"
    assert wb.properties.creator == "Kaohe"
    assert wb.properties.created is not None
    assert wb.properties.created.year == 2023


def test_the_docx_has_the_text_and_tables(zh: Path) -> None:
    import docx

    d = docx.Document(str(zh / "report.docx"))
    text = "\n".join(p.text for p in d.paragraphs)
    cells = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    for name in UNITS:
        assert name in text or name in cells
    assert "考核方法" in text
    assert len(d.inline_shapes) == 3
    assert d.core_properties.keywords.startswith("scheme-sha256:")


# --------------------------------------------------------------------------- reproducible


def test_a_rerun_gives_identical_html_and_xlsx_and_pdf_text(
    zh: Path, rulebook_inputs: list[object], tmp_path: Path
) -> None:
    again = _report(tmp_path / "again", *rulebook_inputs, "--robustness", 200)
    for name in ("report.html", "report.xlsx"):
        assert (zh / name).read_bytes() == (again / name).read_bytes(), name
    if not NO_PDF and shutil.which("pdftotext"):
        assert _pdftotext(zh / "report.pdf") == _pdftotext(again / "report.pdf")


def test_source_date_epoch_sets_the_date(tmp_path: Path) -> None:
    result = CliRunner(env={"SOURCE_DATE_EPOCH": "1700000000"}).invoke(
        main,
        ["report", str(SCHEME), str(DATA), "-o", str(tmp_path / "r"), "--no-pdf", "--gaps", "0"],
    )
    assert result.exit_code == 0, result.output
    assert "2023-11-14" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--date", "2023-13-01"], {}, "--date: 日期应写作 YYYY-MM-DD / a date is written"),
        ([], {"SOURCE_DATE_EPOCH": "soon"}, "SOURCE_DATE_EPOCH: SOURCE_DATE_EPOCH 应为整数秒"),
        (["--rulebook", "nothing.yaml"], {}, "nothing.yaml"),
    ],
)
def test_bad_inputs_give_located_messages_and_write_nothing(
    tmp_path: Path, args: list[str], env: dict[str, str], said: str
) -> None:
    out = tmp_path / "r"
    result = CliRunner(env=env).invoke(
        main, ["report", str(SCHEME), str(DATA), "-o", str(out), "--no-pdf", *args]
    )
    assert result.exit_code != 0
    assert said in result.output
    assert not out.exists()


def test_a_bad_data_cell_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "data.csv"
    text = (EXAMPLE / "data.csv").read_text(encoding="utf-8").splitlines()
    head = text[0].split(",")
    row = text[1].split(",")
    row[head.index("gdp_growth")] = "六点五"
    bad.write_text("\n".join([text[0], ",".join(row), *text[2:]]) + "\n", encoding="utf-8")
    result = invoke("report", SCHEME, bad, "-o", tmp_path / "r", "--no-pdf")
    assert result.exit_code == 1
    assert "data.csv" in result.output
    assert "gdp_growth" in result.output
    assert not (tmp_path / "r").exists()


@needs_pdf
@needs_poppler
def test_names_that_look_like_typesetting_commands_are_printed_as_written(
    tmp_path: Path,
) -> None:
    """Every text enters the PDF's source as a string, never as markup: a unit named like a
    Typst command, a quote, a backslash, a bracket or a formula is printed as written."""
    from kaohe.report.content import Provenance, build_report
    from kaohe.report.pdf import write_pdf

    from .scheme_factory import run, scheme_dict

    odd = {
        "u1": '#pagebreak() "引号" \\ 反斜杠',
        "u2": "]) #set text(red) [x] $a^2$",
        "u3": "*粗* _斜_ <标签> @引用 // 注释",
    }
    raw = scheme_dict(
        {"x": {"weights": 10, "rule": {"type": "minmax"}}},
        units=dict.fromkeys(odd, "c"),
        names=odd,
    )
    raw["name"] = '方案 #"quote" \\'
    res = run(raw, {"u1": {"x": 1}, "u2": {"x": 2}, "u3": {"x": 3}})
    report = build_report(res, Provenance("test", dt.date(2026, 12, 7), ()), "zh")
    pages = write_pdf(report, tmp_path / "odd.pdf")
    text = _pdftotext(tmp_path / "odd.pdf")
    flat = " ".join(text.split())
    for name in [*odd.values(), raw["name"]]:
        assert " ".join(name.split()) in flat, name
    assert pages == len([p for p in text.split("\f") if p.strip()])
    again = tmp_path / "again.pdf"
    write_pdf(report, again)
    assert again.read_bytes() == (tmp_path / "odd.pdf").read_bytes()  # the same bytes


# --------------------------------------------------------------------------- progress


def test_with_the_years_series_each_unit_shows_its_progress(tmp_path: Path) -> None:
    """``--series``: the monitoring at the period on the city's page and each unit's. 集宁区's
    reserve projects at 2022-06: 171 reported against its target of 185 → 171 / 185 = 92.4%."""
    out = _report(
        tmp_path / "p",
        "--series",
        EXAMPLE / "dispatch.csv",
        "--series-previous",
        EXAMPLE / "dispatch_2021.csv",
        "--period",
        "2022-06",
        "--docx",
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("调度进度（截至6月）") == 1 + len(UNITS)
    page = html.split('id="unit-jining"')[1].split("</article>")[0]
    row = (
        page.split('<section class="progress">')[1]
        .split("<td>储备亿元以上项目数</td>")[1]
        .split("</tr>")[0]
    )
    assert row.startswith("<td>171</td><td>185</td><td>92.4%</td>")
    city = html.split('id="progress"')[1].split("</section>")[0]
    reserve = city.split("<td>储备亿元以上项目数</td>")[1].split("</tr>")[0]
    counts = [int(c) for c in reserve.replace("</td>", "").split("<td>")[1:5]]
    assert sum(counts) == len(UNITS)  # red, amber, green, not known: every unit once
    if not NO_PDF and shutil.which("pdftotext"):
        assert _pdftotext(out / "report.pdf").count("调度进度") >= 1 + len(UNITS)
    import docx

    d = docx.Document(str(out / "report.docx"))
    heads = [p.text for p in d.paragraphs if p.style and str(p.style.name).startswith("Heading")]
    assert heads.count("调度进度（截至6月）") == 1 + len(UNITS)
    cells = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    assert ["储备亿元以上项目数", "171", "185", "92.4%"] in [r[:4] for r in cells]
    wrong = invoke("report", SCHEME, DATA, "-o", tmp_path / "w", "--period", "2022-06")
    assert wrong.exit_code != 0
    assert "--series" in wrong.output

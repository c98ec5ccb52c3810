"""Person-facing workbooks print (SPEC §4): rendered to PDF by LibreOffice, every page holds
whole table widths (pages are added by height only), repeats its sheet's header, and carries
第 N 页 共 M 页; the acceptance batch's ledger prints on at most 12 pages.

The first pages are kept as PNGs under `test-output/printing/` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from batch.returning import PROBLEM_COLUMNS
from policy.parameters import load_policy
from policy.publication import publication
from tests.conftest import ACCEPTANCE, ROOT
from tests.paper import print_to_pdf
from tests.workbooks.test_ledger_writer import ledger_inputs  # noqa: F401  (the fixture)
from workbooks.ledger_writer import LEDGER, ledger_workbooks
from workbooks.notice import notice_workbook
from workbooks.returned import returned_workbook

SHOTS = ROOT / "test-output" / "printing"
FOOTER = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")


def rendered(workbook: Path, work: Path) -> list[str]:
    """Each PDF page's text (layout kept) of the workbook as LibreOffice prints it."""
    return rendered_all([workbook], work, SHOTS)[workbook]


def rendered_all(workbooks: list[Path], work: Path, shots: Path) -> dict[Path, list[str]]:
    """Each workbook's PDF pages as text, printed by one LibreOffice run
    (`tests.paper.print_to_pdf`); the first three pages of each as PNGs in `shots`."""
    pdftotext = shutil.which("pdftotext")
    if shutil.which("soffice") is None or pdftotext is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("LibreOffice and poppler are required under CI: make office")
        pytest.skip("no LibreOffice or poppler here")
    pages = {}
    for workbook, pdf in print_to_pdf(workbooks, work, shots, first=3).items():
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
        ).stdout
        pages[workbook] = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    return pages


def headers(workbook: Path) -> dict[str, list[str]]:
    """Each sheet's printed header cells (the row under the lines above it, if any): not the
    hidden columns, nor those right of the print area (codes for machines)."""
    book = load_workbook(workbook)
    found = {}
    for sheet in book.worksheets:
        hidden = {k for k, d in sheet.column_dimensions.items() if d.hidden}
        area = re.search(r"\$([A-Z]+)\$\d+$", str(sheet.print_area or ""))
        last = column_index_from_string(area.group(1)) if area else sheet.max_column
        rows = list(sheet.iter_rows(max_row=60))
        header_row = next(
            (row for row in rows if sum(1 for c in row if c.value not in (None, "")) >= 3), None
        )
        if header_row is None:
            continue
        found[sheet.title] = [
            str(c.value)
            for c in header_row
            if c.value and c.column_letter not in hidden and c.column <= last
        ]
    return found


def across(workbook: Path) -> set[str]:
    """The sheets too wide for one page at 75 %: printed across pages, key column repeated."""
    book = load_workbook(workbook)
    return {s.title for s in book.worksheets if s.print_title_cols}


def assert_prints_whole_widths(
    pages: list[str],
    sheets: dict[str, list[str]],
    total: int | None = None,
    wide: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    """`pages` (of a workbook printing `total` pages, by default these) hold whole widths; a
    sheet in `wide` goes across pages instead, each repeating its first column, all of them
    together showing every column."""
    assert pages
    seen: dict[str, set[str]] = {}
    for number, page in enumerate(pages, start=1):
        footer = FOOTER.search(page)
        assert footer, f"page {number} has no 第 N 页 共 M 页"
        assert int(footer.group(2)) == (total or len(pages))
        flat = re.sub(r"\s+", "", page)
        # A header's first characters: a narrow column wraps the rest onto another line.
        shown = {
            sheet: [c for c in columns if re.sub(r"\s+", "", c)[:4] in flat]
            for sheet, columns in sheets.items()
        }
        # The page's sheet is the one whose header it shows most of; it must show all of it:
        # every page starts with the (repeated) header, and no column went to another page.
        # The page header names it (the first line); else the one whose header it shows most of.
        first = next((line for line in page.splitlines() if line.strip()), "")
        named = [name for name in sheets if re.search(rf"\s{re.escape(name)}(\s|$)", first)]
        sheet = (
            max(named, key=len)
            if named
            else max(shown, key=lambda name: len(shown[name]) / len(sheets[name]))
        )
        if len(shown[sheet]) < 2:
            continue  # a sheet of notes without a table (填表说明)
        if sheet in wide:
            assert sheets[sheet][0] in shown[sheet], (number, sheet, "key column not repeated")
            seen.setdefault(sheet, set()).update(shown[sheet])
            continue
        missing = [c for c in sheets[sheet] if c not in shown[sheet]]
        assert missing == [], (number, sheet, missing)
    for sheet, columns in seen.items():
        assert set(sheets[sheet]) <= columns, (sheet, set(sheets[sheet]) - columns)


@pytest.fixture(scope="module")
def ledger_file(ledger_inputs, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    folder = tmp_path_factory.mktemp("printing")
    path = folder / "ledger.xlsx"
    path.write_bytes(dict(ledger_workbooks(*ledger_inputs))[LEDGER])
    return path


def test_printing__the_ledger_prints_whole_widths_on_at_most_36_pages(
    ledger_file: Path, tmp_path: Path
) -> None:
    pages = rendered(ledger_file, tmp_path)
    # 35: 支付明细, 待复核 (three amount columns, one per kind) and the unsplit 减免明细 (17
    # columns) go across pages at 75 %, their first column repeated (10 pages at 4.1 pt before);
    # a split register prints per city.
    assert len(pages) <= 36
    assert_prints_whole_widths(pages, headers(ledger_file), wide=across(ledger_file))
    # The header row repeats: every page of a detail sheet begins with its header.
    assert sum("原因说明" in page for page in pages) >= 1


def test_printing__the_notice_list_prints_its_amounts_on_the_page(tmp_path: Path) -> None:
    cities = ["济南", "青岛", "淄博", "枣庄"]
    proposed = pd.DataFrame(
        {
            "credit_code": [f"91370100MA3C{i:05d}X" for i in range(120)],
            "name": [f"山东省示例制造有限公司第{i}分公司" for i in range(120)],
            "city": [cities[i % 4] for i in range(120)],
            "amount": [1_234_567 + i for i in range(120)],
        }
    )
    path = tmp_path / "公示名单.xlsx"
    published = publication(load_policy(), dt.date(2020, 12, 31))
    path.write_bytes(notice_workbook(proposed, dt.date(2020, 12, 31), published))
    pages = rendered(path, tmp_path)
    assert len(pages) >= 2  # 120 rows page down
    assert_prints_whole_widths(pages, headers(path), wide=across(path))
    assert all("拟返还金额" in page for page in pages)  # the header repeats on every page
    flat = re.sub(r"\s+", "", pages[0])
    assert "公示期2021年1月4日至2021年1月8日（5个工作日）" in flat
    assert "对名单有异议的，请于公示期内向" in flat
    assert "发布单位：山东省人力资源和社会保障厅" in re.sub(r"\s+", "", pages[-1])
    assert "合计" in pages[-1]


def test_printing__a_returned_application_prints_whole_widths(
    ledger_inputs,  # noqa: F811
    tmp_path: Path,
) -> None:
    settled = ledger_inputs[0]
    decisions = settled.decisions
    failing = decisions[
        (decisions["outcome"] != "approved") & (decisions["file"] == "稳岗返还申请.xlsx")
    ]
    source = ACCEPTANCE / "inputs" / "稳岗返还申请.xlsx"
    path = tmp_path / "稳岗返还申请-退回.xlsx"
    path.write_bytes(returned_workbook(source, failing[PROBLEM_COLUMNS], "stabilization_refund"))
    pages = rendered(path, tmp_path)
    # 退回说明 and 填表说明 one page each; 稳岗返还 (35 rows, 16 columns) goes across pages at
    # 75 %, its first column repeated; the applicant's narrow columns wrap their headers, so
    # only 退回说明's are matched as a table.
    summary = [page for page in pages if re.search(r"申请材料退回通知\s+退回说明", page)]
    assert len(summary) == 1
    shown = headers(path)["退回说明"]
    assert_prints_whole_widths(summary, {"退回说明": shown}, len(pages))
    assert "原因代码" not in shown  # for machines: not printed
    # The applicant's sheet: its first and last columns, and each row's reasons beside it.
    applicant = re.sub(r"\s+", "", "".join(pages[2:]))
    assert "资产总额" in applicant and "统一社会信用" in applicant
    assert "裁员率超过标准" in applicant and "SR_LAYOFF_RATE" not in applicant

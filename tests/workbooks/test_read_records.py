"""Contribution records are read like applications: unusable files come back as data."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook

from policy.catalogue import PROGRAMS
from tests.finds_case import RECORDS, record_headers, write_records
from workbooks.reader import read_application, read_records
from workbooks.templates import HEADER_ROW, write_templates


def test_read_records__title_row_skipped_and_excel_row_numbers_kept(tmp_path: Path) -> None:
    [found] = read_records([write_records(tmp_path / "记录.xlsx")])
    assert found.error is None and found.program is None
    frame = found.sheets["参保缴费记录"]
    assert list(frame["row"]) == list(range(3, 3 + len(RECORDS)))
    assert list(frame["统一社会信用代码"]) == [row[0] for row in RECORDS]


def test_read_records__unusable_files_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "损坏.xlsx").write_bytes(b"not a workbook")
    write_records(tmp_path / "只有表头.xlsx", rows=[])
    other = Workbook()
    other.active.title = "稳岗返还"
    other.save(tmp_path / "别的表.xlsx")
    missing = Workbook()
    missing.active.title = "参保缴费记录"
    missing.active.append([h for h in record_headers() if h != "上年初参保职工人数"])
    missing.save(tmp_path / "缺列.xlsx")
    found = {r.path.name: r for r in read_records([tmp_path])}
    assert {name: r.error for name, r in found.items()} == {
        "损坏.xlsx": "UNREADABLE_FILE",
        "只有表头.xlsx": "EMPTY_FILE",
        "别的表.xlsx": "UNRECOGNISED_FILE",
        "缺列.xlsx": "UNRECOGNISED_FILE",
    }
    assert "未找到“参保缴费记录”工作表" in found["别的表.xlsx"].message
    assert "缺少列：上年初参保职工人数" in found["缺列.xlsx"].message


def test_template__does_not_offer_the_start_of_year_headcount_yet_reads_it(
    tmp_path: Path,
) -> None:
    [path] = [p for p in write_templates(tmp_path) if p.name == "稳岗返还申请.xlsx"]
    sheet = load_workbook(path)["稳岗返还"]
    top = HEADER_ROW  # under the template's title and 填表说明
    headers = [cell.value for cell in sheet[top]]
    assert "上年初参保职工人数*" not in headers and "上年末参保职工人数" in headers
    row = [RECORDS[0][0], "甲", "济南", "小型", 98, 2, 36, 1, 1, "工行", "62220202001122"]
    for column, value in enumerate([*row, *[None] * (len(headers) - len(row)), 100], start=1):
        sheet.cell(row=top + 1, column=column, value=value)
    sheet.cell(row=top, column=len(headers) + 1, value="上年初参保职工人数*")
    sheet.parent.save(path)
    raw = read_application(path)
    assert raw.program is PROGRAMS["stabilization_refund"]
    assert list(raw.sheets["稳岗返还"]["上年初参保职工人数"]) == [100]

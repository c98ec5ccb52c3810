"""Cells an office suite writes that are not plain values: formulas and merged cells."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from policy.catalogue import PROGRAMS
from validators.validate import validate_workbook
from workbooks.reader import read_application

HEADER = [h for _, h, _, _ in PROGRAMS["stabilization_refund"].sheets[0].columns()]
CODE = "91370100MA3C5LRX4Q"


def _row(name: object, paid: object, code: str = CODE) -> list[object]:
    return [code, name, "济南", "小型", 20, 0, 24, paid, 800, "工行", "6222020000000000001"]


def _validated(path: Path, rows: list[list[object]], merge: str | None = None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "稳岗返还"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    raw = read_application(path)
    assert raw.error is None, raw.message
    return validate_workbook(raw.sheets, raw.program.template)["稳岗返还"]


def test_formula_without_a_cached_value_is_that_rows_missing_value(tmp_path: Path) -> None:
    # openpyxl stores the formula only; Excel would store its result too, and calamine reads it.
    validated = _validated(tmp_path / "公式.xlsx", [_row("甲公司", "=1000+234.5")])
    assert bool(validated.reasons.loc[0, "MISSING_VALUE"])
    assert "上年度单位缴纳失业保险费（元）：必填项为空" in validated.messages[0]


def test_merged_cells_leave_the_covered_rows_with_a_missing_value(tmp_path: Path) -> None:
    rows = [_row("甲公司", 1000), _row(None, 1000, code="91370100MA3C5LRX4Q")]
    validated = _validated(tmp_path / "合并.xlsx", rows, merge="B2:B3")
    assert len(validated.frame) == 2  # nothing dropped
    assert not validated.reasons.loc[0, "MISSING_VALUE"]
    assert bool(validated.reasons.loc[1, "MISSING_VALUE"])
    assert "单位名称：必填项为空" in validated.messages[1]

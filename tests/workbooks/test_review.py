"""A reviewed ledger read back (SPEC §6): matched by document properties and the hidden row key,
never by position; only 复核结论 and 复核意见 count; anything else is reported, not used."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.workbooks.test_ledger_writer import ledger, ledger_inputs  # noqa: F401  (fixtures)
from workbooks.ledger_writer import ROW_KEY_HEADER, parse_row_key
from workbooks.review import read_reviewed_ledger


def review_sheet(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["待复核"]
    header = {cell.value: cell.column for cell in sheet[1]}
    return workbook, sheet, header


def saved(workbook, path: Path) -> Path:
    workbook.save(path)
    return path


def test_ledger__names_its_batch_and_round_and_hides_the_row_key(ledger) -> None:  # noqa: F811
    package = zipfile.ZipFile(io.BytesIO(ledger[0]))
    core = package.read("docProps/core.xml").decode()
    assert "<cp:keywords>subsidy-ledger batch=batch-1 round=0</cp:keywords>" in core
    _, sheet, header = review_sheet(ledger[0])
    letter = sheet.cell(1, header[ROW_KEY_HEADER]).column_letter
    assert sheet.column_dimensions[letter].hidden


def test_read_reviewed_ledger__rows_are_matched_by_their_key_not_their_place(
    ledger,  # noqa: F811
    tmp_path: Path,
) -> None:
    workbook, sheet, header = review_sheet(ledger[0])
    first = [cell.value for cell in sheet[2]]
    # A reviewer sorts the sheet (rows 2 and 3 swap) and types over the visible 行号 of one.
    second = [cell.value for cell in sheet[3]]
    for column, value in enumerate(second, start=1):
        sheet.cell(2, column).value = value
    for column, value in enumerate(first, start=1):
        sheet.cell(3, column).value = value
    sheet.cell(3, header["行号"]).value = 999
    sheet.cell(3, header["复核结论"]).value = "通过"
    sheet.cell(3, header["复核意见"]).value = "已核实"
    read = read_reviewed_ledger(saved(workbook, tmp_path / "reviewed.xlsx"))
    key = parse_row_key(first[header[ROW_KEY_HEADER] - 1])
    assert key is not None and key[3] != 999
    assert list(read.reviews) == [key]
    assert read.reviews[key].comment == "已核实"
    assert (read.batch_id, read.round) == ("batch-1", 0)


@pytest.mark.parametrize("verdict", ["同意", "pass", "通 过x"])
def test_read_reviewed_ledger__another_value_is_blank_and_reported(
    ledger,  # noqa: F811
    tmp_path: Path,
    verdict: str,
) -> None:
    workbook, sheet, header = review_sheet(ledger[0])
    sheet.cell(2, header["复核结论"]).value = verdict
    read = read_reviewed_ledger(saved(workbook, tmp_path / "reviewed.xlsx"))
    assert read.reviews == {}
    assert len(read.ignored) == 1 and verdict in read.ignored[0]


def test_read_reviewed_ledger__an_edited_amount_is_read_for_the_report(
    ledger,  # noqa: F811
    tmp_path: Path,
) -> None:
    workbook, sheet, header = review_sheet(ledger[0])
    sheet.cell(2, header["拟支付金额（元）"]).value = 99999.5
    read = read_reviewed_ledger(saved(workbook, tmp_path / "reviewed.xlsx"))
    assert Decimal("99999.50") in read.shown_amounts.values()


def test_read_reviewed_ledger__two_verdicts_for_one_row_are_both_ignored(
    ledger,  # noqa: F811
    tmp_path: Path,
) -> None:
    workbook, sheet, header = review_sheet(ledger[0])
    copy = [cell.value for cell in sheet[2]]
    last = sheet.max_row + 1
    for column, value in enumerate(copy, start=1):
        sheet.cell(last, column).value = value
    sheet.cell(2, header["复核结论"]).value = "通过"
    sheet.cell(last, header["复核结论"]).value = "驳回"
    read = read_reviewed_ledger(saved(workbook, tmp_path / "reviewed.xlsx"))
    assert read.reviews == {}
    assert any("两个不同的复核结论" in note for note in read.ignored)

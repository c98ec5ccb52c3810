"""SPEC §3: an account, ID number or credit code held in a number cell with more than 15
digits lost digits when it was typed (Excel keeps 15): refused, never converted to text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from tests.validators.test_hostile_cells import HEADER, _row, _validated
from validators.cleaning import clean_account, clean_code
from workbooks.reader import read_references

TYPED = 6217000011112222333  # Excel stores 6217000011112222000; read back 6217000011112222720


def test_clean_account__a_long_number_is_unreadable_never_another_account() -> None:
    cells = pd.Series([TYPED, float(TYPED), "6.217E+18", 1234.5, "6217000011112222333", 12345678])
    cleaned = clean_account(cells)
    assert list(cleaned.unreadable) == [True, True, True, True, False, False]
    assert list(cleaned.values.dropna()) == ["6217000011112222333", "12345678"]


def test_clean_code__an_id_number_typed_as_a_number_is_unreadable() -> None:
    cells = [370102199001011234, "370102199001011234", 123456789012345, "91370902220E087832"]
    cleaned = clean_code(pd.Series(cells))
    assert list(cleaned.unreadable) == [True, False, False, False]  # a credit code's E is a letter


def test_validate__an_account_in_a_number_cell_is_invalid_value_with_the_text_advice(
    tmp_path: Path,
) -> None:
    row = _row("甲公司", 1000)
    row[HEADER.index("银行账号")] = TYPED
    validated = _validated(tmp_path / "数字账号.xlsx", [row, _row("乙公司", 1000)])
    assert bool(validated.reasons.loc[0, "INVALID_VALUE"])
    assert "请将该单元格设为文本后重新填写" in validated.messages[0]
    assert pd.isna(validated.frame.loc[0, "bank_account"])  # nothing an approver could pay to
    assert "设为文本" not in validated.messages[1]


def test_read_references__a_list_with_a_damaged_id_is_missing_not_guessed(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "建档立卡名单"
    sheet.append(["身份证号", "姓名"])
    sheet.append(["500101199001011238", "张三"])
    sheet.append([500101199001011239, "李四"])
    workbook.save(tmp_path / "建档立卡名单.xlsx")
    references = read_references(tmp_path)
    assert "建档立卡名单" not in references.lists
    assert "第3行" in references.why_missing("建档立卡名单")
    assert "设为文本" in references.why_missing("建档立卡名单")


def test_clean_account__a_negative_number_is_unreadable_not_its_digits() -> None:
    assert list(clean_account(pd.Series([-8475135000495, 8475135000495])).unreadable) == [
        True,
        False,
    ]


def test_digits_between__only_ascii_digits_make_an_account() -> None:
    from validators.checks import digits_between

    cells = pd.Series(["٨٤٧٥١٣٥٠٠٠٤٩", "१२३४५६७८९०", "84751350004"])
    assert list(digits_between(cells, 8, 32)) == [False, False, True]

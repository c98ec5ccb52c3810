"""Reading real, messy workbooks: header search, hidden sheets, empty rows, legacy .xls, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import ACCEPTANCE, DATA, SAMPLES
from workbooks import reader
from workbooks.reader import list_workbooks, read_application, read_references


def test_read_application__finds_header_below_title_rows_and_keeps_excel_row_numbers() -> None:
    workbook = read_application(ACCEPTANCE / "inputs" / "稳岗返还申请.xlsx")
    assert workbook.program is not None and workbook.program.code == "stabilization_refund"
    frame = workbook.sheets["稳岗返还"]
    assert frame["row"].tolist() == list(range(4, 31))  # title and notes above, header on row 3


def test_read_application__empty_trailing_rows_are_not_rows() -> None:
    workbook = read_application(ACCEPTANCE / "inputs" / "春节防疫物资生产用工补贴.xlsx")
    assert len(workbook.sheets["用工明细"]) == 179
    assert len(workbook.sheets["企业信息"]) == 3


def test_read_application__legacy_xls() -> None:
    workbook = read_application(DATA / "special" / "鲁渝劳务协作补贴.xls")
    assert workbook.program is not None and workbook.program.code == "chongqing_labor"
    assert workbook.sheets["鲁渝劳务协作"]["row"].tolist() == [4, 5]


def test_read_application__password_protected_workbook_is_encrypted_file() -> None:
    result = read_application(DATA / "special" / "加密的申请.xlsx")
    assert (result.program, result.error) == (None, "ENCRYPTED_FILE")
    assert "密码" in result.message


def test_read_application__oversized_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024)
    path = tmp_path / "大文件.xlsx"
    path.write_bytes(b"0" * 2048)
    result = read_application(path)
    assert (result.program, result.error) == (None, "FILE_TOO_LARGE")


def test_read_application__not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "申请.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    result = read_application(path)
    assert (result.program, result.error) == (None, "UNREADABLE_FILE")
    assert "无法作为Excel工作簿读取" in result.message


def test_read_application__unknown_sheets_are_unrecognised(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "工资表"
    workbook.save(tmp_path / "工资表.xlsx")
    result = read_application(tmp_path / "工资表.xlsx")
    assert result.error == "UNRECOGNISED_FILE"
    assert "稳岗返还" in result.message


def test_read_application__missing_required_header_is_unrecognised(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "稳岗返还"
    workbook.active.append(["统一社会信用代码", "单位名称", "所属地市"])
    workbook.save(tmp_path / "稳岗.xlsx")
    result = read_application(tmp_path / "稳岗.xlsx")
    assert result.error == "UNRECOGNISED_FILE"
    assert "企业规模" in result.message


def test_read_references__all_three_lists_by_sheet_name() -> None:
    references = read_references(SAMPLES / "reference")
    assert set(references.lists) == {"重点企业名单", "建档立卡名单", "严重失信名单"}
    assert all(references.lists.values())


def test_list_workbooks__folders_expand_and_lock_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"")
    (tmp_path / "~$a.xlsx").write_bytes(b"")
    (tmp_path / "notes.txt").write_bytes(b"")
    assert [p.name for p in list_workbooks([tmp_path])] == ["a.xlsx"]

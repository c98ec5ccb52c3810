"""Reading real, messy workbooks: header search, hidden sheets, empty rows, legacy .xls, errors."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from policy.catalogue import PROGRAMS
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
    # What the clerk should do, not the library's error name (CalamineError, ZipError).
    assert "另存为" in result.message
    assert set(re.findall(r"[A-Za-z]{4,}", result.message)) == {"Excel", "xlsx"}


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


def _refund_workbook(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = Workbook()
    workbook.active.title = "稳岗返还"
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


REFUND_HEADER = [h for _, h, _, _ in PROGRAMS["stabilization_refund"].sheets[0].columns()]


def test_read_application__header_only_is_an_empty_file(tmp_path: Path) -> None:
    result = read_application(_refund_workbook(tmp_path / "空.xlsx", REFUND_HEADER, []))
    assert result.error == "EMPTY_FILE" and "没有任何数据行" in result.message


def test_read_application__a_header_twice_is_refused_not_guessed(tmp_path: Path) -> None:
    header = [*REFUND_HEADER, "银行账号"]
    result = read_application(_refund_workbook(tmp_path / "重复.xlsx", header, []))
    assert result.error == "DUPLICATE_HEADER"
    assert "“银行账号”出现两次" in result.message


def test_read_application__a_truncated_workbook_is_unreadable(tmp_path: Path) -> None:
    whole = (SAMPLES / "稳岗返还申请.xlsx").read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert read_application(path).error == "UNREADABLE_FILE"


def _sheet_zip(path: Path, sheet_xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def test_read_application__a_decompression_bomb_is_refused_before_inflating(
    tmp_path: Path,
) -> None:
    bomb = _sheet_zip(tmp_path / "炸弹.xlsx", b"<worksheet>" + b" " * 50_000_000)
    assert bomb.stat().st_size < 200_000
    result = read_application(bomb)
    assert result.error == "FILE_TOO_LARGE" and "解压炸弹" in result.message


def test_read_application__too_much_once_unpacked_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED_BYTES", 10_000)
    result = read_application(SAMPLES / "社保费减免申报.xlsx")
    assert result.error == "FILE_TOO_LARGE" and "解压后" in result.message


def test_read_application__a_sheet_declaring_too_many_rows_or_cells_is_refused(
    tmp_path: Path,
) -> None:
    rows = _sheet_zip(tmp_path / "行.xlsx", b'<worksheet><dimension ref="A1:L2000000"/>')
    assert "超过 Excel 的 1048576 行上限" in read_application(rows).message
    cells = _sheet_zip(tmp_path / "格.xlsx", b'<worksheet><dimension ref="A1:XFD900000"/>')
    assert read_application(cells).error == "FILE_TOO_LARGE"

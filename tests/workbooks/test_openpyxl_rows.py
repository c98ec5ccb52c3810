"""The faster save writes byte for byte what openpyxl's own save writes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import numpy as np
import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font

from workbooks.openpyxl_rows import save_bytes
from workbooks.returned import FILLS
from workbooks.styling import workbook_bytes

AWKWARD_TEXT = [
    "plain",
    " leading",
    "trailing ",
    "  ",
    "",
    "a & <b> \"c\" 'd'",
    "第一行\n第二行",
    "\n边上的换行\n",
    "=SUM(A1:A2)",
    "\t=tab",
    "\r回车",
]
AWKWARD_NUMBERS = [0, -1, 7, 2.5, 1e20, 12345678901234567890, float("nan"), float("inf"), True]


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _openpyxl_saved(workbook: Workbook) -> bytes:
    raw = io.BytesIO()
    workbook.save(raw)
    return raw.getvalue()


def _awkward_workbook() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "申请表"
    for row, text in enumerate(AWKWARD_TEXT, start=1):
        sheet.cell(row, 1).value = text
        sheet.cell(row, 2).value = AWKWARD_NUMBERS[row % len(AWKWARD_NUMBERS)]
    sheet.cell(3, 3).value = np.int64(42)
    sheet.cell(4, 3).value = np.float64(0.1)
    sheet.cell(5, 3).value = Decimal("12.30")
    sheet.cell(6, 3).value = dt.date(2020, 2, 12)
    sheet.cell(7, 3).value = dt.datetime(2020, 2, 12, 8, 30)
    sheet.cell(8, 3).value = dt.time(9, 15)
    sheet.cell(9, 3).value = "=1+1"  # a formula: left to openpyxl's writer
    sheet.cell(10, 3).value = False
    styled = sheet.cell(2, 5)  # a styled blank
    styled.fill = FILLS["rejected"]
    sheet.cell(3, 5).fill = FILLS["held"]
    sheet.cell(3, 5).value = "有值"
    sheet.cell(4, 5).font = Font(bold=True, size=14)
    sheet.cell(4, 5).alignment = Alignment(wrap_text=True, vertical="center")
    sheet.cell(4, 5).value = "标题"
    sheet.row_dimensions[4].height = 45
    sheet.row_dimensions[30].height = 20  # a row given a height and no cell
    for row, text in [(1, "第一条"), (2, " 前后有空格 "), (6, "a & b\n<第二行>"), (30, "")]:
        sheet.cell(row, 4).comment = Comment(text, "人社部门审核", height=60, width=320)
    sheet.cell(7, 4).comment = Comment("另一位作者", "复核人")
    sheet.cell(9, 4).comment = Comment("作者前后有空格", " 复核人 ")
    sheet.cell(10, 4).comment = Comment("没有作者", "")
    sheet.cell(11, 4).comment = Comment("孤立代理\ud800字符", "人社部门审核")
    sheet.cell(12, 4).comment = Comment(None, "人社部门审核")
    sheet.cell(1, 6).value = "联系邮箱"  # links an office suite makes of typed addresses
    sheet.cell(1, 6).hyperlink = "mailto:hr@example.gov.cn"
    sheet.cell(2, 6).value = 12
    sheet.cell(2, 6).hyperlink = "https://example.gov.cn/a?b=1&c=2"
    sheet.cell(3, 6).value = dt.date(2020, 3, 1)
    sheet.cell(3, 6).hyperlink = "#'退回说明'!A1"
    sheet.cell(8, 4).comment = Comment("默认大小", "人社部门审核")
    other = workbook.create_sheet("退回说明", 0)
    other["A1"] = "申请材料退回通知"
    other["B2"].comment = Comment("第二张表的批注", "人社部门审核")
    workbook.create_sheet("空表")
    return workbook


def test_the_same_bytes_as_openpyxl_for_awkward_cells_and_comments() -> None:
    ours = _members(save_bytes(_awkward_workbook()))
    theirs = _members(_openpyxl_saved(_awkward_workbook()))
    theirs.pop("docProps/core.xml")  # openpyxl stamps the time it saved
    ours.pop("docProps/core.xml")
    assert list(ours) == list(theirs)
    for name, data in theirs.items():
        assert ours[name] == data, name
    assert b"commentsDrawing2.vml" in ours["xl/worksheets/_rels/sheet2.xml.rels"]


def test_comment_shapes_and_rows_as_openpyxl_writes_them_at_scale() -> None:
    def built() -> Workbook:
        workbook = Workbook()
        sheet = workbook.active
        for row in range(1, 600):
            sheet.cell(row, 1).value = f"9137{row:014d}"
            sheet.cell(row, 2).value = row * 1.5
            if row % 3 == 0:
                sheet.cell(row, 2).fill = FILLS["rejected" if row % 2 else "held"]
                sheet.cell(row, 2).comment = Comment(f"第{row}行：不予受理", "人社部门审核")
        return workbook

    ours, theirs = _members(save_bytes(built())), _members(_openpyxl_saved(built()))
    for name in ("xl/worksheets/sheet1.xml", "xl/comments/comment1.xml", "xl/styles.xml"):
        assert ours[name] == theirs[name]
    assert ours["xl/drawings/commentsDrawing1.vml"] == theirs["xl/drawings/commentsDrawing1.vml"]
    assert ours["xl/drawings/commentsDrawing1.vml"].count(b"<ns1:shape ") == 199


def test_a_write_only_workbook_is_refused() -> None:
    with pytest.raises(TypeError):
        workbook_bytes(Workbook(write_only=True))

"""Reviewer-friendly sheets with openpyxl, saved so that the same content gives the same bytes.

Frozen header, filters, `#,##0.00` money, widths that fit (CJK characters count double), and no
cell an applicant typed ever becomes a formula: text beginning with `=`, `+`, `-` or `@` is
stored as a plain string with Excel's quote prefix.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workbooks.openpyxl_rows import save_bytes
from workbooks.zipped import copy_member

MONEY_FORMAT = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FIXED_TIME = dt.datetime(2020, 1, 1)
MAX_WIDTH = 60
LINE_HEIGHT = 15.0  # points: one line of 11-point text
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o640 << 16


@dataclass(frozen=True)
class Column:
    header: str
    money: bool = False
    width: int | None = None
    wrap: bool = False  # long text: wrapped within `width`, each row as tall as it needs


def display_width(text: str) -> int:
    if text.isascii():  # codes, accounts, numbers: one unit a character
        return len(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_table(
    sheet: Worksheet,
    columns: Sequence[Column],
    rows: Sequence[Sequence[object]],
    start_row: int = 1,
) -> None:
    """A header row and data rows, formatted for review, with filters and a frozen header."""
    widths = [display_width(c.header) for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=start_row, column=index, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrapping = any(c.wrap for c in columns)
    # Each column's cell style is set once, on its first data cell, and copied to the others:
    # openpyxl looks a style up in the workbook's lists at every assignment (a returned
    # province workbook's 退回说明 has tens of thousands of cells).
    styles: list[StyleArray | None] = [None] * len(columns)
    for offset, values in enumerate(rows, start=1):
        lines = 1
        for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = sheet.cell(row=start_row + offset, column=index)
            style = styles[index - 1]
            if style is None:
                if column.money:
                    cell.number_format = MONEY_FORMAT
                if wrapping:  # a row of several lines reads from its top
                    cell.alignment = Alignment(wrap_text=column.wrap, vertical="top")
                styles[index - 1] = copy(cell._style)
            else:
                cell._style = copy(style)
            set_value(cell, value)  # after the style: a formula-like text adds its quote prefix
            shown = display_width(_shown(value, column))
            if column.wrap and column.width:
                lines = max(lines, math.ceil(shown * 1.15 / (column.width - 1)))
            else:
                widths[index - 1] = max(widths[index - 1], shown)
        if lines > 1:  # nothing sizes rows when the file is opened
            sheet.row_dimensions[start_row + offset].height = LINE_HEIGHT * lines
    for index, column in enumerate(columns, start=1):
        width = column.width or min(MAX_WIDTH, widths[index - 1] + 2)
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{start_row}:{last}{start_row + max(len(rows), 1)}"
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1)


def _shown(value: object, column: Column) -> str:
    if column.money and isinstance(value, int | float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def set_value(cell, value: object) -> None:  # type: ignore[no-untyped-def]
    """Set a cell; text that looks like a formula is stored as inert text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True


def workbook_bytes(workbook: Workbook) -> bytes:
    """Save with fixed document properties and zip timestamps, so equal content → equal bytes."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "subsidy-disbursement"
    workbook.properties.lastModifiedBy = "subsidy-disbursement"
    if workbook.write_only or workbook.read_only:
        raise TypeError("a write-only or read-only workbook is saved by openpyxl itself")
    raw = io.BytesIO(save_bytes(workbook))
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "docProps/core.xml":  # copied compressed, as openpyxl wrote it
                copy_member(source, out, item, ZIP_TIME, FILE_MODE)
                continue
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE
            out.writestr(info, _pin_modified(source.read(item.filename)))
    return fixed.getvalue()


def _pin_modified(core: bytes) -> bytes:
    """openpyxl stamps dcterms:modified with the save time; pin it to the fixed time."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", core
    )

"""Screening-list workbooks as a clerk keeps them (text cells for IDs, codes and dates typed as
text), for the tests."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def write_list(
    folder: Path, sheet: str, header: list[str], rows: list[list[object]], name: str = ""
) -> Path:
    book = Workbook()
    page = book.active
    page.title = sheet
    page.append(header)
    for line in rows:
        page.append(line)
    for cells in page.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    path = folder / (name or f"{sheet}.xlsx")
    book.save(path)
    return path

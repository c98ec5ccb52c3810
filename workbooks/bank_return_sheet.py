"""A bank return (回盘) that comes as an Excel workbook: the first sheet's rows under the header
row that names 付款编号, every cell read as text. The workbook passes the same size guards as an
application before anything is read."""

from __future__ import annotations

import pandas as pd
from python_calamine import CalamineError

from workbooks.reader import UNREADABLE_MESSAGE, open_workbook


def first_sheet(data: bytes) -> list[list[object]]:
    """The first sheet's cells; a `ValueError` (a Chinese sentence) when the bytes are not a
    workbook this system may read."""
    book = open_workbook(data)  # WorkbookRefused is a ValueError
    try:
        return book.get_sheet_by_index(0).to_python() if book.sheet_names else []
    except (CalamineError, IndexError, ValueError) as problem:
        raise ValueError(UNREADABLE_MESSAGE) from problem


def return_rows(data: bytes) -> pd.DataFrame:
    """The rows under the 付款编号 header; a `ValueError` (a Chinese sentence) when the bytes
    are not a workbook this system may read, or have no such header."""
    rows = first_sheet(data)
    for position, row in enumerate(rows):
        cells = [str(c).strip() for c in row]
        if "付款编号" in cells:
            body = [
                [cell_text(c) for c in r]
                for r in rows[position + 1 :]
                if any(str(c).strip() for c in r)
            ]
            return pd.DataFrame(body, columns=cells)
    raise ValueError("回盘工作簿中找不到含“付款编号”的表头行")


def cell_text(value: object) -> str:
    """A cell as text: a whole number read as a float (an account typed as a number) keeps its
    digits without ".0"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()

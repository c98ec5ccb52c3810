"""A bank's Excel upload template (the `xlsx` bank layout): a title, the control record
(总笔数, 总金额), then one row per payment. Everything is text except 序号 and 金额, so an
account number keeps every digit and a name is never a formula."""

from __future__ import annotations

import pandas as pd

from policy.money import fen_grouped
from workbooks.xlsx import Column, Table, workbook_bytes

SHEET = "代发明细"


def bank_sheet_bytes(
    columns: list[str], rows: pd.DataFrame, title: str, total_rows: int, total_fen: int
) -> bytes:
    """`rows` holds `columns` (序号 a number, 金额 in fen, the rest text) in that order."""
    kinds = {"序号": "number", "金额": "money"}
    table = Table(
        SHEET,
        [Column(c, kinds.get(c, "text")) for c in columns],
        rows[columns],
        lines_above=[
            (SHEET, title),
            ("总笔数", str(total_rows)),
            ("总金额（元）", fen_grouped(total_fen)),
        ],
        layout_fixed=True,
    )
    return workbook_bytes([table])

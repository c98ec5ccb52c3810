"""The account-correction workbook (账户更正, SPEC §8 re-issue): one row per beneficiary whose
payment failed for an account reason — old and new bank and account, and 更正依据. `subsidy
templates` writes it blank; `read_corrections` reads it, every cell as text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from workbooks.bank_return_sheet import cell_text
from workbooks.styling import HEADER_FILL, HEADER_FONT, display_width

FILE_NAME = "账户更正.xlsx"
SHEET = "账户更正"
COLUMNS = {
    "受益对象编号": "beneficiary_id",  # 统一社会信用代码或身份证号
    "户名": "name",
    "原开户银行": "old_bank",
    "原银行账号": "old_account",
    "新开户银行": "new_bank",
    "新银行账号": "new_account",
    "更正依据": "basis",
}
NOTE = (
    "每行一名受益对象：受益对象编号为统一社会信用代码（企业）或身份证号（个人），原账号须与"
    "银行退回的支付所用账号一致；更正依据写明证明材料（如开户行出具的账户证明编号）。"
    "本表经另一人审核通过后，重新支付才会使用新账号。"
)


def corrections_template() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for index, header in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, display_width(header) + 6)
        for row in range(2, 202):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.column_dimensions["G"].width = 40
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 110
    notes.cell(row=1, column=1, value=NOTE)
    return workbook


def read_corrections(path: Path) -> pd.DataFrame:
    """The rows of the workbook's 账户更正 sheet under its headers (blank rows dropped)."""
    book = CalamineWorkbook.from_path(str(path))
    if SHEET not in book.sheet_names:
        raise ValueError(f"{path.name} 中没有“{SHEET}”工作表，请使用 subsidy templates 生成的模板")
    rows = book.get_sheet_by_name(SHEET).to_python()
    header = [str(c).strip() for c in rows[0]] if rows else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path.name} 的“{SHEET}”缺少列：" + "、".join(missing))
    body = [
        {COLUMNS[h]: cell_text(r[header.index(h)]) for h in COLUMNS}
        for r in rows[1:]
        if any(str(c).strip() for c in r)
    ]
    return pd.DataFrame(body, columns=list(COLUMNS.values()))

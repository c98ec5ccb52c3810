"""The account-correction workbook (账户更正, SPEC §8 re-issue): one row per beneficiary whose
payment failed for an account reason — old and new bank and account, and 更正依据. `subsidy
templates` writes it blank; `read_corrections` reads it, every cell as text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from python_calamine import CalamineError

from validators.cleaning import clean_account, clean_code, clean_text
from workbooks.reader import UNREADABLE_MESSAGE, WorkbookRefused, open_workbook
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
NOTES = (
    "每行一名受益对象：受益对象编号为统一社会信用代码（企业）或身份证号（个人）。",
    "原银行账号须与银行退回的那笔支付所用账号一致。",
    "更正依据写明证明材料，如开户行出具的账户证明编号。",
    "本表经登记人以外的另一人审核通过后，重新支付才会使用新账号。",
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
    # One landscape page wide when printed, however many rows are filled in.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    notes = workbook.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 66  # wraps within a portrait page
    for number, line in enumerate(NOTES, start=1):
        notes.cell(row=number, column=1, value=line).alignment = Alignment(wrap_text=True)
    return workbook


def read_corrections(path: Path) -> pd.DataFrame:
    """The rows of the workbook's 账户更正 sheet under its headers, cleaned as applications are
    (SPEC §3: full-width digits made ASCII, spaces and hyphens out of accounts, line breaks out
    of names), with each row's Excel row number in `row` and, in `lost_digits`, the headers
    whose number cells lost digits (those cells are left empty). Blank rows are dropped. A
    `ValueError` (one Chinese sentence) for a file that is missing, too large or not such a
    workbook."""
    try:
        book = open_workbook(path)
    except WorkbookRefused as refused:
        raise ValueError(f"账户更正表 {path.name}：{refused}") from refused
    if SHEET not in book.sheet_names:
        raise ValueError(f"{path.name} 中没有“{SHEET}”工作表，请使用 subsidy templates 生成的模板")
    try:
        rows = book.get_sheet_by_name(SHEET).to_python()
    except CalamineError as problem:
        raise ValueError(f"账户更正表 {path.name}：{UNREADABLE_MESSAGE}") from problem
    header = [str(c).strip() for c in rows[0]] if rows else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{path.name} 的“{SHEET}”缺少列：" + "、".join(missing))
    at = [header.index(h) for h in COLUMNS]
    kept = [  # a note beside the seven columns does not make a row
        (number, r)
        for number, r in enumerate(rows[1:], start=2)
        if any(str(r[i]).strip() for i in at if i < len(r))
    ]
    raw = pd.DataFrame(
        [[r[i] if i < len(r) and r[i] != "" else None for i in at] for _, r in kept],
        columns=list(COLUMNS),
        dtype=object,
    )
    frame = pd.DataFrame(index=raw.index)
    damaged = pd.Series([[] for _ in raw.index], index=raw.index, dtype=object)
    for header_text, column in COLUMNS.items():
        cleaned = CLEANERS[column](raw[header_text])
        frame[column] = cleaned.values.fillna("").astype(object)
        for index in cleaned.unreadable[cleaned.unreadable].index:
            damaged[index].append(header_text)
    frame["row"] = [number for number, _ in kept]
    frame["lost_digits"] = damaged
    return frame


CLEANERS = {
    "beneficiary_id": clean_code,
    "name": clean_text,
    "old_bank": clean_text,
    "old_account": clean_account,
    "new_bank": clean_text,
    "new_account": clean_account,
    "basis": clean_text,
}

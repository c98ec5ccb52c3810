"""The account-correction workbook (账户更正, SPEC §8 re-issue): one row per beneficiary whose
payment failed for an account reason — old and new bank and account, and 更正依据. `subsidy
templates` writes it blank; `read_corrections` reads it, every cell as text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineError

from validators.cleaning import clean_account, clean_code, clean_text
from workbooks.print_setup import page_header, set_page_setup
from workbooks.reader import HEADER_SEARCH_ROWS, UNREADABLE_MESSAGE, WorkbookRefused, open_workbook
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


TITLE = "支付账户更正登记表"
SIGN_LINE = "登记人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
HEADER_ROW = 4  # under the title, the signature line and a blank row


def corrections_template() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=SIGN_LINE)
    for index, header in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, display_width(header) // 2 + 4)
        for row in range(HEADER_ROW + 1, HEADER_ROW + 201):
            sheet.cell(row=row, column=index).number_format = "@"
    for letter in "DF":  # the accounts: 19 digits and more, kept as text
        sheet.column_dimensions[letter].width = 22
    sheet.column_dimensions["G"].width = 24
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    set_page_setup(sheet, title_row=HEADER_ROW, header=page_header(TITLE))
    notes = workbook.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 66  # wraps within a portrait page
    for number, line in enumerate(NOTES, start=1):
        notes.cell(row=number, column=1, value=line).alignment = Alignment(wrap_text=True)
    set_page_setup(notes, title_row=0, header=page_header(TITLE))
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
    # The header: the first of the top rows holding every column (a title and the signature
    # line sit above it on the template).
    tops = [[str(c).strip() for c in row] for row in rows[:HEADER_SEARCH_ROWS]]
    top = next((i for i, row in enumerate(tops) if all(c in row for c in COLUMNS)), None)
    if top is None:
        header = max(tops, key=lambda row: sum(c in row for c in COLUMNS), default=[])
        missing = [c for c in COLUMNS if c not in header]
        raise ValueError(f"{path.name} 的“{SHEET}”缺少列：" + "、".join(missing))
    at = [tops[top].index(h) for h in COLUMNS]
    kept = [  # a note beside the seven columns does not make a row
        (number, r)
        for number, r in enumerate(rows[top + 1 :], start=top + 2)
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

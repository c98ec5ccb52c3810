"""The payer account's statement (对账单) when it comes as an Excel workbook: the first sheet's
rows under the header row naming a counterparty account, every cell read as text. An account
typed as a number of more than 15 digits lost digits in Excel (SPEC §3): it is refused, never
turned back into text."""

from __future__ import annotations

import pandas as pd

from workbooks.bank_return_sheet import cell_text, first_sheet

MOST_EXACT_DIGITS = 15


def statement_rows(data: bytes, header_words: tuple[str, ...]) -> pd.DataFrame:
    """The rows under the first header row holding any of `header_words`; a `ValueError` (a
    Chinese sentence) when the bytes are not a workbook this system may read, have no such
    header, or hold an account as a number that lost digits."""
    rows = first_sheet(data)
    for position, row in enumerate(rows):
        cells = [str(c).strip() for c in row]
        if any(word in cells for word in header_words):
            body = []
            for number, found in enumerate(rows[position + 1 :], start=position + 2):
                if not any(str(c).strip() for c in found):
                    continue
                for header, value in zip(cells, found, strict=False):
                    if any(w in header for w in ("账号", "帐号", "账户")) and _lost_digits(value):
                        raise ValueError(
                            f"第{number}行的“{header}”是超过15位的数字，已丢失位数：请银行以文本导出"
                        )
                body.append([cell_text(c) for c in found])
            return pd.DataFrame(body, columns=cells)
    raise ValueError("对账单工作簿中找不到含“对方账号”的表头行")


def _lost_digits(value: object) -> bool:
    if isinstance(value, float):
        return len(f"{value:.0f}".lstrip("-")) > MOST_EXACT_DIGITS or "e" in repr(value)
    return isinstance(value, int) and len(str(abs(value))) > MOST_EXACT_DIGITS

"""The payer account's statement (对账单) when it comes as an Excel workbook: the first sheet's
rows under the header row naming a counterparty account, every cell read as text. An account
typed as a number of more than 15 digits lost digits in Excel (SPEC §3): it is refused, never
turned back into text."""

from __future__ import annotations

import pandas as pd

from validators.cleaning import LOST_DIGITS_MESSAGE, clean_account
from workbooks.bank_return_sheet import cell_text, first_sheet

ACCOUNT_WORDS = ("账号", "帐号", "账户")


def statement_rows(data: bytes, header_words: tuple[str, ...]) -> pd.DataFrame:
    """The rows under the first header row holding any of `header_words`; a `ValueError` (a
    Chinese sentence) when the bytes are not a workbook this system may read, have no such
    header, or hold an account as a number that lost digits (`validators.cleaning`)."""
    rows = first_sheet(data)
    for position, row in enumerate(rows):
        cells = [str(c).strip() for c in row]
        if any(word in cells for word in header_words):
            numbers = [
                n
                for n, r in enumerate(rows[position + 1 :], start=position + 2)
                if any(str(c).strip() for c in r)
            ]
            body = [rows[n - 1] for n in numbers]
            raw = pd.DataFrame([list(r) + [""] * (len(cells) - len(r)) for r in body], dtype=object)
            for at, header in enumerate(cells):
                if any(w in header for w in ACCOUNT_WORDS) and at in raw:
                    damaged = clean_account(raw[at]).unreadable
                    if damaged.any():
                        number = numbers[int(damaged.to_numpy().nonzero()[0][0])]
                        raise ValueError(f"第{number}行的“{header}”{LOST_DIGITS_MESSAGE}")
            return pd.DataFrame([[cell_text(c) for c in r] for r in body], columns=cells)
    raise ValueError("对账单工作簿中找不到含“对方账号”的表头行")

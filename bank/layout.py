"""What a bank file layout is (SPEC §8): how a format of that layout writes its upload, reads
that upload back for the proof, and reads the bank's return (回盘) into one shape.

Each layout is one module under `bank/layouts/` holding `LAYOUT = Layout(...)`; a format's YAML
names its layout. Adding a layout is that module and a format YAML, nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from bank.spec import BankFormat

Render = Callable[[pd.DataFrame, BankFormat, dt.date, str], bytes]
ReadBack = Callable[[bytes, BankFormat], list[tuple[str, int]]]
ReadReturn = Callable[[bytes, BankFormat], pd.DataFrame]


def _usable(bank_format: BankFormat) -> str:
    return ""


def _always(bank_format: BankFormat) -> bool:
    return True


def _never_held(name: str, account: str, bank_format: BankFormat) -> str:
    return ""


def line_key(account: str, day_count: object) -> str:
    """How a line of a layout without a payment id (`Layout.by_line`) is told apart within the
    bank's day, in `rows_of` and by the proof: its account and 当日次数."""
    return f"{account}#{int(day_count)}"  # type: ignore[call-overload]


@dataclass(frozen=True)
class Layout:
    name: str  # as a format's YAML spells it under `layout:`
    suffix: str  # of its upload files
    render: Render  # rows (payment_id, account, name, bank_name, amount, purpose) → the file
    rows_of: ReadBack  # the upload read back: (payment id, amount in fen) per payment
    read_return: ReadReturn  # a return file → payment_id, account, name, amount, result, reason
    return_suffixes: tuple[str, ...]  # the return files it reads, by suffix
    # True when a return of this layout is read by its format's own definition (widths, codes):
    # then every format of the layout is tried; otherwise one reading serves them all.
    returns_by_format: bool = False
    counts_bytes: bool = False  # names and 用途 measured in bytes of the encoding (fixed fields)
    runs_formulas: bool = False  # a spreadsheet opening the file runs a leading =, +, -, @
    problem: Callable[[BankFormat], str] = _usable  # why a format of this layout cannot be used
    reads_returns: Callable[[BankFormat], bool] = _always  # the format defines its returns
    # The file carries no payment id (a bank core's `|` file): its lines are told apart by
    # account and 当日次数 (`rows_of` keys), its returns matched by account, name, amount and
    # 当日次数 among the file's payments (`bank.matching`).
    by_line: bool = False
    # Why a payment (payee name, account) cannot be written in this layout beyond what every
    # layout checks (encoding, length, 8–32 digits), or "".
    why_held: Callable[[str, str, BankFormat], str] = _never_held

    def length(self, text: str, bank_format: BankFormat) -> int:
        return len(text.encode(bank_format.encoding)) if self.counts_bytes else len(text)

"""The payer account's statement (对账单, SPEC §8) read into one shape: line, date, direction
(debit: money left the payer account; credit: money came in), amount (fen), counterparty account
and name, summary. Banks export it as CSV (UTF-8 or GB18030) or as a workbook, with either one
amount column and a 借/贷 flag or a 借方 and a 贷方 column; headers are recognised by name.

A statement that cannot be read whole — no header, a date or amount that is not one, a line
that is neither debit nor credit — is refused with one Chinese sentence (`StatementError`), and
nothing in it is recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd

from bank.return_shape import decoded
from policy.money import text_to_fen
from policy.refusal import Refusal
from workbooks.reader import MAX_FILE_BYTES
from workbooks.statement_sheet import statement_rows

DEBIT, CREDIT = "debit", "credit"
COLUMNS = ["line", "date", "direction", "amount", "account", "name", "summary"]
NAMES = {
    "date": ("交易日期", "记账日期", "日期", "交易时间"),
    "flag": ("借贷标志", "借贷", "借贷方向", "收支"),
    "amount": ("交易金额", "金额", "发生额"),
    "debit": ("借方金额", "支出金额", "借方发生额", "支出"),
    "credit": ("贷方金额", "收入金额", "贷方发生额", "收入"),
    "account": ("对方账号", "对方帐号", "对方账户", "收款账号"),
    "name": ("对方户名", "对方名称", "对方账户名称", "收款户名"),
    "summary": ("摘要", "用途", "附言", "备注"),
}
DEBIT_FLAGS = ("借", "支出", "D", "DR")
CREDIT_FLAGS = ("贷", "收入", "C", "CR")


class StatementError(Refusal, ValueError):
    """A statement this system cannot read: nothing in it is recorded."""


def read_statement(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise StatementError(f"对账单 {path.name} 不存在或无法打开") from problem
    if len(data) > MAX_FILE_BYTES:
        raise StatementError(f"对账单 {path.name} 超过 {MAX_FILE_BYTES // 2**20} MB 上限，未读取")
    if not data.strip():
        raise StatementError(f"对账单 {path.name} 是空文件")
    try:
        table = _table(data, path.suffix.lower())
        frame = statement_lines(table)
    except ValueError as problem:
        raise StatementError(f"对账单 {path.name} 无法读取：{problem}") from problem
    if frame.empty:
        raise StatementError(f"对账单 {path.name} 中没有任何交易")
    return frame


def _table(data: bytes, suffix: str) -> pd.DataFrame:
    if suffix in (".xlsx", ".xls", ".xlsm"):
        return statement_rows(data, NAMES["account"])
    rows = [
        r for r in csv.reader(io.StringIO(decoded(data), newline="")) if any(c.strip() for c in r)
    ]
    for position, row in enumerate(rows):
        header = [c.strip() for c in row]
        if any(word in header for word in NAMES["account"]):
            body = rows[position + 1 :]
            for number, found in enumerate(body, start=position + 2):
                if len(found) != len(header):
                    raise ValueError(f"第{number}行有 {len(found)} 列，表头有 {len(header)} 列")
            return pd.DataFrame(body, columns=header)
    raise ValueError("找不到含“对方账号”的表头行")


def statement_lines(table: pd.DataFrame) -> pd.DataFrame:
    """A statement's table (its header's names) in the one shape, 合计 lines dropped."""
    column = {key: _column(table, words) for key, words in NAMES.items()}
    for needed in ("date", "account"):
        if column[needed] is None:
            raise ValueError(f"缺少列：{NAMES[needed][0]}")
    if column["amount"] is None and (column["debit"] is None or column["credit"] is None):
        raise ValueError("缺少金额列：须有“交易金额”与“借贷标志”，或“借方金额”与“贷方金额”")
    lines = []
    for number, row in enumerate(table.to_dict("records"), start=1):
        date_text = str(row[column["date"]]).strip()
        if date_text.startswith("合计") or not date_text:
            continue
        direction, amount = _direction_and_amount(row, column, number)
        lines.append(
            {
                "line": number,
                "date": _date(date_text, number),
                "direction": direction,
                "amount": amount,
                "account": "".join(str(row[column["account"]]).split()),
                "name": str(row[column["name"]]).strip() if column["name"] else "",
                "summary": str(row[column["summary"]]).strip() if column["summary"] else "",
            }
        )
    return pd.DataFrame(lines, columns=COLUMNS)


def _column(table: pd.DataFrame, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if w in table.columns), None)


def _direction_and_amount(row: dict, column: dict[str, str | None], number: int) -> tuple[str, int]:  # type: ignore[type-arg]
    if column["debit"] and column["credit"]:
        debit = _fen(row[column["debit"]], number)
        credit = _fen(row[column["credit"]], number)
        if bool(debit) == bool(credit):
            raise ValueError(f"第{number}行借方、贷方金额须有且只有一个")
        return (DEBIT, debit) if debit else (CREDIT, credit)
    flag = str(row[column["flag"]]).strip().upper() if column["flag"] else ""
    amount = _fen(row[column["amount"]], number)  # type: ignore[index]
    if flag in DEBIT_FLAGS or (not column["flag"] and amount < 0):
        return DEBIT, abs(amount)
    if flag in CREDIT_FLAGS or (not column["flag"] and amount > 0):
        return CREDIT, amount
    raise ValueError(f"第{number}行无法判断借贷方向（借贷标志：{flag or '空'}）")


def _fen(value: object, number: int) -> int:
    text = str(value).strip()
    if not text or text == "-":
        return 0
    try:
        return text_to_fen(text)
    except ValueError as problem:
        raise ValueError(f"第{number}行的{problem}") from problem


def _date(text: str, number: int) -> dt.date:
    head = text.split()[0].replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(head, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"第{number}行的日期“{text}”无法识别")

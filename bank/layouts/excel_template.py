"""An Excel upload template (`layout: xlsx`): a title row, a control row (总笔数, 总金额), the
header, one row per payment, accounts as text. Returns: the generic columns in a workbook."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from bank.layout import Layout
from bank.return_shape import named
from bank.spec import BankFormat
from policy.money import text_to_fen
from workbooks.bank_return_sheet import return_rows
from workbooks.bank_sheet import bank_sheet_bytes

VALUES = {
    "付款编号": "payment_id",
    "收款账号": "account",
    "收款户名": "name",
    "用途": "purpose",
}


def render(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date, batch: str) -> bytes:
    values = {
        column: (
            range(1, len(rows) + 1)
            if column == "序号"
            else rows["amount"].to_numpy()
            if column == "金额"
            else rows[VALUES[column]].to_numpy()
        )
        for column in bank_format.columns
    }
    frame = pd.DataFrame({c: list(v) for c, v in values.items()})
    return bank_sheet_bytes(
        list(bank_format.columns),
        frame,
        f"疫情期间稳就业补贴资金代发（{batch}）",
        len(rows),
        int(rows["amount"].sum()),
    )


def rows_of(data: bytes, bank_format: BankFormat) -> list[tuple[str, int]]:
    frame = return_rows(data)
    return [(str(p), text_to_fen(a)) for p, a in zip(frame["付款编号"], frame["金额"], strict=True)]


def read_return(data: bytes, bank_format: BankFormat) -> pd.DataFrame:
    return named(return_rows(data))


def _problem(bank_format: BankFormat) -> str:
    unknown = [c for c in bank_format.columns if c not in {"序号", "金额", *VALUES}]
    if not bank_format.columns:
        return "Excel 模板须列出 columns"
    return f"Excel 模板不认识列：{'、'.join(unknown)}" if unknown else ""


LAYOUT = Layout(
    name="xlsx",
    suffix="xlsx",
    render=render,
    rows_of=rows_of,
    read_return=read_return,
    return_suffixes=(".xlsx", ".xls"),
    problem=_problem,
)

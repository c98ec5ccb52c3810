"""CSV (`layout: csv`): the format's columns, optionally a 合计 line; a spreadsheet opens it,
so a name starting with a formula sign is held, never written or guarded. Returns: the generic
columns (付款编号, 账号, 户名, 金额, 结果, 失败原因), every row as many fields as the header."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd

from bank.layout import Layout
from bank.return_shape import decoded, named
from bank.spec import BankFormat
from policy.money import fen_text, text_to_fen

VALUES = {
    "付款编号": "payment_id",
    "户名": "name",
    "账号": "account",
    "开户银行": "bank_name",
    "用途": "purpose",
}


def render(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date, batch: str) -> bytes:
    table = pd.DataFrame(
        {
            column: (
                [fen_text(int(a)) for a in rows["amount"]]
                if column == "金额"
                else rows[VALUES[column]].fillna("").astype(str).to_numpy()
            )
            for column in bank_format.columns
        }
    )
    text = table.to_csv(index=False, lineterminator="\r\n")
    if bank_format.total_line:
        cells = ["" for _ in bank_format.columns]
        cells[0] = "合计"
        if "金额" in bank_format.columns:
            cells[bank_format.columns.index("金额")] = fen_text(int(rows["amount"].sum()))
        cells[-1] = f"共{len(rows)}笔"
        text += ",".join(cells) + "\r\n"
    return text.encode(bank_format.encoding)


def rows_of(data: bytes, bank_format: BankFormat) -> list[tuple[str, int]]:
    text = data.decode(bank_format.encoding)
    frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype=str, keep_default_na=False)
    frame = frame[frame["付款编号"] != "合计"]
    return [(str(p), text_to_fen(a)) for p, a in zip(frame["付款编号"], frame["金额"], strict=True)]


def read_return(data: bytes, bank_format: BankFormat) -> pd.DataFrame:
    """The CSV's rows under its header (blank lines skipped), each as many fields as the header."""
    reader = csv.reader(io.StringIO(decoded(data), newline=""))
    try:
        records = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as problem:
        raise ValueError(f"第{reader.line_num}行不是有效的 CSV 格式") from problem
    if not records:
        raise ValueError("没有表头行")
    header = [c.strip() for c in records[0][1]]
    for line, row in records[1:]:
        if len(row) != len(header):
            raise ValueError(f"第{line}行有 {len(row)} 列，表头有 {len(header)} 列")
    return named(pd.DataFrame([row for _, row in records[1:]], columns=header, dtype=object))


def _problem(bank_format: BankFormat) -> str:
    unknown = [c for c in bank_format.columns if c != "金额" and c not in VALUES]
    if not bank_format.columns:
        return "CSV 格式须列出 columns"
    return f"CSV 格式不认识列：{'、'.join(unknown)}" if unknown else ""


LAYOUT = Layout(
    name="csv",
    suffix="csv",
    render=render,
    rows_of=rows_of,
    read_return=read_return,
    return_suffixes=(".csv",),
    runs_formulas=True,
    problem=_problem,
)

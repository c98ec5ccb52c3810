"""The payer account's statement (SPEC §8) read into one shape, as banks export it: a flag and
one amount, or 借方 and 贷方 columns; CSV in GB18030 or a workbook. An account typed as a number
that lost digits, or a line neither debit nor credit, refuses the whole statement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from bank.statement import CREDIT, DEBIT, StatementError, read_statement


def test_statement__debit_and_credit_columns_in_gb18030_csv(tmp_path: Path) -> None:
    path = tmp_path / "对账单.csv"
    path.write_bytes(
        "中国农业银行 账户对账单\n"
        "记账日期,摘要,借方金额,贷方金额,对方帐号,对方户名\n"
        '20210105,代发,"3,000.00",,6210 0000 0000 0000 001,张三\n'
        "2021/01/06,退汇,,2000.00,6210000000000000035,赵六\n"
        "合计,,3000.00,2000.00,,\n".encode("gb18030")
    )
    lines = read_statement(path)
    assert lines.to_dict("records") == [
        {
            "line": 1,
            "date": dt.date(2021, 1, 5),
            "direction": DEBIT,
            "amount": 300_000,
            "account": "6210000000000000001",
            "name": "张三",
            "summary": "代发",
        },
        {
            "line": 2,
            "date": dt.date(2021, 1, 6),
            "direction": CREDIT,
            "amount": 200_000,
            "account": "6210000000000000035",
            "name": "赵六",
            "summary": "退汇",
        },
    ]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in [["交易日期", "借贷标志", "交易金额", "对方账号", "对方户名", "摘要"], *rows]:
        book.active.append(row)
    book.save(path)
    return path


def test_statement__a_workbook_with_a_flag_and_one_amount(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "对账单.xlsx",
        [["2021-01-05", "借", 1800, "6210000000000000027", "王五", "代发"]],
    )
    [line] = read_statement(path).to_dict("records")
    assert (line["direction"], line["amount"], line["account"]) == (
        DEBIT,
        180_000,
        "6210000000000000027",
    )


@pytest.mark.parametrize(
    ("row", "said"),
    [
        (["2021-01-05", "借", 1800, 6210000000000000027, "王五", "代发"], "丢失末尾数字"),
        (["2021-01-05", "转", 1800, "6210000000000000027", "王五", "代发"], "借贷方向"),
        (["昨天", "借", 1800, "6210000000000000027", "王五", "代发"], "日期"),
        (["2021-01-05", "借", "一千八", "6210000000000000027", "王五", "代发"], "金额"),
    ],
)
def test_statement__a_line_that_cannot_be_read_refuses_it_whole(
    tmp_path: Path, row: list[object], said: str
) -> None:
    with pytest.raises(StatementError, match=said):
        read_statement(workbook(tmp_path / "坏.xlsx", [row]))

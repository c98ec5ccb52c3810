"""A bank core's own batch file (`layout: bank_core`, SPEC §8 Banks as they are), as a rural
bank's core (the DHCC 代发 transaction, `spF621.c`) loads it: GB18030, CRLF, `|` after every field.

    1|1|处理日期|单位编号|4|5|总笔数|总金额|
    代理编号|客户姓名|金额|账号|单位编号|证件类型|证件号码|当日次数|

处理日期 (YYYYMMDD) must be the bank's business date, 单位编号 the one the bank assigned the
department (the format's `unit_number`), 总笔数 and 总金额 (yuan, two decimals) the lines'; else the
bank refuses the whole file. 代理编号 stays empty (the bank finds the person by unit and account);
当日次数 counts this account's payments in the bank's day from 1, across every file of the day.

There is no free reference field: the bank answers with a report of the rows it loaded
(批量导入成功记录) and one of those it did not (批量导入失败记录), box-drawn text tables in GB18030,
each row echoing 账号, 客户姓名 and 金额 (and, in the failure report, 次数) with a free-text
处理结果. Their rows are matched to payments by those fields (`bank.matching`).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from bank.layout import Layout, line_key
from bank.return_shape import COLUMNS
from bank.spec import BankFormat
from policy.money import fen_text, text_to_fen

SEPARATOR = "|"
SUCCESS_TITLE, FAILURE_TITLE = "批量导入成功记录", "批量导入失败记录"
# The title's brackets: [单位编号-单位名称]批量导入…记录[柜员-处理日期].
TITLE = re.compile(
    r"\[(?P<unit>[^\]-]*)-[^\]]*\]批量导入(?P<kind>成功|失败)记录\[[^\]]*-(?P<date>\d{8})\]"
)
HEADERS = {
    "代理编号": "agent",
    "客户姓名": "name",
    "交易金额": "amount",
    "金额": "amount",
    "证件号码": "id_number",
    "账号": "account",
    "次数": "day_count",
    "处理结果": "reason",
}
# The bank stores 次数 in two characters and accounts in nineteen.
MOST_PER_DAY, LONGEST_ACCOUNT = 99, 19


def render(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date, batch: str) -> bytes:
    """`rows` also hold `beneficiary_id`, `account_type` and `day_count` (`bank.files`)."""
    unit = bank_format.parameter("unit_number")
    total = fen_text(int(rows["amount"].sum()))
    lines = [_line(["1", "1", on.strftime("%Y%m%d"), unit, "4", "5", str(len(rows)), total])]
    for row in rows.itertuples(index=False):
        id_type = bank_format.parameter(
            "person_id_type" if row.account_type == "对私" else "enterprise_id_type"
        )
        lines.append(
            _line(
                [
                    "",
                    str(row.name),
                    fen_text(int(row.amount)),
                    str(row.account),
                    unit,
                    id_type,
                    str(row.beneficiary_id),
                    str(int(row.day_count)),
                ]
            )
        )
    return "".join(lines).encode(bank_format.encoding)


def _line(fields: list[str]) -> str:
    return SEPARATOR.join(fields) + SEPARATOR + "\r\n"


def lines_of(data: bytes, bank_format: BankFormat) -> list[dict[str, str]]:
    """A written file's detail lines: name, amount (yuan text), account, id_number, day_count."""
    found = []
    for line in data.decode(bank_format.encoding).split("\r\n")[1:]:
        if line:
            cells = line.split(SEPARATOR)
            found.append(
                {
                    "name": cells[1],
                    "amount": cells[2],
                    "account": cells[3],
                    "id_number": cells[6],
                    "day_count": cells[7],
                }
            )
    return found


def rows_of(data: bytes, bank_format: BankFormat) -> list[tuple[str, int]]:
    """Each line's key (account and 当日次数: the file carries no payment id) and amount."""
    return [
        (line_key(cells["account"], cells["day_count"]), text_to_fen(cells["amount"]))
        for cells in lines_of(data, bank_format)
    ]


def read_return(data: bytes, bank_format: BankFormat) -> pd.DataFrame:
    """A success or failure report of this format's unit: its rows with an empty payment id
    (matched later by account, name, amount and 次数), the report's 处理日期 in `file_date`."""
    try:
        text = data.decode(bank_format.encoding)
    except UnicodeDecodeError as problem:
        raise ValueError(f"不是 {bank_format.encoding.upper()} 编码的银行报告") from problem
    title = TITLE.search(text)
    if title is None:
        raise ValueError(f"不是{SUCCESS_TITLE}或{FAILURE_TITLE}（找不到报告标题）")
    unit = bank_format.parameter("unit_number")
    if title["unit"].strip() != unit:
        raise ValueError(f"报告的单位编号 {title['unit'].strip()} 不是本格式的单位编号 {unit}")
    table = [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in text.splitlines()
        if line.strip().startswith("│")
    ]
    if not table or "账号" not in table[0]:
        raise ValueError("报告中找不到表头（代理编号、客户姓名、账号……）")
    header = [HEADERS.get(cell, cell) for cell in table[0]]
    body = [cells for cells in table[1:] if cells and cells[0] != "合计"]
    rows = []
    for number, cells in enumerate(body, start=1):
        if len(cells) != len(header):
            raise ValueError(f"报告第 {number} 行有 {len(cells)} 栏，表头有 {len(header)} 栏")
        row = dict(zip(header, cells, strict=True))
        try:
            amount = text_to_fen(row["amount"])
        except ValueError as problem:
            raise ValueError(f"报告第 {number} 行的金额：{problem}") from problem
        success = title["kind"] == "成功"
        rows.append(
            {
                "payment_id": "",
                "account": row["account"],
                "name": "".join(row["name"].split()),
                "amount": amount,
                "result": "成功" if success else "失败",
                "reason": "" if success else row.get("reason", ""),
                "day_count": int(row["day_count"]) if row.get("day_count", "").isdigit() else None,
                "file_date": dt.datetime.strptime(title["date"], "%Y%m%d").date(),
            }
        )
    return pd.DataFrame(rows, columns=[*COLUMNS, "day_count", "file_date"])


def _why_held(name: str, account: str, bank_format: BankFormat) -> str:
    if not bank_format.parameter("unit_number"):
        return (
            f"“{bank_format.title}”未配置银行分配的单位编号（unit_number），"
            "未写入银行文件：请与银行确认后填入格式文件"
        )
    if SEPARATOR in name:
        return "户名含“|”（该银行文件的分隔符），银行文件无法如实写出，未写入银行文件，请人工处理"
    if len(account) > LONGEST_ACCOUNT:
        return f"银行账号超过该银行核心的 {LONGEST_ACCOUNT} 位，未写入银行文件，请核实账号"
    return ""


def _problem(bank_format: BankFormat) -> str:
    missing = [
        name
        for name in ("unit_number", "payer_account", "person_id_type", "enterprise_id_type")
        if name not in dict(bank_format.parameters)
    ]
    if missing:
        return f"银行核心格式须在 parameters 中列出：{'、'.join(missing)}"
    return ""


def _reads_returns(bank_format: BankFormat) -> bool:
    return bool(bank_format.parameter("unit_number"))


LAYOUT = Layout(
    name="bank_core",
    suffix="txt",
    render=render,
    rows_of=rows_of,
    read_return=read_return,
    return_suffixes=(".txt",),
    returns_by_format=True,
    counts_bytes=True,
    problem=_problem,
    reads_returns=_reads_returns,
    by_line=True,
    why_held=_why_held,
)

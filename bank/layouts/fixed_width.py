"""Fixed-width text (`layout: fixed`): a control record from the format's `control` template,
then one line per payment, each field padded to its width in bytes of the encoding. Returns:
the same control record, then the format's `return_fields`, result codes mapped by its
`return_results`; the control record must match the lines. Each format reads its own returns
(its widths), so two fixed-width banks' returns are never read with one another's widths."""

from __future__ import annotations

import datetime as dt
import re
import string
from functools import cache

import pandas as pd

from bank.layout import Layout
from bank.return_shape import COLUMNS
from bank.spec import BankFormat, BankFormatError, Field

VALUES = {"付款编号": "payment_id", "账号": "account", "户名": "name", "用途": "purpose"}
RETURN_NEEDS = ("付款编号", "账号", "户名", "金额分", "结果码")


def render(rows: pd.DataFrame, bank_format: BankFormat, on: dt.date, batch: str) -> bytes:
    encoding = bank_format.encoding
    control = bank_format.control.format(
        total_rows=len(rows), total_fen=int(rows["amount"].sum()), date=on.strftime("%Y%m%d")
    )
    lines = [control.encode(encoding)]
    for row in rows.itertuples(index=False):
        line = b""
        for spec in bank_format.fields:
            value = (
                str(row.amount) if spec.column == "金额分" else getattr(row, VALUES[spec.column])
            )
            encoded = str(value).encode(encoding)
            if len(encoded) > spec.width:
                raise BankFormatError(f"{spec.column} 超出定长字段宽度 {spec.width}")
            pad = b" " * (spec.width - len(encoded))
            line += pad + encoded if spec.align == "right" else encoded + pad
        lines.append(line)
    return b"\r\n".join(lines) + b"\r\n"


def records(data: bytes, fields: tuple[Field, ...], encoding: str) -> list[dict[str, str]]:
    """The lines of a fixed-layout file after its control record, each cut into its fields
    (widths in bytes of the encoding), blank lines skipped."""
    found = []
    for line in data.split(b"\r\n")[1:]:
        if not line.strip():
            continue
        cells, at = {}, 0
        for spec in fields:
            cells[spec.column] = line[at : at + spec.width].decode(encoding).strip()
            at += spec.width
        found.append(cells)
    return found


def rows_of(data: bytes, bank_format: BankFormat) -> list[tuple[str, int]]:
    found = records(data, bank_format.fields, bank_format.encoding)
    return [(cells["付款编号"], int(cells["金额分"])) for cells in found]


@cache
def control_pattern(template: str) -> re.Pattern[bytes]:
    """The control record as a pattern: `{total_rows:>8}` is 8 digits or spaces, a field
    without a width (the date) any digits, possibly none; the rest as written."""
    parts = []
    for literal, field, spec, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is None:
            continue
        width = re.sub(r"\D", "", spec or "")
        parts.append(f"(?P<{field}>[ \\d]{{{width}}})" if width else f"(?P<{field}>\\d*)")
    return re.compile("".join(parts).encode())


def read_return(data: bytes, bank_format: BankFormat) -> pd.DataFrame:
    """The lines after the control record, each cut into its fields (widths in bytes); the last
    field may be cut short of its padding. The control record's 总笔数 and 总金额 must be the
    lines'."""
    lines = data.split(b"\r\n")
    control = control_pattern(bank_format.control).match(lines[0])
    if control is None:
        raise ValueError("第1行不是控制记录（H、总笔数、总金额），文件格式不符或缺少控制记录")
    widths = [spec.width for spec in bank_format.return_fields]
    longest, shortest = sum(widths), sum(widths) - widths[-1]
    results = dict(bank_format.return_results)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if not shortest <= len(line) <= longest:
            raise ValueError(f"第{number}行长 {len(line)} 字节，应为 {longest} 字节（定长格式）")
        cells, at = {}, 0
        for spec in bank_format.return_fields:
            try:
                cells[spec.column] = line[at : at + spec.width].decode(bank_format.encoding)
            except UnicodeDecodeError as problem:
                raise ValueError(
                    f"第{number}行的“{spec.column}”无法按 {bank_format.encoding} 解码"
                ) from problem
            cells[spec.column] = cells[spec.column].strip()
            at += spec.width
        if not cells["金额分"].isdigit() or not cells["金额分"].isascii():
            raise ValueError(f"第{number}行的金额“{cells['金额分']}”应为以分计的整数")
        rows.append(
            {
                "payment_id": cells["付款编号"],
                "account": cells["账号"],
                "name": cells["户名"],
                "amount": int(cells["金额分"]),
                "result": results.get(cells["结果码"], cells["结果码"]),
                "reason": cells.get("失败原因", ""),
            }
        )
    count, total = (
        int(control.group(name).strip() or b"-1") for name in ("total_rows", "total_fen")
    )
    if (count, total) != (len(rows), sum(r["amount"] for r in rows)):
        raise ValueError(
            f"控制记录为 {count} 笔、{total} 分，文件中为 {len(rows)} 笔、"
            f"{sum(r['amount'] for r in rows)} 分（文件可能不完整）"
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _problem(bank_format: BankFormat) -> str:
    if not bank_format.fields:
        return "定长格式须列出 fields"
    unknown = [f.column for f in bank_format.fields if f.column not in {"金额分", *VALUES}]
    if unknown:
        return f"定长格式不认识字段：{'、'.join(unknown)}"
    named = {n for _, n, _, _ in string.Formatter().parse(bank_format.control) if n}
    if not {"total_rows", "total_fen"} <= named:
        return "定长格式的 control 须含 {total_rows} 与 {total_fen}"
    if bank_format.return_fields:
        columns = {f.column for f in bank_format.return_fields}
        missing = [c for c in RETURN_NEEDS if c not in columns]
        if missing:
            return f"定长格式的 return_fields 缺少：{'、'.join(missing)}"
    return ""


def _reads_returns(bank_format: BankFormat) -> bool:
    return bool(bank_format.return_fields)


LAYOUT = Layout(
    name="fixed",
    suffix="txt",
    render=render,
    rows_of=rows_of,
    read_return=read_return,
    return_suffixes=(".txt",),
    returns_by_format=True,
    counts_bytes=True,
    problem=_problem,
    reads_returns=_reads_returns,
)

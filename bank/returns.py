"""Bank return files (回盘) read into one shape: payment_id, account, name, amount (fen),
result (成功/失败/退汇) and the bank's reason, whichever format the bank returned.

- generic: CSV (UTF-8, with or without BOM, or GB18030) with 付款编号, 账号, 户名, 金额, 结果,
  失败原因, every row as many fields as the header;
- a fixed layout: its control record (总笔数, 总金额 in fen), then its `return_fields`, result
  codes mapped by `return_results`; the control record must match the lines;
- an Excel workbook: the same columns as the generic CSV under a header row, read only after
  the size guards every workbook passes.

A file that cannot be read whole — empty, not text, in another encoding, cut short, without its
columns, with an amount that is not a non-negative yuan figure, with no row — is refused with one
Chinese sentence (`ReturnFileError`), and nothing in it is applied.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from bank.formats import BankFormat
from policy.money import text_to_fen
from workbooks.bank_return_sheet import return_rows
from workbooks.reader import MAX_FILE_BYTES

RESULTS = ("成功", "失败", "退汇")
COLUMNS = ["payment_id", "account", "name", "amount", "result", "reason"]
GENERIC_NAMES = {
    "付款编号": "payment_id",
    "账号": "account",
    "户名": "name",
    "金额": "amount",
    "结果": "result",
    "失败原因": "reason",
}
_CONTROL = re.compile(rb"H([ \d]{8})([ \d]{18})")


class ReturnFileError(ValueError):
    """A return file this system cannot read: nothing in it is applied."""


def read_return(path: Path, formats: dict[str, BankFormat]) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise ReturnFileError(f"回盘文件 {path.name} 不存在或无法打开") from problem
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        raise ReturnFileError(f"回盘文件 {path.name} 超过 {limit} MB 上限，未读取")
    if not data.strip():
        raise ReturnFileError(f"回盘文件 {path.name} 是空文件")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            frame = _named(return_rows(data))
        elif suffix == ".txt":
            fixed = [f for f in formats.values() if f.return_fields]
            if not fixed:
                raise ValueError("没有定长格式的回盘定义")
            frame = _fixed(data, fixed[0])
        else:
            frame = _named(_csv(data))
    except ValueError as problem:  # every reader's problem is one Chinese sentence
        why = " ".join(str(problem).split())
        raise ReturnFileError(f"回盘文件 {path.name} 无法读取：{why}") from problem
    if frame.empty:
        raise ReturnFileError(f"回盘文件 {path.name} 中没有任何回盘记录")
    bad = sorted(set(frame["result"]) - set(RESULTS))
    if bad:
        raise ReturnFileError(
            f"回盘文件 {path.name} 的“结果”只能是成功、失败或退汇，发现：{'、'.join(bad)}"
        )
    return frame[COLUMNS].reset_index(drop=True)


def _decoded(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise ValueError("不是 UTF-8 或 GB18030 编码的文本文件（可能是二进制文件或其他编码）")


def _csv(data: bytes) -> pd.DataFrame:
    """The CSV's rows under its header (blank lines skipped), each as many fields as the header."""
    reader = csv.reader(io.StringIO(_decoded(data), newline=""))
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
    return pd.DataFrame([row for _, row in records[1:]], columns=header, dtype=object)


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in GENERIC_NAMES if c not in frame.columns]
    if missing:
        raise ValueError("缺少列：" + "、".join(missing))
    twice = [c for c in GENERIC_NAMES if list(frame.columns).count(c) > 1]
    if twice:
        raise ValueError("表头中以下列出现两次：" + "、".join(twice))
    named = frame.rename(columns=GENERIC_NAMES)
    rows = named[named["payment_id"].astype(str).str.strip().ne("合计")].copy()
    for column in ("payment_id", "account", "name", "result", "reason"):
        rows[column] = rows[column].astype(str).str.strip()
    rows["amount"] = [
        _fen(a, pid) for a, pid in zip(rows["amount"], rows["payment_id"], strict=True)
    ]
    return rows


def _fen(amount: object, payment_id: str) -> int:
    try:
        fen = text_to_fen(amount)
    except ValueError as problem:
        raise ValueError(f"付款编号 {payment_id} 的{problem}") from problem
    if fen < 0:
        raise ValueError(f"付款编号 {payment_id} 的金额不能为负：{amount}")
    return fen


def _fixed(data: bytes, bank_format: BankFormat) -> pd.DataFrame:
    """The lines after the control record, each cut into its fields (widths in bytes); the last
    field may be cut short of its padding. The control record's 总笔数 and 总金额 must be the
    lines'."""
    lines = data.split(b"\r\n")
    control = _CONTROL.match(lines[0])
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
    count, total = (int(g.strip() or b"-1") for g in control.groups())
    if (count, total) != (len(rows), sum(r["amount"] for r in rows)):
        raise ValueError(
            f"控制记录为 {count} 笔、{total} 分，文件中为 {len(rows)} 笔、"
            f"{sum(r['amount'] for r in rows)} 分（文件可能不完整）"
        )
    return pd.DataFrame(rows, columns=COLUMNS)

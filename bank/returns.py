"""Bank return files (回盘) read into one shape: payment_id, account, name, amount (fen),
result (成功/失败/退汇) and the bank's reason, whichever format the bank returned.

- generic: CSV (UTF-8, with or without BOM, or GB18030) with 付款编号, 账号, 户名, 金额, 结果,
  失败原因;
- a fixed layout: its `return_fields`, after the control record, result codes mapped by
  `return_results`;
- an Excel workbook: the same columns as the generic CSV under a header row.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from bank.formats import BankFormat, fixed_records
from policy.money import text_to_fen
from workbooks.bank_return_sheet import return_rows

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


class ReturnFileError(ValueError):
    """A return file this system cannot read: nothing in it is applied."""


def read_return(path: Path, formats: dict[str, BankFormat]) -> pd.DataFrame:
    data = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            frame = _named(return_rows(data))
        elif suffix == ".txt":
            fixed = [f for f in formats.values() if f.return_fields]
            if not fixed:
                raise ReturnFileError("没有定长格式的回盘定义")
            frame = _fixed(data, fixed[0])
        else:
            frame = _named(
                pd.read_csv(io.StringIO(_decoded(data)), dtype=str, keep_default_na=False)
            )
    except (KeyError, ValueError, UnicodeDecodeError) as problem:
        if isinstance(problem, ReturnFileError):
            raise
        raise ReturnFileError(f"回盘文件 {path.name} 无法读取：{problem}") from problem
    bad = sorted(set(frame["result"]) - set(RESULTS))
    if bad:
        raise ReturnFileError(
            f"回盘文件 {path.name} 的“结果”只能是成功、失败或退汇，发现：{'、'.join(bad)}"
        )
    return frame[COLUMNS].reset_index(drop=True)


def _decoded(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in GENERIC_NAMES if c not in frame.columns]
    if missing:
        raise ReturnFileError("回盘文件缺少列：" + "、".join(missing))
    named = frame.rename(columns=GENERIC_NAMES)
    rows = named[named["payment_id"].astype(str).str.strip().ne("合计")].copy()
    for column in ("payment_id", "account", "name", "result", "reason"):
        rows[column] = rows[column].astype(str).str.strip()
    rows["amount"] = [text_to_fen(a) for a in rows["amount"]]
    return rows


def _fixed(data: bytes, bank_format: BankFormat) -> pd.DataFrame:
    results = dict(bank_format.return_results)
    rows = []
    for cells in fixed_records(data, bank_format.return_fields, bank_format.encoding):
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
    return pd.DataFrame(rows, columns=COLUMNS)

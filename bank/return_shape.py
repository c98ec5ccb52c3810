"""The one shape every bank return (回盘) is read into, and the helpers the layouts share:
payment_id, account, name, amount (fen), result (成功/失败/退汇) and the bank's reason."""

from __future__ import annotations

import pandas as pd

from policy.money import text_to_fen

RESULTS = ("成功", "失败", "退汇")
COLUMNS = ["payment_id", "account", "name", "amount", "result", "reason"]
# The generic return's columns (CSV or an Excel workbook).
GENERIC_NAMES = {
    "付款编号": "payment_id",
    "账号": "account",
    "户名": "name",
    "金额": "amount",
    "结果": "result",
    "失败原因": "reason",
}


def decoded(data: bytes) -> str:
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


def named(frame: pd.DataFrame) -> pd.DataFrame:
    """A return under the generic column names, in the one shape (its 合计 line dropped)."""
    missing = [c for c in GENERIC_NAMES if c not in frame.columns]
    if missing:
        raise ValueError("缺少列：" + "、".join(missing))
    twice = [c for c in GENERIC_NAMES if list(frame.columns).count(c) > 1]
    if twice:
        raise ValueError("表头中以下列出现两次：" + "、".join(twice))
    renamed = frame.rename(columns=GENERIC_NAMES)
    rows = renamed[renamed["payment_id"].astype(str).str.strip().ne("合计")].copy()
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

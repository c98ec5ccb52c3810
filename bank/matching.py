"""Return rows that carry no payment id matched to the payments of the bank's day (SPEC §8 Banks
as they are): on account, name (spaces aside: the bank drops them), amount and, where the row
gives it, 当日次数. A row matching no payment, or several, is listed for a person — never
guessed; a payment claimed by two rows is matched to neither."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from policy.money import fen_text


@dataclass(frozen=True)
class Match:
    payment_ids: list[str]  # per return row, the payment it answers, or "" if none is sure
    why: list[str]  # per return row, why it is not matched (Chinese), or "" when it is

    @property
    def unmatched(self) -> list[str]:
        return [w for w in self.why if w]


def match(rows: pd.DataFrame, lines: pd.DataFrame) -> Match:
    """`rows`: account, name, amount (fen), day_count (or None); `lines`: payment_id, account,
    name, amount (fen), day_count — the payments the bank's day could answer."""
    by_key: dict[tuple[str, str, int], list[tuple[str, int]]] = {}
    for line in lines.itertuples(index=False):
        key = (str(line.account), _name(line.name), int(line.amount))
        by_key.setdefault(key, []).append((str(line.payment_id), int(line.day_count)))
    found: list[str] = []
    why: list[str] = []
    for row in rows.itertuples(index=False):
        candidates = by_key.get((str(row.account), _name(row.name), int(row.amount)), [])
        count = _count(row.day_count)
        if count is not None:
            candidates = [c for c in candidates if c[1] == count]
        found.append(candidates[0][0] if len(candidates) == 1 else "")
        why.append("" if len(candidates) == 1 else _why(row, count, len(candidates)))
    claimed = Counter(pid for pid in found if pid)
    for index, pid in enumerate(found):
        if pid and claimed[pid] > 1:
            found[index] = ""
            why[index] = f"{_label(rows.iloc[index])}：与另一行对应同一笔付款（{pid}），均未采用"
    return Match(found, why)


def _why(row: object, count: int | None, candidates: int) -> str:
    label = _label(row)
    if candidates == 0:
        return f"{label}：找不到账号、户名、金额{'、当日次数' if count else ''}都相同的已报送付款，未采用，须人工核对"
    return f"{label}：对应 {candidates} 笔账号、户名、金额都相同的付款，无法确定是哪一笔，未采用，须人工核对"


def _label(row: object) -> str:
    account = str(getattr(row, "account", ""))
    masked = account[:4] + "****" + account[-4:] if len(account) > 8 else account
    count = _count(getattr(row, "day_count", None))
    times = f"，第 {count} 次" if count else ""
    name = getattr(row, "name", "")
    return f"回盘行（{name}，账号 {masked}，{fen_text(int(getattr(row, 'amount', 0)))} 元{times}）"


def _count(value: object) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(value)  # type: ignore[call-overload]


def _name(name: object) -> str:
    return "".join(str(name).split())

"""Amounts owed back (追回, SPEC §8) and their netting against later payments.

A recovery item comes from a decrease under new parameters (recorded with the round that found
it) or from a released payment marked wrong by two people. It stays 待追回 until recovered
outside the system (已追回, two people) or netted: at approval, a later payment to the same
beneficiary, programme and year carries first what is still open on the items, and the bank row
only the rest (a payment netted to zero or less writes no bank row and is settled by the offset
alone). An offset is pending until its payment is paid, then applied; when the payment fails, is
reversed or sent back it is reopened. An item whose offsets are all applied is 已抵扣.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd

from policy.refusal import Refusal
from registry import recoveries as store
from registry.database import Connection, Registry
from registry.recoveries import APPLIED, OPEN, PENDING
from registry.recoveries import OFFSET as OFFSET
from registry.recoveries import RECOVERED as RECOVERED
from registry.recoveries import REOPENED as REOPENED


class RecoveryRefused(Refusal):
    """A recovery step that may not happen (message in Chinese)."""


def item_id(source: str, program: str, period: str, beneficiary: str) -> str:
    text = f"{source}|{program}|{period}|{beneficiary}"
    return "R" + hashlib.sha256(text.encode()).hexdigest()[:15].upper()


def record_decreases(
    connection: Connection, decreases: pd.DataFrame, batch_id: str, round_: int, by: str
) -> int:
    """The round's decreases (owed less than already paid) as items, once (a rerun adds none)."""
    if decreases.empty:
        return 0
    source = f"{batch_id}/{round_}"
    now = dt.datetime.now(dt.UTC)
    seq = store.round_seq(connection, batch_id, round_)
    existing = store.items_from(connection, source)
    rows: list[dict[str, object]] = []
    for row in decreases.itertuples():
        key = item_id(source, str(row.program), str(row.period), str(row.beneficiary_id))
        if key in existing:
            continue
        rows.append(
            {
                "item_id": key,
                "program": str(row.program),
                "period": str(row.period),
                "beneficiary_id": str(row.beneficiary_id),
                "amount_fen": -int(row.difference),
                "reason": f"按新参数应付少于已付（原支付 {row.original_payment_id}）",
                "source": source,
                "seq": seq,
                "status": OPEN,
                "created_by": by,
                "created_at": now,
            }
        )
    store.add_items(connection, rows)
    return len(rows)


def mark_wrong(
    registry: Registry, payment_id: str, amount_fen: int, reason: str, by: str, checker: str
) -> str:
    """A released payment found wrong: the amount owed back becomes an item (two people)."""
    _two_people(reason, by, checker)
    with registry.engine.begin() as connection:
        found = store.payment_to_recover(connection, payment_id)
        if found is None:
            raise RecoveryRefused(f"登记库中没有付款编号 {payment_id}")
        program, period, beneficiary, paid, state = found
        if state not in ("released", "sent", "paid"):
            raise RecoveryRefused(
                f"付款 {payment_id} 的状态是 {state or 'prepared'}，只有已拨付的支付可以追回"
            )
        if not 0 < amount_fen <= int(paid):
            raise RecoveryRefused(f"追回金额须大于0且不超过该笔支付金额 {int(paid) / 100:.2f} 元")
        key = item_id(payment_id, program, period, beneficiary)
        if store.item_exists(connection, key):
            raise RecoveryRefused(f"付款 {payment_id} 已登记追回事项 {key}")
        item = {
            "item_id": key,
            "program": program,
            "period": period,
            "beneficiary_id": beneficiary,
            "amount_fen": amount_fen,
            "reason": reason.strip()[:500],
            "source": payment_id,
            "seq": store.latest_seq(connection),
            "status": OPEN,
            "created_by": f"{by.strip()}（复核：{checker.strip()}）",
            "created_at": dt.datetime.now(dt.UTC),
        }
        store.add_items(connection, [item])
    return key


def mark_recovered(registry: Registry, key: str, reason: str, by: str, checker: str) -> None:
    """An item's open amount came back outside the system (e.g. repaid to the fund account)."""
    _two_people(reason, by, checker)
    with registry.engine.begin() as connection:
        status = store.item_status(connection, key)
        if status != OPEN:
            raise RecoveryRefused(f"追回事项 {key} 不是待追回状态（{status or '不存在'}）")
        if store.offsets_pending(connection, key):
            raise RecoveryRefused(f"追回事项 {key} 正在抵扣中（待银行回盘），暂不能登记为已追回")
        store.close_item(
            connection, key, f"{by.strip()}（复核：{checker.strip()}）", reason.strip()[:200]
        )


def net(connection: Connection, round_payments: pd.DataFrame) -> dict[str, int]:
    """At approval: each payment's offsets against open items of its beneficiary, programme and
    year (oldest item first), recorded pending; returns payment id → amount netted."""
    keys = round_payments[["program", "period", "beneficiary_id"]].drop_duplicates()
    if keys.empty:
        return {}
    items = store.open_items(connection)
    netted: dict[str, int] = {}
    rows: list[dict[str, object]] = []
    for row in round_payments.sort_values("payment_id").itertuples():
        left = int(row.amount)
        mine = items[
            (items["program"] == row.program)
            & (items["period"] == str(row.period))
            & (items["beneficiary_id"] == row.beneficiary_id)
            & (items["seq"] < int(row.seq))  # a later payment only
        ]
        for item in mine.itertuples():
            if left <= 0:
                break
            take = min(left, int(items.at[item.Index, "open"]))
            if take <= 0:
                continue
            items.at[item.Index, "open"] -= take
            left -= take
            rows.append(
                {
                    "item_id": item.item_id,
                    "payment_id": row.payment_id,
                    "amount_fen": take,
                    "status": PENDING,
                }
            )
            netted[row.payment_id] = netted.get(row.payment_id, 0) + take
    store.add_offsets(connection, rows)
    return netted


netted_among = store.netted_among
settle_offsets = store.settle_offsets


def items_frame(registry: Registry) -> pd.DataFrame:
    """Every item with what is applied, pending and still open (fen), and the debtor's name as
    the bank files last carried it."""
    with registry.engine.connect() as connection:
        items, offsets = store.items_and_offsets(connection)
        names = store.sent_names(connection)
    for status in (APPLIED, PENDING):
        sums = offsets[offsets["status"] == status].groupby("item_id")["amount_fen"].sum()
        items[status] = items["item_id"].map(sums).fillna(0).astype("int64")
    items["open"] = (items["amount_fen"] - items[APPLIED] - items[PENDING]).where(
        items["status"] == OPEN, 0
    )
    items["name"] = items["beneficiary_id"].map(names).fillna("")
    return items.sort_values(["created_at", "item_id"]).reset_index(drop=True)


def _two_people(reason: str, by: str, checker: str) -> None:
    if not reason.strip():
        raise RecoveryRefused("须写明依据")
    if not checker.strip() or checker.strip().casefold() == by.strip().casefold():
        raise RecoveryRefused("须由另一人复核（复核人不能是经办人本人）")

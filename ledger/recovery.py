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
from sqlalchemy import Connection, func, select, update

from ledger.registry import Registry
from ledger.registry_tables import (
    payment_states,
    payments,
    recovery_items,
    recovery_offsets,
    rounds,
)
from policy.refusal import Refusal

OPEN, RECOVERED, OFFSET = "待追回", "已追回", "已抵扣"
PENDING, APPLIED, REOPENED = "pending", "applied", "reopened"


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
    seq = connection.execute(
        select(rounds.c.seq).where(rounds.c.batch_id == batch_id, rounds.c.round == round_)
    ).scalar_one()
    existing = set(
        connection.execute(
            select(recovery_items.c.item_id).where(recovery_items.c.source == source)
        ).scalars()
    )
    rows = []
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
                "seq": int(seq),
                "status": OPEN,
                "created_by": by,
                "created_at": now,
            }
        )
    if rows:
        connection.execute(recovery_items.insert(), rows)
    return len(rows)


def mark_wrong(
    registry: Registry, payment_id: str, amount_fen: int, reason: str, by: str, checker: str
) -> str:
    """A released payment found wrong: the amount owed back becomes an item (two people)."""
    _two_people(reason, by, checker)
    with registry.engine.begin() as connection:
        found = connection.execute(
            select(
                payments.c.program,
                payments.c.period,
                payments.c.beneficiary_id,
                payments.c.amount_fen,
                payment_states.c.state,
            )
            .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payments.c.payment_id == payment_id)
        ).first()
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
        if connection.execute(
            select(recovery_items.c.item_id).where(recovery_items.c.item_id == key)
        ).first():
            raise RecoveryRefused(f"付款 {payment_id} 已登记追回事项 {key}")
        connection.execute(
            recovery_items.insert().values(
                item_id=key,
                program=program,
                period=period,
                beneficiary_id=beneficiary,
                amount_fen=amount_fen,
                reason=reason.strip()[:500],
                source=payment_id,
                seq=int(
                    connection.execute(select(func.coalesce(func.max(rounds.c.seq), 0))).scalar()
                ),
                status=OPEN,
                created_by=f"{by.strip()}（复核：{checker.strip()}）",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return key


def mark_recovered(registry: Registry, key: str, reason: str, by: str, checker: str) -> None:
    """An item's open amount came back outside the system (e.g. repaid to the fund account)."""
    _two_people(reason, by, checker)
    with registry.engine.begin() as connection:
        status = connection.execute(
            select(recovery_items.c.status).where(recovery_items.c.item_id == key)
        ).scalar_one_or_none()
        if status != OPEN:
            raise RecoveryRefused(f"追回事项 {key} 不是待追回状态（{status or '不存在'}）")
        if connection.execute(
            select(recovery_offsets.c.item_id).where(
                recovery_offsets.c.item_id == key, recovery_offsets.c.status == PENDING
            )
        ).first():
            raise RecoveryRefused(f"追回事项 {key} 正在抵扣中（待银行回盘），暂不能登记为已追回")
        connection.execute(
            update(recovery_items)
            .where(recovery_items.c.item_id == key)
            .values(
                status=RECOVERED,
                closed_by=f"{by.strip()}（复核：{checker.strip()}）",
                closed_at=dt.datetime.now(dt.UTC),
                reason=recovery_items.c.reason + "；已追回：" + reason.strip()[:200],
            )
        )


def net(connection: Connection, round_payments: pd.DataFrame) -> dict[str, int]:
    """At approval: each payment's offsets against open items of its beneficiary, programme and
    year (oldest item first), recorded pending; returns payment id → amount netted."""
    keys = round_payments[["program", "period", "beneficiary_id"]].drop_duplicates()
    if keys.empty:
        return {}
    items = _open_items(connection)
    netted: dict[str, int] = {}
    rows = []
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
    if rows:
        connection.execute(recovery_offsets.insert(), rows)
    return netted


def netted_among(connection: Connection, payment_ids: list[str]) -> list[str]:
    """Which of these payments carry offsets (pending or applied): the only ones whose bank
    result changes a recovery item."""
    found: set[str] = set()
    for start in range(0, len(payment_ids), 500):
        chunk = payment_ids[start : start + 500]
        found.update(
            connection.execute(
                select(recovery_offsets.c.payment_id).where(
                    recovery_offsets.c.payment_id.in_(chunk),
                    recovery_offsets.c.status.in_([PENDING, APPLIED]),
                )
            ).scalars()
        )
    return sorted(found)


def settle_offsets(connection: Connection, payment_id: str, paid: bool) -> None:
    """A netted payment paid applies its offsets (an item fully applied is 已抵扣); one that
    failed, was reversed or sent back reopens them."""
    keys = list(
        connection.execute(
            select(recovery_offsets.c.item_id).where(
                recovery_offsets.c.payment_id == payment_id,
                recovery_offsets.c.status.in_([PENDING, APPLIED]),
            )
        ).scalars()
    )
    if not keys:
        return
    connection.execute(
        update(recovery_offsets)
        .where(
            recovery_offsets.c.payment_id == payment_id,
            recovery_offsets.c.status.in_([PENDING, APPLIED]),
        )
        .values(status=APPLIED if paid else REOPENED)
    )
    for key in keys:
        applied = connection.execute(
            select(func.coalesce(func.sum(recovery_offsets.c.amount_fen), 0)).where(
                recovery_offsets.c.item_id == key, recovery_offsets.c.status == APPLIED
            )
        ).scalar()
        amount = connection.execute(
            select(recovery_items.c.amount_fen).where(recovery_items.c.item_id == key)
        ).scalar_one()
        status = OFFSET if int(applied) >= int(amount) else OPEN
        connection.execute(
            update(recovery_items)
            .where(recovery_items.c.item_id == key, recovery_items.c.status != RECOVERED)
            .values(status=status)
        )


def items_frame(registry: Registry) -> pd.DataFrame:
    """Every item with what is applied, pending and still open (fen)."""
    with registry.engine.connect() as connection:
        items = pd.DataFrame(
            connection.execute(select(recovery_items)).mappings().all(),
            columns=[c.name for c in recovery_items.columns],
        )
        offsets = pd.DataFrame(
            connection.execute(select(recovery_offsets)).mappings().all(),
            columns=[c.name for c in recovery_offsets.columns],
        )
    for status in (APPLIED, PENDING):
        sums = offsets[offsets["status"] == status].groupby("item_id")["amount_fen"].sum()
        items[status] = items["item_id"].map(sums).fillna(0).astype("int64")
    items["open"] = (items["amount_fen"] - items[APPLIED] - items[PENDING]).where(
        items["status"] == OPEN, 0
    )
    items["name"] = items["beneficiary_id"].map(_names(registry)).fillna("")
    return items.sort_values(["created_at", "item_id"]).reset_index(drop=True)


def _names(registry: Registry) -> dict[str, str]:
    """Each beneficiary's name as the bank files last carried it (the debtor a person pursues)."""
    query = (
        select(payments.c.beneficiary_id, payment_states.c.sent_name)
        .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
        .where(payment_states.c.sent_name.is_not(None))
        .order_by(payments.c.seq)
    )
    with registry.engine.connect() as connection:
        return {str(b): str(n) for b, n in connection.execute(query)}


def _open_items(connection: Connection) -> pd.DataFrame:
    items = pd.DataFrame(
        connection.execute(
            select(
                recovery_items.c.item_id,
                recovery_items.c.program,
                recovery_items.c.period,
                recovery_items.c.beneficiary_id,
                recovery_items.c.amount_fen,
                recovery_items.c.created_at,
                recovery_items.c.seq,
            ).where(recovery_items.c.status == OPEN)
        ).all(),
        columns=["item_id", "program", "period", "beneficiary_id", "amount", "created_at", "seq"],
    )
    taken = dict(
        connection.execute(
            select(recovery_offsets.c.item_id, func.sum(recovery_offsets.c.amount_fen))
            .where(recovery_offsets.c.status.in_([PENDING, APPLIED]))
            .group_by(recovery_offsets.c.item_id)
        ).all()
    )
    items["open"] = items["amount"] - items["item_id"].map(taken).fillna(0).astype("int64")
    return items.sort_values(["created_at", "item_id"]).reset_index(drop=True)


def _two_people(reason: str, by: str, checker: str) -> None:
    if not reason.strip():
        raise RecoveryRefused("须写明依据")
    if not checker.strip() or checker.strip().casefold() == by.strip().casefold():
        raise RecoveryRefused("须由另一人复核（复核人不能是经办人本人）")

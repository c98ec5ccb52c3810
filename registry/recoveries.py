"""The registry's recovery items (追回) and their offsets against later payments: the rows
`money.recovery` reads and writes, by name."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, func, select, update

from registry.tables import payment_states, payments, recovery_items, recovery_offsets, rounds

OPEN, RECOVERED, OFFSET = "待追回", "已追回", "已抵扣"
PENDING, APPLIED, REOPENED = "pending", "applied", "reopened"
CHUNK = 500


def round_seq(connection: Connection, batch_id: str, round_: int) -> int:
    return int(
        connection.execute(
            select(rounds.c.seq).where(rounds.c.batch_id == batch_id, rounds.c.round == round_)
        ).scalar_one()
    )


def latest_seq(connection: Connection) -> int:
    """The newest round's place in the registry's order (0 before any)."""
    return int(connection.execute(select(func.coalesce(func.max(rounds.c.seq), 0))).scalar())


def items_from(connection: Connection, source: str) -> set[str]:
    """The items a source (a round `batch/round`, or a payment id) recorded already."""
    return set(
        connection.execute(
            select(recovery_items.c.item_id).where(recovery_items.c.source == source)
        ).scalars()
    )


def item_exists(connection: Connection, key: str) -> bool:
    found = connection.execute(
        select(recovery_items.c.item_id).where(recovery_items.c.item_id == key)
    ).first()
    return found is not None


def add_items(connection: Connection, rows: list[dict[str, object]]) -> None:
    if rows:
        connection.execute(recovery_items.insert(), rows)


def payment_to_recover(connection: Connection, payment_id: str) -> tuple | None:  # type: ignore[type-arg]
    """(program, period, beneficiary, amount, state) of a payment, None if not recorded."""
    return connection.execute(
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


def item_status(connection: Connection, key: str) -> str | None:
    return connection.execute(
        select(recovery_items.c.status).where(recovery_items.c.item_id == key)
    ).scalar_one_or_none()


def offsets_pending(connection: Connection, key: str) -> bool:
    found = connection.execute(
        select(recovery_offsets.c.item_id).where(
            recovery_offsets.c.item_id == key, recovery_offsets.c.status == PENDING
        )
    ).first()
    return found is not None


def close_item(connection: Connection, key: str, by: str, reason: str) -> None:
    """An item recovered outside the system: 已追回, by whom, the reason appended."""
    connection.execute(
        update(recovery_items)
        .where(recovery_items.c.item_id == key)
        .values(
            status=RECOVERED,
            closed_by=by,
            closed_at=dt.datetime.now(dt.UTC),
            reason=recovery_items.c.reason + "；已追回：" + reason,
        )
    )


def open_items(connection: Connection) -> pd.DataFrame:
    """Every open item (oldest first) with what is still open after pending and applied
    offsets: item_id, program, period, beneficiary_id, amount, created_at, seq, open."""
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


def add_offsets(connection: Connection, rows: list[dict[str, object]]) -> None:
    if rows:
        connection.execute(recovery_offsets.insert(), rows)


def netted_among(connection: Connection, payment_ids: list[str]) -> list[str]:
    """Which of these payments carry offsets (pending or applied): the only ones whose bank
    result changes a recovery item."""
    found: set[str] = set()
    for start in range(0, len(payment_ids), CHUNK):
        chunk = payment_ids[start : start + CHUNK]
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


def items_and_offsets(connection: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every item and every offset, as recorded."""
    items = pd.DataFrame(
        connection.execute(select(recovery_items)).mappings().all(),
        columns=[c.name for c in recovery_items.columns],
    )
    offsets = pd.DataFrame(
        connection.execute(select(recovery_offsets)).mappings().all(),
        columns=[c.name for c in recovery_offsets.columns],
    )
    return items, offsets


def sent_names(connection: Connection) -> dict[str, str]:
    """Each beneficiary's name as the bank files last carried it."""
    query = (
        select(payments.c.beneficiary_id, payment_states.c.sent_name)
        .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
        .where(payment_states.c.sent_name.is_not(None))
        .order_by(payments.c.seq)
    )
    return {str(b): str(n) for b, n in connection.execute(query)}

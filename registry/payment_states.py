"""The registry's payments as the money loop sees them: their states, amounts sent and events
(`payment_states`, `payment_events`), read and written by name."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, case, func, select, update

from registry.tables import batches, payment_events, payment_states, payments, rounds

RELEASED_STATES = ("released", "sent", "paid", "failed", "reversed", "netted")
CHUNK = 500


def add_states(connection: Connection, states: list[dict[str, Any]]) -> None:
    """First state rows of payments (a payment without one is `prepared`)."""
    if states:
        connection.execute(payment_states.insert(), states)


def add_events(connection: Connection, events: list[dict[str, Any]]) -> None:
    """Payment events: payment_id, event, from_state, to_state, source, actor, detail, at."""
    if events:
        connection.execute(payment_events.insert(), events)


def set_state(connection: Connection, payment_id: str, **values: Any) -> None:
    """One payment's state row changed (state, bank_reason, bank_amount_fen, updated_at…)."""
    connection.execute(
        update(payment_states).where(payment_states.c.payment_id == payment_id).values(**values)
    )


def state_of(connection: Connection, payment_id: str) -> str:
    """A payment's state (it must have a state row)."""
    return str(
        connection.execute(
            select(payment_states.c.state).where(payment_states.c.payment_id == payment_id)
        ).scalar_one()
    )


def states_of(connection: Connection, ids: list[str]) -> dict[str, str]:
    """The state of each of these payments that has a state row."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(
            connection.execute(
                select(payment_states.c.payment_id, payment_states.c.state).where(
                    payment_states.c.payment_id.in_(ids[start : start + CHUNK])
                )
            ).all()
        )
    return found


def move_states(connection: Connection, ids: list[str], state: str, at: object) -> None:
    """These payments' state rows set to `state` at `at`."""
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            update(payment_states)
            .where(payment_states.c.payment_id.in_(ids[start : start + CHUNK]))
            .values(state=state, updated_at=at)
        )


def released_amounts(connection: Connection) -> pd.DataFrame:
    """Every payment released (in any later state too), with what went to the bank: net of
    recovery offsets, 0 when netted to nothing. payment_id, program, period, city, amount."""
    return pd.DataFrame(
        connection.execute(
            select(
                payments.c.payment_id,
                payments.c.program,
                payments.c.period,
                payment_states.c.city,
                case(
                    (payment_states.c.state == "netted", 0),
                    else_=func.coalesce(payment_states.c.sent_fen, payments.c.amount_fen),
                ),
            )
            .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payment_states.c.state.in_(RELEASED_STATES))
        ).all(),
        columns=["payment_id", "program", "period", "city", "amount"],
    )


def batch_states(connection: Connection, batch_id: str) -> pd.DataFrame:
    """Every payment of the batch with its state (None before approval): payment_id, round,
    amount, state, bank_file, sent, discrepancy, sent_account, day_count, bank_status."""
    return pd.DataFrame(
        connection.execute(
            select(
                payments.c.payment_id,
                payments.c.round,
                payments.c.amount_fen,
                payment_states.c.state,
                payment_states.c.bank_file,
                payment_states.c.sent_fen,
                payment_states.c.discrepancy,
                payment_states.c.sent_account,
                payment_states.c.day_count,
                payment_states.c.bank_status,
            )
            .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payments.c.batch_id == batch_id)
        ).all(),
        columns=[
            "payment_id",
            "round",
            "amount",
            "state",
            "bank_file",
            "sent",
            "discrepancy",
            "sent_account",
            "day_count",
            "bank_status",
        ],
    )


def owed_and_paid(connection: Connection) -> pd.DataFrame:
    """Every payment: program, period, beneficiary, owed (its amount), state, bank (what the
    bank returned as paid)."""
    return pd.DataFrame(
        connection.execute(
            select(
                payments.c.program,
                payments.c.period,
                payments.c.beneficiary_id,
                payments.c.amount_fen,
                payment_states.c.state,
                payment_states.c.bank_amount_fen,
            ).outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
        ).all(),
        columns=["program", "period", "beneficiary", "owed", "state", "bank"],
    )


def first_as_of(connection: Connection, payment_ids: list[str]) -> dict[str, Any]:
    """Each payment's assessment date as its first preparation had it: its batch's `as_of`,
    or, for a re-issue, the `as_of` of the payment it re-issues, followed back to the first."""
    found: dict[str, Any] = {}
    asked = {pid: pid for pid in payment_ids}  # payment → the one looked up for it
    while asked:
        rows = connection.execute(
            select(payments.c.payment_id, payments.c.original_payment_id, batches.c.as_of)
            .join(batches, batches.c.batch_id == payments.c.batch_id)
            .where(payments.c.payment_id.in_(sorted(set(asked.values()))))
        ).all()
        by_id = {pid: (original, as_of) for pid, original, as_of in rows}
        following = {}
        for mine, looked in asked.items():
            original, as_of = by_id.get(looked, (None, None))
            if original and original != looked:
                following[mine] = original
            elif as_of is not None:
                found[mine] = as_of
        if following == asked:  # a loop would never end: nothing more is found
            break
        asked = following
    return found


def paid_beneficiaries(connection: Connection, program: str, period: str) -> list[str]:
    """The beneficiaries a programme's payments for a period were paid to (state paid)."""
    return sorted(
        connection.execute(
            select(payments.c.beneficiary_id)
            .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(
                payments.c.program == program,
                payments.c.period == period,
                payment_states.c.state == "paid",
            )
            .distinct()
        ).scalars()
    )


def accounts_before(connection: Connection, batch_id: str) -> pd.DataFrame:
    """The bank accounts the payments recorded before this batch's first round gave (all
    payments when it is new): beneficiary_id, bank_account, batch_id — what a rerun of it sees
    is what its first run saw (SPEC §2 `RISK_SHARED_ACCOUNT`). Read inside the settling
    transaction, under its lock: two batches settling at once see each other in order."""
    mine = connection.execute(  # its first round's place in the registry's order
        select(func.min(rounds.c.seq)).where(rounds.c.batch_id == batch_id)
    ).scalar_one_or_none()
    query = (
        select(payments.c.beneficiary_id, payments.c.bank_account, payments.c.batch_id)
        .where(payments.c.bank_account.is_not(None), payments.c.bank_account != "")
        .distinct()
    )
    if mine is not None:  # what was recorded before its first round, rounds included
        query = query.where(payments.c.seq < mine)
    rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["beneficiary_id", "bank_account", "batch_id"])

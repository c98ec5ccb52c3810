"""The registry's side of bank returns (SPEC §8): the files applied (`bank_returns`), each
payment's state as a return or a person settles it, and the events that record why."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, or_, select, update

from registry.tables import bank_files, bank_returns, payment_events, payment_states, payments

CHUNK = 500


def return_applied(connection: Connection, sha: str) -> bool:
    found = connection.execute(
        select(bank_returns.c.sha256).where(bank_returns.c.sha256 == sha)
    ).first()
    return found is not None


def payments_as_sent(connection: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each payment recorded under these ids, with what its bank file carried: payment_id,
    batch_id, amount_fen, state, sent_name, sent_account, bank_amount_fen, sent_fen."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = connection.execute(
            select(
                payments.c.payment_id,
                payments.c.batch_id,
                payments.c.amount_fen,
                payment_states.c.state,
                payment_states.c.sent_name,
                payment_states.c.sent_account,
                payment_states.c.bank_amount_fen,
                payment_states.c.sent_fen,
            )
            .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payments.c.payment_id.in_(chunk))
        ).mappings()
        found.update({row["payment_id"]: dict(row) for row in rows})
    return found


def set_bank_results(connection: Connection, changes: list[dict[str, Any]]) -> None:
    """Each payment's state, bank reason, discrepancy and amount paid, as a return set them
    (one statement for all: pid, state, bank_reason, discrepancy, bank_amount_fen, updated_at,
    account_problem, bank_status)."""
    if not changes:
        return
    connection.execute(
        update(payment_states)
        .where(payment_states.c.payment_id == bindparam("pid"))
        .values(
            state=bindparam("state"),
            bank_reason=bindparam("bank_reason"),
            discrepancy=bindparam("discrepancy"),
            bank_amount_fen=bindparam("bank_amount_fen"),
            updated_at=bindparam("updated_at"),
            account_problem=bindparam("account_problem"),
            bank_status=bindparam("bank_status"),
        ),
        changes,
    )


def record_return(connection: Connection, **values: Any) -> None:
    """The return file applied: sha256, file_name, rows, applied, reconciled_by, reconciled_at."""
    connection.execute(bank_returns.insert().values(**values))


def lines_of_day(connection: Connection, bank_format: str, day: Any) -> pd.DataFrame:
    """The payments written in files of this format for the bank's business day `day`, as their
    lines carried them: payment_id, account, name, amount (fen), day_count."""
    return _lines(
        connection,
        bank_files.c.bank_format == bank_format,
        bank_files.c.business_date == day,
        # a file the bank refused whole was never loaded: no report answers its lines
        or_(
            payment_states.c.bank_reason.is_(None),
            ~payment_states.c.bank_reason.startswith("整批退回"),
        ),
    )


def _lines(connection: Connection, *conditions: Any) -> pd.DataFrame:
    rows = connection.execute(
        select(
            payment_states.c.payment_id,
            payment_states.c.sent_account,
            payment_states.c.sent_name,
            payment_states.c.sent_fen,
            payment_states.c.day_count,
        )
        .join(bank_files, bank_files.c.file_name == payment_states.c.bank_file)
        .where(payment_states.c.day_count.is_not(None), *conditions)
    ).all()
    return pd.DataFrame(rows, columns=["payment_id", "account", "name", "amount", "day_count"])


def payments_of_file(connection: Connection, file_name: str) -> list[dict[str, Any]]:
    """The payments a recorded bank file carried: payment_id, batch_id, state, bank_status,
    answered (a bank return applied to it: the bank loaded the file)."""
    answered = select(payment_events.c.payment_id).where(payment_events.c.event == "bank_return")
    rows = connection.execute(
        select(
            payment_states.c.payment_id,
            payments.c.batch_id,
            payment_states.c.state,
            payment_states.c.bank_status,
            payment_states.c.payment_id.in_(answered).label("answered"),
        )
        .join(payments, payments.c.payment_id == payment_states.c.payment_id)
        .where(payment_states.c.bank_file == file_name)
        .order_by(payment_states.c.payment_id)
    ).mappings()
    return [dict(row) for row in rows]


def lines_still_at_bank(connection: Connection, bank_format: str, before: Any) -> pd.DataFrame:
    """The lines of this format's files of business days before `before` whose payments the
    bank still holds (转下批/处理中) or could not answer (发送超时/状态未知), as `lines_of_day`."""
    return _lines(
        connection,
        bank_files.c.bank_format == bank_format,
        bank_files.c.business_date < before,
        payment_states.c.state == "sent",
        payment_states.c.bank_status.in_(["pending", "unknown"]),
    )

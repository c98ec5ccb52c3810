"""The registry's side of the payer account's statements (SPEC §8): the files recorded, their
lines with what each was found to be, and the payments a debit may answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from registry.releases import beijing_day
from registry.tables import (
    bank_files,
    payment_states,
    payments,
    releases,
    statement_lines,
    statements,
)

DEBITABLE = ("released", "sent", "paid", "failed", "reversed", "reissued")


def statement_recorded(connection: Connection, sha: str) -> bool:
    found = connection.execute(select(statements.c.sha256).where(statements.c.sha256 == sha))
    return found.first() is not None


def payer_accounts(connection: Connection) -> list[str]:
    """The payer accounts the bank files name (SPEC §8 Fund sources), in order."""
    return sorted(
        connection.execute(
            select(bank_files.c.payer_account)
            .where(bank_files.c.payer_account.is_not(None))
            .distinct()
        ).scalars()
    )


def debitable(connection: Connection, payer_account: str | None = None) -> pd.DataFrame:
    """Every payment that went into a bank file: payment_id, state, account, amount (what the
    bank paid, else what the file carried), sent_on (the day its round was recorded as sent to
    the bank, Beijing time; NaT before), bank_format, and whether a recorded statement already
    shows its debit."""
    debited = select(statement_lines.c.payment_id).where(
        statement_lines.c.finding == "matched", statement_lines.c.payment_id.is_not(None)
    )
    rows = connection.execute(
        select(
            payment_states.c.payment_id,
            payment_states.c.state,
            payment_states.c.sent_account,
            func.coalesce(payment_states.c.bank_amount_fen, payment_states.c.sent_fen),
            releases.c.sent_at,
            bank_files.c.bank_format,
            payment_states.c.payment_id.in_(debited),
        )
        .join(bank_files, bank_files.c.file_name == payment_states.c.bank_file)
        .join(payments, payments.c.payment_id == payment_states.c.payment_id)
        .join(
            releases,
            (releases.c.batch_id == payments.c.batch_id) & (releases.c.round == payments.c.round),
        )
        .where(
            payment_states.c.state.in_(DEBITABLE),
            # A file recorded before fund sources (no payer account) belongs to any account:
            # there was one.
            *(
                [
                    (bank_files.c.payer_account == payer_account)
                    | bank_files.c.payer_account.is_(None)
                ]
                if payer_account
                else []
            ),
        )
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=["payment_id", "state", "account", "amount", "at", "bank_format", "debited"],
    )
    frame["sent_on"] = [beijing_day(at) if at is not None else None for at in frame["at"]]
    frame["debited"] = frame["debited"].astype(bool)
    return frame.drop(columns="at")


def record_statement(
    connection: Connection, header: dict[str, Any], lines: list[dict[str, Any]]
) -> None:
    connection.execute(statements.insert().values(**header))
    if lines:
        connection.execute(statement_lines.insert(), lines)


def first_statement_day(connection: Connection, payer_account: str | None) -> dt.date | None:
    return connection.execute(
        select(func.min(statements.c.first_date)).where(_of(payer_account))
    ).scalar_one_or_none()


def _of(payer_account: str | None) -> Any:
    """A payer account's statements, and those recorded before statements named one."""
    column = statements.c.payer_account
    return (
        column.is_(None) if payer_account is None else (column == payer_account) | column.is_(None)
    )


def last_statement_day(connection: Connection) -> dt.date | None:
    return connection.execute(select(func.max(statements.c.last_date))).scalar_one_or_none()


def findings(connection: Connection) -> pd.DataFrame:
    """Every recorded statement line: direction, amount_fen, finding, payment_id, date,
    payer_account ("" where the statement named none)."""
    rows = connection.execute(
        select(
            statement_lines.c.direction,
            statement_lines.c.amount_fen,
            statement_lines.c.finding,
            statement_lines.c.payment_id,
            statement_lines.c.date,
            func.coalesce(statements.c.payer_account, ""),
        ).join(statements, statements.c.sha256 == statement_lines.c.sha256)
    ).all()
    return pd.DataFrame(
        rows,
        columns=["direction", "amount_fen", "finding", "payment_id", "date", "payer_account"],
    )


def recorded_lines(
    connection: Connection, first: dt.date, last: dt.date, payer_account: str | None
) -> pd.DataFrame:
    """The lines earlier statements of the payer account recorded between these days: date,
    direction, amount, account, summary."""
    rows = connection.execute(
        select(
            statement_lines.c.date,
            statement_lines.c.direction,
            statement_lines.c.amount_fen,
            statement_lines.c.account,
            statement_lines.c.summary,
        )
        .join(statements, statements.c.sha256 == statement_lines.c.sha256)
        .where(statement_lines.c.date >= first, statement_lines.c.date <= last, _of(payer_account))
    ).all()
    return pd.DataFrame(rows, columns=["date", "direction", "amount", "account", "summary"])

"""What the registry holds of the money loop's later steps for the audit log (SPEC §8): rounds
sent to the bank, return files applied, payments settled by hand; and where each batch's
rounds were approved. Rows only: `money.audit_steps` makes the events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, func, select

from registry.tables import bank_files, bank_returns, payment_events, payments, releases

_JOINED = payment_events.join(payments, payments.c.payment_id == payment_events.c.payment_id)


def rounds_sent(connection: Connection, batch_id: str) -> list[Row[Any]]:
    """(round, sent_by, sent_at) of each round of the batch recorded as sent."""
    return list(
        connection.execute(
            select(releases.c.round, releases.c.sent_by, releases.c.sent_at).where(
                releases.c.batch_id == batch_id, releases.c.sent_at.is_not(None)
            )
        ).all()
    )


def payments_sent(connection: Connection, batch_id: str, round_: int) -> int:
    return int(
        connection.execute(
            select(func.count())
            .select_from(_JOINED)
            .where(
                payments.c.batch_id == batch_id,
                payments.c.round == round_,
                payment_events.c.event == "sent",
            )
        ).scalar_one()
    )


def round_bank_files(connection: Connection, batch_id: str, round_: int) -> list[tuple[str, int]]:
    """(file name, amount in fen) of each bank file of the round, by name."""
    return [
        (str(name), int(fen))
        for name, fen in connection.execute(
            select(bank_files.c.file_name, bank_files.c.amount_fen)
            .where(bank_files.c.batch_id == batch_id, bank_files.c.round == round_)
            .order_by(bank_files.c.file_name)
        ).all()
    ]


def returns_applied(connection: Connection, batch_id: str) -> list[Row[Any]]:
    """Per return file (sha256) and state it set on the batch's payments: (sha256, state,
    count, amount in fen, who, first moment)."""
    return list(
        connection.execute(
            select(
                payment_events.c.source,
                payment_events.c.to_state,
                func.count(),
                func.sum(payments.c.amount_fen),
                func.min(payment_events.c.actor),
                func.min(payment_events.c.at),
            )
            .select_from(_JOINED)
            .where(payments.c.batch_id == batch_id, payment_events.c.event == "bank_return")
            .group_by(payment_events.c.source, payment_events.c.to_state)
        ).all()
    )


def return_file_names(connection: Connection, hashes: list[str]) -> dict[str, str]:
    return {
        str(sha): str(name)
        for sha, name in connection.execute(
            select(bank_returns.c.sha256, bank_returns.c.file_name).where(
                bank_returns.c.sha256.in_(hashes)
            )
        ).all()
    }


PERSON_EVENTS = ("settled_by_hand", "file_refused")


def settled_by_hand(connection: Connection, batch_id: str) -> list[Row[Any]]:
    """(event id, kind, payment id, from, to, who, reason, when) of each payment of the batch
    settled by a person: by hand, or failed with its whole file refused by the bank."""
    return list(
        connection.execute(
            select(
                payment_events.c.id,
                payment_events.c.event,
                payment_events.c.payment_id,
                payment_events.c.from_state,
                payment_events.c.to_state,
                payment_events.c.actor,
                payment_events.c.detail,
                payment_events.c.at,
            )
            .select_from(_JOINED)
            .where(payments.c.batch_id == batch_id, payment_events.c.event.in_(PERSON_EVENTS))
        ).all()
    )


def approval_folders(connection: Connection, batch_ids: list[str]) -> dict[str, str]:
    """The folder each batch's rounds were approved in, where recorded."""
    return {
        str(batch): str(folder)
        for batch, folder in connection.execute(
            select(releases.c.batch_id, func.max(releases.c.folder))
            .where(releases.c.batch_id.in_(batch_ids), releases.c.folder.is_not(None))
            .group_by(releases.c.batch_id)
        ).all()
    }


def batches_of_return(connection: Connection, sha: str) -> list[str]:
    """The batches whose payments a return file changed."""
    return list(
        connection.execute(
            select(payments.c.batch_id)
            .select_from(_JOINED)
            .where(payment_events.c.source == sha, payment_events.c.event == "bank_return")
            .distinct()
        ).scalars()
    )


def utc(value: dt.datetime) -> dt.datetime:
    """A moment the database returned, in UTC (SQLite returns it without its zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

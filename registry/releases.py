"""The registry's record of rounds decided and the files they released (`releases`,
`bank_files`), read and written by name for the money loop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, or_, select, update

from registry.tables import (
    bank_files,
    batches,
    payment_states,
    payments,
    releases,
    review_verdicts,
    rounds,
)
from registry.tables import claims as claims_table


def recorded_files(connection: Connection, batch_id: str) -> dict[str, tuple[int, str | None]]:
    """Every file the registry recorded under the batch's `bank/`: name → (round, sha256)."""
    found: dict[str, tuple[int, str | None]] = {
        str(name): (int(number), str(sha))
        for number, name, sha in connection.execute(
            select(bank_files.c.round, bank_files.c.file_name, bank_files.c.sha256).where(
                bank_files.c.batch_id == batch_id
            )
        ).all()
    }
    for number, name, sha in connection.execute(
        select(releases.c.round, releases.c.approval_file, releases.c.approval_sha256).where(
            releases.c.batch_id == batch_id, releases.c.approval_file.is_not(None)
        )
    ).all():
        found[str(name)] = (int(number), str(sha) if sha else None)
    return found


def policy_version_of(connection: Connection, batch_id: str) -> str | None:
    """The batch's policy version (`reissue` for a re-issue batch), None if not recorded."""
    return connection.execute(
        select(batches.c.policy_version).where(batches.c.batch_id == batch_id)
    ).scalar_one_or_none()


def decided(connection: Connection, batch_id: str) -> list[dict[str, Any]]:
    """Each round of the batch approved or sent back, as its release row, by round."""
    rows = (
        connection.execute(
            select(releases)
            .where(releases.c.batch_id == batch_id, releases.c.decision.is_not(None))
            .order_by(releases.c.round)
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


def rounds_decided(connection: Connection, batch_id: str, decision: str) -> set[int]:
    return {
        int(number)
        for (number,) in connection.execute(
            select(releases.c.round).where(
                releases.c.batch_id == batch_id, releases.c.decision == decision
            )
        ).all()
    }


def round_files(connection: Connection, batch_id: str, round_: int) -> list[tuple[str, int, int]]:
    """(name, rows, amount in fen) of each bank file the round released, by name."""
    return [
        (str(name), int(rows), int(fen))
        for name, rows, fen in connection.execute(
            select(bank_files.c.file_name, bank_files.c.rows, bank_files.c.amount_fen)
            .where(bank_files.c.batch_id == batch_id, bank_files.c.round == round_)
            .order_by(bank_files.c.file_name)
        ).all()
    ]


def round_payment_count(connection: Connection, batch_id: str, round_: int) -> int:
    query = select(payments.c.payment_id).where(
        payments.c.batch_id == batch_id, payments.c.round == round_
    )
    return int(connection.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def round_held(connection: Connection, batch_id: str, round_: int) -> list[str]:
    """The round's payments held at its approval, by id."""
    query = select(payments.c.payment_id).where(
        payments.c.batch_id == batch_id, payments.c.round == round_
    )
    return [
        str(pid)
        for pid in connection.execute(
            select(payment_states.c.payment_id)
            .where(payment_states.c.payment_id.in_(query), payment_states.c.state == "held")
            .order_by(payment_states.c.payment_id)
        ).scalars()
    ]


def batch_amounts(connection: Connection, batch_id: str) -> list[tuple[int, str | None]]:
    """(amount in fen, original payment id) of every payment of the batch."""
    return [
        (int(fen), original)
        for fen, original in connection.execute(
            select(payments.c.amount_fen, payments.c.original_payment_id).where(
                payments.c.batch_id == batch_id
            )
        ).all()
    ]


def prepared_by(connection: Connection, batch_id: str, round_: int = 0) -> str | None:
    return connection.execute(
        select(releases.c.prepared_by).where(
            releases.c.batch_id == batch_id, releases.c.round == round_
        )
    ).scalar_one_or_none()


def unrecorded_approval_sheets(connection: Connection, batch_id: str, decision: str) -> list[int]:
    """The approved rounds whose 拨付审批单 the registry holds no sha256 of (before it did)."""
    return [
        int(number)
        for number in connection.execute(
            select(releases.c.round).where(
                releases.c.batch_id == batch_id,
                releases.c.decision == decision,
                releases.c.approval_sha256.is_(None),
            )
        ).scalars()
    ]


def round_decisions(
    connection: Connection, batch_id: str
) -> list[tuple[int, str | None, str | None, str | None]]:
    """(round, decision, 拨付审批单 sha256, its file name) of every round with a release record."""
    return [
        (int(number), decision, sheet, name)
        for number, decision, sheet, name in connection.execute(
            select(
                releases.c.round,
                releases.c.decision,
                releases.c.approval_sha256,
                releases.c.approval_file,
            )
            .where(releases.c.batch_id == batch_id)
            .order_by(releases.c.round)
        ).all()
    ]


def sent_days(connection: Connection, batch_id: str) -> dict[int, dt.date]:
    """Each sent round's day of upload to the bank (Beijing time)."""
    found = connection.execute(
        select(releases.c.round, releases.c.sent_at).where(
            releases.c.batch_id == batch_id, releases.c.sent_at.is_not(None)
        )
    ).all()
    return {int(number): beijing_day(at) for number, at in found}


def beijing_day(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:  # SQLite returns the UTC time without its zone
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).date()


def batch_files(connection: Connection, batch_id: str) -> pd.DataFrame:
    """Every bank file the batch released: round, file_name, bank_format, rows, amount, sha256."""
    return pd.DataFrame(
        connection.execute(
            select(
                bank_files.c.round,
                bank_files.c.file_name,
                bank_files.c.bank_format,
                bank_files.c.rows,
                bank_files.c.amount_fen,
                bank_files.c.sha256,
            ).where(bank_files.c.batch_id == batch_id)
        ).all(),
        columns=["round", "file_name", "bank_format", "rows", "amount", "sha256"],
    )


def release_row(connection: Connection, batch_id: str, round_: int) -> dict[str, Any] | None:
    """The round's release record (prepared_by, decision, decided_by, sent_at…), if any."""
    row = (
        connection.execute(
            select(releases).where(releases.c.batch_id == batch_id, releases.c.round == round_)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def awaiting_rounds(connection: Connection, batch_id: str) -> list[int]:
    """The batch's rounds awaiting approval: prepared, neither approved nor sent back."""
    return [
        int(number)
        for number in connection.execute(
            select(releases.c.round)
            .where(releases.c.batch_id == batch_id, releases.c.decision.is_(None))
            .order_by(releases.c.round)
        ).scalars()
    ]


def set_release(connection: Connection, batch_id: str, round_: int, **values: Any) -> None:
    """The round's release record changed: its decision (decision, decided_by, identity, reason,
    decided_at, approval_file, approval_sha256, folder) or its upload (sent_by, sent_at)."""
    connection.execute(
        update(releases)
        .where(releases.c.batch_id == batch_id, releases.c.round == round_)
        .values(**values)
    )


def add_bank_file(connection: Connection, **values: Any) -> None:
    """A bank file an approval staged: batch_id, round, file_name, bank_format, account_type,
    rows, amount_fen, sha256."""
    connection.execute(bank_files.insert().values(**values))


def committed_manifest(connection: Connection, batch_id: str, round_: int) -> str | None:
    """The sha256 of the manifest the round committed."""
    return connection.execute(
        select(rounds.c.manifest_sha256).where(
            rounds.c.batch_id == batch_id, rounds.c.round == round_
        )
    ).scalar_one_or_none()


def round_payments(connection: Connection, batch_id: str, round_: int) -> pd.DataFrame:
    """The round's payments as recorded: payment_id (index), amount, period, seq, bank_name,
    kind, original."""
    return pd.DataFrame(
        connection.execute(
            select(
                payments.c.payment_id,
                payments.c.amount_fen,
                payments.c.period,
                payments.c.seq,
                payments.c.bank_name,
                payments.c.kind,
                payments.c.original_payment_id,
            ).where(payments.c.batch_id == batch_id, payments.c.round == round_)
        ).all(),
        columns=["payment_id", "amount", "period", "seq", "bank_name", "kind", "original"],
    ).set_index("payment_id")


def reviewers(connection: Connection, batch_id: str, up_to_round: int) -> set[str]:
    """Everyone who gave a verdict on the batch's rounds up to this one."""
    return {
        str(name)
        for name in connection.execute(
            select(review_verdicts.c.reviewer)
            .where(review_verdicts.c.batch_id == batch_id, review_verdicts.c.round <= up_to_round)
            .distinct()
        ).scalars()
    }


def free_claims(connection: Connection, batch_id: str, round_: int) -> None:
    """The claims the round granted, given up (a round sent back, SPEC §8)."""
    seq = select(rounds.c.seq).where(rounds.c.batch_id == batch_id, rounds.c.round == round_)
    connection.execute(
        delete(claims_table).where(
            and_(claims_table.c.batch_id == batch_id, claims_table.c.seq == seq.scalar_subquery())
        )
    )


def counted_today(
    connection: Connection, formats: list[str], day: Any
) -> dict[tuple[str, str], int]:
    """Per (format, account), the highest 当日次数 already written in files of these formats for
    the bank's business day `day`, leaving out files the bank refused whole (a bank core's
    当日次数 goes on from it, never repeating one)."""
    if not formats:
        return {}
    rows = connection.execute(
        select(
            bank_files.c.bank_format,
            payment_states.c.sent_account,
            func.max(payment_states.c.day_count),
        )
        .join(
            payment_states,
            and_(
                payment_states.c.bank_file == bank_files.c.file_name,
                payment_states.c.day_count.is_not(None),
                # a file the bank refused whole was never loaded: it counts for nothing
                or_(
                    payment_states.c.bank_reason.is_(None),
                    ~payment_states.c.bank_reason.startswith("整批退回"),
                ),
            ),
        )
        .where(bank_files.c.bank_format.in_(formats), bank_files.c.business_date == day)
        .group_by(bank_files.c.bank_format, payment_states.c.sent_account)
    ).all()
    return {(str(f), str(a)): int(n) for f, a, n in rows}

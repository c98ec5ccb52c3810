"""The registry's side of re-issue (SPEC §8): account corrections entered and approved, the
failed and reversed payments that may be paid again, the payments that already paid in their
place, and a re-issue batch recorded as a batch of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.tables import (
    account_corrections,
    batches,
    payment_events,
    payment_states,
    payments,
    releases,
    rounds,
)

REISSUE = "reissue"  # a re-issue batch's policy version, and its payments' kind
CHUNK = 500


def correction_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(account_corrections)).scalar())


def add_corrections(connection: Connection, rows: list[dict[str, Any]]) -> int:
    """Correction rows entered (a row already entered is kept as it was); how many are new."""
    if not rows:
        return 0
    before = correction_count(connection)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(account_corrections).on_conflict_do_nothing(), rows)
    return correction_count(connection) - before


def correction_enterers(connection: Connection, sha: str) -> set[str]:
    """Who entered the not yet approved corrections of the workbook with this sha256."""
    return {
        str(person)
        for person in connection.execute(
            select(account_corrections.c.entered_by).where(
                account_corrections.c.source_sha256 == sha,
                account_corrections.c.approved_by.is_(None),
            )
        ).scalars()
    }


def approve_corrections(connection: Connection, sha: str, approver: str, at: dt.datetime) -> int:
    """The workbook's corrections awaiting approval, approved; how many."""
    done = connection.execute(
        update(account_corrections)
        .where(
            account_corrections.c.source_sha256 == sha,
            account_corrections.c.approved_by.is_(None),
        )
        .values(approved_by=approver, approved_at=at)
    )
    return int(done.rowcount)


def approved_corrections(connection: Connection) -> dict[tuple[str, str], tuple[str, str]]:
    """(beneficiary, old account) → (new bank, new account) of every approved correction."""
    rows = connection.execute(
        select(
            account_corrections.c.beneficiary_id,
            account_corrections.c.old_account,
            account_corrections.c.new_bank,
            account_corrections.c.new_account,
        ).where(account_corrections.c.approved_by.is_not(None))
    ).all()
    return {(str(b), str(old)): (str(bank), str(new)) for b, old, bank, new in rows}


def reissue_batches(connection: Connection) -> list[str]:
    return [
        str(batch_id)
        for batch_id in connection.execute(
            select(batches.c.batch_id).where(batches.c.policy_version == REISSUE)
        ).scalars()
    ]


def record_reissue_batch(
    connection: Connection,
    batch_id: str,
    manifest_sha256: str,
    rows: list[dict[str, Any]],
    prepared_by: str,
    on: dt.date,
) -> None:
    """A re-issue batch as the newest batch: its batch, round 0, payments and release record."""
    seq = int(connection.execute(select(func.coalesce(func.max(rounds.c.seq), 0))).scalar()) + 1
    now = dt.datetime.now(dt.UTC)
    connection.execute(
        insert(batches).values(
            batch_id=batch_id,
            lineage=batch_id,
            as_of=on,
            policy_version=REISSUE,
            recorded_at=now,
            manifest_sha256=manifest_sha256,
            seq=seq,
        )
    )
    connection.execute(
        insert(rounds).values(
            batch_id=batch_id, round=0, seq=seq, manifest_sha256=manifest_sha256, recorded_at=now
        )
    )
    connection.execute(
        insert(payments),
        [{**row, "batch_id": batch_id, "kind": REISSUE, "round": 0, "seq": seq} for row in rows],
    )
    connection.execute(
        insert(releases).values(
            batch_id=batch_id, round=0, prepared_by=prepared_by, prepared_at=now
        )
    )


def candidates(connection: Connection) -> pd.DataFrame:
    """Failed or reversed payments not re-issued (or whose re-issues were all sent back or held
    at their approval), with what was sent: original_payment_id, program, period,
    beneficiary_id, amount, state, city, name, bank, account, reason, account_problem (as the
    bank's format said, None before it did); `at_bank` when the same beneficiary, programme and year has a
    payment released or sent; `attempt`, the re-issues tried before; `superseded`, a later
    payment that already paid a failed one's place ("" if none)."""
    reissued = (
        select(payments.c.original_payment_id)
        .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
        .where(
            payments.c.kind == REISSUE,
            func.coalesce(payment_states.c.state, "prepared").not_in(["sent_back", "held"]),
        )
    )
    frame = pd.DataFrame(
        connection.execute(
            select(
                payments.c.payment_id,
                payments.c.program,
                payments.c.period,
                payments.c.beneficiary_id,
                payments.c.amount_fen,
                payment_states.c.state,
                payment_states.c.city,
                payment_states.c.sent_name,
                payment_states.c.sent_bank,
                payment_states.c.sent_account,
                payment_states.c.bank_reason,
                payment_states.c.account_problem,
            )
            .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(
                payment_states.c.state.in_(["failed", "reversed"]),
                payments.c.payment_id.not_in(reissued),
            )
        ).all(),
        columns=[
            "original_payment_id",
            "program",
            "period",
            "beneficiary_id",
            "amount",
            "state",
            "city",
            "name",
            "bank",
            "account",
            "reason",
            "account_problem",
        ],
    )
    at_bank = set(
        connection.execute(
            select(payments.c.program, payments.c.period, payments.c.beneficiary_id)
            .join(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payment_states.c.state.in_(["released", "sent"]))
        ).all()
    )
    frame["at_bank"] = [
        (p, d, b) in at_bank
        for p, d, b in zip(frame["program"], frame["period"], frame["beneficiary_id"], strict=True)
    ]
    attempts = dict(
        connection.execute(
            select(payments.c.original_payment_id, func.count())
            .where(payments.c.kind == REISSUE)
            .group_by(payments.c.original_payment_id)
        ).all()
    )
    frame["attempt"] = frame["original_payment_id"].map(attempts).fillna(0).astype("int64")
    failed = frame[frame["state"] == "failed"]["original_payment_id"]
    replaced = superseded(connection, [str(p) for p in failed])
    frame["superseded"] = frame["original_payment_id"].map(replaced).astype(object).fillna("")
    return frame.sort_values("original_payment_id", ignore_index=True)


def superseded(connection: Connection, failed: list[str]) -> dict[str, str]:
    """Of these failed payments, each one a later payment of the same applications has already
    paid in its place (a top-up recorded after it failed counts a failed payment not re-issued
    as never granted, SPEC §8): failed id → that later payment. Re-issuing one would pay its
    claims beyond what they are owed."""
    if not failed:
        return {}
    failed_at: dict[str, dt.datetime] = {}
    for start in range(0, len(failed), CHUNK):
        failed_at.update(
            connection.execute(
                select(payment_events.c.payment_id, func.max(payment_events.c.at))
                .where(
                    payment_events.c.payment_id.in_(failed[start : start + CHUNK]),
                    payment_events.c.to_state == "failed",
                )
                .group_by(payment_events.c.payment_id)
            ).all()
        )
    found = _payments_of(connection, failed)
    if found.empty:
        return {}
    known = found.set_index("payment_id")
    result = {}
    for pid in failed:
        if pid not in known.index or pid not in failed_at:
            continue
        root = pid
        while known.at[root, "kind"] == REISSUE and known.at[root, "original"] in known.index:
            root = str(known.at[root, "original"])
        mine = known.loc[root]
        later = found[
            (found["lineage"] == mine["lineage"])
            # A later review round of the failed payment's own batch pays only what is owed
            # beyond it (`rounds.paid_before`): it leaves the failed amount to re-issue.
            & (found["batch_id"] != mine["batch_id"])
            & (found["program"] == mine["program"])
            & (found["period"] == mine["period"])
            & (found["beneficiary_id"] == mine["beneficiary_id"])
            & (found["kind"] != REISSUE)
            & (found["state"] != "sent_back")
            & (found["recorded_at"] > _naive(failed_at[pid]))
        ]
        if len(later):
            result[pid] = str(later.sort_values("recorded_at")["payment_id"].iloc[0])
    return result


def _payments_of(connection: Connection, ids: list[str]) -> pd.DataFrame:
    """Every payment to the beneficiaries of these payments, with its applications (lineage),
    when its round was recorded, and its state."""
    beneficiaries: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        beneficiaries.update(
            connection.execute(
                select(payments.c.beneficiary_id).where(
                    payments.c.payment_id.in_(ids[start : start + CHUNK])
                )
            ).scalars()
        )
    listed = sorted(beneficiaries)
    rows = []
    for start in range(0, len(listed), CHUNK):
        rows += connection.execute(
            select(
                payments.c.payment_id,
                payments.c.kind,
                payments.c.original_payment_id,
                batches.c.lineage,
                payments.c.batch_id,
                payments.c.program,
                payments.c.period,
                payments.c.beneficiary_id,
                rounds.c.recorded_at,
                func.coalesce(payment_states.c.state, "prepared"),
            )
            .join(batches, batches.c.batch_id == payments.c.batch_id)
            .join(
                rounds,
                (rounds.c.batch_id == payments.c.batch_id) & (rounds.c.round == payments.c.round),
            )
            .outerjoin(payment_states, payment_states.c.payment_id == payments.c.payment_id)
            .where(payments.c.beneficiary_id.in_(listed[start : start + CHUNK]))
        ).all()
    columns = ["payment_id", "kind", "original", "lineage", "batch_id", "program", "period"]
    columns += ["beneficiary_id", "recorded_at", "state"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["recorded_at"] = [_naive(t) for t in frame["recorded_at"]]
    return frame.fillna({"kind": "payment", "original": ""})


def _naive(moment: dt.datetime) -> dt.datetime:
    """A recorded time in UTC without its zone (SQLite returns it so; PostgreSQL with it)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment

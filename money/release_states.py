"""What an approval or an upload does to each payment of a round, inside its registry
transaction (SPEC §8): released into a bank file (with what the file carried), netted to
nothing, held; an original re-issued; a round moved from one state to the next, each with its
event."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from bank.files import BankRelease
from money import recovery
from money.round_files import ApprovalRefused
from registry import payment_states as states_store
from registry.database import Connection
from registry.reissues import superseded


def record_release(
    connection: Connection,
    round_payments: pd.DataFrame,
    bank: BankRelease,
    approver: str,
    batch_id: str,
    number: int,
    netted: dict[str, int],
) -> None:
    """Each payment of the round released (in a bank file, with what the file carried), netted
    to nothing (settled by its offsets alone), or held."""
    in_file = {pid: f.name for f in bank.files for pid in f.payment_ids}
    day_counts = {
        pid: count
        for f in bank.files
        for pid, count in zip(f.payment_ids, f.day_counts, strict=False)
    }
    held = dict(zip(bank.held["payment_id"], bank.held["reason"], strict=True))
    now = dt.datetime.now(dt.UTC)
    states, events = [], []
    for row in round_payments.itertuples():
        pid = row.payment_id
        state = "released" if pid in in_file else "held" if pid in held else "netted"
        sent = pid in in_file
        states.append(
            {
                "payment_id": pid,
                "state": state,
                "city": str(row.city),
                "bank_file": in_file.get(pid),
                "sent_name": str(row.beneficiary_name) if sent else None,
                "sent_account": str(row.bank_account) if sent else None,
                "sent_bank": str(row.bank_name) if sent else None,
                "sent_fen": int(row.amount) - netted.get(pid, 0) if sent else None,
                "bank_amount_fen": None,
                "bank_reason": held.get(pid),
                "discrepancy": None,
                "updated_at": now,
                "day_count": day_counts.get(pid),
                "account_problem": None,
                "bank_status": None,
            }
        )
        events.append(
            {
                "payment_id": pid,
                "event": "approve",
                "from_state": "prepared",
                "to_state": state,
                "source": f"{batch_id}/{number}",
                "actor": approver,
                "detail": held.get(pid)
                or (f"抵扣待追回 {netted[pid]} 分" if pid in netted else None),
                "at": now,
            }
        )
    states_store.add_states(connection, states)
    states_store.add_events(connection, events)
    for pid in netted:
        if pid not in in_file:  # netted to nothing: its offsets are all it pays
            recovery.settle_offsets(connection, pid, paid=True)


def mark_reissued(
    connection: Connection, round_payments: pd.DataFrame, bank: BankRelease, approver: str
) -> None:
    """A failed or reversed payment whose re-issue is released turns `reissued`."""
    released = set(round_payments["payment_id"]) - set(bank.held["payment_id"])
    originals = round_payments[
        round_payments["payment_id"].isin(released) & round_payments["original"].ne("")
    ]
    now = dt.datetime.now(dt.UTC)
    for row in originals.itertuples():
        before = states_store.state_of(connection, str(row.original))
        if before not in ("failed", "reversed"):
            raise ApprovalRefused(f"原支付 {row.original} 的状态是 {before}，不能重新支付")
        later = superseded(connection, [str(row.original)]) if before == "failed" else {}
        if later:
            raise ApprovalRefused(
                f"原支付 {row.original} 已由其后的补发或复核轮次 {later[str(row.original)]} "
                "按应付金额另行支付，不能再重新支付（请退回本次重新支付）"
            )
        states_store.set_state(connection, str(row.original), state="reissued", updated_at=now)
        event = {
            "payment_id": row.original,
            "event": "reissued",
            "from_state": before,
            "to_state": "reissued",
            "source": row.payment_id,
            "actor": approver,
            "detail": None,
            "at": now,
        }
        states_store.add_events(connection, [event])


def set_states(
    connection: Connection,
    round_payments: pd.DataFrame,
    before: str,
    after: str,
    actor: str,
    detail: str,
) -> int:
    """Move the round's payments from `before` to `after` (a missing state row is `prepared`)."""
    now = dt.datetime.now(dt.UTC)
    ids = list(round_payments["payment_id"])
    cities = dict(zip(round_payments["payment_id"], round_payments["city"], strict=True))
    current = states_store.states_of(connection, ids)
    moved = [pid for pid in ids if current.get(pid, "prepared") == before]
    recorded = [pid for pid in moved if pid in current]
    states_store.move_states(connection, recorded, after, now)
    fresh = [pid for pid in moved if pid not in current]  # prepared: no state row yet
    states_store.add_states(
        connection,
        [
            {"payment_id": p, "state": after, "city": str(cities[p]), "updated_at": now}
            for p in fresh
        ],
    )
    if moved:
        states_store.add_events(
            connection,
            [
                {
                    "payment_id": pid,
                    "event": after,
                    "from_state": before,
                    "to_state": after,
                    "source": "command",
                    "actor": actor,
                    "detail": detail[:500],
                    "at": now,
                }
                for pid in moved
            ],
        )
    return len(moved)

"""Bank returns reconciled against the registry (SPEC §8), and payments settled by hand.

Per row of a return file, by payment id: 成功 marks a released or sent payment paid — *with a
discrepancy* when the bank's amount, account or name differs from what the bank file sent,
listed for a person —; 失败 marks it failed with the bank's reason; 退汇 marks a paid (or sent)
payment reversed. An unknown id, a payment never released, a second row for one id, and a
second result for a settled payment (other than a reversal of a paid one) are reported and not
applied. The file is identified by its sha256: the same file again changes nothing. A payment
whose return never arrives is settled by hand only with a reason and a second person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bank.formats import BankFormat, load_formats
from bank.matching import match
from bank.outcomes import (
    FAILED,
    FAILED_ACCOUNT,
    OUTCOMES,
    PENDING,
    REVERSED,
    REVIEW,
    UNKNOWN,
)
from bank.returns import read_return
from ledger.faults import crash_point
from ledger.outputs import file_sha256
from money import audit_steps as money_audit
from money import recovery
from policy.money import fen_text
from policy.refusal import Refusal
from registry import payment_states
from registry import returns as store
from registry.database import Connection, Registry, serialized
from registry.events import batches_of_return

RECONCILE_LOCK = 0x5B51D3
SETTLED = ("paid", "failed", "reversed", "reissued", "netted")
OPEN = ("released", "sent")


class SettleRefused(Refusal):
    """A settlement by hand that may not happen (message in Chinese)."""


@dataclass
class Reconciliation:
    file_name: str
    sha256: str
    already: bool = False  # this very file was reconciled before: nothing changed
    paid: int = 0
    failed: int = 0
    reversed: int = 0
    discrepancies: list[str] = field(default_factory=list)  # paid, for a person to resolve
    not_applied: list[str] = field(default_factory=list)  # unknown, duplicate, settled …
    batches: set[str] = field(default_factory=set)
    unlogged: list[str] = field(default_factory=list)  # batches whose audit log was not found
    still_at_bank: list[str] = field(default_factory=list)  # 转下批/处理中, 发送超时/状态未知

    def count(self, pid: str, state: str, discrepancy: str | None, batch_id: str) -> None:
        if state == "paid":
            self.paid += 1
            if discrepancy:
                self.discrepancies.append(f"{pid}：{discrepancy}")
        elif state == "failed":
            self.failed += 1
        else:
            self.reversed += 1

    @property
    def applied(self) -> int:
        return self.paid + self.failed + self.reversed

    def summary(self) -> str:
        if self.already:
            said = f"回盘文件 {self.file_name} 已于此前对账（sha256 相同），本次未作任何更改"
            return "\n".join([said, *self.unlogged_lines()])
        lines = [
            f"回盘文件 {self.file_name}：成功 {self.paid} 笔，失败 {self.failed} 笔，"
            f"退汇 {self.reversed} 笔；仍在银行处理或状态未知 {len(self.still_at_bank)} 笔；"
            f"未采用 {len(self.not_applied)} 行；"
            f"金额、账号或户名不符 {len(self.discrepancies)} 笔（已记为支付成功，须人工核对）"
        ]
        lines += [f"  不符：{d}" for d in self.discrepancies]
        lines += [f"  仍为已报送：{s}" for s in self.still_at_bank]
        lines += [f"  未采用：{n}" for n in self.not_applied]
        return "\n".join(lines + self.unlogged_lines())

    def unlogged_lines(self) -> list[str]:
        return [
            f"  审计日志：找不到批次 {b} 的目录，对账事件待下次对该批次执行命令时补记"
            for b in self.unlogged
        ]


def reconcile(
    path: Path,
    registry: Registry,
    by: str,
    formats: dict[str, BankFormat] | None = None,
) -> Reconciliation:
    """Apply one return file; a second time (same sha256) changes nothing."""
    sha = file_sha256(path)
    rows = read_return(path, formats or load_formats())
    result = Reconciliation(path.name, sha)
    with registry.engine.begin() as connection:
        serialized(connection, RECONCILE_LOCK)
        if store.return_applied(connection, sha):
            result.already = True
        else:
            _apply(connection, path, sha, rows, by, result)
    crash_point("return-committed")
    # Each batch's log gets the return's event, and any its earlier commands left missing.
    with registry.engine.connect() as connection:
        touched = batches_of_return(connection, sha)
    result.unlogged = money_audit.complete_batches(registry, touched, "bank-return")
    return result


def _apply(
    connection: Connection,
    path: Path,
    sha: str,
    rows: pd.DataFrame,
    by: str,
    result: Reconciliation,
) -> None:
    """Apply the file's rows inside the reconciliation's transaction."""
    rows = _identified(connection, rows, result)
    known = store.payments_as_sent(connection, [p for p in rows["payment_id"] if p])
    now = dt.datetime.now(dt.UTC)
    changes, events = [], []
    done: set[str] = set()
    for row in rows.itertuples(index=False):  # in order: the first row for an id counts
        pid = str(row.payment_id)
        if not pid:
            continue  # matched to no payment for sure: listed by `_identified`
        payment = known.get(pid)
        outcome = _outcome(pid, row, payment, done)
        done.add(pid)  # a later row for this id is a duplicate, applied or not
        if isinstance(outcome, str):
            result.not_applied.append(outcome)
            continue
        assert payment is not None  # an unknown id is refused by `_outcome`
        state, discrepancy = outcome
        status = {PENDING: "pending", UNKNOWN: "unknown"}.get(str(row.outcome))
        paid = int(row.amount) if state == "paid" else payment["bank_amount_fen"]
        changes.append(
            {
                "pid": pid,
                "state": state,
                "bank_reason": (str(row.reason) or None) if row.reason else None,
                "discrepancy": discrepancy,
                "bank_amount_fen": paid,
                "updated_at": now,
                "account_problem": row.outcome == FAILED_ACCOUNT if state == "failed" else None,
                "bank_status": status,
            }
        )
        events.append(
            {
                "payment_id": pid,
                "event": "bank_return",
                "from_state": payment["state"],
                "to_state": state,
                "source": sha,
                "actor": by,
                "detail": (discrepancy or str(row.reason) or "")[:500] or None,
                "at": now,
            }
        )
        if status:
            result.still_at_bank.append(f"{pid}：{row.reason}（{OUTCOMES[str(row.outcome)]}）")
        else:
            result.count(pid, state, discrepancy, str(payment["batch_id"]))
        result.batches.add(str(payment["batch_id"]))
    if changes:
        store.set_bank_results(connection, changes)
        settled = {c["pid"]: c["state"] for c in changes if c["state"] != "sent"}
        for pid in recovery.netted_among(connection, list(settled)):
            recovery.settle_offsets(connection, pid, paid=settled[pid] == "paid")
    payment_states.add_events(connection, events)
    store.record_return(
        connection,
        sha256=sha,
        file_name=path.name,
        rows=len(rows),
        applied=result.applied,
        reconciled_by=by,
        reconciled_at=now,
    )


def _identified(connection: Connection, rows: pd.DataFrame, result: Reconciliation) -> pd.DataFrame:
    """The rows with their payment ids: a report of a layout without a reference field matched
    on account, name, amount and 当日次数 among the payments of its format and business day; a
    row of any other layout without a payment id is listed, not applied."""
    blank = rows["payment_id"].astype(str).str.strip() == ""
    if not blank.any():
        return rows
    by_line = blank & rows["file_date"].notna()
    for position in rows.index[blank & ~by_line]:
        result.not_applied.append(f"第{position + 1}条回盘记录：付款编号为空，未采用")
    found = rows.copy()
    for (format_name, day), group in rows[by_line].groupby(["bank_format", "file_date"]):
        matched = match(group, store.lines_of_day(connection, str(format_name), day))
        found.loc[group.index, "payment_id"] = matched.payment_ids
        # A payment the bank kept (转下批, 发送超时) is answered in a later day's report.
        later = group[[not pid for pid in matched.payment_ids]]
        kept = store.lines_still_at_bank(connection, str(format_name), day)
        again = match(later, kept) if len(later) and len(kept) else None
        for position, index in enumerate(later.index):
            if again is not None and again.payment_ids[position]:
                found.loc[index, "payment_id"] = again.payment_ids[position]
            else:
                result.not_applied.append(matched.why[list(group.index).index(index)])
    return found


def _outcome(
    pid: str,
    row: object,
    payment: dict | None,  # type: ignore[type-arg]
    done: set[str],
) -> tuple[str, str | None] | str:
    """The payment's new state and any discrepancy, or why the row is not applied."""
    outcome = str(row.outcome)  # type: ignore[attr-defined]
    said = str(row.reason or row.result)  # type: ignore[attr-defined]
    if payment is None:
        return f"{pid}：登记库中没有该付款编号"
    if pid in done:
        return f"{pid}：同一回盘文件中重复出现，仅采用第一行"
    state = payment["state"] or "prepared"
    if state not in (*OPEN, *SETTLED):
        return f"{pid}：该支付未经批准拨付（状态：{state}），回盘结果未采用"
    if outcome == REVERSED:
        if state in ("paid", *OPEN):
            return "reversed", None
        return f"{pid}：已{_STATE_TEXT[state]}，不能退汇"
    if state in SETTLED:
        return f"{pid}：已{_STATE_TEXT[state]}，再次出现的结果“{said}”未采用"
    if outcome == REVIEW:
        return f"{pid}：银行处理结果“{said}”须人工核对（未定义含义，或可能是重复报送），仍为已报送"
    if outcome in (PENDING, UNKNOWN):
        return "sent", None
    if outcome in (FAILED, FAILED_ACCOUNT):
        return "failed", None
    differences = []
    sent = _sent(payment)
    if int(row.amount) != sent:  # type: ignore[attr-defined]
        differences.append(
            f"金额 {fen_text(int(row.amount))} 与银行文件 {fen_text(int(sent))} 不符"  # type: ignore[attr-defined]
        )
    if str(row.account) != str(payment["sent_account"] or ""):  # type: ignore[attr-defined]
        differences.append("账号与银行文件不符")
    if "".join(str(row.name).split()) != "".join(str(payment["sent_name"] or "").split()):  # type: ignore[attr-defined]
        differences.append("户名与银行文件不符")
    return "paid", "；".join(differences) or None


def _sent(payment: dict) -> int:  # type: ignore[type-arg]
    """What the bank file carried for the payment (its amount less any netted recovery)."""
    return int(payment["sent_fen"] if payment["sent_fen"] is not None else payment["amount_fen"])


_STATE_TEXT = {
    "netted": "全额抵扣结清",
    "paid": "支付成功",
    "failed": "支付失败",
    "reversed": "退汇",
    "reissued": "重新支付",
}


def settle_by_hand(
    registry: Registry, payment_id: str, result: str, reason: str, by: str, checker: str
) -> str:
    """A payment whose return never arrived, settled by a person with a reason and a second
    person's check; returns the new state."""
    if result not in ("成功", "失败"):
        raise SettleRefused("手工确认的结果只能是成功或失败")
    if not reason.strip():
        raise SettleRefused("手工确认须填写依据（如银行出具的回单编号）")
    if not checker.strip() or checker.strip().casefold() == by.strip().casefold():
        raise SettleRefused("手工确认须由另一人复核（复核人不能是经办人本人）")
    state = "paid" if result == "成功" else "failed"
    with registry.engine.begin() as connection:
        serialized(connection, RECONCILE_LOCK)
        payment = store.payments_as_sent(connection, [payment_id]).get(payment_id)
        if payment is None:
            raise SettleRefused(f"登记库中没有付款编号 {payment_id}")
        if payment["state"] not in OPEN:
            raise SettleRefused(
                f"付款 {payment_id} 的状态是 {payment['state'] or 'prepared'}，只有已拨付、未对账的支付可以手工确认"
            )
        now = dt.datetime.now(dt.UTC)
        payment_states.set_state(
            connection,
            payment_id,
            state=state,
            bank_reason=reason.strip()[:255],
            bank_amount_fen=_sent(payment) if state == "paid" else None,
            updated_at=now,
            bank_status=None,
        )
        recovery.settle_offsets(connection, payment_id, paid=state == "paid")
        event = {
            "payment_id": payment_id,
            "event": "settled_by_hand",
            "from_state": payment["state"],
            "to_state": state,
            "source": "manual",
            "actor": f"{by.strip()}（复核：{checker.strip()}）",
            "detail": reason.strip()[:500],
            "at": now,
        }
        payment_states.add_events(connection, [event])
    crash_point("settle-committed")
    money_audit.complete_batches(registry, [str(payment["batch_id"])], "settle")
    return state

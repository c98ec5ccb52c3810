"""A bank file the bank refused whole (SPEC §8 Whole-file refusal): its count, total, date or
payer account was wrong, so nothing in it was paid. Every payment it carried fails with
`整批退回：<reason>` — not about any account — and is re-issued through approval.

The bank says so on its teller screen or reply (e.g. H019 总金额或总笔数不符), not in a return
file, so a clerk records it, with the bank's words, and a second person checks it: a file
wrongly recorded as refused would have its payments paid twice. Only a file recorded as sent
may be refused, and only while no return has answered any of its payments (a 转下批, a 发送超时
or any result means the bank loaded it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bank.outcomes import WHOLE_FILE
from ledger.faults import crash_point
from money import audit_steps as money_audit
from money import recovery
from money.reconcile import OPEN, RECONCILE_LOCK, SettleRefused
from policy.money import fen_grouped
from registry import payment_states
from registry import returns as store
from registry.database import Registry, serialized


@dataclass(frozen=True)
class FileRefusal:
    file_name: str
    failed: int
    amount_fen: int
    reason: str

    def summary(self) -> str:
        return (
            f"银行文件 {self.file_name} 已登记为整批退回：{self.failed} 笔、"
            f"{fen_grouped(self.amount_fen)} 元均记为支付失败（{self.reason}），"
            "可经审批后向原账户重新支付（subsidy reissue）"
        )


def refuse_file(
    registry: Registry, file_name: str, reason: str, by: str, checker: str
) -> FileRefusal:
    reason, by, checker = reason.strip(), by.strip(), checker.strip()
    if not reason:
        raise SettleRefused("整批退回须写明银行的退回原因（如：总金额或总笔数不符）")
    if not checker or checker.casefold() == by.casefold():
        raise SettleRefused("整批退回须由另一人复核（复核人不能是经办人本人）")
    said = reason if reason.startswith(WHOLE_FILE) else f"{WHOLE_FILE}：{reason}"
    with registry.engine.begin() as connection:
        serialized(connection, RECONCILE_LOCK)
        carried = store.payments_of_file(connection, file_name)
        if not carried:
            raise SettleRefused(f"登记库中没有银行文件 {file_name}（请写文件名，如 …-01.txt）")
        unsent = [p["payment_id"] for p in carried if p["state"] == "released"]
        if unsent:
            raise SettleRefused(
                f"银行文件 {file_name} 尚未登记报送银行（subsidy sent），不能登记为整批退回："
                "未报送的文件请勿上传，如需作废请退回本轮"
            )
        answered = [
            p["payment_id"]
            for p in carried
            if p["state"] not in OPEN or p["bank_status"] or p["answered"]
        ]
        if answered:
            raise SettleRefused(
                f"银行文件 {file_name} 中已有 {len(answered)} 笔有银行回盘结果（如 "
                f"{answered[0]}），说明银行已受理该文件，不是整批退回：请按回盘逐笔对账"
            )
        ids = [p["payment_id"] for p in carried]
        sent = store.payments_as_sent(connection, ids)
        now = dt.datetime.now(dt.UTC)
        store.set_bank_results(
            connection,
            [
                {
                    "pid": pid,
                    "state": "failed",
                    "bank_reason": said[:255],
                    "discrepancy": None,
                    "bank_amount_fen": None,
                    "updated_at": now,
                    "account_problem": False,
                    "bank_status": None,
                }
                for pid in ids
            ],
        )
        for pid in recovery.netted_among(connection, ids):
            recovery.settle_offsets(connection, pid, paid=False)
        payment_states.add_events(
            connection,
            [
                {
                    "payment_id": p["payment_id"],
                    "event": "file_refused",
                    "from_state": p["state"],
                    "to_state": "failed",
                    "source": file_name[:64],
                    "actor": f"{by}（复核：{checker}）",
                    "detail": said[:500],
                    "at": now,
                }
                for p in carried
            ],
        )
    crash_point("refusal-committed")
    money_audit.complete_batches(registry, sorted({str(p["batch_id"]) for p in carried}), "refused")
    amount = sum(int(s["sent_fen"] or s["amount_fen"]) for s in sent.values())
    return FileRefusal(file_name, len(ids), amount, said)

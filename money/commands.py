"""The money loop's steps as a flow or the `subsidy` command gives them (SPEC §8): each finds
the registry (`registry.opening`), opens it once, runs its use-case and says what it did in one
Chinese summary. A refusal (`policy.refusal.Refusal`) says why nothing was done."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bank.formats import load_formats
from bank.returns import read_return
from ledger.outputs import write_atomic
from money import approval, reconcile, recovery, reissue
from policy.money import text_to_fen
from policy.parameters import PolicySet
from registry.database import Registry
from registry.opening import REGISTRY_FILE, RegistryUnusable, opened, registry_url
from registry.schema import upgrade
from workbooks.recovery_sheet import FILE_NAME, recovery_workbook
from workbooks.social_cards import read_social_cards

APPROVE, SEND_BACK = approval.APPROVE, approval.SEND_BACK


@dataclass(frozen=True)
class Where:
    """Where the registry is: the address given (a parameter, the environment or a Secret,
    resolved by the caller), else the `registry.sqlite` beside `batch` or inside `out`."""

    address: str | None = None
    batch: Path | None = None
    out: Path | None = None
    create: bool = False  # a SQLite registry not there yet is made (the nightly run's own)

    def url(self) -> str | None:
        return registry_url(self.address, beside=self.batch, within=self.out)


@contextmanager
def registry_at(where: Where) -> Iterator[Registry]:
    url = where.url()
    if url is None:
        place = (
            f"批次目录 {where.batch} 旁没有 {REGISTRY_FILE}"
            if where.batch
            else f"{where.out} 中没有 {REGISTRY_FILE}"
            if where.out
            else "未指定登记库"
        )
        raise RegistryUnusable(
            f"找不到支付登记库：{place}；请设置环境变量 SUBSIDY_REGISTRY_URL，或指定登记库地址"
            "（命令行 --registry，界面“技术设置”）"
        )
    with opened(url, create=where.create) as registry:
        yield registry


def approve(
    where: Where,
    folder: Path,
    approver: str,
    policy: Callable[[], PolicySet],
    on: dt.date,
    round_: int | None,
    decision: str | None,
    reason: str | None,
    ask_round: str,
    reference: Path | None = None,
) -> approval.Approval:
    """Approve a round or send it back. Without a round, the refusal names the rounds that
    await approval (`ask_round` says where to type one); without a verdict, nothing is done.
    The policy (for the budget) and the 社保卡持卡库 (in `reference`) are read only for a round
    that may be decided."""
    with registry_at(where) as registry:
        if round_ is None:
            raise approval.name_the_round(folder, registry, ask_round)
        if decision is None:
            raise approval.ApprovalRefused(
                f"第 {round_} 轮：请选择审批结论（批准或退回），本次未作审批"
            )
        send_back = (reason or "") if decision == approval.SEND_BACK else None
        return approval.approve(
            folder,
            approver,
            registry,
            policy(),
            on,
            round_=round_,
            send_back=send_back,
            cards=read_social_cards(reference) if send_back is None else None,
        )


def record_sent(where: Where, folder: Path, by: str, round_: int | None = None) -> int:
    with registry_at(where) as registry:
        return approval.mark_sent(folder, by, registry, round_)


def reconcile_returns(where: Where, paths: list[Path], by: str) -> list[reconcile.Reconciliation]:
    """Every return file read first (one that cannot be read stops all, nothing applied), then
    each reconciled in turn."""
    formats = load_formats()
    for path in paths:
        read_return(path, formats)
    with registry_at(where) as registry:
        return [reconcile.reconcile(path, registry, by, formats) for path in paths]


def prepare_reissue(
    where: Where, out: Path, prepared_by: str, on: dt.date, corrections: Path | None
) -> str:
    with registry_at(where) as registry:
        lines = []
        if corrections:
            entered = reissue.enter_corrections(registry, corrections, prepared_by)
            lines.append(
                f"已登记账户更正 {entered} 条，须由另一人 subsidy approve-corrections 审核后使用"
            )
        prepared = reissue.prepare_reissue(registry, out, prepared_by, on)
        return "\n".join([*lines, prepared.summary()])


def approve_corrections(where: Where, corrections: Path, approver: str) -> str:
    with registry_at(where) as registry:
        count = reissue.approve_corrections(registry, corrections, approver)
    return f"已审核通过账户更正 {count} 条"


def mark_wrong(
    where: Where, payment_id: str, amount: str, reason: str, by: str, checker: str
) -> str:
    try:
        fen = text_to_fen(amount)
    except ValueError as problem:
        raise recovery.RecoveryRefused(str(problem)) from problem
    with registry_at(where) as registry:
        key = recovery.mark_wrong(registry, payment_id, fen, reason, by, checker)
    return f"已登记追回事项 {key}：{amount} 元（此后对同一受益对象的支付先行抵扣）"


def mark_recovered(where: Where, item_id: str, reason: str, by: str, checker: str) -> str:
    with registry_at(where) as registry:
        recovery.mark_recovered(registry, item_id, reason, by, checker)
    return f"追回事项 {item_id} 已登记为已追回"


def recoveries(where: Where, out: Path, on: dt.date) -> str:
    """The 追回清单 workbook of every item owed back, written into `out`."""
    with registry_at(where) as registry:
        items = recovery.items_frame(registry)
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    write_atomic(path, recovery_workbook(items, on.isoformat()))
    return f"追回清单：{path}（{len(items)} 项）"


def settle_by_hand(
    where: Where, payment_id: str, result: str, reason: str, by: str, checker: str
) -> str:
    with registry_at(where) as registry:
        state = reconcile.settle_by_hand(registry, payment_id, result, reason, by, checker)
    return f"付款 {payment_id} 已手工确认为 {state}"


def refuse_file(where: Where, file_name: str, reason: str, by: str, checker: str) -> str:
    from money.file_refusal import refuse_file as refuse

    with registry_at(where) as registry:
        return refuse(registry, file_name, reason, by, checker).summary()


def reconcile_statements(
    where: Where, files: list[Path], by: str, payer_account: str | None = None
) -> str:
    from money.statement import reconcile_statement

    with registry_at(where) as registry:
        return "\n".join(
            reconcile_statement(path, registry, by, payer_account=payer_account).summary()
            for path in files
        )


def export_paid_hashes(where: Where, year: str, out: Path, key: bytes | None) -> str:
    from money.paid_hashes import NoPartnerKey
    from money.paid_hashes import export_paid_hashes as export

    if key is None:
        raise NoPartnerKey(
            "未配置与合作省份共同持有的核查密钥（SUBSIDY_PARTNER_KEY 或 subsidy secret partner），"
            "未导出"
        )
    with registry_at(where) as registry:
        count = export(registry, key, year, out)
    return (
        f"已导出 {year} 年度已发放鲁渝劳务协作补贴人员的核查哈希 {count} 条：{out}（不含证件号码）"
    )


def upgrade_registry(url: str) -> str:
    """`subsidy migrate`: the registry brought to this version's schema (`UpgradeFailed`)."""
    return upgrade(url)

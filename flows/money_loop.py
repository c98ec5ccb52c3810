"""The money loop in the Prefect UI (SPEC §8): approve or send back a round, record the upload to
the bank, reconcile bank returns. Each is a short flow run against the registry, where the
round's state lives: nothing waits in a worker for an approver, and the same steps are
`subsidy approve`, `subsidy sent` and `subsidy bank-return` on the command line.

An approver is known by the name typed in the form (Prefect's open-source server does not pass
the signed-on user into a run); the audit log says so (`identity: typed`).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from flows.alerts import HOOKS
from flows.config import default_registry_folder, reference_folder, today
from flows.failures import reports_user_errors
from flows.form import (
    ApprovalReference,
    ApprovalRound,
    Approver,
    BatchFolder,
    Decision,
    Person,
    Policy,
    Reason,
    ReturnFiles,
    Storage,
    StorageField,
)
from flows.naming import name_this_run
from flows.secrets import registry_address
from money import commands
from money.commands import Where
from money.reconcile import Reconciliation
from policy.parameters import load_policy


@flow(name="approve", **HOOKS)
@reports_user_errors
def approve_round(
    batch: BatchFolder,
    approver: Approver,
    round: ApprovalRound = None,
    decision: Decision = None,
    reason: Reason = None,
    policy: Policy = None,
    reference: ApprovalReference = None,
    technical: StorageField = Storage(),  # noqa: B008  (a JSON default, never mutated)
) -> str:
    """Approve a round (its bank files are written) or send it back (nothing paid, claims freed).
    Persons are paid through their 社保卡, from the 社保卡持卡库 in the reference folder given,
    else the deployment's (SUBSIDY_REFERENCE).

    Args:
        batch: 批次输出目录（OUT/<批次号>）
        approver: 审批人姓名（不能是本轮经办人或复核人）
        round: 审批的复核轮次（须为待审批的轮次，即审批人所审阅的一轮；留空则本次运行列出待审批的轮次，不作审批）
        decision: 须填写“批准”或“退回”（无默认）。批准：按预算核对后写出银行文件；退回：须填写原因
        reason: 退回时必填；批准时可不填
        policy: 政策参数文件夹（预算；留空为内置参数）
        reference: 参考名单文件夹（社保卡持卡库，个人补贴发放至社保卡；留空为部署的参考名单文件夹）
        technical: 支付登记库（留空为批次目录旁的 registry.sqlite）

    Returns:
        the summary of the decision.
    """
    folder = Path(batch)
    done = commands.approve(
        _beside(folder, technical),
        folder,
        approver,
        lambda: load_policy(policy),
        today(),
        round,
        decision,
        reason,
        ask_round="请在“审批的复核轮次”中",
        reference=Path(reference) if reference else reference_folder(),
    )
    summary = done.summary()
    name_this_run(f"approve-{done.batch_id}-r{done.round}")
    create_markdown_artifact(
        _markdown("拨付审批", summary), key="approval", description=summary.splitlines()[0]
    )
    get_run_logger().info("%s", summary)
    return summary


@flow(name="record-sent", **HOOKS)
@reports_user_errors
def record_sent(
    batch: BatchFolder,
    by: Person,
    technical: StorageField = Storage(),  # noqa: B008
) -> int:
    """Record that an approved round's bank files were uploaded to the bank.

    Args:
        batch: 批次输出目录（OUT/<批次号>）
        by: 报送银行的经办人
        technical: 支付登记库（留空为批次目录旁的 registry.sqlite）

    Returns:
        the payments recorded as sent.
    """
    folder = Path(batch)
    sent = commands.record_sent(_beside(folder, technical), folder, by)
    name_this_run(f"sent-{folder.name}")
    get_run_logger().info("已登记报送银行：%d 笔", sent)
    return sent


@flow(name="bank-return", **HOOKS)
@reports_user_errors
def bank_return(
    files: ReturnFiles,
    by: Person,
    technical: StorageField = Storage(),  # noqa: B008
) -> list[str]:
    """Reconcile bank returns: each payment paid, failed or reversed; a file twice changes nothing.

    Args:
        files: 回盘文件（CSV、定长文本或 Excel）的路径（可多个）
        by: 对账人
        technical: 支付登记库（留空为默认输出目录中的 registry.sqlite）

    Returns:
        each file's summary.
    """
    address = registry_address(technical.registry or None)
    where = Where(address, out=None if address else default_registry_folder())
    done = reconcile_all([Path(f) for f in files], where, by)
    summaries = [d.summary() for d in done]
    name_this_run(f"bank-return-{today().isoformat()}")
    create_markdown_artifact(
        _markdown("银行回盘对账", "\n".join(summaries)),
        key="bank-return",
        description="银行回盘对账结果",
    )
    return Completed(message=outcome_message(done), data=summaries)  # type: ignore[return-value]


def outcome_message(done: list[Reconciliation]) -> str:
    """The run's final state message: what the bank paid, and whether anything needs a person
    (failed or reversed payments to re-issue, lines that did not match)."""
    if done and all(d.already for d in done):
        return "回盘文件此前已对账，本次未作任何更改"
    paid = sum(d.paid for d in done)
    failed = sum(d.failed + d.reversed for d in done)
    unmatched = sum(len(d.discrepancies) + len(d.not_applied) for d in done)
    said = f"回盘 {len(done)} 个文件：成功 {paid} 笔"
    if failed:
        said += f"，失败或退汇 {failed} 笔（须更正账户后重新支付）"
    if unmatched:
        said += f"，{unmatched} 条与登记不符或未入账（见日志，须人工核对）"
    unlogged = sorted({batch for d in done for batch in d.unlogged})
    if unlogged:
        said += f"；批次 {'、'.join(unlogged)} 的审计日志未找到，对账未记入日志（须人工核对）"
    return said if failed or unmatched or unlogged else said + "，全部相符"


def reconcile_all(paths: list[Path], where: Where, by: str) -> list[Reconciliation]:
    """Reconcile each return file; what each did, its summary and problems logged."""
    logger = get_run_logger()
    done = commands.reconcile_returns(where, paths, by)
    for path, each in zip(paths, done, strict=True):
        logger.info("%s", each.summary())
        for line in each.not_applied + each.discrepancies:
            logger.warning("回盘 %s：%s", path.name, line)
    return done


def _beside(folder: Path, technical: Storage) -> Where:
    """The registry named in the form (or by the environment), else the one beside the batch."""
    return Where(registry_address(technical.registry or None), batch=folder)


def _markdown(title: str, summary: str) -> str:
    """A short heading, then each line of the summary as an item (indented lines nested)."""
    items = [
        f"  - {line.strip()}" if line.startswith("  ") else f"- {line}"
        for line in summary.splitlines()
    ]
    return "\n".join([f"# {title}", "", *items])

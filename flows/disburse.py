"""The disbursement flow: workbooks in, ledger, bank file, decisions, audit and manifest out.

One flow serves the CLI, the nightly inbox and manual runs from the Prefect UI, whose "Custom
run" form is built from the typed parameters below; the defaults run on `sample_inputs/`.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed

from batch import run
from flows import summary
from flows.alerts import HOOKS
from flows.config import (
    ALL_PROGRAMS,
    DEFAULT_INPUTS,
    DEFAULT_OUT,
    DEFAULT_REFERENCE,
    Program,
    refuse_samples,
)
from flows.exclusive import takes_turns
from flows.failures import reports_user_errors
from flows.fanout import notify, read_workbooks
from flows.form import (
    AsOf,
    DryRun,
    Inputs,
    Out,
    Policy,
    PreparedBy,
    Programs,
    Reference,
    ReviewedLedger,
    Technical,
    TechnicalField,
    TopupOf,
)
from flows.naming import name_this_run, service_account
from flows.secrets import partner_key, registry_address
from flows.tasks import append_audit, decide_programs, forget_reads, settle_and_write


@flow(name="disburse", on_completion=[forget_reads], **HOOKS)
@reports_user_errors
@takes_turns
def disburse(
    inputs: Inputs = DEFAULT_INPUTS,
    as_of: AsOf = None,
    programs: Programs = ALL_PROGRAMS,
    reference: Reference = str(DEFAULT_REFERENCE),
    out: Out = str(DEFAULT_OUT),
    reviewed_ledger: ReviewedLedger = None,
    topup_of: TopupOf = None,
    policy: Policy = None,
    dry_run: DryRun = False,
    prepared_by: PreparedBy = None,
    technical: TechnicalField = Technical(),  # noqa: B008  (a JSON default, never mutated)
) -> str:
    """Decide every row of the input workbooks and write the batch's outputs.

    Args:
        inputs: 申请工作簿或所在文件夹的路径（可多个）
        as_of: YYYY-MM-DD，如 2020-12-31。新批次必填；复核后重新运行或补发时留空，沿用原批次的审核基准日
        programs: 本次处理的项目（可多选）
        reference: 参考名单文件夹（重点企业名单、建档立卡名单、严重失信名单）
        out: 输出目录，每个批次写入其中以批次号命名的子目录
        reviewed_ledger: 已填写“复核结论”的台账 ledger.xlsx 的路径，用于复核后重新运行
        topup_of: 已支付批次的批次号：按新的政策参数（下一项）重跑同一批申请，只支付差额（补发 N 笔 X 元记入日志和汇总）
        policy: 政策参数文件夹（留空为内置参数）。已支付的申请按新参数补发须同时填写上一项；只测算不支付请用 whatif
        dry_run: 只审核并生成输出，不在支付登记库中登记
        prepared_by: 经办人姓名（留空：计划运行记为服务账号，其余为运行所在机器的登录用户）；本轮拨付须由经办人以外的人审批
        technical: 支付登记库与读取方式；一般留空

    Returns:
        the batch folder.
    """
    logger = get_run_logger()
    refuse_samples(申请工作簿=list(inputs), 参考名单文件夹=reference, 输出目录=out)
    request = run.Request(
        [Path(p) for p in inputs],
        Path(reference) if reference else None,
        Path(out),
        {Program(p).name for p in programs},  # the codes of the programmes chosen
        as_of,
        Path(reviewed_ledger) if reviewed_ledger else None,
        dry_run,
        registry_address(technical.registry or None),
        policy,
        topup_of,
        prepared_by or service_account(),
        partner_key(),
    )
    request.out.mkdir(parents=True, exist_ok=True)
    with run.open_registry(request) as opened:
        for done in run.recover_crashed(request, opened):
            logger.warning(done)
        plan = run.plan(request, opened)
        files = read_workbooks(plan.paths, technical.dask_address or None)
        batch = run.admit(plan, files, opened)
        name_this_run(f"disburse-{batch.identity.batch_id}")
        kept = run.sent_back_folder(batch, opened)
        if kept is not None:
            said = f"批次 {batch.identity.batch_id} 已被审批人退回：未重新审核、未占用申领资格，输出为原文件"
            logger.warning("%s：%s", said, kept)
            return Completed(message=said, data=str(kept))  # type: ignore[return-value]
        for name in batch.unissued_columns:
            logger.warning(
                "文件 %s 含系统专用列“上年初参保职工人数”，但不是本系统生成的工作簿，已忽略该列",
                name,
            )
        _log_unusable(batch, plan.listing.ignored)
        notify(len(plan.paths), len(plan.paths), "审核、登记支付并写出台账")
        results = decide_programs(batch.files, plan.policy, plan.as_of, plan.references)
        del files  # the read frames: nothing after deciding reads them
        batch = batch.decided()
        settled, manifest = settle_and_write(results, batch, opened)
        append_audit(settled, manifest, batch, str(flow_run.id or "local"), opened)
    named = summary.parameter_names(plan.policy)
    summary.publish(manifest, settled, batch.folder, plan.listing.ignored, named)
    _log_review(settled)
    logger.info(
        "批次 %s 第 %d 轮复核已完成%s，台账：%s",
        batch.identity.batch_id,
        settled.round,
        "（重复运行，未重复支付）" if opened is not None and not settled.new_round else "",
        batch.folder / "ledger.xlsx",
    )
    bank = manifest.bank_file
    if bank.topups:
        logger.info("补发 %d 笔，%s 元（按新参数应付与已付的差额）", bank.topups, bank.topup_amount)
    rejected_all = summary.all_rejected(manifest)
    if rejected_all:
        logger.warning(rejected_all)
        # The run's final state carries the warning; a caller still gets the folder.
        return Completed(message=rejected_all, data=str(batch.folder))  # type: ignore[return-value]
    return str(batch.folder)


def _log_unusable(batch: run.Batch, ignored: int) -> None:
    """Every file the run did not decide, and why; nothing is skipped silently (SPEC §3)."""
    logger = get_run_logger()
    for item in batch.files:
        if item.error and item.error != "NOT_SELECTED":
            logger.warning("未处理文件 %s：%s %s", item.name, item.error, item.message)
    if ignored:
        logger.info("已忽略 %d 个 Office 临时文件（~$ 开头）或隐藏文件", ignored)


def _log_review(settled: run.SettledBatch) -> None:
    """Warn of every verdict the round set aside: unreadable, unknown or conflicting."""
    logger = get_run_logger()
    for problem in settled.review_notes:
        logger.warning("复核结论未采用：%s", problem)
    for code, why in settled.screening_missing.items():  # SPEC §2: never read as an empty list
        logger.warning("风险核查未做（%s，REFERENCE_MISSING）：%s", code, why)
    for conflict in settled.conflicts.itertuples():
        logger.warning(
            "复核冲突：%s %s 第%d行，采用“%s”，未采用“%s”（%s）",
            conflict.file,
            conflict.sheet,
            int(conflict.row),
            conflict.in_force or "无",
            conflict.ignored,
            conflict.reason,
        )

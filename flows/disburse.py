"""The disbursement flow: workbooks in, ledger, bank file, decisions, audit and manifest out.

One flow serves the CLI, the nightly inbox and manual runs from the Prefect UI, whose "Custom
run" form is built from the typed parameters below; the defaults run on `sample_inputs/`.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import replace
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import summary
from flows.config import ALL_PROGRAMS, DEFAULT_OUT, DEFAULT_REFERENCE, SAMPLE_INPUTS, Program, today
from flows.fanout import notify, read_workbooks
from flows.tasks import (
    BatchOutputs,
    RunInfo,
    append_audit,
    decide_programs,
    settle_and_write,
    without_unissued_system_columns,
)
from ledger.faults import crash_point
from ledger.publish import recover
from ledger.registry import BatchRecord, Registry, sqlite_url
from ledger.settlement import ReviewInput, batch_identity
from policy.parameters import load_policy
from workbooks.reader import list_workbooks, read_references
from workbooks.review import read_reviewed_ledger

DRY_RUN_SUFFIX = ".dry-run"


@flow(name="disburse")
def disburse(
    inputs: list[str] = [str(SAMPLE_INPUTS)],  # noqa: B006  (a JSON default, never mutated)
    reference: str | None = str(DEFAULT_REFERENCE),
    out: str = str(DEFAULT_OUT),
    as_of: dt.date | None = None,
    programs: list[Program] = ALL_PROGRAMS,
    reviewed_ledger: str | None = None,
    dry_run: bool = False,
    registry: str | None = None,
    policy: str | None = None,
    dask_address: str | None = None,
    topup_of: str | None = None,
) -> str:
    """Decide every row of the input workbooks and write the batch's outputs.

    Args:
        inputs: 申请工作簿或所在文件夹的路径（可多个）
        reference: 参考名单文件夹（重点企业名单、建档立卡名单、严重失信名单）
        out: 输出目录，每个批次写入其中以批次号命名的子目录
        as_of: 审核基准日（留空为今天）
        programs: 本次处理的项目（可多选）
        reviewed_ledger: 已填写“复核结论”的台账 ledger.xlsx，用于复核后重新运行
        dry_run: 只审核并生成输出，不在支付登记库中登记
        registry: 支付登记库地址（留空为输出目录中的 SQLite 文件；可填 PostgreSQL URL）
        policy: 政策参数文件夹（留空为内置参数；用于测算）
        dask_address: Dask 调度器地址（如 tcp://10.0.0.5:8786；填 local 为本机临时集群；留空为本机多线程）
        topup_of: 补发：已支付批次的批次号；用新参数（policy）重跑同一批申请，只支付差额

    Returns:
        the batch folder.
    """
    logger = get_run_logger()
    Path(out).mkdir(parents=True, exist_ok=True)
    for done in recover_crashed(Path(out), registry):
        logger.warning(done)
    review = read_reviewed_ledger(Path(reviewed_ledger)) if reviewed_ledger else None
    registry_url = None if dry_run else (registry or sqlite_url(str(Path(out) / "registry.sqlite")))
    original = _paid_batch(registry_url, topup_of) if topup_of else None
    as_of = as_of or (
        original.as_of if original else (review.as_of if review and review.as_of else today())
    )
    policy_set = load_policy(policy)
    references = read_references(Path(reference) if reference else None)
    paths = list_workbooks([Path(p) for p in inputs])
    files = read_workbooks(paths, dask_address)
    crash_point("read")
    selected = {Program(p).value for p in programs}
    files = [f.not_selected() if f.program and f.program not in selected else f for f in files]
    files, ignored = without_unissued_system_columns(files, _issued(registry_url, files))
    for name in sorted(set(ignored)):
        logger.warning(
            "文件 %s 含系统专用列“上年初参保职工人数”，但不是本系统生成的工作簿，已忽略该列", name
        )
    identity = batch_identity(
        [(f.name, f.sha256) for f in files],
        references.sha256,
        policy_set.version,
        as_of,
        lineage=original.lineage if original else None,
    )
    if review and review.batch_id != identity.batch_id:
        elsewhere = (
            f"复核台账属于批次 {review.batch_id or '（未知）'}，不是本批次 {identity.batch_id}，"
            "其中的复核结论均未采用"
        )
        review = replace(review, reviews={}, ignored=[*review.ignored, elsewhere])
    notify(len(paths), len(paths), "审核、登记支付并写出台账")
    results = decide_programs(files, policy_set, as_of, references)
    # A dry run never replaces a recorded batch's files: its outputs go beside them.
    folder = Path(out) / (f"{identity.batch_id}{DRY_RUN_SUFFIX}" if dry_run else identity.batch_id)
    verdicts = (
        ReviewInput(
            review.reviews, review.reviewer, getpass.getuser(), review.shown_amounts, review.ignored
        )
        if review
        else None
    )
    batch_outputs = BatchOutputs(folder, files, policy_set, {p.name: p for p in paths})
    settled, manifest = settle_and_write(results, identity, registry_url, verdicts, batch_outputs)
    rerun = bool(registry_url) and not settled.new_round
    run = RunInfo(str(flow_run.id or "local"), rerun, registry_url)
    append_audit(settled, manifest, batch_outputs, run)
    summary.publish(manifest, settled, folder)
    for problem in settled.review_notes:
        logger.warning("复核结论未采用：%s", problem)
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
    logger.info(
        "批次 %s 第 %d 轮复核已完成%s，台账：%s",
        identity.batch_id,
        settled.round,
        "（重复运行，未重复支付）" if rerun else "",
        folder / "ledger.xlsx",
    )
    return str(folder)


def recover_crashed(out: Path, registry: str | None) -> list[str]:
    """Publish or drop what a crashed run left staged in `out` (see `ledger.publish`)."""
    url = registry or sqlite_url(str(out / "registry.sqlite"))
    if not registry and not (out / "registry.sqlite").exists():
        return recover(out, lambda batch_id: None, url)
    found = Registry(url)
    try:
        return recover(out, found.manifest_of, url)
    finally:
        found.dispose()


class NotPaidBatch(Exception):
    """A top-up names a batch the registry has not recorded."""


def _paid_batch(registry_url: str | None, batch_id: str) -> BatchRecord:
    """The recorded batch a top-up continues: same applications (lineage) and `as_of`."""
    if registry_url is None:
        raise NotPaidBatch("补发需要支付登记库，不能与试运行同时使用")
    registry = Registry(registry_url)
    try:
        found = registry.batch_of(batch_id)
    finally:
        registry.dispose()
    if found is None:
        raise NotPaidBatch(f"支付登记库中没有批次 {batch_id}，无法补发")
    return found


def _issued(registry_url: str | None, files: list) -> set[str]:
    if registry_url is None:
        return set()
    registry = Registry(registry_url)
    try:
        return registry.issued([f.sha256 for f in files])
    finally:
        registry.dispose()

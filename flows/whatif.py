"""The what-if flow: `batch.whatif` wrapped for Prefect (its inputs read as tasks, a summary
artifact). Nothing is recorded or paid."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from batch import whatif as whatif_run
from flows.alerts import HOOKS
from flows.config import DEFAULT_REFERENCE
from flows.failures import reports_user_errors
from flows.fanout import read_workbooks
from flows.form import (
    BaselinePolicy,
    Batch,
    NewPolicy,
    OptionalInputs,
    OptionalOut,
    Reference,
)
from flows.tasks import forget_reads


@flow(name="whatif", on_completion=[forget_reads], **HOOKS)
@reports_user_errors
def whatif(
    batch: Batch,
    policy: NewPolicy,
    baseline_policy: BaselinePolicy = None,
    inputs: OptionalInputs = None,
    reference: Reference = str(DEFAULT_REFERENCE),
    out: OptionalOut = None,
) -> str:
    """Price a parameter change on a recorded batch, without paying or recording anything.

    Args:
        batch: 已运行批次的输出目录（OUT/<批次号>）
        policy: 拟采用的政策参数文件夹（调整后）
        baseline_policy: 该批次当时使用的政策参数文件夹（留空为内置参数，须与批次记录的版本一致）
        inputs: 申请工作簿或文件夹（留空则按审计日志记录的位置查找，并核对sha256）
        reference: 参考名单文件夹
        out: 测算结果输出目录（留空为批次目录旁的 whatif/）

    Returns:
        the folder holding whatif.xlsx.
    """
    logger = get_run_logger()
    pricing = whatif_run.plan(
        Path(batch),
        policy,
        baseline_policy,
        [Path(p) for p in inputs] if inputs else None,
        Path(reference) if reference else None,
    )
    files = read_workbooks(pricing.paths, None)
    comparison = whatif_run.price(pricing, files)
    target = whatif_run.write(pricing, comparison, Path(out) if out else None)
    create_markdown_artifact(whatif_run.markdown(comparison, pricing.facts()), key="whatif")
    logger.info("测算完成：%s", target / whatif_run.WORKBOOK)
    return str(target)

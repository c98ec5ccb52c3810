"""What-if: a recorded batch's applications decided again under other parameter files.

Nothing touches the registry. The batch's own parameters (checked against the version its
manifest names) give "before", the parameter folder asked for gives "after"; the comparison
workbook shows beneficiaries and amounts per programme and city, and every changed row.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.config import DEFAULT_REFERENCE
from flows.fanout import read_workbooks
from flows.tasks import decide_programs
from ledger import outputs
from ledger.batch_inputs import batch_inputs
from ledger.settlement import BatchIdentity, settle_batch
from ledger.whatif import PROVINCE, Comparison, changed_rows_csv, compare
from policy.money import fen_text
from policy.parameters import PolicySet, load_policy
from workbooks.ledger_writer import TITLES
from workbooks.reader import list_workbooks, read_references
from workbooks.whatif_writer import comparison_workbook

WORKBOOK = "whatif.xlsx"


class BaselineMismatch(Exception):
    """The parameters given as "before" are not the ones the batch was decided with."""


@flow(name="whatif")
def whatif(
    batch: str,
    policy: str,
    baseline_policy: str | None = None,
    inputs: list[str] | None = None,
    reference: str | None = str(DEFAULT_REFERENCE),
    out: str | None = None,
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
    folder = Path(batch)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    before_policy = load_policy(baseline_policy)
    if before_policy.version != manifest["policy_version"]:
        raise BaselineMismatch(
            f"基准参数版本 {before_policy.version} 与批次记录的 {manifest['policy_version']}"
            " 不一致，请用 baseline_policy 指定该批次当时的参数文件夹"
        )
    after_policy = load_policy(policy)
    paths = list_workbooks([Path(p) for p in inputs]) if inputs else batch_inputs(folder)
    as_of = dt.date.fromisoformat(manifest["as_of"])
    references = read_references(Path(reference) if reference else None)
    files = read_workbooks(paths, None)
    sides = []
    for side in (before_policy, after_policy):
        results = decide_programs(files, side, as_of, references)
        identity = BatchIdentity(manifest["batch_id"], "", as_of, side.version)
        sides.append(settle_batch(results, identity, None))
    comparison = compare(*sides)
    target = Path(out) if out else folder.parent / "whatif"
    target = target / f"{manifest['batch_id']}_{after_policy.version}"
    target.mkdir(parents=True, exist_ok=True, mode=0o750)
    facts = _facts(manifest, before_policy, after_policy, len(paths))
    outputs.write_atomic(target / WORKBOOK, comparison_workbook(comparison, facts))
    outputs.write_atomic(target / "changed_rows.csv", changed_rows_csv(comparison))
    create_markdown_artifact(markdown(comparison, facts), key="whatif")
    logger.info("测算完成：%s", target / WORKBOOK)
    return str(target)


def _facts(
    manifest: dict, before: PolicySet, after: PolicySet, files: int
) -> list[tuple[str, str]]:
    return [
        ("测算", "同一批申请按两套政策参数审核的对比（不登记、不支付，不查询支付登记库）"),
        ("批次", manifest["batch_id"]),
        ("审核基准日", manifest["as_of"]),
        ("调整前参数", before.version),
        ("调整后参数", after.version),
        ("申请文件", f"{files} 个"),
    ]


def markdown(comparison: Comparison, facts: list[tuple[str, str]]) -> str:
    lines = ["# 政策测算（what-if）", ""]
    lines += [f"- {label}：{value}" for label, value in facts]
    lines += [
        "",
        "| 项目 | 受益对象 调整前 | 调整后 | 金额 调整前（元） | 调整后（元） | 增减（元） |",
    ]
    lines.append("|---|---:|---:|---:|---:|---:|")
    totals = comparison.by_city[comparison.by_city["city"] == PROVINCE]
    for row in totals.itertuples():
        lines.append(
            f"| {TITLES[row.program]} | {row.beneficiaries_before} | {row.beneficiaries_after} | "
            f"{fen_text(row.amount_before)} | {fen_text(row.amount_after)} | "
            f"{fen_text(row.amount_change)} |"
        )
    lines += ["", f"结果变化的行：{len(comparison.changed)} 行。"]
    return "\n".join(lines) + "\n"

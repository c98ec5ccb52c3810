"""Policy finds people (免申即享): the refund rule over the contribution records, as a flow.

Writes the proposed list, the public-notice list and an application workbook for the eligible
enterprises that hold no refund claim yet; a clerk pays them by feeding that workbook to an
ordinary `disburse` run, which keeps the registry's guarantees. Nothing is paid here.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from batch.finds import NOTICE_FILE, PROPOSED_FILE, find_people
from flows.alerts import HOOKS
from flows.config import (
    DEFAULT_FINDS_OUT,
    DEFAULT_OUT,
    DEFAULT_RECORDS,
    DEFAULT_REFERENCE,
    refuse_samples,
    today,
)
from flows.failures import reports_user_errors
from flows.form import FindAsOf, Out, Policy, Records, Reference, Storage, StorageField
from flows.secrets import registry_address
from money.commands import Where
from policy.parameters import load_policy
from workbooks.notice import APPLICATION_FILE


@flow(name="find-people", **HOOKS)
@reports_user_errors
def find_eligible_enterprises(
    records: Records = DEFAULT_RECORDS,
    as_of: FindAsOf = None,
    reference: Reference = str(DEFAULT_REFERENCE),
    out: Out = str(DEFAULT_FINDS_OUT),
    policy: Policy = None,
    technical: StorageField = Storage(),  # noqa: B008  (a JSON default, never mutated)
) -> str:
    """List the enterprises the refund rule finds in the contribution records.

    Args:
        records: 参保缴费记录工作簿或所在文件夹（可多个）
        as_of: YYYY-MM-DD（留空为今天）
        reference: 参考名单文件夹（需含严重失信名单）
        out: 输出目录，每次结果写入以结果编号命名的子目录
        policy: 政策参数文件夹（留空为内置参数）
        technical: 支付登记库（留空为默认输出目录中的 registry.sqlite；用于排除已申领、已支付的企业）

    Returns:
        the result folder.
    """
    logger = get_run_logger()
    refuse_samples(参保缴费记录=list(records), 参考名单文件夹=reference, 输出目录=out)
    folder = find_people(
        [Path(p) for p in records],
        Path(out),
        Path(reference) if reference else None,
        registry_address(technical.registry or None) or default_registry(),
        as_of or today(),
        load_policy(policy),
        flow_run_id=str(flow_run.id or "local"),
    )
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    create_markdown_artifact(markdown(manifest, folder), key="policy-finds-people")
    logger.info(
        "免申即享：%s 家企业拟发放 %s 元，名单：%s",
        manifest["proposed"]["enterprises"],
        manifest["proposed"]["amount"],
        folder / NOTICE_FILE,
    )
    return str(folder)


def default_registry() -> str | None:
    """The disbursement flow's default registry, when one exists."""
    if str(DEFAULT_OUT) in ("", "."):  # production without SUBSIDY_OUT: none by default
        return None
    return Where(out=DEFAULT_OUT).url()


def markdown(manifest: dict, folder: Path) -> str:
    counts = manifest["decisions"]
    checked = "已核对" if manifest["claims"]["registry_checked"] else "未核对（未指定登记库）"
    return "\n".join(
        [
            f"# 免申即享测算 {manifest['id']}",
            "",
            f"- 测算基准日：{manifest['as_of']}；政策版本：{manifest['policy_version']}",
            f"- 参保记录 {counts['input_rows']} 条：符合条件 {counts['approved']}，"
            f"不符合 {counts['rejected']}",
            f"- 已申领或已支付企业：{checked}，{manifest['claims']['already_claimed']} 家",
            f"- 拟发放：{manifest['proposed']['enterprises']} 家，"
            f"{manifest['proposed']['amount']} 元",
            f"- 公示名单：`{folder / NOTICE_FILE}`；拟发放清单：`{folder / PROPOSED_FILE}`",
            f"- 审定后将 `{folder / APPLICATION_FILE}` 交由 disburse 运行支付",
            "",
        ]
    )

"""What-if: a recorded batch's applications decided again under other parameter files.

Nothing touches the registry. The batch's own parameters (checked against the version its
manifest names) give "before", the parameter folder asked for gives "after"; the comparison
workbook shows beneficiaries and amounts per programme and city, and every changed row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from batch.inputs import InputFile, decide
from ledger import outputs
from ledger.batch_inputs import batch_inputs
from ledger.manifest import Manifest
from ledger.settlement import BatchIdentity, settle_batch
from ledger.whatif import PROVINCE, Comparison, changed_rows_csv, compare
from policy.catalogue import TITLES
from policy.money import fen_text
from policy.parameters import PolicySet, changed_parameters, load_policy
from policy.refusal import Refusal
from workbooks.reader import References, list_inputs, read_references
from workbooks.whatif_writer import comparison_workbook

WORKBOOK = "whatif.xlsx"


class BaselineMismatch(Refusal):
    """The parameters given as "before" are not the ones the batch was decided with."""


@dataclass(frozen=True)
class Pricing:
    """What a what-if works from: the batch's manifest, both parameter sets, its inputs."""

    folder: Path
    manifest: Manifest
    before: PolicySet
    after: PolicySet
    paths: list[Path]
    references: References

    @property
    def as_of(self) -> dt.date:
        return dt.date.fromisoformat(self.manifest.as_of)

    @property
    def target(self) -> str:
        return f"{self.manifest.batch_id}_{self.after.version}"

    def facts(self) -> list[tuple[str, str]]:
        return [
            ("测算", "同一批申请按两套政策参数审核的对比（不登记、不支付，不查询支付登记库）"),
            ("批次", self.manifest.batch_id),
            ("审核基准日", self.manifest.as_of),
            ("调整前参数", self.before.version),
            ("调整后参数", self.after.version),
            ("申请文件", f"{len(self.paths)} 个"),
        ]


def plan(
    batch: Path,
    policy: str,
    baseline_policy: str | None,
    inputs: list[Path] | None,
    reference: Path | None,
) -> Pricing:
    """The batch's manifest and parameters; its inputs from the audit log unless given."""
    manifest = Manifest.read(batch)
    before = load_policy(baseline_policy)
    if before.version != manifest.policy_version:
        raise BaselineMismatch(
            f"基准参数版本 {before.version} 与批次记录的 {manifest.policy_version}"
            " 不一致，请用 baseline_policy 指定该批次当时的参数文件夹"
        )
    aside = (reference,) if reference else ()
    paths = list_inputs(inputs, aside=aside).workbooks if inputs else batch_inputs(batch)
    return Pricing(batch, manifest, before, load_policy(policy), paths, read_references(reference))


def price(pricing: Pricing, files: list[InputFile]) -> Comparison:
    """Decide and settle the files under both parameter sets (no registry) and compare."""
    sides = []
    for side in (pricing.before, pricing.after):
        results = decide(files, side, pricing.as_of, pricing.references)
        identity = BatchIdentity(pricing.manifest.batch_id, "", pricing.as_of, side.version)
        sides.append(settle_batch(results, identity, None))
    return compare(*sides)


def write(pricing: Pricing, comparison: Comparison, out: Path | None) -> Path:
    """whatif.xlsx and changed_rows.csv under `out` (beside the batch folder by default)."""
    target = (out or pricing.folder.parent / "whatif") / pricing.target
    target.mkdir(parents=True, exist_ok=True, mode=0o750)
    changes = changed_parameters(pricing.before, pricing.after)
    workbook = comparison_workbook(comparison, pricing.facts(), changes)
    outputs.write_atomic(target / WORKBOOK, workbook)
    outputs.write_atomic(target / "changed_rows.csv", changed_rows_csv(comparison))
    return target


def markdown(comparison: Comparison, facts: list[tuple[str, str]]) -> str:
    """The comparison for the run's page: its facts, then each programme's totals before and
    after for the province."""
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

"""Check a batch's output folder against its manifest, its audit chain and the registry.

`subsidy verify FOLDER` and `subsidy verify-audit FILE` report what does not hold, in Chinese
for clerks, one problem per line; an empty list means everything checked out. Both recompute
the Merkle root of every input file's decisions in every round the audit log recorded.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ledger import audit
from ledger.decision_roots import DECISIONS, known_secret, root_problems
from ledger.manifest import MANIFEST, Manifest
from ledger.outputs import file_sha256
from ledger.registry import Registry, sqlite_url
from policy.money import text_to_fen

AUDIT = "audit.jsonl"


def default_registry_url(folder: Path) -> str | None:
    """The registry a run writes by default: `registry.sqlite` beside the batch folders."""
    path = folder.parent / "registry.sqlite"
    return sqlite_url(str(path)) if path.exists() else None


def audit_problems(path: Path, registry_url: str | None) -> list[str]:
    """The first broken link of the audit chain, or a recorded head the log no longer holds;
    then, for a batch's log (one beside its `decisions.csv`), every input file's Merkle root
    recomputed from each round's decisions with the batch's secret (SPEC §4)."""
    if not path.exists():
        return [f"找不到审计日志 {path}"]
    batch_id = audit.batch_of(path)
    folder = path.parent
    registry = Registry(registry_url) if registry_url else None
    try:
        heads = registry.audit_heads_of(batch_id) if registry else []
        found = audit.verify(path, heads)
        if found is not None:
            return [f"审计日志 {path.name} 第 {found.line} 行：{found.problem}"]
        if not (folder / DECISIONS).exists():
            return []
        return root_problems(folder, path, known_secret(batch_id, folder, registry))
    finally:
        if registry is not None:
            registry.dispose()


def folder_problems(folder: Path, registry_url: str | None) -> list[str]:
    """Every output's sha256 against the manifest, the audit chain, and the registry's payments."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return [f"找不到 {MANIFEST}：{folder} 不是一个批次输出目录"]
    try:
        manifest = Manifest.read(folder)
    except (ValueError, KeyError, TypeError) as problem:
        return [f"{MANIFEST} 无法读取或缺少字段（{problem}）：清单被修改或不是本系统生成"]
    problems = []
    for name, expected in manifest.outputs.items():
        path = folder / name
        if not path.exists():
            problems.append(f"缺少文件 {name}")
        elif file_sha256(path) != expected:
            problems.append(f"文件 {name} 与清单记录的 sha256 不符（文件被修改或替换）")
    if not manifest.outputs:
        problems.append("清单中没有输出文件的 sha256（由旧版本生成），无法核对文件")
    problems += audit_problems(folder / AUDIT, registry_url)
    if registry_url:
        problems += _registry_problems(folder, manifest.batch_id, registry_url)
    return problems


def _registry_problems(folder: Path, batch_id: str, registry_url: str) -> list[str]:
    registry = Registry(registry_url)
    try:
        if not registry.batch_recorded(batch_id):
            return [f"登记库中没有批次 {batch_id}（试运行的批次不登记；或登记库地址不对）"]
        recorded = registry.payments_of(batch_id)
        committed = registry.manifest_of(batch_id)
    finally:
        registry.dispose()
    try:
        listed = _listed_payments(folder / "payments.csv")
    except (OSError, KeyError, ValueError, ArithmeticError):
        return ["payments.csv 缺失或无法解析，无法与登记库核对支付"]
    problems = []
    if committed != file_sha256(folder / MANIFEST):
        problems.append(
            "manifest.json 不是登记库提交支付时记录的清单（清单被替换，或批次未完成提交）"
        )
    for payment_id in sorted(listed.keys() - recorded.keys()):
        problems.append(f"payments.csv 中的支付 {payment_id} 未在登记库中登记")
    for payment_id in sorted(recorded.keys() - listed.keys()):
        problems.append(f"登记库中的支付 {payment_id} 不在 payments.csv 中")
    for payment_id in sorted(listed.keys() & recorded.keys()):
        if listed[payment_id] != recorded[payment_id]:
            problems.append(f"支付 {payment_id} 的金额与登记库不符")
    return problems


def _listed_payments(path: Path) -> dict[str, int]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    return {row["payment_id"]: text_to_fen(row["amount"]) for row in rows}


def money_proof(folder: Path, registry_url: str) -> tuple[list[str], list[str]]:
    """The money loop's proof for the batch's rounds (SPEC §8): lines to show, and problems."""
    from ledger.proof import overpaid, prove
    from ledger.recovery import items_frame

    batch_id = Manifest.read(folder).batch_id
    with Registry(registry_url) as registry:
        proofs = prove(registry, batch_id, folder)
        over = overpaid(registry)
        items = items_frame(registry)
    lines = [line for proof in proofs for line in proof.lines()]
    if not items.empty:
        by_status = items.groupby("status")["amount_fen"].agg(["size", "sum"])
        lines.append(
            "追回事项（登记库全部）："
            + "，".join(
                f"{s} {int(r['size'])} 项 {int(r['sum']) / 100:,.2f} 元"
                for s, r in by_status.iterrows()
            )
            + f"；尚待追回 {int(items['open'].sum()) / 100:,.2f} 元"
        )
    problems = [problem for proof in proofs for problem in proof.problems] + over
    return lines, problems

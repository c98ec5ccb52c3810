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
from money import completion
from money.completion import BANK
from money.round_files import ROUNDS_DIR
from policy.money import text_to_fen
from registry.opening import opened, opened_if
from registry.releases import unrecorded_approval_sheets
from workbooks.approval_sheet import FILE_NAME as APPROVAL_FILE

AUDIT = "audit.jsonl"


def audit_problems(path: Path, registry_url: str | None) -> list[str]:
    """The first broken link of the audit chain, or a recorded head the log no longer holds;
    then, for a batch's log (one beside its `decisions.csv`), every input file's Merkle root
    recomputed from each round's decisions with the batch's secret (SPEC §4)."""
    if not path.exists():
        return [f"找不到审计日志 {path}"]
    batch_id = audit.batch_of(path)
    folder = path.parent
    with opened_if(registry_url) as registry:
        heads = registry.audit_heads_of(batch_id) if registry else []
        found = audit.verify(path, heads)
        if found is not None:
            return [f"审计日志 {path.name} 第 {found.line} 行：{found.problem}"]
        if not (folder / DECISIONS).exists():
            return []
        return root_problems(folder, path, known_secret(batch_id, folder, registry))


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
        problems += _money_events_missing(folder, manifest.batch_id, registry_url)
    return problems


def _money_events_missing(folder: Path, batch_id: str, registry_url: str) -> list[str]:
    """Each sent, return or hand settlement the registry committed and the log lacks (SPEC §8)."""
    from money.audit_steps import missing

    with opened(registry_url) as registry:
        return missing(folder, batch_id, registry)


def _registry_problems(folder: Path, batch_id: str, registry_url: str) -> list[str]:
    """Each round the registry committed against its own files under `rounds/<n>/` (SPEC §6),
    every money-loop step the registry holds against the audit log, and every file under
    `bank/` against what the registry recorded (SPEC §8)."""
    with opened(registry_url) as registry:
        if not registry.batch_recorded(batch_id):
            return [f"登记库中没有批次 {batch_id}（试运行的批次不登记；或登记库地址不对）"]
        committed = registry.manifest_of(batch_id)
        rounds = registry.rounds_of(batch_id)
        recorded = {number: registry.payments_of(batch_id, number) for number in rounds}
        with registry.engine.connect() as connection:
            gaps = completion.audit_gaps(folder, connection, batch_id)
            files = completion.recorded_files(connection, batch_id)
            unrecorded = unrecorded_approval_sheets(connection, batch_id, completion.APPROVE)
    problems = []
    if committed != file_sha256(folder / MANIFEST):
        problems.append(
            "manifest.json 不是登记库提交支付时记录的清单（清单被替换，或批次未完成提交）"
        )
    for number, sha in sorted(rounds.items()):
        problems += _round_problems(folder, number, sha, recorded[number])
    problems += [_gap_line(event) for event in gaps]
    problems += _bank_folder_problems(folder, files, unrecorded)
    return problems


def _round_problems(
    folder: Path, number: int, committed: str | None, recorded: dict[str, int]
) -> list[str]:
    """One round's manifest is the one it committed, its own files are as that manifest
    records, and its `payments.csv` lists exactly the payments the registry holds for it."""
    kept = Path(ROUNDS_DIR) / str(number)
    if not (folder / kept / MANIFEST).is_file():
        if not ((folder / MANIFEST).is_file() and file_sha256(folder / MANIFEST) == committed):
            return [f"缺少第 {number} 轮的文件 {kept / MANIFEST}"]
        kept = Path()  # a batch written before rounds were kept apart: its own files
    if file_sha256(folder / kept / MANIFEST) != committed:
        return [
            f"第 {number} 轮的 {kept / MANIFEST} 不是登记库提交该轮时记录的清单（被修改或替换）"
        ]
    try:
        manifest = Manifest.read(folder / kept)
    except (ValueError, KeyError, TypeError):
        return [f"第 {number} 轮的 {kept / MANIFEST} 无法读取"]
    problems = []
    for name, expected in manifest.outputs.items():
        if kept == Path() or not name.startswith(f"{kept}/"):
            continue  # the batch's own files: checked against the batch's manifest
        if not (folder / name).is_file():
            problems.append(f"缺少文件 {name}")
        elif file_sha256(folder / name) != expected:
            problems.append(
                f"文件 {name} 与第 {number} 轮清单记录的 sha256 不符（文件被修改或替换）"
            )
    try:
        listed = _listed_payments(folder / kept / "payments.csv")
    except (OSError, KeyError, ValueError, ArithmeticError):
        return [*problems, f"第 {number} 轮的 payments.csv 缺失或无法解析，无法与登记库核对支付"]
    where = f"第 {number} 轮 payments.csv"
    for payment_id in sorted(listed.keys() - recorded.keys()):
        problems.append(f"{where} 中的支付 {payment_id} 未在登记库中登记")
    for payment_id in sorted(recorded.keys() - listed.keys()):
        problems.append(f"登记库中的支付 {payment_id} 不在{where} 中")
    for payment_id in sorted(listed.keys() & recorded.keys()):
        if listed[payment_id] != recorded[payment_id]:
            problems.append(f"支付 {payment_id} 的金额与登记库不符（{where}）")
    return problems


def _gap_line(event: dict[str, object]) -> str:
    """A step the registry holds that the audit log does not (a command killed in between)."""
    if event["event"] == "reissue_prepared":
        return (
            f"登记库已登记重新支付批次 {event['batch_id']}，审计日志中却没有其准备事件"
            "（命令在登记后中断）：再次运行 subsidy reissue 或审批该批次即补记"
        )
    return (
        f"登记库记录了第 {event['round']} 轮的审批（{event['approver']} "
        f"{'批准' if event['event'] == 'round_approved' else '退回'}，{event['decided_at']}），"
        "审计日志中却没有该审批事件（命令在登记后中断）：再次运行 subsidy approve 该批次即补记"
    )


def _bank_folder_problems(
    folder: Path, files: dict[str, tuple[int, str | None]], unrecorded: list[int]
) -> list[str]:
    """Every file under `bank/` is one the registry recorded (a bank file or a 拨付审批单), as
    recorded; any other is named (left by a killed approval, or a copy)."""
    problems = [
        f"第 {number} 轮的拨付审批单没有记录 sha256（由旧版本审批），无法核对"
        for number in unrecorded
    ]
    legacy = {APPROVAL_FILE} if unrecorded else set()
    sheets = {name for name in files if name.endswith(APPROVAL_FILE)}
    for name in sorted(sheets):
        path = folder / BANK / name
        if not path.is_file():
            problems.append(f"缺少拨付审批单 {BANK}/{name}")
        elif file_sha256(path) != files[name][1]:
            problems.append(f"拨付审批单 {BANK}/{name} 与登记库记录的 sha256 不符（被修改或替换）")
    bank = folder / BANK
    found = sorted(p for p in bank.rglob("*") if p.is_file()) if bank.is_dir() else []
    for path in found:
        name = str(path.relative_to(bank))
        if name not in files and name not in legacy:
            problems.append(
                f"{BANK}/{name} 不是登记库记录的银行文件或拨付审批单（中断的审批留下的、"
                "复制的或放入的文件）：不得报送银行，核实后移出"
            )
    return problems


def _listed_payments(path: Path) -> dict[str, int]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    return {row["payment_id"]: text_to_fen(row["amount"]) for row in rows}


def money_proof(folder: Path, registry_url: str) -> tuple[list[str], list[str]]:
    """The money loop's proof for the batch's rounds (SPEC §8): lines to show, and problems."""
    from money.proof import overpaid, prove
    from money.recovery import items_frame
    from money.statement import statement_totals

    batch_id = Manifest.read(folder).batch_id
    with opened(registry_url) as registry:
        proofs = prove(registry, batch_id, folder)
        over = overpaid(registry)
        items = items_frame(registry)
        statement = statement_totals(registry)
    lines = [line for proof in proofs for line in proof.lines()] + statement
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

"""What a money-loop command left undone when it was killed after its registry commit (SPEC §8).

Money leaves only through steps recorded in the registry *and* the audit log. An approval
stages its bank files and 拨付审批单 beside `bank/` (`.bank-r<n>.pending/`) inside its registry
transaction, commits, then moves them into `bank/` and appends its audit event; a re-issue
commits its batch, then appends `reissue_prepared`. A kill in between leaves a step the registry
holds and the folder or the log does not: the next command on the batch finishes it
(`complete`), from what the registry recorded, and until then `verify` names the gap
(`audit_gaps`). An event is appended once however many commands finish the same step.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ledger import audit
from ledger.manifest import MANIFEST, Manifest
from ledger.outputs import file_sha256
from policy.money import fen_text
from registry import reissues
from registry import releases as store
from registry.database import Connection, Registry
from registry.releases import recorded_files

__all__ = ["audit_gaps", "complete", "expected_events", "pending_folder", "recorded_files"]

BANK = "bank"
APPROVE, SEND_BACK = "批准", "退回"
REISSUE = reissues.REISSUE  # a re-issue batch's policy version


def pending_folder(folder: Path, number: int) -> Path:
    """Where an approval's files wait for its registry commit: hidden, outside `bank/`."""
    return folder / f".{BANK}-r{number}.pending"


def expected_events(connection: Connection, batch_id: str) -> list[dict[str, Any]]:
    """The audit events the registry's record of the batch's money-loop steps implies."""
    events = []
    if store.policy_version_of(connection, batch_id) == REISSUE:
        events.append(_reissue_event(connection, batch_id))
    events += [_approval_event(connection, row) for row in store.decided(connection, batch_id)]
    return events


def audit_gaps(folder: Path, connection: Connection, batch_id: str) -> list[dict[str, Any]]:
    """The implied events the batch's audit log does not hold."""
    log = folder / audit.AUDIT
    logged = audit.logged_steps(log) if log.exists() else set()
    return [e for e in expected_events(connection, batch_id) if audit.step_key(e) not in logged]


def complete(
    folder: Path, registry: Registry, own: tuple[str, int | None] | None = None
) -> list[str]:
    """Finish the batch's committed steps: publish an approval's staged files, append the audit
    events the log misses. `own` is the step (batch, round) the calling command itself just
    committed; any other is marked as completed late. Returns what was done, in Chinese, for
    steps left by an earlier command (nothing for a complete batch)."""
    if not (folder / MANIFEST).is_file():
        return []
    try:
        batch_id = Manifest.read(folder).batch_id
    except (ValueError, KeyError, TypeError):
        return []  # `approve` and `verify` say what is wrong with the manifest
    with registry.engine.connect() as connection:
        # Decided rounds first, then their files: an approval committing between the two reads
        # is then either not seen at all or seen with its files, never decided without them
        # (which would take its staged files for leftovers).
        decided = store.rounds_decided(connection, batch_id, APPROVE)
        files = recorded_files(connection, batch_id)
        missing = audit_gaps(folder, connection, batch_id)
    done = [
        f"批次 {batch_id} 第 {number} 轮：审批已提交但银行文件未移入 bank/（上次命令中断），已补齐"
        for number in sorted(decided)
        if _publish(folder, number, files) and (batch_id, number) != own
    ]
    late = [e for e in missing if (e["batch_id"], e.get("round")) != own]
    for event in late:
        event["completed"] = "上次命令在登记库提交后中断，由下一条命令补记"
    if missing:
        appended = audit.append_once(folder / audit.AUDIT, missing)
        if appended.events:
            step = "complete" if late else str(missing[0]["event"])
            registry.record_audit_head(batch_id, appended.head, step, appended.events)
        if late and appended.events:
            done.append(f"批次 {batch_id}：已补记审计日志中缺少的 {len(late)} 条事件")
    return done


def _publish(folder: Path, number: int, files: dict[str, tuple[int, str | None]]) -> bool:
    """Move a committed approval's staged files into `bank/` (never over another file)."""
    pending = pending_folder(folder, number)
    if not pending.is_dir():
        return False
    target = folder / BANK
    target.mkdir(exist_ok=True)
    try:
        staged = sorted(pending.iterdir())
    except FileNotFoundError:
        return False  # another command finishing the same step published it all
    for path in staged:
        try:
            if files.get(path.name) != (number, file_sha256(path)):
                path.unlink()  # not what the registry committed: never released
            elif not (target / path.name).exists():
                path.replace(target / path.name)
            elif file_sha256(target / path.name) == file_sha256(path):
                path.unlink()
            # else another file holds its name: left staged, and `verify` names both
        except FileNotFoundError:
            continue  # another command finishing the same step moved it first
    if pending.is_dir() and not any(pending.iterdir()):
        shutil.rmtree(pending, ignore_errors=True)
    return True


def _approval_event(connection: Connection, release: dict[str, Any]) -> dict[str, Any]:
    batch_id, number = str(release["batch_id"]), int(release["round"])
    written = store.round_files(connection, batch_id, number)
    count = store.round_payment_count(connection, batch_id, number)
    held = store.round_held(connection, batch_id, number)
    fen = sum(int(amount) for _, _, amount in written)
    decided_at = release["decided_at"]
    return {
        "event": "round_approved" if release["decision"] == APPROVE else "round_sent_back",
        "batch_id": batch_id,
        "round": number,
        "approver": str(release["decided_by"]),
        "identity": str(release["identity"] or ""),
        "reason": str(release["reason"] or ""),
        "decided_at": decided_at.isoformat() if decided_at is not None else "",
        "payments": int(count),
        "released": sum(int(rows) for _, rows, _ in written),
        "released_amount": f"{fen // 100}.{fen % 100:02d}",
        "held": held,
        "bank_files": [str(name) for name, _, _ in written],
        "approval_sheet": str(release.get("approval_file") or ""),
        "approval_sha256": str(release.get("approval_sha256") or ""),
    }


def _reissue_event(connection: Connection, batch_id: str) -> dict[str, Any]:
    rows = store.batch_amounts(connection, batch_id)
    prepared_by = store.prepared_by(connection, batch_id)
    fen = sum(int(amount) for amount, _ in rows)
    return {
        "event": "reissue_prepared",
        "batch_id": batch_id,
        "prepared_by": str(prepared_by or ""),
        "payments": len(rows),
        "amount": fen_text(fen),
        "originals": sorted(str(original) for _, original in rows),
    }

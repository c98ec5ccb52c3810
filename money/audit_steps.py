"""The money loop's later steps in the audit log (SPEC §8 settled points): the upload to the bank
recorded (`round_sent`), each return file applied (`bank_return`, one event per batch it
touched), each settlement by hand (`settled_by_hand`), each payment of a file the bank refused
whole (`file_refused`), each with who and when.

The registry records each change and commits first; the same command then appends the event
to the batch's `audit.jsonl`. A command killed between the two leaves the event missing: the
next money-loop command that touches the batch (`approve`, `sent`, `bank-return`, `settle`)
appends every event the registry holds and the log lacks, and `verify` names any still missing.
The events are made from the registry alone, each with its registry key (the round, the return
file's sha256, the registry's event id), so none is written twice.

A return file or a settlement names payments, not folders: a batch's log is found in the folder
its rounds were approved in (recorded at approval), else beside a SQLite registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ledger import audit
from ledger.masking import mask_text
from policy.money import fen_text
from registry import events as store
from registry.database import Connection, Registry

KINDS = ("round_sent", "bank_return", "settled_by_hand", "file_refused")
AUDIT = "audit.jsonl"


def key(event: dict[str, Any]) -> str:
    """What an event records in the registry: its round, return file or registry event."""
    kind = event["event"]
    if kind == "round_sent":
        return f"{kind}:{event['round']}"
    if kind == "bank_return":
        return f"{kind}:{event['sha256']}"
    return f"{kind}:{event['registry_event']}"


def _moment(value: dt.datetime) -> str:
    return store.utc(value).isoformat(timespec="milliseconds")


def recorded(connection: Connection, batch_id: str) -> list[dict[str, Any]]:
    """Every sent, return and hand-settlement event the registry holds for the batch, oldest
    first."""
    events: list[tuple[str, dict[str, Any]]] = []
    for number, by, at in store.rounds_sent(connection, batch_id):
        count = store.payments_sent(connection, batch_id, int(number))
        files = store.round_bank_files(connection, batch_id, int(number))
        moment = _moment(at)
        events.append(
            (
                moment,
                {
                    "event": "round_sent",
                    "batch_id": batch_id,
                    "round": int(number),
                    "by": str(by),
                    "at": moment,
                    "payments": int(count),
                    "bank_files": [str(name) for name, _ in files],
                    "amount": fen_text(sum(int(fen) for _, fen in files)),
                },
            )
        )
    by_file: dict[str, dict[str, Any]] = {}
    for sha, state, count, fen, actor, at in store.returns_applied(connection, batch_id):
        event = by_file.setdefault(
            str(sha),
            {
                "event": "bank_return",
                "batch_id": batch_id,
                "sha256": str(sha),
                "by": str(actor),
                "at": _moment(at),
                "paid": 0,
                "failed": 0,
                "reversed": 0,
                "amounts": {},
            },
        )
        event[str(state)] = int(count)
        event["amounts"][str(state)] = fen_text(int(fen))
    if by_file:
        names = store.return_file_names(connection, list(by_file))
        for sha, event in by_file.items():
            event["file"] = str(names.get(sha, ""))
            events.append((event["at"], event))
    for number, kind, pid, before, after, actor, reason, at in store.settled_by_hand(
        connection, batch_id
    ):
        moment = _moment(at)
        events.append(
            (
                moment,
                {
                    "event": str(kind),
                    "batch_id": batch_id,
                    "registry_event": int(number),
                    "payment_id": str(pid),
                    "from_state": str(before),
                    "to_state": str(after),
                    "by": str(actor),
                    "at": moment,
                    "reason": mask_text(str(reason or "")),
                },
            )
        )
    return [event for _, event in sorted(events, key=lambda pair: (pair[0], key(pair[1])))]


def log_of(folder: Path, batch_id: str) -> Path | None:
    """The batch's audit log in `folder`, if it is there (never a new log in a stray folder)."""
    path = folder / AUDIT
    if not path.is_file() or audit.batch_of(path) != batch_id:
        return None
    return path


def complete(registry: Registry, batch_id: str, folder: Path, step: str) -> bool:
    """Append to the batch's log every event the registry holds and the log lacks; False when
    the log is not in `folder` (the events wait for the next command)."""
    log = log_of(folder, batch_id)
    if log is None:
        return False
    with registry.engine.connect() as connection:
        wanted = recorded(connection, batch_id)
    if wanted:
        appended = audit.append_missing(log, wanted, key)
        if appended.events:
            registry.record_audit_head(batch_id, appended.head, step, appended.events)
    return True


def complete_batches(registry: Registry, batch_ids: Iterable[str], step: str) -> list[str]:
    """`complete` for each batch, in the folder it was approved in; the batches whose log was
    not found there."""
    wanted = sorted(set(batch_ids))
    if not wanted:
        return []
    with registry.engine.connect() as connection:
        recorded_folders = store.approval_folders(connection, wanted)
    beside = registry.sqlite_file()
    missing = []
    for batch_id in wanted:
        places = [Path(recorded_folders[batch_id])] if batch_id in recorded_folders else []
        if beside is not None:
            places.append(beside.parent / batch_id)
        if not any(complete(registry, batch_id, place, step) for place in places):
            missing.append(batch_id)
    return missing


def missing(folder: Path, batch_id: str, registry: Registry) -> list[str]:
    """The events the registry holds for the batch that its log lacks, as `verify` names them."""
    log = folder / AUDIT
    if not log.is_file():
        return []
    with registry.engine.connect() as connection:
        wanted = recorded(connection, batch_id)
    held = {key(e) for kind in KINDS for _, e in audit.events_of(log, kind)}
    lines = []
    for event in wanted:
        if key(event) in held:
            continue
        if event["event"] == "round_sent":
            what = f"第 {event['round']} 轮登记报送银行"
        elif event["event"] == "bank_return":
            what = f"回盘文件 {event['file']} 的对账结果"
        else:
            what = f"付款 {event['payment_id']} 的手工确认"
        lines.append(
            f"审计日志缺少登记库已记录的事件：{what}（{event['by']}，{event['at']}）"
            "；下一次对该批次执行 approve、sent、bank-return 或 settle 时补记"
        )
    return lines

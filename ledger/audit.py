"""The tamper-evident audit log: JSON lines, each event hashing the one before it.

Every run appends its own events (run steps and one event per decision) to the batch's
`audit.jsonl`. An event's `hash` is sha256 over the previous event's hash and the event's own
canonical JSON, so editing, removing, inserting or reordering any line breaks the chain from
there on. ID numbers and bank accounts are masked before they are written.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ledger.masking import mask_account, mask_id, mask_text
from policy.money import fen_text

GENESIS = "0" * 64


def canonical(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(previous: str, event: dict[str, Any]) -> str:
    return hashlib.sha256((previous + canonical(event)).encode()).hexdigest()


def last_hash(path: Path) -> str:
    """The hash at the head of an existing log (the genesis value for a new one)."""
    if not path.exists() or path.stat().st_size == 0:
        return GENESIS
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read().decode("utf-8").strip().splitlines()
    return json.loads(tail[-1])["hash"]


def append_events(path: Path, events: Iterable[dict[str, Any]]) -> str:
    """Append events with their chain hashes; returns the new head hash."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with open(descriptor, "a", encoding="utf-8") as handle:
        # Two runs of one batch at once must not both chain onto the same head.
        fcntl.flock(handle, fcntl.LOCK_EX)
        previous = last_hash(path)
        for event in events:
            body = {"time": now, **event, "prev_hash": previous}
            previous = chain_hash(previous, body)
            handle.write(canonical({**body, "hash": previous}) + "\n")
    return previous


@dataclass(frozen=True)
class ChainBreak:
    line: int
    problem: str


def verify(path: Path) -> ChainBreak | None:
    """The first line whose link or own hash does not hold, or None when the chain is intact."""
    previous = GENESIS
    for number, line in enumerate(_lines(path), start=1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            return ChainBreak(number, "不是有效的JSON")
        stated = event.pop("hash", None)
        if event.get("prev_hash") != previous:
            return ChainBreak(number, "与上一条事件的哈希链接不符（删除、插入或调换了事件）")
        if chain_hash(previous, event) != stated:
            return ChainBreak(number, "事件内容与其哈希不符（事件被修改）")
        previous = stated
    return None


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line


def decision_events(
    decisions: pd.DataFrame,
    batch_id: str,
    flow_run_id: str,
    file_hashes: dict[str, str],
    policy_version: str,
    reviews: Mapping[tuple[str, str, str, int], Any] | None = None,
) -> list[dict[str, Any]]:
    """One audit event per decision, personal data masked; reviewed rows carry the verdict."""
    events = []
    reviews = reviews or {}
    for r in decisions.itertuples(index=False):
        event = {
            "event": "decision",
            "flow_run_id": flow_run_id,
            "batch_id": batch_id,
            "file": r.file,
            "input_sha256": file_hashes.get(r.file, ""),
            "sheet": r.sheet,
            "row": int(r.row),
            "program": r.program,
            "rule": f"{r.program}:{r.basis}",
            "parameter_version": policy_version,
            "outcome": r.outcome,
            "reason_codes": r.reason_codes,
            "amount": fen_text(int(r.amount)),
            "credit_code": r.credit_code,
            "id_number": mask_id(r.id_number),
            "bank_account": mask_account(r.bank_account),
        }
        review = reviews.get((r.program, r.file, r.sheet, int(r.row)))
        if review is not None:
            event["review"] = {"verdict": review.verdict, "comment": mask_text(review.comment)}
        events.append(event)
    return events

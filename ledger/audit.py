"""The tamper-evident audit log: JSON lines, each event hashing the one before it.

Every run appends its own events (its steps, one per input file with the Merkle root of that
file's decisions, one per reviewer verdict; `ledger.merkle`) to the batch's `audit.jsonl`. An event's `hash` is sha256 over the previous event's hash and the event's own
canonical JSON (sorted keys, without `prev_hash` and `hash`, which each line carries last), so
editing, removing, inserting or reordering any line breaks the chain from there on; the roots
do the same for the decisions in `decisions.csv`. ID numbers and bank accounts are masked in
anything written here (a reviewer's comment may quote one).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ledger.masking import mask_text

GENESIS = "0" * 64
AUDIT = "audit.jsonl"
WRITE_EVERY = 10_000


def canonical(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(previous: str, body: str) -> str:
    """An event's hash: sha256 over the previous hash and the event's canonical JSON."""
    return hashlib.sha256((previous + body).encode()).hexdigest()


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def last_hash(path: Path) -> str:
    """The hash at the head of an existing log (the genesis value for a new one)."""
    if not path.exists() or path.stat().st_size == 0:
        return GENESIS
    return json.loads(last_line(path))["hash"]


def last_line(path: Path, window: int = 65536) -> bytes:
    """The log's last non-empty line, read backwards from the end as bytes.

    Lines are split on newline bytes before anything is decoded: a window boundary may fall
    inside a multi-byte character (Chinese text), and a line longer than the window is read
    in further windows until its start is found.
    """
    with path.open("rb") as handle:
        end = handle.seek(0, 2)
        tail = b""
        while True:
            start = max(0, end - window)
            handle.seek(start)
            tail = handle.read(end - start) + tail
            end = start
            stripped = tail.rstrip(b"\r\n")
            cut = stripped.rfind(b"\n")
            if cut >= 0 or start == 0:
                return stripped[cut + 1 :]


@dataclass(frozen=True)
class Appended:
    """The log's head hash after an append, and how many events the append wrote."""

    head: str
    events: int


def append_events(path: Path, events: Iterable[dict[str, Any]]) -> Appended:
    """Append events stamped with the current time; returns the new head hash."""
    stamp = now()
    return append_bodies(path, (canonical({"time": stamp, **e}) for e in events))


def append_once(path: Path, events: Iterable[dict[str, Any]]) -> Appended:
    """Append each event of a step (its `event`, `batch_id` and `round`) that the log does not
    hold yet: the step's own command and the next command completing it write it once."""
    return append_missing(path, list(events), lambda e: repr(step_key(e)))


STEP_KEY = ("event", "batch_id", "round")


def step_key(event: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(event.get(name) for name in STEP_KEY)


def append_bodies(path: Path, bodies: Iterable[str]) -> Appended:
    """Append events given as canonical JSON, each line carrying `prev_hash` and `hash` last."""
    return _append(path, lambda: bodies)


def append_missing(
    path: Path, events: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> Appended:
    """Append those `events` whose `key` no event of their kinds in the log has yet, stamped
    with the current time. The log is read under its lock: two commands completing one log at
    once write each event once."""

    def fresh() -> Iterator[str]:
        held = {
            key(e) for kind in {str(e["event"]) for e in events} for _, e in events_of(path, kind)
        }
        stamp = now()
        return (canonical({"time": stamp, **e}) for e in events if key(e) not in held)

    return _append(path, fresh)


def _append(path: Path, make: Callable[[], Iterable[str]]) -> Appended:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with open(descriptor, "a", encoding="utf-8") as handle:
        # Two runs of one batch at once must not both chain onto the same head.
        fcntl.flock(handle, fcntl.LOCK_EX)
        _drop_torn_tail(path)
        bodies = make()
        previous = last_hash(path)
        lines = []
        count = 0
        for body in bodies:
            own = chain_hash(previous, body)
            lines.append(f'{body[:-1]},"prev_hash":"{previous}","hash":"{own}"}}\n')
            previous = own
            count += 1
            if len(lines) >= WRITE_EVERY:
                handle.write("".join(lines))
                lines.clear()
        handle.write("".join(lines))
    return Appended(previous, count)


def logged_steps(path: Path) -> set[tuple[Any, ...]]:
    steps = set()
    for line in _lines(path):
        try:
            steps.add(step_key(json.loads(line)))
        except (json.JSONDecodeError, AttributeError):
            continue  # a broken line is `verify`'s to report
    return steps


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line that a killed run left half-written (no newline), under the lock.

    Whole events before it are kept (they chain correctly); the torn one was never complete,
    so no recorded head can name it.
    """
    with path.open("rb+") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        handle.seek(max(0, size - 65536))
        tail = handle.read()
        cut = tail.rfind(b"\n")
        keep = (size - len(tail) + cut + 1) if cut >= 0 else 0
        if cut < 0 and size > len(tail):
            return  # a single line longer than the window: leave it for verify to report
        handle.truncate(keep)


@dataclass(frozen=True)
class ChainBreak:
    line: int
    problem: str


def verify(path: Path, recorded_heads: Collection[str] = ()) -> ChainBreak | None:
    """The first line whose link or own hash does not hold, or None when the chain is intact.

    `recorded_heads` are the heads the registry recorded after each run: each must still be
    in the chain, or events were cut from the end (or the whole log was replaced).
    """
    previous = GENESIS
    missing = set(recorded_heads)
    number = 0
    for number, line in enumerate(_lines(path), start=1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            return ChainBreak(number, "不是有效的JSON")
        stated = event.pop("hash", None)
        if event.pop("prev_hash", None) != previous:
            return ChainBreak(number, "与上一条事件的哈希链接不符（删除、插入或调换了事件）")
        if chain_hash(previous, canonical(event)) != stated:
            return ChainBreak(number, "事件内容与其哈希不符（事件被修改）")
        missing.discard(stated)
        previous = stated
    if missing:
        return ChainBreak(
            number + 1,
            f"登记库记录的审计日志头 {sorted(missing)[0][:12]}… 不在日志中"
            "（日志末尾的事件被删除，或整个日志被替换）",
        )
    return None


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line


@dataclass(frozen=True)
class RunFacts:
    """What a run's `run` and `outputs_written` events say about it (from its manifest)."""

    batch_id: str
    flow_run_id: str
    policy_version: str
    as_of: str
    inputs: list[dict[str, Any]]  # file, sha256, error, and where it was read from
    already_recorded: bool
    note: str
    totals: dict[str, str]
    outputs: dict[str, str]
    round: int = 0
    # The rows screening held before payment, per risk (SPEC §2), as the manifest records them.
    risk_holds: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRoot:
    """One input file's decisions in a round: its counts per outcome and their Merkle root."""

    file: str
    program: str | None
    input_sha256: str
    error: str | None
    rows: int
    counts: dict[str, int]
    merkle_root: str


@dataclass(frozen=True)
class Verdict:
    """A reviewer's verdict the round applied, on one row."""

    program: str
    file: str
    sheet: str
    row: int
    verdict: str
    comment: str


def run_bodies(
    facts: RunFacts,
    files: Iterable[FileRoot],
    verdicts: Iterable[Verdict] = (),
    reviewer: str = "",
    conflicts: pd.DataFrame | None = None,
) -> Iterator[str]:
    """A run's events as canonical JSON (SPEC §4): the run step, one event per input file with
    the Merkle root of its decisions, one per reviewer verdict the round applied, the round's
    review conflicts (verdicts ignored, SPEC §6), the rows held for a risk and per risk (SPEC §2;
    each row's flags are in its file's Merkle root), outputs written. The log grows with files
    and verdicts, never with rows."""
    time = now()
    run = {"time": time, "flow_run_id": facts.flow_run_id, "batch_id": facts.batch_id}
    yield canonical(
        {
            "event": "run",
            **run,
            "round": facts.round,
            "policy_version": facts.policy_version,
            "as_of": facts.as_of,
            "inputs": facts.inputs,
            "already_recorded": facts.already_recorded,
            "note": facts.note,
        }
    )
    for item in files:
        yield canonical(
            {
                "event": "input_file",
                **run,
                "round": facts.round,
                "file": item.file,
                "input_sha256": item.input_sha256,
                "program": item.program,
                "parameter_version": facts.policy_version,
                "error": item.error,
                "rows": item.rows,
                "counts": item.counts,
                "merkle_root": item.merkle_root,
            }
        )
    for verdict in verdicts:
        yield canonical(
            {
                "event": "review_verdict",
                **run,
                "round": facts.round,
                "program": verdict.program,
                "file": verdict.file,
                "sheet": verdict.sheet,
                "row": verdict.row,
                "verdict": verdict.verdict,
                "comment": mask_text(verdict.comment),
                "reviewer": reviewer,
            }
        )
    for conflict in (conflicts if conflicts is not None else pd.DataFrame()).itertuples():
        yield canonical(
            {
                "event": "review_conflict",
                **run,
                "program": str(conflict.program),
                "file": str(conflict.file),
                "sheet": str(conflict.sheet),
                "row": int(conflict.row),
                "in_force": str(conflict.in_force),
                "ignored": str(conflict.ignored),
                "reason": str(conflict.reason),
            }
        )
    if facts.risk_holds.get("rows"):
        yield canonical({"event": "risk_holds", **run, "round": facts.round, **facts.risk_holds})
    yield canonical(
        {"event": "outputs_written", **run, "totals": facts.totals, "outputs": facts.outputs}
    )


def batch_of(path: Path) -> str:
    """The batch a log belongs to, from its first event ("" for a log that is not one)."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    try:
        return str(json.loads(first).get("batch_id", ""))
    except (json.JSONDecodeError, AttributeError):
        return ""


def events_of(path: Path, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The log's events of one kind, with their line numbers (read after `verify`)."""
    marker = f'"event":"{kind}"'
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if marker in line:
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError:
                    continue  # a broken line is `verify`'s to report, never a crash here

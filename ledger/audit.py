"""The tamper-evident audit log: JSON lines, each event hashing the one before it.

Every run appends its own events (run steps and one event per decision) to the batch's
`audit.jsonl`. An event's `hash` is sha256 over the previous event's hash and the event's own
canonical JSON (sorted keys, without `prev_hash` and `hash`, which each line carries last), so
editing, removing, inserting or reordering any line breaks the chain from there on. ID numbers
and bank accounts are masked before they are written.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ledger.masking import mask_accounts, mask_ids, mask_text
from policy.money import fen_texts

GENESIS = "0" * 64
CHUNK_ROWS = 50_000
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


def append_bodies(path: Path, bodies: Iterable[str]) -> Appended:
    """Append events given as canonical JSON, each line carrying `prev_hash` and `hash` last."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with open(descriptor, "a", encoding="utf-8") as handle:
        # Two runs of one batch at once must not both chain onto the same head.
        fcntl.flock(handle, fcntl.LOCK_EX)
        _drop_torn_tail(path)
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


def run_bodies(
    facts: RunFacts,
    decisions: pd.DataFrame,
    reviews: Mapping[tuple[str, str, str, int], Any] | None = None,
    conflicts: pd.DataFrame | None = None,
) -> Iterator[str]:
    """A run's events as canonical JSON: the run step, one event per decision, the review
    conflicts (verdicts ignored, SPEC §6), outputs written."""
    time = now()
    step = {
        "event": "run",
        "time": time,
        "flow_run_id": facts.flow_run_id,
        "batch_id": facts.batch_id,
        "policy_version": facts.policy_version,
        "as_of": facts.as_of,
        "inputs": facts.inputs,
        "already_recorded": facts.already_recorded,
        "note": facts.note,
    }
    finished = {
        "event": "outputs_written",
        "time": time,
        "flow_run_id": facts.flow_run_id,
        "batch_id": facts.batch_id,
        "totals": facts.totals,
        "outputs": facts.outputs,
    }
    hashes = {item["file"]: item["sha256"] for item in facts.inputs}
    yield canonical(step)
    yield from decision_bodies(
        decisions, facts.batch_id, facts.flow_run_id, hashes, facts.policy_version, time, reviews
    )
    for conflict in (conflicts if conflicts is not None else pd.DataFrame()).itertuples():
        yield canonical(
            {
                "event": "review_conflict",
                "time": time,
                "flow_run_id": facts.flow_run_id,
                "batch_id": facts.batch_id,
                "program": str(conflict.program),
                "file": str(conflict.file),
                "sheet": str(conflict.sheet),
                "row": int(conflict.row),
                "in_force": str(conflict.in_force),
                "ignored": str(conflict.ignored),
                "reason": str(conflict.reason),
            }
        )
    yield canonical(finished)


def decision_bodies(
    decisions: pd.DataFrame,
    batch_id: str,
    flow_run_id: str,
    file_hashes: dict[str, str],
    policy_version: str,
    time: str,
    reviews: Mapping[tuple[str, str, str, int], Any] | None = None,
) -> Iterator[str]:
    """One audit event per decision as canonical JSON, personal data masked; reviewed rows
    carry the verdict. Each column is turned into JSON literals once (repeated values through
    a table), then one format per row: a province batch has over a million decisions."""
    reviews = reviews or {}
    head = f'"batch_id":{_literal(batch_id)},'
    run = '"event":"decision",'
    for start in range(0, len(decisions), CHUNK_ROWS):
        chunk = decisions.iloc[start : start + CHUNK_ROWS]
        rule = chunk["program"].astype(str) + ":" + chunk["basis"].fillna("").astype(str)
        columns = zip(
            _literals(fen_texts(chunk["amount"])),
            _literals(mask_accounts(chunk["bank_account"])),
            _literals(chunk["credit_code"]),
            _repeated(chunk["file"]),
            _literals(mask_ids(chunk["id_number"])),
            _repeated(chunk["file"].map(file_hashes).astype(object)),
            _repeated(chunk["outcome"]),
            _repeated(chunk["program"]),
            _repeated(chunk["reason_codes"]),
            _reviews(chunk, reviews),
            chunk["row"].astype("int64").tolist(),
            _repeated(rule),
            _repeated(chunk["sheet"]),
            strict=True,
        )
        tail = (
            f'"flow_run_id":{_literal(flow_run_id)},',
            f'"parameter_version":{_literal(policy_version)},',
            f'"time":{_literal(time)}}}',
        )
        yield from (
            f'{{"amount":{amount},"bank_account":{account},{head}"credit_code":{code},{run}'
            f'"file":{file},{tail[0]}"id_number":{id_number},"input_sha256":{sha},'
            f'"outcome":{outcome},{tail[1]}"program":{program},"reason_codes":{codes}{review},'
            f'"row":{row},"rule":{rule_text},"sheet":{sheet},{tail[2]}'
            for amount, account, code, file, id_number, sha, outcome, program, codes, review, row, rule_text, sheet in columns
        )


def _literal(value: object) -> str:
    return json.dumps("" if value is None else str(value), ensure_ascii=False)


_PLAIN = re.compile(r'["\\\x00-\x1f]')


def _literals(values: pd.Series) -> list[str]:
    """JSON string literals of a text column, as `canonical` writes them."""
    text = values.where(values.notna(), "").astype(str).tolist()
    return [_literal(v) if _PLAIN.search(v) else f'"{v}"' for v in text]


def _repeated(values: pd.Series) -> list[str]:
    """JSON literals of a column with few distinct values, each distinct value encoded once."""
    text = values.where(values.notna(), "").astype(str)
    table = {v: _literal(v) for v in text.unique()}
    return text.map(table).tolist()


def _reviews(chunk: pd.DataFrame, reviews: Mapping[tuple[str, str, str, int], Any]) -> list[str]:
    """`,"review":{…}` for rows a reviewer decided, empty for the rest."""
    part = [""] * len(chunk)
    if not reviews:
        return part
    keys = zip(chunk["program"], chunk["file"], chunk["sheet"], chunk["row"], strict=True)
    for position, key in enumerate(keys):
        review = reviews.get((key[0], key[1], key[2], int(key[3])))
        if review is not None:
            verdict = {"comment": mask_text(review.comment), "verdict": review.verdict}
            part[position] = ',"review":' + canonical(verdict)
    return part

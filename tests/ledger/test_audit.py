"""The audit log's hash chain finds any edited, removed, inserted or reordered event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.audit import append_events, verify


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit.jsonl"
    append_events(path, [{"event": "run", "n": 1}, {"event": "decision", "n": 2}])
    append_events(path, [{"event": "decision", "n": 3}, {"event": "decision", "n": 4}])
    return path


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_verify__an_intact_chain_across_two_runs(log: Path) -> None:
    assert verify(log) is None
    assert len(lines(log)) == 4


def test_verify__an_edited_event(log: Path) -> None:
    content = lines(log)
    event = json.loads(content[2])
    event["n"] = 30
    content[2] = json.dumps(event, ensure_ascii=False) + "\n"
    log.write_text("".join(content), encoding="utf-8")
    assert verify(log).line == 3


def test_verify__a_removed_event(log: Path) -> None:
    content = lines(log)
    log.write_text("".join(content[:1] + content[2:]), encoding="utf-8")
    assert verify(log).line == 2


def test_verify__reordered_events(log: Path) -> None:
    content = lines(log)
    log.write_text("".join([content[0], content[2], content[1], content[3]]), encoding="utf-8")
    assert verify(log).line == 2


def test_verify__an_inserted_event(log: Path) -> None:
    content = lines(log)
    forged = json.loads(content[1])
    content.insert(2, json.dumps(forged, ensure_ascii=False) + "\n")
    log.write_text("".join(content), encoding="utf-8")
    assert verify(log).line == 3

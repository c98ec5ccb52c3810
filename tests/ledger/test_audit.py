"""The audit log's hash chain finds any edited, removed, inserted or reordered event."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ledger.audit import (
    append_bodies,
    append_events,
    canonical,
    decision_bodies,
    last_hash,
    verify,
)
from ledger.settlement import Review


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


def test_append__cuts_the_half_line_a_killed_run_left_and_keeps_the_chain(log: Path) -> None:
    whole = log.read_bytes()
    with log.open("ab") as handle:
        handle.write(lines(log)[-1].encode()[:40])  # a run killed in the middle of a write
    assert verify(log) is not None
    append_events(log, [{"event": "run", "n": 5}])
    assert verify(log) is None
    assert log.read_bytes().startswith(whole)
    assert [json.loads(line)["n"] for line in lines(log)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("shift", [0, 1, 2])
def test_append__a_64_kib_boundary_inside_a_chinese_character_is_not_a_crash(
    tmp_path: Path, shift: int
) -> None:
    path = tmp_path / "audit.jsonl"
    append_events(path, [{"event": "run", "note": "复核" * 30000}])
    # Pad the last event so that the byte 64 KiB before the end falls inside a 3-byte character.
    for pad in range(3):
        candidate = tmp_path / f"try-{pad}.jsonl"
        candidate.write_bytes(path.read_bytes())
        append_events(candidate, [{"event": "decision", "note": "审" * 3000 + "a" * (pad + shift)}])
        data = candidate.read_bytes()
        boundary = data[len(data) - 65536]
        if 0x80 <= boundary < 0xC0:  # a continuation byte: the cut lands mid-character
            break
    else:
        pytest.fail("no padding put the boundary inside a character")
    assert last_hash(candidate) == json.loads(data.splitlines()[-1])["hash"]
    append_events(candidate, [{"event": "run", "note": "第三次运行"}])
    assert verify(candidate) is None


def test_last_hash__a_last_line_longer_than_the_window(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    append_events(path, [{"event": "run", "n": 1}, {"event": "run", "note": "长" * 50000}])
    assert last_hash(path) == json.loads(path.read_bytes().splitlines()[-1])["hash"]


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


def test_decision_events__column_built_json_is_canonical_even_for_awkward_text(
    tmp_path: Path,
) -> None:
    decisions = pd.DataFrame(
        {
            "program": ["new_hire", "new_hire"],
            "file": ['名单"一".xlsx', "back\\slash\t.xlsx"],
            "sheet": ["新招用人员", "新招用人员"],
            "row": [2, 3],
            "credit_code": ["91370100MA3C5LRX4Q", "bad\u0001code"],
            "id_number": ["370102199001011234", None],
            "bank_account": ["6222020000000000001", ""],
            "outcome": ["approved", "held"],
            "reason_codes": ["", "NH_SIZE;SIZE_MISMATCH"],
            "amount": [100000, -5],
            "basis": ["鲁人社字〔2020〕1号", None],
        }
    )
    reviews = {
        ("new_hire", "back\\slash\t.xlsx", "新招用人员", 3): Review(
            "驳回", "账号 6222020000000000001 不符"
        )
    }
    bodies = list(decision_bodies(decisions, "b1", "run-1", {}, "policy@1", "T", reviews))
    for body in bodies:
        assert body == canonical(json.loads(body))
    first, second = (json.loads(b) for b in bodies)
    assert first["id_number"] == "370102********1234" and first["amount"] == "1000.00"
    assert first["bank_account"] == "***************0001"
    assert second["review"] == {"comment": "账号 ***************0001 不符", "verdict": "驳回"}
    assert second["amount"] == "-0.05" and second["file"] == "back\\slash\t.xlsx"
    path = tmp_path / "audit.jsonl"
    append_bodies(path, bodies)
    assert verify(path) is None

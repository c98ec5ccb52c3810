"""The audit log's hash chain finds any edited, removed, inserted or reordered event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import audit
from ledger.audit import (
    FileRoot,
    RunFacts,
    Verdict,
    append_bodies,
    append_events,
    canonical,
    last_hash,
    run_bodies,
    verify,
)
from ledger.merkle import EMPTY_ROOT


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


def test_run_events__one_per_file_and_verdict_canonical_and_masked(tmp_path: Path) -> None:
    facts = RunFacts("b1", "run-1", "policy@1", "2020-12-31", [], False, "", {}, {}, round=2)
    files = [
        FileRoot(
            '名单"一".xlsx', "new_hire", "a" * 64, None, 3, {"approved": 2, "held": 1}, "c" * 64
        ),
        FileRoot("back\\slash\t.xlsx", None, "b" * 64, "READ_ERROR", 0, {}, EMPTY_ROOT),
    ]
    verdicts = [
        Verdict(
            "new_hire", '名单"一".xlsx', "新招用人员", 3, "驳回", "账号 6222020000000000001 不符"
        )
    ]
    bodies = list(run_bodies(facts, files, verdicts, "复核员甲"))
    for body in bodies:
        assert body == canonical(json.loads(body))
    events = [json.loads(b) for b in bodies]
    assert [e["event"] for e in events] == [
        "run",
        "input_file",
        "input_file",
        "review_verdict",
        "outputs_written",
    ]
    first = events[1]
    assert (first["round"], first["rows"], first["merkle_root"]) == (2, 3, "c" * 64)
    assert (
        first["counts"] == {"approved": 2, "held": 1} and first["parameter_version"] == "policy@1"
    )
    assert events[2]["error"] == "READ_ERROR" and events[2]["merkle_root"] == EMPTY_ROOT
    assert events[3]["comment"] == "账号 ***************0001 不符"
    assert events[3]["reviewer"] == "复核员甲" and events[3]["row"] == 3
    path = tmp_path / "audit.jsonl"
    append_bodies(path, bodies)
    assert verify(path) is None


def test_append_missing__a_broken_line_of_the_same_kind_is_verifys_not_a_crash(
    tmp_path: Path,
) -> None:
    log = tmp_path / "audit.jsonl"
    audit.append_events(log, [{"event": "run", "batch_id": "B1"}, {"event": "run"}])
    first, last = log.read_text(encoding="utf-8").splitlines()
    broken = '{"event":"round_sent","round":0, broken'
    log.write_text("\n".join([first, broken, last]) + "\n", encoding="utf-8")
    event = {"event": "round_sent", "batch_id": "B1", "round": 0}
    appended = audit.append_missing(log, [event], lambda e: str(e["round"]))
    assert appended.events == 1  # written; the broken line stays for verify to name
    assert audit.verify(log) is not None

"""Roots per review round, receipts of any round, and logs written before roots existed."""

from __future__ import annotations

from pathlib import Path

from ledger import audit
from ledger.decision_roots import check_receipt, file_roots, receipt, root_problems

SECRET = b"\x11" * 32
HEADER = "program,file,sheet,row,credit_code,id_number,outcome,reason_codes,amount\n"
FILES = [("a.xlsx", "new_hire", "a" * 64, None)]


def write_round(folder: Path, number: int, lines: list[str]) -> None:
    data = (HEADER + "".join(line + "\n" for line in lines)).encode()
    kept = folder / "rounds" / str(number)
    kept.mkdir(parents=True)
    (kept / "decisions.csv").write_bytes(data)
    (folder / "decisions.csv").write_bytes(data)  # the folder holds the latest round
    facts = audit.RunFacts(
        "b1", f"run-{number}", "p@1", "2020-12-31", [], False, "", {}, {}, round=number
    )
    audit.append_bodies(
        folder / "audit.jsonl", audit.run_bodies(facts, file_roots(SECRET, data, FILES))
    )


def test_receipts__each_round_keeps_its_own_root(tmp_path: Path) -> None:
    held = "new_hire,a.xlsx,表,3,,370102199001011234,held,NH_SIZE,1000.00"
    write_round(tmp_path, 0, ["new_hire,a.xlsx,表,2,,,approved,,1000.00", held])
    approved = held.replace("held,NH_SIZE", "approved,")
    write_round(tmp_path, 1, ["new_hire,a.xlsx,表,2,,,approved,,1000.00", approved])
    assert root_problems(tmp_path, tmp_path / "audit.jsonl", SECRET) == []
    latest = receipt(tmp_path, "a.xlsx", "表", 3, SECRET)
    first = receipt(tmp_path, "a.xlsx", "表", 3, SECRET, round_number=0)
    assert (latest["round"], latest["line"]) == (1, approved)
    assert (first["round"], first["line"]) == (0, held)
    for made in (latest, first):
        said, problems = check_receipt(made, tmp_path / "audit.jsonl")
        assert problems == [] and f"第 {made['round']} 轮" in said
    # Round 0's line presented as round 1's is refused: roots are per round.
    said, problems = check_receipt({**first, "round": 1}, tmp_path / "audit.jsonl")
    assert said == "" and problems


def test_root_problems__a_log_from_before_roots_checks_by_its_chain_alone(tmp_path: Path) -> None:
    (tmp_path / "decisions.csv").write_text(HEADER + "new_hire,a.xlsx,表,2,,,approved,,1.00\n")
    log = tmp_path / "audit.jsonl"
    audit.append_events(log, [{"event": "run"}, {"event": "decision", "row": 2}])
    assert root_problems(tmp_path, log, None) == []
    empty = tmp_path / "other.jsonl"
    audit.append_events(empty, [{"event": "run"}])
    assert "没有任何输入文件的默克尔根" in root_problems(tmp_path, empty, SECRET)[0]

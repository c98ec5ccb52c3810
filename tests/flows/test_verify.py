"""`subsidy verify` and `subsidy verify-audit`: tampering with a batch's outputs is found."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import delete

from flows.cli import main
from flows.disburse import disburse
from registry.database import Registry
from registry.tables import payments
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    return Path(
        disburse(
            inputs=[str(SAMPLES)],
            reference=str(SAMPLES / "reference"),
            out=str(tmp_path),
            as_of=dt.date(2020, 12, 31),
        )
    )


def test_manifest__records_the_sha256_of_every_output(batch: Path) -> None:
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    returned = {
        f"returned/{Path(i['file']).stem}-退回.xlsx"
        for i in manifest["inputs"]
        if i["program"] and manifest_has_failures(batch, i["file"])
    }
    assert returned, "the sample batch has files with rejected or held rows"
    files = {"decisions.csv", "payments.csv", "ledger.xlsx", "资金拨付申请表.xlsx"}
    kept = {f"rounds/0/{name}" for name in files}  # round 0's own copies (SPEC §6)
    assert set(manifest["outputs"]) == files | kept | returned


def manifest_has_failures(batch: Path, file: str) -> bool:
    decisions = (batch / "decisions.csv").read_text(encoding="utf-8-sig").splitlines()
    return any(f",{file}," in line and ",approved," not in line for line in decisions[1:])


def test_verify__an_untouched_batch_checks_out(batch: Path, capsys) -> None:
    assert main(["verify", str(batch)]) == 0
    assert "核对通过" in capsys.readouterr().out


def test_verify__an_edited_bank_file_is_found(batch: Path, capsys) -> None:
    bank = batch / "payments.csv"
    bank.write_bytes(bank.read_bytes().replace(b",", b";", 1))
    assert main(["verify", str(batch)]) == 1
    assert "文件 payments.csv 与清单记录的 sha256 不符" in capsys.readouterr().out


def test_verify__an_edited_ledger_or_decisions_file_is_found(batch: Path, capsys) -> None:
    decisions = batch / "decisions.csv"
    decisions.write_bytes(decisions.read_bytes().replace(b"rejected", b"approved", 1))
    ledger = batch / "ledger.xlsx"
    ledger.write_bytes(ledger.read_bytes() + b"\0")
    assert main(["verify", str(batch)]) == 1
    out = capsys.readouterr().out
    assert "文件 decisions.csv 与清单记录的 sha256 不符" in out
    assert "文件 ledger.xlsx 与清单记录的 sha256 不符" in out


def test_verify__a_payment_removed_from_the_registry_is_found(batch: Path, capsys) -> None:
    registry = Registry(f"sqlite:///{batch.parent / 'registry.sqlite'}")
    with registry.engine.begin() as connection:
        first = connection.execute(payments.select().limit(1)).first()
        connection.execute(delete(payments).where(payments.c.payment_id == first.payment_id))
    registry.dispose()
    assert main(["verify", str(batch)]) == 1
    assert f"支付 {first.payment_id} 未在登记库中登记" in capsys.readouterr().out


def test_verify_audit__an_edited_event_is_found_by_line(batch: Path, capsys) -> None:
    log = batch / "audit.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = re.sub(r'"rows":[0-9]+', '"rows":999', lines[5])
    assert edited != lines[5]
    lines[5] = edited
    log.write_text("".join(lines), encoding="utf-8")
    assert main(["verify-audit", str(log)]) == 1
    assert "第 6 行：事件内容与其哈希不符" in capsys.readouterr().out


def test_verify_audit__events_cut_from_the_end_are_found_through_the_registry(
    batch: Path, capsys
) -> None:
    log = batch / "audit.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(lines[:-2]), encoding="utf-8")  # the chain itself still holds
    assert main(["verify-audit", str(log)]) == 1
    assert "不在日志中" in capsys.readouterr().out
    # A registry that knows nothing of the batch finds no cut, but has no secret to check with.
    assert main(["verify-audit", str(log), "--registry", "sqlite:///:memory:"]) == 1
    assert "无法重算默克尔根" in capsys.readouterr().out


@pytest.mark.parametrize("change", ["edit", "remove", "insert", "reorder"])
def test_verify_audit__a_decision_changed_removed_inserted_or_moved_breaks_its_files_root(
    batch: Path, capsys, change: str
) -> None:
    kept = batch / "rounds" / "0" / "decisions.csv"
    lines = kept.read_text(encoding="utf-8").splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if ",稳岗返还申请.xlsx," in line) + 2
    if change == "edit":  # one more digit on the amount
        lines[target] = lines[target].replace("\n", "1\n")
    elif change == "remove":
        del lines[target]
    elif change == "insert":
        lines.insert(target, lines[target])
    else:
        lines[target], lines[target + 1] = lines[target + 1], lines[target]
    kept.write_text("".join(lines), encoding="utf-8")
    assert main(["verify-audit", str(batch / "audit.jsonl")]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "第 0 轮文件 稳岗返还申请.xlsx 的决定与记录的默克尔根不符" in out[0]


def test_verify_audit__a_decisions_file_that_no_longer_parses_is_said_not_raised(
    batch: Path, capsys
) -> None:
    kept = batch / "rounds" / "0" / "decisions.csv"
    kept.write_bytes(kept.read_bytes() + b'new_hire,"unclosed,x\nnew_hire,a,b,c,d,e,f,g,h,i,j,k\n')
    assert main(["verify-audit", str(batch / "audit.jsonl")]) == 1
    assert "无法逐行解析" in capsys.readouterr().out


def test_receipt__a_beneficiary_checks_one_decision_against_the_audit_log_alone(
    batch: Path, tmp_path: Path, capsys
) -> None:
    receipt = tmp_path / "回执.json"
    row = "稳岗返还申请.xlsx:稳岗返还:9"  # the first row under the template's notes and header
    assert main(["receipt", str(batch), "--row", row, "--out", str(receipt)]) == 0
    made = json.loads(receipt.read_text(encoding="utf-8"))
    decision = next(
        line
        for line in (batch / "decisions.csv").read_text(encoding="utf-8").splitlines()
        if line.startswith("stabilization_refund,稳岗返还申请.xlsx,稳岗返还,9,")
    )
    assert (made["line"], made["round"], made["batch_id"]) == (decision, 0, batch.name)
    assert len(made["path"]) >= 4 and "secret" not in made
    capsys.readouterr()
    # Only the receipt and the log: no registry, no decisions.csv.
    alone = tmp_path / "alone"
    alone.mkdir()
    log = alone / "audit.jsonl"
    log.write_bytes((batch / "audit.jsonl").read_bytes())
    assert main(["verify-receipt", str(receipt), "--audit", str(log)]) == 0
    assert "回执核对通过" in capsys.readouterr().out
    forged = {**made, "line": made["line"].rsplit(",", 1)[0] + ",999999.00"}
    receipt.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    assert main(["verify-receipt", str(receipt), "--audit", str(log)]) == 1
    assert "不是审计日志为批次" in capsys.readouterr().out
    moved = {**made, "row": 10}  # the same line claimed for another row
    receipt.write_text(json.dumps(moved, ensure_ascii=False), encoding="utf-8")
    assert main(["verify-receipt", str(receipt), "--audit", str(log)]) == 1
    assert "不一致" in capsys.readouterr().out
    assert main(["receipt", str(batch), "--row", "稳岗返还申请.xlsx:稳岗返还:9999"]) == 1
    assert main(["receipt", str(alone / "无此目录"), "--row", row]) == 1
    assert "不是批次输出目录" in capsys.readouterr().err


def test_outputs__are_not_readable_by_other_users(batch: Path) -> None:
    written = [p for p in batch.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"ledger.xlsx", "payments.csv", "audit.jsonl"}
    assert [p.name for p in written if p.stat().st_mode & 0o007] == []

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
from ledger.registry import Registry
from ledger.registry_tables import payments
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
    edited = re.sub(r'"amount":"[0-9.]+"', '"amount":"999999.99"', lines[5])
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
    assert main(["verify-audit", str(log), "--registry", "sqlite:///:memory:"]) == 0


def test_outputs__are_not_readable_by_other_users(batch: Path) -> None:
    written = [p for p in batch.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"ledger.xlsx", "payments.csv", "audit.jsonl"}
    assert [p.name for p in written if p.stat().st_mode & 0o007] == []

"""End-to-end: the real flow under the shared Prefect harness, on real workbooks."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from batch.run import InputsMissing, NoUsableInput
from flows.disburse import disburse
from ledger.audit import verify
from registry.database import Registry
from tests.conftest import ACCEPTANCE, SAMPLES

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = dt.date(2020, 12, 31)


def run(inputs: list[Path], out: Path, reference: Path, **options) -> Path:
    return Path(
        disburse(
            inputs=[str(p) for p in inputs],
            out=str(out),
            reference=str(reference),
            as_of=AS_OF,
            **options,
        )
    )


def read_decisions(path: Path) -> dict[tuple[str, str, str, str], dict[str, str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return {(r["program"], r["file"], r["sheet"], r["row"]): r for r in csv.DictReader(handle)}


def test_disburse__acceptance_case_1_is_reproduced_exactly(tmp_path):
    folder = run([ACCEPTANCE / "inputs"], tmp_path, ACCEPTANCE / "reference")
    expected = json.loads((ACCEPTANCE / "expected.json").read_text(encoding="utf-8"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"] == expected["as_of"]
    assert manifest["programs"] == expected["programs"]
    assert manifest["totals"] == expected["totals"]
    want = read_decisions(ACCEPTANCE / "expected_decisions.csv")
    got = read_decisions(folder / "decisions.csv")
    assert got.keys() == want.keys()
    columns = ("credit_code", "id_number", "outcome", "reason_codes", "amount")
    mismatches = [
        (key, {c: (want[key][c], got[key][c]) for c in columns if want[key][c] != got[key][c]})
        for key in want
        if any(want[key][c] != got[key][c] for c in columns)
    ]
    assert mismatches == []
    # What would make it eligible (SPEC §2, §4): the last column, empty exactly for approved
    # rows, and on the ledger's 不予受理 beside each refused row.
    assert all((r["outcome"] == "approved") == (r["how_to_qualify"] == "") for r in got.values())
    assert (
        got[("stabilization_refund", "稳岗返还申请.xlsx", "稳岗返还", "20")]["how_to_qualify"]
        == "裁员率 6.0%，高于上限 5.5%：裁员人数不超过 11 人即符合"
    )
    book = load_workbook(folder / "ledger.xlsx", read_only=True)
    rows = list(book["不予受理"].iter_rows(values_only=True))
    book.close()
    header = list(rows[0])
    shown = {
        (r[header.index("文件")], str(int(r[header.index("行号")]))): r[
            header.index("如何符合条件")
        ]
        for r in rows[1:]
        if r[0]
    }
    refused = {
        (k[1], k[3]): r["how_to_qualify"] for k, r in got.items() if r["outcome"] == "rejected"
    }
    assert shown == refused


def test_disburse__rerun_is_byte_identical_and_pays_nobody_twice(tmp_path):
    first = run([SAMPLES], tmp_path, SAMPLES / "reference")
    files = ("payments.csv", "decisions.csv", "manifest.json", "ledger.xlsx")
    before = {name: (first / name).read_bytes() for name in files}
    registry = Registry(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    paid = registry.paid_total()
    second = run([SAMPLES], tmp_path, SAMPLES / "reference")
    assert second == first
    assert {name: (second / name).read_bytes() for name in files} == before
    assert registry.paid_total() == paid > 0
    assert verify(first / "audit.jsonl") is None
    events = [json.loads(line) for line in (first / "audit.jsonl").read_text().splitlines()]
    runs = [e for e in events if e["event"] == "run"]
    assert [e["already_recorded"] for e in runs] == [False, True]


def test_disburse__a_claim_paid_in_another_batch_is_a_duplicate_claim(tmp_path):
    run([SAMPLES], tmp_path, SAMPLES / "reference")
    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(SAMPLES / "稳岗返还申请.xlsx", later / "稳岗返还申请（补报）.xlsx")
    folder = run([later], tmp_path, SAMPLES / "reference")
    decisions = read_decisions(folder / "decisions.csv").values()
    refunds = [d for d in decisions if d["program"] == "stabilization_refund"]
    formerly_approved = [d for d in refunds if d["reason_codes"] == "DUPLICATE_CLAIM"]
    assert len(formerly_approved) == 8
    assert all(d["outcome"] == "rejected" and d["amount"] == "0.00" for d in formerly_approved)
    payments = (folder / "payments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert payments == [payments[0]]  # header only: nothing paid again


def test_disburse__unreadable_file_is_reported_and_others_processed(tmp_path):
    inputs = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inputs)
    (inputs / "损坏的申请.xlsx").write_bytes(b"this is not a workbook")
    (inputs / "无关表格.xlsx").write_bytes(
        (ACCEPTANCE / "reference" / "重点企业名单.xlsx").read_bytes()
    )
    folder = run([inputs], tmp_path / "out", SAMPLES / "reference", dry_run=True)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    by_file = {i["file"]: i for i in manifest["inputs"]}
    broken = by_file["损坏的申请.xlsx"]
    assert (broken["program"], broken["rows"], broken["error"]) == (None, 0, "UNREADABLE_FILE")
    assert "Excel" in broken["message"]
    assert by_file["无关表格.xlsx"]["error"] == "UNRECOGNISED_FILE"
    assert sum(p["input_rows"] for p in manifest["programs"].values()) == 122
    assert not (tmp_path / "out" / "registry.sqlite").exists()


def test_disburse__a_run_with_no_usable_file_fails_saying_why_and_makes_no_batch(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "空.xlsx").write_bytes(b"")
    (inbox / "说明.docx").write_bytes(b"PK")
    with pytest.raises(NoUsableInput) as failed:
        run([inbox], tmp_path / "out", SAMPLES / "reference")
    message = str(failed.value)
    assert "没有可以审核的申请工作簿，未生成批次" in message
    assert "空.xlsx：UNREADABLE_FILE" in message and "说明.docx：UNSUPPORTED_FILE" in message
    assert [p for p in (tmp_path / "out").iterdir() if p.is_dir()] == []  # no batch
    for path in inbox.iterdir():
        path.unlink()
    with pytest.raises(NoUsableInput, match="中没有找到申请工作簿"):
        run([inbox], tmp_path / "out", SAMPLES / "reference")
    with pytest.raises(InputsMissing, match=r"输入路径不存在或未挂载：.*不存在"):
        run([inbox / "不存在"], tmp_path / "out", SAMPLES / "reference")


def test_disburse__generated_batch_matches_its_independent_expectation(tmp_path):
    from workbooks.synthetic_batch import write_batch

    inputs = write_batch("small", tmp_path / "batch", seed=7)
    expected = json.loads((tmp_path / "batch" / "expected.json").read_text(encoding="utf-8"))
    assert len(list(inputs.glob("*.xlsx"))) == 6 * 16
    folder = run([inputs], tmp_path / "out", tmp_path / "batch" / "reference", dry_run=True)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["programs"] == expected["programs"]

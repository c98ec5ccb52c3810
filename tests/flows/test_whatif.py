"""What-if (SPEC §7): a recorded batch decided again under changed parameters — a rate (large
enterprises' refund share 50% → 100%) and a window (new hires up to 2020-02-29 instead of
03-10) — against differences computed by hand from the applications; the registry untouched."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from batch.whatif import BaselineMismatch
from flows.disburse import disburse
from flows.whatif import whatif
from ledger.batch_inputs import MissingInputs
from policy.parameters import DEFAULT_POLICY_DIR
from tests.conftest import SAMPLES
from tests.pipeline import decide

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
AS_OF = dt.date(2020, 12, 31)
NEW_END = dt.date(2020, 2, 29)


def changed_policy(folder: Path) -> Path:
    shutil.copytree(DEFAULT_POLICY_DIR, folder)
    for name, old, new in [
        ("stabilization_refund.yaml", "{大型: 0.5, 中型: 1", "{大型: 1, 中型: 1"),
        ("new_hire.yaml", "end: 2020-03-10}", "end: 2020-02-29}"),
    ]:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLES, inputs, ignore=shutil.ignore_patterns("reference"))
    return Path(
        disburse(
            inputs=[str(inputs)],
            reference=str(SAMPLES / "reference"),
            out=str(tmp_path / "out"),
            as_of=AS_OF,
        )
    )


def approved_rows(batch: Path) -> set[tuple[str, str, int]]:
    with (batch / "decisions.csv").open(encoding="utf-8-sig") as handle:
        return {
            (r["program"], r["sheet"], int(r["row"]))
            for r in csv.DictReader(handle)
            if r["outcome"] == "approved"
        }


def registry_rows(out: Path) -> list[tuple]:
    with sqlite3.connect(out / "registry.sqlite") as connection:
        return sorted(
            connection.execute(
                "SELECT program, period, claim_key, batch_id, lineage, amount_fen FROM claims"
                " UNION ALL SELECT program, period, beneficiary_id, batch_id, payment_id,"
                " amount_fen FROM payments"
            )
        )


def test_whatif__a_rate_and_a_window_change_cost_what_hand_computation_says(
    batch: Path, tmp_path: Path
) -> None:
    before_registry = registry_rows(batch.parent)
    folder = Path(whatif(batch=str(batch), policy=str(changed_policy(tmp_path / "policy"))))
    assert registry_rows(batch.parent) == before_registry  # nothing recorded or paid

    files, _ = decide(SAMPLES, SAMPLES / "reference")
    sheets = {
        n: s.frame
        for f in files
        for n, s in f.sheets.items()
        if f.program != "spring_festival_production"
    }
    approved = approved_rows(batch)
    # Rate: a large enterprise's refund goes from half-up(c × 50%) to c, c in fen.
    refunds = sheets["稳岗返还"]
    large = refunds[
        (refunds["declared_size"] == "大型")
        & refunds["row"].map(lambda r: ("stabilization_refund", "稳岗返还", r) in approved)
    ]
    paid = (large["employer_ui_paid"] + large["employee_ui_paid"]).astype("int64")
    refund_change = int((paid - (paid + 1) // 2).sum())
    assert refund_change > 0, "the sample has an approved large enterprise"
    # Window: an approved hire after 02-29, or at an enterprise resuming after it, loses 1000.
    hires = sheets["新招用人员"].merge(
        sheets["企业信息"][["credit_code", "resume_date"]], on="credit_code", how="left"
    )
    late = hires[
        (
            (hires["hire_date"] > pd.Timestamp(NEW_END))
            | (hires["resume_date"] > pd.Timestamp(NEW_END))
        )
        & hires["row"].map(lambda r: ("new_hire", "新招用人员", r) in approved)
    ]
    assert len(late) > 0, "the sample has hires in 2020-03-01 … 03-10"

    book = load_workbook(folder / "whatif.xlsx", read_only=True)
    assert book.sheetnames == ["调整的参数", "测算对比", "变化明细"]  # what changed, first
    parameters = list(book["调整的参数"].values)
    assert parameters[0][:4] == ("参数", "生效日期", "调整前", "调整后")
    assert [(r[-1], r[1]) for r in parameters[1:]] == [
        ("new_hire.window", "2020-01-01"),
        ("stabilization_refund.refund_share", "2020-01-01"),
    ]
    assert [r[2:4] for r in parameters[1:]] == [
        ("起: 2020-02-10；止: 2020-03-10", "起: 2020-02-10；止: 2020-02-29"),
        ("大型: 0.5；中型: 1；小型: 1；微型: 1", "大型: 1；中型: 1；小型: 1；微型: 1"),
    ]
    summary = list(book["测算对比"].values)
    # The overall change comes first: cash, relief and deferral each on its own line.
    assert [row[0] for row in summary[:3]] == [
        "现金补贴总体变化",
        "社会保险费减免总体变化",
        "社会保险费缓缴总体变化",
    ]
    cash_change = refund_change - 100_000 * len(late)
    sign = "+" if cash_change > 0 else "-"
    assert summary[0][2].endswith(f"增减 {sign}{abs(cash_change) / 100:,.2f} 元")
    assert summary[1][2].endswith("增减 0.00 元") and summary[2][2].endswith("增减 0.00 元")
    header = next(i for i, row in enumerate(summary) if row[0] == "项目")
    table = pd.DataFrame(summary[header + 1 :], columns=summary[header])
    province = table[table["地市"] == "全省合计"].set_index("项目")
    change = (province["金额增减（元）"] * 100).round().astype("int64")
    assert change["失业保险稳岗返还"] == refund_change
    assert change["一次性吸纳就业补贴"] == -100_000 * len(late)  # 1000 yuan each, in fen
    assert (change.drop(["失业保险稳岗返还", "一次性吸纳就业补贴"]) == 0).all()
    # City rows add up to the province row for every programme.
    cities = table[table["地市"] != "全省合计"].groupby("项目")["金额增减（元）"].sum()
    assert (cities * 100).round().astype("int64").sort_index().equals(change.sort_index())

    rows = list(load_workbook(folder / "whatif.xlsx", read_only=True)["变化明细"].values)
    at = {header: i for i, header in enumerate(rows[0])}  # machine columns (行号 …) sit last
    before, after = at["金额（调整前，元）"], at["金额（调整后，元）"]
    moved = {(r[at["项目"]], int(r[at["行号"]])) for r in rows[1:] if r[before] != r[after]}
    expected = {("一次性吸纳就业补贴", int(r)) for r in late["row"]}
    expected |= {("失业保险稳岗返还", int(r)) for r in large["row"]}
    assert moved == expected
    assert all(r[at["变化原因"]] for r in rows[1:])  # every changed row says why
    listed = (folder / "changed_rows.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(listed) == len(rows) and listed[0].startswith("program,file,sheet,row,")


def test_whatif__refuses_a_baseline_that_is_not_the_batchs_parameters(
    batch: Path, tmp_path: Path
) -> None:
    other = changed_policy(tmp_path / "policy")
    with pytest.raises(BaselineMismatch):
        whatif(batch=str(batch), policy=str(other), baseline_policy=str(other))


def test_whatif__inputs_found_through_the_audit_log_must_still_hold_the_same_bytes(
    batch: Path, tmp_path: Path
) -> None:
    (tmp_path / "inputs" / "稳岗返还申请.xlsx").write_bytes(b"changed")
    with pytest.raises(MissingInputs, match=r"稳岗返还申请\.xlsx"):
        whatif(batch=str(batch), policy=str(changed_policy(tmp_path / "policy")))

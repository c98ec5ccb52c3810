"""SPEC §2 Screening before payment, end to end on acceptance case 1 with screening lists
beside its reference lists: a 鲁渝 worker who died and an enterprise 吊销 on the assessment date
are held (not rejected) with their evidence on the 风险核查 sheet, an enterprise 注销 the day
after is not; the reviewer's verdicts pay one and reject the other; a shared bank account is
found across two batches; the checks with no list say so."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.disburse import disburse
from flows.form import Technical
from money.approval import approve
from policy.parameters import load_policy
from registry.database import Registry
from tests.conftest import ACCEPTANCE, SAMPLES, cards_for_tests
from tests.screening_workbooks import write_list

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
CARDS = cards_for_tests()
AS_OF = dt.date(2020, 12, 31)
WORKER = "50010319821021041X"  # 鲁渝劳务协作补贴.xlsx row 4, approved without screening
CLOSED, LATER = "9137040293AGDG6999", "91370502283FEFC638"  # 稳岗返还申请.xlsx rows 5 and 4


def reference_with_lists(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(ACCEPTANCE / "reference", folder)
    write_list(
        folder, "死亡人员名单", ["证件号码", "姓名", "死亡日期"], [[WORKER, "某某", "2020-06-01"]]
    )
    write_list(
        folder,
        "市场主体注销吊销名单",
        ["统一社会信用代码", "名称", "状态", "日期"],
        [[CLOSED, "甲公司", "吊销", "2020-12-31"], [LATER, "乙公司", "注销", "2021-01-05"]],
    )
    return folder


def run(inputs: Path, reference: Path, out: Path, url: str, reviewed: Path | None = None) -> Path:
    return Path(
        disburse(
            inputs=[str(inputs)],
            reference=str(reference),
            out=str(out),
            as_of=AS_OF,
            reviewed_ledger=str(reviewed) if reviewed else None,
            technical=Technical(registry=url),
        )
    )


def decisions(folder: Path) -> dict[tuple[str, int], dict[str, str]]:
    with (folder / "decisions.csv").open(encoding="utf-8-sig") as handle:
        return {(r["file"], int(r["row"])): r for r in csv.DictReader(handle)}


def fill_verdicts(ledger: Path, verdicts: dict[tuple[str, int], tuple[str, str]], to: Path) -> Path:
    book = load_workbook(ledger)
    sheet = book["待复核"]
    header = [c.value for c in sheet[1]]
    at = {name: header.index(name) + 1 for name in ("复核结论", "复核意见", "文件", "行号")}
    for number in range(2, sheet.max_row + 1):
        key = (sheet.cell(number, at["文件"]).value, sheet.cell(number, at["行号"]).value)
        if key in verdicts:
            sheet.cell(number, at["复核结论"], verdicts[key][0])
            sheet.cell(number, at["复核意见"], verdicts[key][1])
    book.save(to)
    return to


def test_screening__held_with_evidence_then_the_reviewers_verdicts_decide(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    reference = reference_with_lists(tmp_path)
    folder = run(ACCEPTANCE / "inputs", reference, tmp_path / "out", url)
    found = decisions(folder)
    worker = found[("鲁渝劳务协作补贴.xlsx", 4)]
    assert (worker["outcome"], worker["reason_codes"]) == ("held", "RISK_DECEASED")
    closed = found[("稳岗返还申请.xlsx", 5)]
    assert (closed["outcome"], closed["reason_codes"]) == ("held", "RISK_ENTITY_CLOSED")
    assert found[("稳岗返还申请.xlsx", 4)]["outcome"] == "approved"  # 注销 after the date
    held = [r for r in found.values() if r["reason_codes"].startswith("RISK_")]
    assert len(held) == 2

    book = load_workbook(folder / "ledger.xlsx", read_only=True)
    lines = [[v for v in r] for r in book["风险核查"].iter_rows(values_only=True)]
    text = "\n".join(" ".join(str(v) for v in line if v is not None) for line in lines)
    (amount,) = re.findall(r"暂缓支付 2 行，拟发放 ([\d,.]+) 元", text)
    assert amount != "0.00"
    assert "死亡人员名单第2行：某某于2020-06-01死亡，早于审核基准日2020-12-31" in text
    assert "市场主体注销吊销名单第2行：甲公司于2020-12-31吊销" in text
    assert "REFERENCE_MISSING" in text and "服刑人员名单" in text  # the checks not run
    summary = "\n".join(
        str(v) for r in book["汇总"].iter_rows(values_only=True) for v in r if v is not None
    )
    assert "暂缓支付 2 行" in summary and "未核查 2 项" in summary
    book.close()

    # The applicant's returned workbook says only that the row waits for review: not the risk,
    # not its evidence (a worker's death is not the employer's to learn from us).
    returned = next((folder / "returned").glob("*鲁渝劳务协作补贴*.xlsx"))
    parts = zipfile.ZipFile(returned)
    text_of = b"".join(parts.read(n) for n in parts.namelist()).decode("utf-8", "ignore")
    assert "暂缓发放，正在复核" in text_of
    assert not any(word in text_of for word in ("死亡", "RISK_", "2020-06-01"))

    # The round's 拨付审批单 says how many rows screening held out of this release.
    with Registry(url) as registry:
        done = approve(folder, "审批员乙", registry, load_policy(), AS_OF, round_=0, cards=CARDS)
    assert done.released > 0
    [sheet] = (folder / "bank").glob("*拨付审批单.xlsx")
    approval = load_workbook(sheet, read_only=True)
    said = "\n".join(str(v) for r in approval.active.iter_rows(values_only=True) for v in r if v)
    approval.close()
    assert (
        f"风险核查暂缓 2 行，拟发放 {amount} 元（死亡 1 行、注销吊销 1 行），未列入本次拨付" in said
    )
    # The manifest records them (what the 拨付审批单 reads), per risk.
    holds = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["risk_holds"]
    assert holds == {
        "rows": 2,
        "amount": amount.replace(",", ""),
        "by_risk": {"RISK_DECEASED": 1, "RISK_ENTITY_CLOSED": 1},
    }
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    (logged,) = [e for e in events if e["event"] == "risk_holds"]
    assert (logged["round"], logged["rows"], logged["by_risk"]) == (0, 2, holds["by_risk"])

    reviewed = fill_verdicts(
        folder / "ledger.xlsx",
        {
            ("鲁渝劳务协作补贴.xlsx", 4): ("通过", "经核实死亡名单有误，本人在岗"),
            ("稳岗返还申请.xlsx", 5): ("驳回", "企业已吊销"),
        },
        tmp_path / "reviewed.xlsx",
    )
    again = decisions(run(ACCEPTANCE / "inputs", reference, tmp_path / "out", url, reviewed))
    paid = again[("鲁渝劳务协作补贴.xlsx", 4)]
    assert (paid["outcome"], paid["amount"]) == ("approved", "7500.00")
    refused = again[("稳岗返还申请.xlsx", 5)]
    assert refused["outcome"] == "rejected" and "REVIEW_REJECTED" in refused["reason_codes"]


def test_screening__one_account_given_for_two_enterprises_across_two_batches(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    first = run(ACCEPTANCE / "inputs", ACCEPTANCE / "reference", tmp_path / "out", url)
    account = next(
        r["bank_account"]
        for r in csv.DictReader((first / "payments.csv").open(encoding="utf-8-sig"))
        if r["program"] == "stabilization_refund"
    )
    inputs = tmp_path / "second"
    inputs.mkdir()
    book = load_workbook(SAMPLES / "稳岗返还申请.xlsx")
    sheet = book["稳岗返还"]
    header_row = next(n for n in range(1, 11) if "银行账号" in [c.value for c in sheet[n]])
    column = [c.value for c in sheet[header_row]].index("银行账号") + 1
    sheet.cell(header_row + 1, column, account).number_format = "@"
    book.save(inputs / "稳岗返还申请.xlsx")
    folder = run(inputs, SAMPLES / "reference", tmp_path / "out", url)
    shared = decisions(folder)[("稳岗返还申请.xlsx", header_row + 1)]
    assert shared["outcome"] == "held" and "RISK_SHARED_ACCOUNT" in shared["reason_codes"]
    book = load_workbook(folder / "ledger.xlsx", read_only=True)
    evidence = [
        r[3] for r in book["风险核查"].iter_rows(values_only=True) if r[-1] == "RISK_SHARED_ACCOUNT"
    ]
    book.close()
    assert len(evidence) == 1 and f"批次 {first.name}" in evidence[0] and account not in evidence[0]

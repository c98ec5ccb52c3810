"""Issue 21, items 5–8: `verify` over every round, a kill between an approval's commit and its
audit event, every file in `bank/` accounted for, and an approver approving exactly the files
that were shown (SPEC §6, §8 Settled points and Proof)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from bank.files import rows_of
from bank.formats import load_formats
from flows.disburse import disburse
from flows.form import Technical
from ledger.faults import CRASH_AT
from money import release_states
from money.approval import ApprovalRefused, approve, mark_sent
from money.proof import prove
from money.reconcile import reconcile
from money.verification import folder_problems, money_proof
from policy.parameters import load_policy
from registry.database import Registry
from tests.conftest import ACCEPTANCE, ROOT, cards_for_tests
from tests.flows.test_operations import review_ledger

CARDS = cards_for_tests()
pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
ON = dt.date(2021, 1, 5)
PREPARER, APPROVER = "经办员甲", "审批员乙"
POLICY = load_policy()


def run_round(out: Path, registry: str, reviewed: Path | None = None) -> Path:
    return Path(
        disburse(
            inputs=[str(ACCEPTANCE / "inputs")],
            reference=str(ACCEPTANCE / "reference"),
            out=str(out),
            as_of=None if reviewed else dt.date(2020, 12, 31),
            reviewed_ledger=str(reviewed) if reviewed else None,
            prepared_by=PREPARER,
            technical=Technical(registry=registry),
        )
    )


@pytest.mark.parametrize("verdicts", [{14: ("通过", "已核实")}, {25: ("驳回", "不实")}])
def test_verify__every_round_checked_against_its_own_payments(
    tmp_path: Path, verdicts: dict[int, tuple[str, str]]
) -> None:
    """Item 5: after a second round (paying one more, or nothing) `verify` passes and proves
    each round."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    reviewed = review_ledger(folder / "ledger.xlsx", verdicts, tmp_path / "reviewed.xlsx")
    assert run_round(tmp_path / "out", url, reviewed) == folder
    assert folder_problems(folder, url) == []
    lines, problems = money_proof(folder, url)
    assert problems == []
    assert any("第 0 轮（批准）" in line for line in lines)
    assert any("第 1 轮" in line for line in lines)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=1, cards=CARDS)
    assert folder_problems(folder, url) == []
    assert money_proof(folder, url)[1] == []
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    decided = [e for e in events if e["event"] == "round_approved"]
    assert [e["round"] for e in decided] == [0, 1]
    assert not any("completed" in e for e in decided)  # each written by its own approval


def subsidy(*arguments: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    """A money-loop command in a child process, killed (`kill -9`) at `crash_at`."""
    env = {k: v for k, v in os.environ.items() if k != CRASH_AT}
    if crash_at:
        env[CRASH_AT] = crash_at
    command = [sys.executable, "-m", "flows.cli", *arguments]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_kill_9__after_an_approvals_commit_the_next_command_completes_files_and_log(
    tmp_path: Path,
) -> None:
    """Item 6: the registry holds the approval, the log and `bank/` do not; `verify` names the
    gap, and the next command on the batch finishes both."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    approving = ("approve", str(folder), "--approver", APPROVER, "--round", "0")
    killed = subsidy(*approving, "--registry", url, crash_at="approve-committed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not list((folder / "bank").glob("*")) if (folder / "bank").exists() else True
    problems = folder_problems(folder, url)
    assert any("审计日志中却没有该审批事件" in p for p in problems), problems
    again = subsidy(*approving, "--registry", url)
    assert again.returncode == 1 and "不能再次审批" in again.stderr
    assert "已补记审计日志" in again.stderr
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    approved = [e for e in events if e["event"] == "round_approved"]
    assert len(approved) == 1 and approved[0]["approver"] == APPROVER
    assert "中断" in approved[0]["completed"] and approved[0]["bank_files"]
    assert folder_problems(folder, url) == []
    assert money_proof(folder, url)[1] == []
    subsidy(*approving, "--registry", url)  # once more: nothing appended twice
    lines = (folder / "audit.jsonl").read_text().splitlines()
    assert sum('"event":"round_approved"' in line for line in lines) == 1


def test_kill_9__after_a_reissues_commit_the_next_reissue_completes_its_log(
    tmp_path: Path,
) -> None:
    """Item 6, for `reissue`: a re-issue batch the registry holds has its event in its log."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    out = tmp_path / "out"
    folder = run_round(out, url)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        mark_sent(folder, PREPARER, registry, 0)
        listed = pd.read_csv(folder / "payments.csv", dtype=str, keep_default_na=False)
        row = listed.iloc[0]
        returned = tmp_path / "回盘.csv"
        pd.DataFrame(
            [
                [
                    row.payment_id,
                    row.bank_account,
                    row.beneficiary_name,
                    row.amount,
                    "失败",
                    "系统故障",
                ]
            ],
            columns=["付款编号", "账号", "户名", "金额", "结果", "失败原因"],
        ).to_csv(returned, index=False, encoding="utf-8-sig")
        assert reconcile(returned, registry, "对账员丙").failed == 1
    reissuing = ("reissue", "--out", str(out), "--registry", url, "--prepared-by", PREPARER)
    killed = subsidy(*reissuing, crash_at="reissue-committed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    [again_folder] = [p for p in out.iterdir() if p.name.startswith("reissue-")]
    problems = folder_problems(again_folder, url)
    assert any("重新支付批次" in p and "准备事件" in p for p in problems), problems
    assert subsidy(*reissuing).returncode == 0  # nothing left to re-issue; the log completed
    assert folder_problems(again_folder, url) == []
    with Registry(url) as registry:
        approve(again_folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    assert folder_problems(again_folder, url) == []


def test_bank_folder__a_copy_or_a_stray_file_is_named_and_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 7: every file in `bank/` is accounted for or named; an approval killed before its
    commit leaves nothing in `bank/`, and a file already there is never rewritten."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)

    def killed(*_: object, **__: object) -> None:
        raise RuntimeError("killed before the commit")

    with Registry(url) as registry:
        monkeypatch.setattr(release_states, "mark_reissued", killed)
        with pytest.raises(RuntimeError):
            approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        monkeypatch.undo()
        assert not (folder / "bank").exists() or not list((folder / "bank").iterdir())
        assert folder_problems(folder, url) == []
        # The approval again (the next day, say): its files are the only ones in `bank/`.
        done = approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    name = done.files[0][0]
    data = (folder / "bank" / name).read_bytes()
    assert folder_problems(folder, url) == []
    shutil.copy(folder / "bank" / name, folder / "bank" / f"副本-{name}")
    (folder / "bank" / "旧").mkdir()
    (folder / "bank" / "旧" / name).write_bytes(data)
    problems = folder_problems(folder, url)
    assert any(f"bank/副本-{name} 不是登记库记录的银行文件" in p for p in problems), problems
    assert any(f"bank/旧/{name} 不是登记库记录的银行文件" in p for p in problems), problems


def test_approve__a_file_already_in_bank_is_refused_not_rewritten(tmp_path: Path) -> None:
    """Item 7: a stray of the name an approval would write stays as it is, and the approval waits."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    (folder / "bank").mkdir()
    stray = folder / "bank" / f"{folder.name}-r0-rural_core-personal-esf-01.txt"
    stray.write_bytes(b"left by a killed approval")
    with Registry(url) as registry, pytest.raises(ApprovalRefused, match="bank/ 中已有文件"):
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    assert stray.read_bytes() == b"left by a killed approval"
    assert any("不是登记库记录的银行文件" in p for p in folder_problems(folder, url))


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_sent__refused_after_a_bank_file_was_edited_or_deleted(tmp_path: Path, change: str) -> None:
    """Item 8: `sent` records the upload of the files approved, as approved, or nothing."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    with Registry(url) as registry:
        done = approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        path = folder / "bank" / done.files[0][0]
        if change == "edit":
            path.write_bytes(path.read_bytes() + b"\n")
        else:
            path.unlink()
        with pytest.raises(ApprovalRefused, match="不能登记为已报送银行"):
            mark_sent(folder, PREPARER, registry, 0)
        [proof] = prove(registry, done.batch_id, None)
        assert "sent" not in proof.counts


def test_verify__an_edited_approval_sheet_is_found(tmp_path: Path) -> None:
    """Item 8: the 拨付审批单's sha256 is recorded at approval and checked."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    [sheet] = (folder / "bank").glob("*拨付审批单.xlsx")
    workbook = load_workbook(sheet)
    workbook.active["A1"] = "审批人：某某 拨付 9,999,999.00 元"
    workbook.save(sheet)
    problems = folder_problems(folder, url)
    assert any(f"拨付审批单 bank/{sheet.name} 与登记库记录的 sha256 不符" in p for p in problems)


@pytest.mark.parametrize(
    "name",
    ["资金拨付申请表.xlsx", "decisions.csv", "rounds/0/ledger.xlsx", "rounds/0/decisions.csv"],
)
def test_approve__every_file_of_the_round_must_be_as_recorded(tmp_path: Path, name: str) -> None:
    """Item 8: an approver approves exactly the files that were shown."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    path = folder / name
    path.write_bytes(path.read_bytes() + b"\0")
    with Registry(url) as registry, pytest.raises(ApprovalRefused, match=re.escape(name)):
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    assert not (folder / "bank").exists()


def test_approve_and_sent__a_reviewer_filling_in_the_batchs_ledger_blocks_neither(
    tmp_path: Path,
) -> None:
    """SPEC §6: reviewers fill in `ledger.xlsx` while the round awaits approval or upload; the
    round's own ledger under rounds/<n>/ is the one an approval checks."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    review_ledger(folder / "ledger.xlsx", {14: ("通过", "已核实")}, folder / "ledger.xlsx")
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        assert mark_sent(folder, PREPARER, registry, 0) > 0


def test_kill_9__after_a_file_refusals_commit_the_next_command_completes_its_log(
    tmp_path: Path,
) -> None:
    """`refuse-file` killed after its registry commit: `verify` names the missing
    `file_refused` events, and the next command on the batch (here `sent`, itself refused)
    appends them, once."""
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        mark_sent(folder, PREPARER, registry)
    [icbc] = (folder / "bank").glob("*-fixed_gb18030-*")
    refusing = ("refuse-file", icbc.name, "--reason", "总金额或总笔数不符")
    people = ("--by", PREPARER, "--checker", APPROVER, "--registry", url)
    killed = subsidy(*refusing, *people, crash_at="refusal-committed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert folder_problems(folder, url) != []  # the log lacks what the registry committed
    again = subsidy("sent", str(folder), "--by", PREPARER, "--registry", url)
    assert again.returncode == 1 and "已报送银行" in again.stderr
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    refused = [e for e in events if e["event"] == "file_refused"]
    rows = len(rows_of(icbc.read_bytes(), load_formats()["fixed_gb18030"]))
    assert rows > 1 and len(refused) == rows
    assert all("整批退回" in e["reason"] for e in refused)
    assert folder_problems(folder, url) == []
    assert money_proof(folder, url)[1] == []
    subsidy("sent", str(folder), "--by", PREPARER, "--registry", url)  # nothing twice
    lines = (folder / "audit.jsonl").read_text().splitlines()
    assert sum('"event":"file_refused"' in line for line in lines) == rows

"""`kill -9` between the registry commit and the audit append of `sent`, `bank-return` and
`settle` (SPEC §8 settled points: the log never misses a committed change). Each command runs
in a child process that kills itself at its point (`ledger.faults.MONEY_POINTS`); `verify` then
names the gap, the next command on the batch completes the log, and `verify` passes with every
event written once. The same for `approve` and `reissue` is in `test_proof_rounds.py`.
"""

from __future__ import annotations

import json
import signal
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.faults import MONEY_POINTS
from money.approval import approve, mark_sent
from money.verification import folder_problems, money_proof
from registry.database import Registry
from tests.conftest import cards_for_tests
from tests.flows.test_money_loop import payments_of, write_return
from tests.flows.test_proof_rounds import APPROVER, ON, POLICY, PREPARER, run_round, subsidy

CARDS = cards_for_tests()
pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def events(folder: Path) -> list[str]:
    lines = (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["event"] for line in lines]


def return_lines(listed, result: str = "成功") -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [
        [
            r.payment_id,
            r.bank_account,
            r.beneficiary_name,
            f"{Decimal(int(r.amount)) / 100:.2f}",
            result,
            "" if result == "成功" else "系统故障",
        ]
        for r in listed.itertuples()
    ]


def test_money_points__every_command_has_its_kill_point_in_the_code() -> None:
    sources = "".join(
        (Path(__file__).resolve().parents[2] / "money" / name).read_text(encoding="utf-8")
        for name in ("approval.py", "reissue.py", "reconcile.py")
    )
    assert all(f'crash_point("{point}")' in sources for point in MONEY_POINTS)


@pytest.mark.parametrize("point", ["sent-committed", "return-committed", "settle-committed"])
def test_kill_9__after_the_commit_the_gap_is_named_and_the_next_command_completes_the_log(
    tmp_path: Path, point: str
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    listed = payments_of(folder)
    first, rest = listed.iloc[:1], listed.iloc[1:]
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        if point != "sent-committed":
            mark_sent(folder, PREPARER, registry, 0)
    registry_args = ("--registry", url)
    if point == "sent-committed":
        step = ("sent", str(folder), "--by", PREPARER, "--round", "0")
        again = step  # refused as already sent, after completing the log
        wanted = "round_sent"
    elif point == "return-committed":
        returned = write_return(tmp_path / "回盘.csv", return_lines(listed))
        step = ("bank-return", str(returned), "--by", "对账员丙")
        again = step  # the same file: applied once, its event completed
        wanted = "bank_return"
    else:
        pid = str(first.iloc[0]["payment_id"])
        step = ("settle", pid, "--result", "成功", "--reason", "柜面查询已入账")
        step += ("--by", "对账员丙", "--checker", "复核员丁")
        returned = write_return(tmp_path / "回盘.csv", return_lines(rest))
        again = ("bank-return", str(returned), "--by", "对账员丙")
        wanted = "settled_by_hand"
    killed = subsidy(*step, *registry_args, crash_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert wanted not in events(folder)
    assert folder_problems(folder, url) != []  # the committed change the log misses is named
    subsidy(*again, *registry_args)
    assert events(folder).count(wanted) == 1
    assert folder_problems(folder, url) == []
    assert money_proof(folder, url)[1] == []
    subsidy(*again, *registry_args)  # once more: nothing written twice
    assert events(folder).count(wanted) == 1


def test_review_round__a_failed_payment_of_an_earlier_round_is_not_paid_again(
    tmp_path: Path,
) -> None:
    """A payment the bank failed for its account is paid again only through re-issue, to a
    corrected account (SPEC §8 Re-issue): the next review round of the batch adds nothing for
    it (an outsider saw round 1 pay it again, in full, to the account the bank had refused)."""
    from tests.flows.test_operations import review_ledger

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = run_round(tmp_path / "out", url)
    listed = payments_of(folder)
    failed = listed.iloc[:1]
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        mark_sent(folder, PREPARER, registry, 0)
    lines = return_lines(failed, "失败")
    lines[0][-1] = "账号不存在"
    returned = write_return(tmp_path / "回盘.csv", lines)
    assert subsidy("bank-return", str(returned), "--registry", url).returncode == 0
    reviewed = review_ledger(folder / "ledger.xlsx", {14: ("通过", "已核实")}, tmp_path / "r.xlsx")
    assert run_round(tmp_path / "out", url, reviewed) == folder
    again = payments_of(folder)  # what round 1 adds
    assert str(failed.iloc[0]["beneficiary_id"]) not in set(again["beneficiary_id"])
    assert folder_problems(folder, url) == []


def test_reissue__a_failed_payment_stays_re_issuable_when_a_later_round_pays_the_same_enterprise(
    tmp_path: Path,
) -> None:
    """Round 1 approves one more worker of an enterprise whose round-0 payment failed: round 1
    pays only that worker, and the failed payment is still re-issued (a reviewer of this change
    saw `reissue` take round 1's payment for one paid "in its place", leaving it no way out)."""
    from money.reissue import prepare_reissue
    from tests.flows.test_operations import review_ledger

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    out = tmp_path / "out"
    folder = run_round(out, url)
    listed = payments_of(folder)
    enterprise = "913701029GAHH9GDH9"  # its worker on row 92 is held SFP_OVERLAP in round 0
    failed = listed[listed["beneficiary_id"] == enterprise]
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        mark_sent(folder, PREPARER, registry, 0)
    returned = write_return(tmp_path / "回盘.csv", return_lines(failed, "失败"))  # 系统故障
    assert subsidy("bank-return", str(returned), "--registry", url).returncode == 0
    reviewed = review_ledger(folder / "ledger.xlsx", {92: ("通过", "已核实")}, tmp_path / "r.xlsx")
    assert run_round(out, url, reviewed) == folder
    added = payments_of(folder)  # that one worker, not the failed payment again
    assert list(added["beneficiary_id"]) == [enterprise]
    assert 0 < int(added["amount"].iloc[0]) < int(failed["amount"].iloc[0])
    with Registry(url) as registry:
        reissue = prepare_reissue(registry, out, PREPARER, ON)
    assert list(reissue.payments["original_payment_id"]) == list(failed["payment_id"])

"""The money loop end to end on acceptance case 1 (SPEC §8), on SQLite and PostgreSQL: prepare →
approve (the preparer and a reviewer refused) → bank files whose totals equal the batch → sent →
a return with failures, a mismatch, an unknown id and a duplicate → reconciled twice (the second
changes nothing) → the proof balances to the fen. Also: the budget refuses a release with its
shortfall, 退回 frees the claims, and two approvals or reconciliations at once act once."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from bank.files import rows_of
from bank.formats import load_formats
from batch.run import BatchSentBack
from flows.disburse import disburse
from flows.form import Technical
from money.approval import ApprovalRefused, approve, mark_sent
from money.proof import overpaid, prove
from money.reconcile import SettleRefused, reconcile, settle_by_hand
from money.reissue import (
    ReissueRefused,
    approve_corrections,
    enter_corrections,
    prepare_reissue,
)
from money.verification import folder_problems, money_proof
from policy.parameters import load_policy
from registry.database import Registry
from registry.tables import claims, payment_states, review_verdicts
from tests.conftest import ACCEPTANCE, ROOT, cards_for_tests
from tests.money.test_bank_core_loop import failure, report, success
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)

CARDS = cards_for_tests()
pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
ON = dt.date(2021, 1, 5)
PREPARER, APPROVER = "经办员甲", "审批员乙"
POLICY = load_policy()


def prepared(out: Path, registry: str) -> Path:
    return Path(
        disburse(
            inputs=[str(ACCEPTANCE / "inputs")],
            reference=str(ACCEPTANCE / "reference"),
            out=str(out),
            as_of=dt.date(2020, 12, 31),
            prepared_by=PREPARER,
            technical=Technical(registry=registry),
        )
    )


def state_counts_of(registry: Registry, batch_id: str) -> dict[str, int]:
    """How many of the batch's (one-round) payments are in each state, as the proof counts."""
    [proof] = prove(registry, batch_id, None)
    return proof.counts


def bank_rows(folder: Path) -> pd.DataFrame:
    """Every bank file's rows: a bank core's lines, which carry no payment id, found by their
    account (each beneficiary here has an account of its own)."""
    formats = load_formats()
    by_account = dict(
        zip(payments_of(folder)["bank_account"], payments_of(folder)["payment_id"], strict=True)
    )
    rows = []
    for path in sorted((folder / "bank").glob(f"{folder.name}-r*")):
        if path.name.endswith("拨付审批单.xlsx"):
            continue
        name = path.name.removeprefix(folder.name).split("-")[2]
        for key, fen in rows_of(path.read_bytes(), formats[name]):
            pid = by_account[key.split("#")[0]] if "#" in key else key
            rows.append((path.name, pid, fen))
    return pd.DataFrame(rows, columns=["file", "payment_id", "amount"])


def payments_of(folder: Path) -> pd.DataFrame:
    frame = pd.read_csv(folder / "payments.csv", dtype=str, keep_default_na=False)
    frame["amount"] = [int(Decimal(a) * 100) for a in frame["amount"]]
    return frame


def assert_verified(folder: Path, url: str) -> None:
    """`subsidy verify` passes on the folder: files, audit log and Merkle roots, registry, and
    the money proof of every round (SPEC §8 Proof), after every step of the loop."""
    assert folder_problems(folder, url) == []
    assert money_proof(folder, url)[1] == []


def subsidy(*arguments: str) -> str:
    """A `subsidy` command in a child process, as a clerk runs it: what it printed (it must
    have succeeded)."""
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def write_return(path: Path, rows: list[list[str]]) -> Path:
    header = ["付款编号", "账号", "户名", "金额", "结果", "失败原因"]
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_money_loop__prepare_approve_send_return_twice_reissue_and_the_proof_balances(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = prepared(tmp_path / "out", registry_url)
    expected = json.loads((ACCEPTANCE / "expected.json").read_text(encoding="utf-8"))
    listed = payments_of(folder)
    assert Decimal(int(listed["amount"].sum())) / 100 == Decimal(expected["totals"]["payments"])
    assert not (folder / "bank").exists()  # no bank file before approval
    with Registry(registry_url) as registry:
        with pytest.raises(ApprovalRefused, match="经办人"):
            approve(folder, PREPARER, registry, POLICY, ON, round_=0, cards=CARDS)
        done = approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        # Every prepared payment is in exactly one bank file, and the files total the batch.
        written = bank_rows(folder)
        assert done.held == [] and done.released == len(listed) == len(written)
        assert written["payment_id"].is_unique
        assert int(written["amount"].sum()) == done.released_fen == int(listed["amount"].sum())
        assert sorted(written["file"].unique()) == sorted(name for name, _, _ in done.files)
        assert_verified(folder, registry_url)
        with pytest.raises(ApprovalRefused, match="不能再次审批"):
            approve(folder, "另一审批员", registry, POLICY, ON, round_=0, cards=CARDS)
        assert mark_sent(folder, PREPARER, registry) == len(listed)
        assert_verified(folder, registry_url)

        ids = list(written.sort_values("payment_id")["payment_id"])
        sent = listed.set_index("payment_id")
        lines = []
        for position, pid in enumerate(ids):
            row = sent.loc[pid]
            amount = f"{Decimal(int(row['amount'])) / 100:.2f}"
            result, reason = "成功", ""
            if position in (0, 1):
                result, reason = "失败", "账户冻结" if position == 0 else "账号不存在"
            if position == 2:
                amount = f"{Decimal(int(row['amount']) - 100) / 100:.2f}"  # one yuan short
            lines.append(
                [pid, row["bank_account"], row["beneficiary_name"], amount, result, reason]
            )
        lines.append(["PUNKNOWN00000000", "6222000000000000", "某某", "1.00", "成功", ""])
        lines.append(lines[3])  # the same payment twice in one file
        returned = write_return(tmp_path / "回盘-1.csv", lines)
        first = reconcile(returned, registry, "对账员丙")
        assert (first.paid, first.failed, first.reversed) == (len(ids) - 2, 2, 0)
        assert len(first.discrepancies) == 1 and ids[2] in first.discrepancies[0]
        assert len(first.not_applied) == 2
        counts = state_counts_of(registry, done.batch_id)
        again = reconcile(returned, registry, "对账员丙")
        assert again.already and state_counts_of(registry, done.batch_id) == counts
        assert_verified(folder, registry_url)

        [proof] = prove(registry, done.batch_id, folder)
        failed = int(sent.loc[ids[:2], "amount"].sum())
        assert proof.balances and proof.problems == []
        assert proof.released == int(listed["amount"].sum())
        assert (proof.failed, proof.unreconciled) == (failed, 0)
        assert proof.paid == proof.released - failed
        assert overpaid(registry) == []

        # Re-issue: the frozen account's payment to the same account; the closed account's
        # only once a correction entered by one person is approved by another.
        frozen, closed = ids[0], ids[1]
        corrections = write_corrections(tmp_path / "账户更正.xlsx", sent.loc[closed], closed)
        assert enter_corrections(registry, corrections, PREPARER) == 1
        first_reissue = prepare_reissue(registry, tmp_path / "out", PREPARER, ON)
        assert list(first_reissue.payments["original_payment_id"]) == [frozen]
        assert first_reissue.payments.iloc[0]["bank_account"] == sent.loc[frozen, "bank_account"]
        assert any(closed in w and "账户更正" in w for w in first_reissue.waiting)
        with pytest.raises(ReissueRefused, match="另一人"):
            approve_corrections(registry, corrections, PREPARER)
        assert approve_corrections(registry, corrections, APPROVER) == 1
        second_reissue = prepare_reissue(registry, tmp_path / "out", PREPARER, ON)
        assert list(second_reissue.payments["original_payment_id"]) == [closed]
        assert second_reissue.payments.iloc[0]["bank_account"] == NEW_ACCOUNT
        assert second_reissue.payments.iloc[0]["bank_name"] == NEW_BANK
        assert prepare_reissue(registry, tmp_path / "out", PREPARER, ON).folder is None  # once
        for reissue in (first_reissue, second_reissue):
            assert reissue.folder is not None
            with pytest.raises(ApprovalRefused, match="经办人"):
                approve(reissue.folder, PREPARER, registry, POLICY, ON, round_=0, cards=CARDS)
            approve(reissue.folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
            assert_verified(reissue.folder, registry_url)
            mark_sent(reissue.folder, PREPARER, registry)
            assert_verified(reissue.folder, registry_url)
            row = payments_of(reissue.folder).iloc[0]
            back = write_return(
                tmp_path / f"{reissue.folder.name}.csv",
                [
                    [
                        row["payment_id"],
                        row["bank_account"],
                        row["beneficiary_name"],
                        f"{Decimal(int(row['amount'])) / 100:.2f}",
                        "成功",
                        "",
                    ]
                ],
            )
            assert reconcile(back, registry, "对账员丙").paid == 1
            assert_verified(reissue.folder, registry_url)
            assert_verified(folder, registry_url)
            [again_proof] = prove(registry, reissue.folder.name, reissue.folder)
            assert again_proof.balances and again_proof.problems == []
            assert again_proof.paid == int(row["amount"])
        [proof] = prove(registry, done.batch_id, folder)
        assert (proof.failed, proof.reissued) == (0, failed)
        assert proof.released == proof.paid + proof.reissued and proof.balances
        assert overpaid(registry) == []
    assert folder_problems(folder, registry_url) == []
    lines, problems = money_proof(folder, registry_url)
    assert problems == [] and "平衡" in "\n".join(lines)


NEW_ACCOUNT = "6222020200000000001"
NEW_BANK = "中国建设银行济南分行"  # its format: the Excel template


def write_corrections(path: Path, row: pd.Series, pid: str) -> Path:
    frame = pd.DataFrame(
        [
            [
                row["beneficiary_id"],
                row["beneficiary_name"],
                "原开户银行",
                row["bank_account"],
                NEW_BANK,
                NEW_ACCOUNT,
                f"开户行出具的账户证明（{pid}）",
            ]
        ],
        columns=[
            "受益对象编号",
            "户名",
            "原开户银行",
            "原银行账号",
            "新开户银行",
            "新银行账号",
            "更正依据",
        ],
    )
    frame.to_excel(path, sheet_name="账户更正", index=False)
    return path


def test_money_loop__a_reviewer_of_the_round_may_not_approve_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    with Registry(url) as registry:
        batch_id = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["batch_id"]
        with registry.engine.begin() as connection:
            connection.execute(
                insert(review_verdicts).values(
                    batch_id=batch_id,
                    program="new_hire",
                    file="x.xlsx",
                    sheet="s",
                    row=2,
                    verdict="通过",
                    comment="",
                    round=0,
                    reviewer="复核员丁",
                    recorded_by=PREPARER,
                    recorded_at=dt.datetime.now(dt.UTC),
                )
            )
        with pytest.raises(ApprovalRefused, match="复核过本轮"):
            approve(folder, "复核员丁", registry, POLICY, ON, round_=0, cards=CARDS)


def new_hire_budget_of_20000(policy_folder: Path) -> Path:
    """The shipped parameters with new_hire's 2020 budget cut to 20,000.00 yuan."""
    shutil.copytree(ROOT / "policy" / "parameter_files", policy_folder)
    budget = policy_folder / "budget.yaml"
    budget.write_text(
        budget.read_text(encoding="utf-8").replace(
            '2020-01-01: {"2020": {total: 10000000}, "2021": {total: 10000000}}\nchongqing',
            '2020-01-01: {"2020": {total: 20000}, "2021": {total: 10000000}}\nchongqing',
        ),
        encoding="utf-8",
    )
    return policy_folder


def test_money_loop__over_budget_refused_with_the_shortfall_and_nothing_released(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    policy_folder = new_hire_budget_of_20000(tmp_path / "policy")
    with Registry(url) as registry:
        with pytest.raises(ApprovalRefused) as refused:
            approve(
                folder, APPROVER, registry, load_policy(policy_folder), ON, round_=0, cards=CARDS
            )
        message = str(refused.value)
        # new_hire: 21,000.00 in case 1 against a budget of 20,000.00.
        assert "一次性吸纳就业补贴 2020 年度预算 20,000.00 元" in message
        assert "超出 1,000.00 元" in message
        assert not (folder / "bank").exists()
        with registry.engine.connect() as connection:
            assert (
                connection.execute(select(func.count()).select_from(payment_states)).scalar() == 0
            )
        approve(
            folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS
        )  # within the budget: released
    assert_verified(folder, url)


def test_money_loop__the_budget_counts_net_of_recovery_offsets(tmp_path: Path) -> None:
    """SPEC §8 Budget: the released total and this release count net of recovery offsets
    (only what goes to the bank); gross, case 1's new_hire (21,000.00) passes a 20,000.00
    budget, but 1,500.00 of it is netted off an amount owed back, so 19,500.00 goes out."""
    from money import recovery
    from money.budget import budget_lines
    from registry.tables import recovery_items

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    policy = load_policy(new_hire_budget_of_20000(tmp_path / "policy"))
    listed = payments_of(folder)
    hire = listed[listed["program"] == "new_hire"].iloc[0]
    with Registry(url) as registry:
        with registry.engine.begin() as connection:
            connection.execute(
                insert(recovery_items).values(
                    item_id="RTEST00000000001",
                    program="new_hire",
                    period="2020",
                    beneficiary_id=str(hire["beneficiary_id"]),
                    amount_fen=150000,
                    reason="多付",
                    source="测试",
                    seq=0,
                    status=recovery.OPEN,
                    created_by="经办员（复核：科长）",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        done = approve(folder, APPROVER, registry, policy, ON, round_=0, cards=CARDS)
        assert done.netted_fen == 150000
        [line] = [b for b in done.budgets if b.program == "new_hire"]
        assert (line.this, line.remaining) == (1950000, 50000)
        # Released before counts net too: 19,500.00, so 500.00 is left of the 20,000.00.
        more = pd.DataFrame(
            [
                {
                    "program": "new_hire",
                    "period": "2020",
                    "city": "",
                    "amount": 50000,
                    "fund_source": "就业补助资金",
                }
            ]
        )
        with registry.engine.connect() as connection:
            [after, fund] = budget_lines(connection, more, policy, ON)
        assert (after.program, after.before, after.remaining) == ("new_hire", 1950000, 0)
        # The programme's fund source (就业补助资金) has a budget of its own: what its
        # programmes released, net, plus this.
        assert (fund.program, fund.fund_source, fund.this) == ("", "就业补助资金", 50000)
        employment = [b for b in done.budgets if b.program not in ("", "stabilization_refund")]
        assert len(employment) > 1 and fund.before == sum(b.this for b in employment)


def test_money_loop__sent_back_releases_nothing_and_frees_the_rounds_claims(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    with Registry(url) as registry:
        with registry.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(claims)).scalar() > 0
        with pytest.raises(ApprovalRefused, match="退回原因"):
            approve(folder, APPROVER, registry, POLICY, ON, send_back=" ", round_=0, cards=CARDS)
        done = approve(
            folder, APPROVER, registry, POLICY, ON, send_back="开户行信息需核实", round_=0
        )
        assert done.decision == "退回" and not (folder / "bank").exists()
        counts = state_counts_of(registry, done.batch_id)
        assert set(counts) == {"sent_back"}
        with registry.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(claims)).scalar() == 0
        with pytest.raises(ApprovalRefused, match="退回"):
            approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
    assert_verified(folder, url)
    # A rerun reproduces the round's files as they were and takes no claim again.
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert prepared(tmp_path / "out", url) == folder
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    with Registry(url) as registry, registry.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(claims)).scalar() == 0
    (folder / "payments.csv").write_bytes(b"edited")
    with pytest.raises(BatchSentBack, match="无法重现"):
        prepared(tmp_path / "out", url)


def test_money_loop__two_approvals_and_two_reconciliations_at_once_act_once(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = prepared(tmp_path / "out", registry_url)
    outcomes: list[object] = []

    def one(action) -> None:  # type: ignore[no-untyped-def]
        with Registry(registry_url) as registry:
            try:
                outcomes.append(action(registry))
            except (ApprovalRefused, SettleRefused) as refused:
                outcomes.append(refused)

    def approving(registry: Registry) -> object:
        return approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)

    threads = [threading.Thread(target=one, args=(approving,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["Approval", "ApprovalRefused"]
    written = bank_rows(folder)
    listed = payments_of(folder).set_index("payment_id")
    returned = write_return(
        tmp_path / "回盘.csv",
        [
            [
                pid,
                listed.loc[pid, "bank_account"],
                listed.loc[pid, "beneficiary_name"],
                f"{Decimal(int(fen)) / 100:.2f}",
                "成功",
                "",
            ]
            for pid, fen in zip(written["payment_id"], written["amount"], strict=True)
        ],
    )
    outcomes.clear()
    threads = [
        threading.Thread(target=one, args=(lambda r: reconcile(returned, r, "对账员"),))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.already for o in outcomes) == [False, True]  # type: ignore[attr-defined]
    batch_id = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["batch_id"]
    with Registry(registry_url) as registry:
        [proof] = prove(registry, batch_id, folder)
        assert proof.paid == proof.released and proof.balances
    assert_verified(folder, registry_url)


def test_settle_by_hand__needs_a_reason_and_a_second_person(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        pid = str(payments_of(folder)["payment_id"].iloc[0])
        with pytest.raises(SettleRefused, match="另一人"):
            settle_by_hand(registry, pid, "成功", "回单 2021-001", "对账员", "对账员")
        with pytest.raises(SettleRefused, match="依据"):
            settle_by_hand(registry, pid, "成功", " ", "对账员", "科长")
        assert settle_by_hand(registry, pid, "成功", "回单 2021-001", "对账员", "科长") == "paid"
        with pytest.raises(SettleRefused, match="状态是 paid"):
            settle_by_hand(registry, pid, "失败", "回单 2021-002", "对账员", "科长")
    assert_verified(folder, url)


def test_flows__the_approve_flow_refuses_the_preparer_with_a_message_and_returns_reconcile_nightly(
    tmp_path: Path,
) -> None:
    from flows.inbox import nightly_inbox
    from flows.money_loop import approve_round

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    state = approve_round(
        batch=str(folder),
        approver=PREPARER,
        round=0,
        decision="批准",
        reference=str(ACCEPTANCE / "reference"),
        technical={"registry": url},
        return_state=True,
    )
    assert state.is_failed() and "不能审批自己经办的拨付" in str(state.message)
    summary = approve_round(
        batch=str(folder),
        approver=APPROVER,
        round=0,
        decision="批准",
        reference=str(ACCEPTANCE / "reference"),
        technical={"registry": url},
    )
    assert "已由 审批员乙 批准" in summary
    # The bank's return dropped in the inbox's 回盘 folder is reconciled that night, then archived.
    inbox = tmp_path / "inbox"
    (inbox / "回盘").mkdir(parents=True)
    listed = payments_of(folder)
    write_return(
        inbox / "回盘" / "工行回盘-0105.csv",
        [
            [
                r.payment_id,
                r.bank_account,
                r.beneficiary_name,
                f"{Decimal(r.amount) / 100:.2f}",
                "成功",
                "",
            ]
            for r in listed.itertuples()
        ],
    )
    assert (
        nightly_inbox(inbox=str(inbox), out=str(tmp_path / "out"), technical={"registry": url})
        == []
    )
    assert (inbox / "archive" / "回盘" / "工行回盘-0105.csv").exists()
    with Registry(url) as registry:
        assert state_counts_of(registry, folder.name) == {"paid": len(listed)}
    assert_verified(folder, url)


def test_recovery__a_wrong_payment_needs_two_people_and_the_list_shows_what_is_open(
    tmp_path: Path,
) -> None:
    from money import recovery
    from workbooks.recovery_sheet import recovery_workbook

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    listed = payments_of(folder)
    pid = str(listed["payment_id"].iloc[0])
    with Registry(url) as registry:
        with pytest.raises(recovery.RecoveryRefused, match="已拨付"):
            recovery.mark_wrong(registry, pid, 100, "重复申领", "经办员", "科长")
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        with pytest.raises(recovery.RecoveryRefused, match="另一人"):
            recovery.mark_wrong(registry, pid, 100, "重复申领", "经办员", "经办员")
        with pytest.raises(recovery.RecoveryRefused, match="不超过"):
            recovery.mark_wrong(
                registry, pid, int(listed["amount"].iloc[0]) + 1, "重复申领", "经办员", "科长"
            )
        key = recovery.mark_wrong(registry, pid, 100, "重复申领", "经办员", "科长")
        items = recovery.items_frame(registry)
        assert items.set_index("item_id").loc[key, "open"] == 100
        recovery.mark_recovered(registry, key, "退款凭证 2021-03", "出纳", "科长")
        items = recovery.items_frame(registry)
        assert items.set_index("item_id").loc[key, "status"] == "已追回"
        with pytest.raises(recovery.RecoveryRefused, match="不是待追回"):
            recovery.mark_recovered(registry, key, "再次", "出纳", "科长")
    data = recovery_workbook(items, "2021-03-31")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True)["追回"]
    values = [row for row in sheet.values if any(v is not None for v in row)]
    assert any(key in row for row in values) and any("已追回" in row for row in values)
    # The debtor by name, as the bank file carried it, beside the code; and signatures.
    debtor = str(listed["beneficiary_name"].iloc[0])
    [line] = [row for row in values if key in row]
    assert debtor in line and str(listed["beneficiary_id"].iloc[0]) in line
    assert any("负责人（签字）" in str(row[0]) for row in values)
    assert_verified(folder, url)


def test_flows__a_bank_return_with_failures_says_so_in_its_final_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import money_loop
    from flows.money_loop import approve_round, bank_return

    def no_output_folder() -> Path:  # production without SUBSIDY_OUT, a registry configured
        raise AssertionError("the default output folder was consulted though a registry is named")

    monkeypatch.setattr(money_loop, "default_registry_folder", no_output_folder)

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    approve_round(
        batch=str(folder),
        approver=APPROVER,
        round=0,
        decision="批准",
        reference=str(ACCEPTANCE / "reference"),
        technical={"registry": url},
    )
    listed = payments_of(folder)
    rows = [
        [r.payment_id, r.bank_account, r.beneficiary_name, f"{Decimal(r.amount) / 100:.2f}"]
        for r in listed.itertuples()
    ]
    returned = write_return(
        tmp_path / "回盘.csv",
        [[*rows[0], "失败", "账户已销户"], *[[*row, "成功", ""] for row in rows[1:]]],
    )
    state = bank_return(
        files=[str(returned)], by="对账员", technical={"registry": url}, return_state=True
    )
    assert state.is_completed()
    assert f"成功 {len(rows) - 1} 笔" in state.message and "失败或退汇 1 笔" in state.message
    again = bank_return(
        files=[str(returned)], by="对账员", technical={"registry": url}, return_state=True
    )
    assert again.message == "回盘文件此前已对账，本次未作任何更改"  # the same file: no change
    assert_verified(folder, url)


def test_money_loop__a_bank_cores_file_its_two_reports_a_refused_file_and_the_statement(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """SPEC §8 Banks as they are, end to end on acceptance case 1: the 鲁渝 workers' bank (a
    农村商业银行) takes the core's `|` file; its two reports are matched without a payment id;
    another bank refuses its file whole and its payments are re-issued to the same accounts;
    the payer's statement is checked; `verify` passes after every step."""
    folder = prepared(tmp_path / "out", registry_url)
    with Registry(registry_url) as registry:
        done = approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        [core] = sorted((folder / "bank").glob("*-rural_core-personal-esf-01.txt"))
        lines = core.read_bytes().decode("gb18030").split("\r\n")
        head = lines[0].split("|")
        details = [line.split("|") for line in lines[1:-1]]
        assert head[2:4] == ["20210105", "1046"] and int(head[6]) == len(details) > 1
        assert sum(int(Decimal(d[2]) * 100) for d in details) == int(Decimal(head[7]) * 100)
        assert_verified(folder, registry_url)
        mark_sent(folder, PREPARER, registry)

        # The core's answer: the first worker's name differs from the card's; the rest loaded.
        first, rest = details[0], details[1:]
        reports = tmp_path / "reports"
        reports.mkdir()
        paid_report = success(*[(d[1], d[3], d[2]) for d in rest])
        failed_report = failure(
            (first[1], first[3], first[2], int(first[7]), "户名不符,原户名为[某]")
        )
        report(reports, "0104620210105.txt", paid_report)
        report(reports, "1104620210105.txt", failed_report)
        done_returns = subsidy(
            "bank-return", *sorted(str(p) for p in reports.iterdir()), "--registry", registry_url
        )
        assert f"成功 {len(rest)} 笔" in done_returns and "失败 1 笔" in done_returns
        assert_verified(folder, registry_url)

        # The ICBC file is refused whole (its total was wrong, the bank says): a second person
        # checks the record; its payments fail, not about their accounts, and are re-issued.
        [icbc] = [name for name, _, _ in done.files if "fixed_gb18030" in name]
        refused = subsidy(
            "refuse-file",
            icbc,
            "--reason",
            "总金额或总笔数不符",
            "--by",
            PREPARER,
            "--checker",
            APPROVER,
            "--registry",
            registry_url,
        )
        assert "整批退回" in refused
        assert_verified(folder, registry_url)
        again = prepare_reissue(registry, tmp_path / "out", PREPARER, ON)
        icbc_ids = {
            pid for name, pid, _ in bank_rows(folder).itertuples(index=False) if name == icbc
        }
        assert set(again.payments["original_payment_id"]) == icbc_ids

        # The payer's statement: one debit per paid payment of the core's file, one twice.
        paid = [(d[3], d[1], d[2]) for d in rest]
        statement = tmp_path / "对账单.csv"
        statement.write_text(
            "交易日期,借贷标志,交易金额,对方账号,对方户名,摘要\n"
            + "".join(f"2021-01-05,借,{a},{acct},{n},代发\n" for acct, n, a in [*paid, paid[0]]),
            encoding="utf-8",
        )
        # Two fund sources' payer accounts debit this round's files: the statement names its own.
        with pytest.raises(AssertionError, match="请用 --payer-account 指明"):
            subsidy("statement", str(statement), "--registry", registry_url)
        employment_fund = "6227000000000000202"  # bank/payers.yaml's demo 就业补助资金 account
        checked = subsidy(
            "statement",
            str(statement),
            "--payer-account",
            employment_fund,
            "--registry",
            registry_url,
        )
        assert (
            f"对应支付 {len(paid)} 笔" in checked
            and "重复借方（同一支付第二次扣款） 1 笔" in checked
        )
        shown = subsidy("verify", str(folder), "--registry", registry_url)
        assert f"借方 {len(paid) + 1} 笔" in shown and "重复借方 1 笔" in shown

"""Issue 21, items 9, 17 and 21 (SPEC §8 settled points): the approver names the round awaiting
approval; each round's 拨付审批单 is its own file, written once, its sha256 recorded; `sent`, every
return applied and every hand settlement are audit events with who and when, and a change the
registry committed but the log missed is completed by the next command (or named by `verify`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from flows.cli import main
from ledger import audit
from money.approval import approve, mark_sent
from money.reconcile import reconcile, settle_by_hand
from money.verification import folder_problems, money_proof
from registry.database import Registry
from registry.tables import releases
from tests.conftest import ACCEPTANCE, cards_for_tests
from tests.flows.test_money_loop import (
    APPROVER,
    ON,
    POLICY,
    PREPARER,
    payments_of,
    prepared,
    write_return,
)
from tests.flows.test_operations import review_ledger
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)

CARDS = cards_for_tests()
pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def two_rounds(tmp_path: Path, url: str) -> Path:
    """Acceptance case 1 prepared (round 0), then a reviewer's 通过 on one held row (round 1)."""
    from flows.disburse import disburse
    from flows.form import Technical
    from tests.conftest import ACCEPTANCE

    folder = prepared(tmp_path / "out", url)
    reviewed = review_ledger(
        folder / "ledger.xlsx", {14: ("通过", "已电话核实卡号")}, tmp_path / "reviewed.xlsx"
    )
    again = disburse(
        inputs=[str(ACCEPTANCE / "inputs")],
        reference=str(ACCEPTANCE / "reference"),
        out=str(tmp_path / "out"),
        reviewed_ledger=str(reviewed),
        prepared_by=PREPARER,
        technical=Technical(registry=url),
    )
    assert Path(again) == folder
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["round"] == 1
    return folder


def decisions(url: str) -> dict[int, str | None]:
    with Registry(url) as registry, registry.engine.connect() as connection:
        return dict(connection.execute(select(releases.c.round, releases.c.decision)).all())


def test_approve__the_approver_names_the_round_and_it_must_be_awaiting_approval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = two_rounds(tmp_path, url)
    # Without a round nothing is released: the command names the rounds awaiting approval.
    assert main(["approve", str(folder), "--approver", APPROVER, "--registry", url]) == 1
    said = capsys.readouterr().err
    assert "--round" in said and "待审批的轮次：第 0 轮、第 1 轮" in said
    assert decisions(url) == {0: None, 1: None}
    # The round the approver looked at is the one released.
    assert (
        main(["approve", str(folder), "--approver", APPROVER, "--round", "0", "--registry", url])
        == 0
    )
    assert decisions(url) == {0: "批准", 1: None}
    # A round not awaiting approval (decided, or never prepared) is refused, naming the ones that are.
    for number in ("0", "7"):
        assert (
            main(
                [
                    "approve",
                    str(folder),
                    "--approver",
                    APPROVER,
                    "--round",
                    number,
                    "--registry",
                    url,
                ]
            )
            == 1
        )
        assert "待审批的轮次：第 1 轮" in capsys.readouterr().err
    # In the UI: a run without a round is refused with the same list; with it, that round.
    from flows.money_loop import approve_round

    state = approve_round(
        batch=str(folder),
        approver=APPROVER,
        reference=str(ACCEPTANCE / "reference"),
        technical={"registry": url},
        return_state=True,
    )
    assert state.is_failed() and "待审批的轮次：第 1 轮" in str(state.message)
    state = approve_round(  # the approver must choose: no default verdict
        batch=str(folder),
        approver=APPROVER,
        round=1,
        reference=str(ACCEPTANCE / "reference"),
        technical={"registry": url},
        return_state=True,
    )
    assert state.is_failed() and "请选择审批结论" in str(state.message)
    summary = approve_round(
        batch=str(folder),
        approver=APPROVER,
        round=1,
        decision="批准",
        reference=str(ACCEPTANCE / "reference"),
        technical={"registry": url},
    )
    assert "第 1 轮已由 审批员乙 批准" in summary
    assert decisions(url) == {0: "批准", 1: "批准"}


def test_approval_sheet__each_round_has_its_own_written_once_with_its_sha256_recorded(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = two_rounds(tmp_path, url)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        sheets = sorted((folder / "bank").glob("*拨付审批单*"))
        assert len(sheets) == 1
        first = sheets[0].read_bytes()
        approve(folder, APPROVER, registry, POLICY, ON, round_=1, cards=CARDS)
    sheets = sorted((folder / "bank").glob("*拨付审批单*"))
    batch_id = folder.name
    assert [s.name for s in sheets] == [
        f"{batch_id}-r0-拨付审批单.xlsx",
        f"{batch_id}-r1-拨付审批单.xlsx",
    ]
    assert sheets[0].read_bytes() == first  # round 0's is not overwritten by round 1's
    # What the approver signs: the banks and 对公/对私 in words (no file names), the budget
    # table's 合计, and a line with room to sign for each of the three people.
    cells = [
        str(v)
        for row in load_workbook(sheets[0]).active.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    text = "\n".join(cells)
    assert re.search(r"\d\. [^，]*银行[^，]*，对(公|私)代发", text), text
    assert "合计" in cells and ".csv" not in text and ".txt" not in text
    assert all(f"{role}（签字）" in text for role in ("经办人", "复核人", "审批人"))
    with Registry(url) as registry, registry.engine.connect() as connection:
        recorded = dict(
            connection.execute(select(releases.c.round, releases.c.approval_sha256)).all()
        )
    assert recorded == {n: audit_sha(s) for n, s in enumerate(sheets)}
    assert money_proof(folder, url)[1] == [] and folder_problems(folder, url) == []
    # An edited approval sheet is found.
    sheets[0].write_bytes(first + b"edited")
    assert any(sheets[0].name in p for p in money_proof(folder, url)[1])


def audit_sha(path: Path) -> str:
    from ledger.outputs import file_sha256

    return file_sha256(path)


def money_events(folder: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for line in (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["event"] in ("round_sent", "bank_return", "settled_by_hand")
    ]


def test_audit__sent_each_return_and_each_hand_settlement_are_events_with_who_and_when(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = prepared(tmp_path / "out", registry_url)
    listed = payments_of(folder)
    ids = list(listed["payment_id"])
    with Registry(registry_url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        mark_sent(folder, "报送员戊", registry, 0)
        [sent] = money_events(folder)
        assert (sent["round"], sent["by"], sent["payments"]) == (0, "报送员戊", len(ids))
        assert dt.datetime.fromisoformat(str(sent["at"]))
        rows = [
            [
                r.payment_id,
                r.bank_account,
                r.beneficiary_name,
                f"{Decimal(int(r.amount)) / 100:.2f}",
                "失败" if r.payment_id == ids[0] else "成功",
                "账户冻结" if r.payment_id == ids[0] else "",
            ]
            for r in listed.itertuples()
            if r.payment_id != ids[1]  # its return never arrives
        ]
        returned = write_return(tmp_path / "回盘.csv", rows)
        reconcile(returned, registry, "对账员丙")
        reconcile(returned, registry, "对账员丙")  # the same file again: no second event
        settle_by_hand(registry, ids[1], "成功", "回单 2021-001", "对账员丙", "科长")
    events = money_events(folder)
    assert [e["event"] for e in events] == ["round_sent", "bank_return", "settled_by_hand"]
    back = events[1]
    assert back["by"] == "对账员丙" and back["file"] == "回盘.csv" and back["at"]
    assert (back["paid"], back["failed"], back["reversed"]) == (len(ids) - 2, 1, 0)
    by_hand = events[2]
    assert (by_hand["payment_id"], by_hand["to_state"]) == (ids[1], "paid")
    assert "对账员丙" in str(by_hand["by"]) and "科长" in str(by_hand["by"]) and by_hand["at"]
    assert audit.verify(folder / "audit.jsonl") is None
    assert folder_problems(folder, registry_url) == []


def test_audit__a_kill_after_the_registry_commit_is_completed_by_the_next_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from money import audit_steps as money_audit

    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    folder = prepared(tmp_path / "out", url)
    listed = payments_of(folder)
    with Registry(url) as registry:
        approve(folder, APPROVER, registry, POLICY, ON, round_=0, cards=CARDS)
        with monkeypatch.context() as patched:  # killed between the commit and the append
            calls: list[str] = []
            before_commit = money_audit.complete  # `sent` first completes what others left

            def killed(*arguments: object, **keywords: object) -> bool:
                calls.append("complete")
                if len(calls) == 1:
                    return before_commit(*arguments, **keywords)  # type: ignore[arg-type]
                raise KeyboardInterrupt

            patched.setattr(money_audit, "complete", killed)
            with pytest.raises(KeyboardInterrupt):
                mark_sent(folder, "报送员戊", registry, 0)
        assert money_events(folder) == []
        assert any("报送银行" in p for p in folder_problems(folder, url))  # the gap is named
        returned = write_return(
            tmp_path / "回盘.csv",
            [
                [
                    r.payment_id,
                    r.bank_account,
                    r.beneficiary_name,
                    f"{Decimal(int(r.amount)) / 100:.2f}",
                    "成功",
                    "",
                ]
                for r in listed.itertuples()
            ],
        )
        reconcile(returned, registry, "对账员丙")  # the next command completes the log
    assert [e["event"] for e in money_events(folder)] == ["round_sent", "bank_return"]
    assert folder_problems(folder, url) == []

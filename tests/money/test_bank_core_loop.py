"""The money loop against a bank core as it is (SPEC §8), on SQLite and PostgreSQL: its reports
carry no payment id and are matched on account, name, amount and 当日次数 among the payments of
the bank's day; a file it refuses whole fails every payment in it with a reason not about any
account, for re-issue; 转下批 leaves a payment sent until a later report settles it; 发送超时 is
never re-issued; the payer's statement shows one debit per paid payment, and what is not; the
proof balances after every step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from money.file_refusal import refuse_file
from money.proof import beijing_today, prove
from money.reconcile import SettleRefused, reconcile
from money.reissue import prepare_reissue
from money.statement import reconcile_statement, statement_totals
from registry.database import Registry
from registry.tables import bank_files, batches, payment_states, payments, releases, rounds
from tests.bank.test_bank_core import report
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)

ON = dt.date(2021, 1, 5)
WORKER = "370102199001011234"
EMPLOYMENT_FUND = "6227000000000000202"  # bank/payers.yaml's demo 就业补助资金 account
# (payment, batch, file, name, account, fen, 当日次数): two batches approved the same day, so
# 张三's card has a payment in each file (次数 1 and 2) of the same amount.
LINES = [
    ("P1", "b1", "F1", "张三", "6210000000000000001", 300_000, 1),
    ("P3", "b1", "F1", "李四", "6210000000000000019", 250_050, 1),
    ("P4", "b1", "F1", "王五", "6210000000000000027", 180_000, 1),
    ("P5", "b1", "F1", "赵六", "6210000000000000035", 200_000, 1),
    ("P6", "b1", "F1", "钱七", "6210000000000000043", 120_000, 1),
    ("P2", "b2", "F2", "张三", "6210000000000000001", 300_000, 2),
    ("P7", "b2", "F2", "吴九", "6210000000000000050", 100_000, 1),
]


def seeded(registry: Registry) -> None:
    """Two batches' rounds approved and sent, their payments in two bank-core files of one day."""
    now = dt.datetime.now(dt.UTC)
    with registry.engine.begin() as connection:
        for seq, batch_id in enumerate(("b1", "b2"), start=1):
            connection.execute(
                insert(batches).values(
                    batch_id=batch_id,
                    lineage=batch_id,
                    as_of=ON,
                    policy_version="v",
                    recorded_at=now,
                    seq=seq,
                )
            )
            connection.execute(
                insert(rounds).values(batch_id=batch_id, round=0, seq=seq, recorded_at=now)
            )
            connection.execute(
                insert(releases).values(
                    batch_id=batch_id,
                    round=0,
                    prepared_by="经办员",
                    prepared_at=now,
                    decision="批准",
                    decided_by="审批员",
                    decided_at=now,
                    sent_by="经办员",
                    sent_at=now,
                )
            )
        for number, (pid, batch_id, file_name, name, account, fen, count) in enumerate(LINES):
            connection.execute(
                insert(payments).values(
                    payment_id=pid,
                    batch_id=batch_id,
                    program="chongqing_labor",
                    period="2020",
                    beneficiary_id=f"{WORKER[:-2]}{number:02d}",
                    amount_fen=fen,
                    bank_name="重庆农村商业银行",
                    round=0,
                    seq=number + 1,
                )
            )
            connection.execute(
                insert(payment_states).values(
                    payment_id=pid,
                    state="sent",
                    city="济南市",
                    bank_file=file_name,
                    sent_name=name,
                    sent_account=account,
                    sent_bank="重庆农村商业银行",
                    sent_fen=fen,
                    updated_at=now,
                    day_count=count,
                )
            )
        for batch_id, file_name in (("b1", "F1"), ("b2", "F2")):
            mine = [line for line in LINES if line[2] == file_name]
            connection.execute(
                insert(bank_files).values(
                    batch_id=batch_id,
                    round=0,
                    file_name=file_name,
                    bank_format="rural_core",
                    account_type="对私",
                    rows=len(mine),
                    amount_fen=sum(line[5] for line in mine),
                    sha256="0" * 64,
                    business_date=ON,
                )
            )


TITLE = "[1046-某某人社局]批量导入{kind}记录[0101-{day}]"
SUCCESS_HEAD = "│代理编号│客户姓名│交易金额│证件号码│账号│处理结果│"
FAILURE_HEAD = "│代理编号│客户姓名│账号│金额│次数│处理结果│"


def success(*rows: tuple[str, str, str], day: str = "20210105") -> str:
    body = [f"│ │{name}│{amount}│{WORKER}│{account}│成功│" for name, account, amount in rows]
    title = TITLE.format(kind="成功", day=day)
    return "\n".join([title, SUCCESS_HEAD, *body, "│合计│0│0.00│││││"]) + "\n"


def failure(*rows: tuple[str, str, str, int, str], day: str = "20210105") -> str:
    body = [f"│ │{n}│{a}│{amount}│{c}│{why}│" for n, a, amount, c, why in rows]
    return "\n".join([TITLE.format(kind="失败", day=day), FAILURE_HEAD, *body]) + "\n"


def states(registry: Registry) -> dict[str, tuple[str, str | None, bool | None]]:
    with registry.engine.connect() as connection:
        rows = connection.execute(
            select(
                payment_states.c.payment_id,
                payment_states.c.state,
                payment_states.c.bank_status,
                payment_states.c.account_problem,
            )
        ).all()
    return {str(p): (str(s), b, None if a is None else bool(a)) for p, s, b, a in rows}


def assert_balances(registry: Registry) -> None:
    for batch_id in ("b1", "b2"):
        for proof in prove(registry, batch_id, None):
            assert proof.balances and proof.problems == [], proof.lines()


def test_bank_core_loop__reports_matched_refusal_reissued_pending_then_paid_timeout_held(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    with Registry(registry_url) as registry:
        seeded(registry)
        assert_balances(registry)
        paid_report = success(
            ("张三", "6210000000000000001", "3000.00"),  # P1 or P2? no 次数 here: not guessed
            ("赵六", "6210000000000000035", "2000.00"),
        )
        failed_report = failure(
            ("李四", "6210000000000000019", "2500.50", 1, "户名不符,原户名为[李泗]"),
            ("孙七", "6210000000000000099", "1500.00", 1, "卡号不存在"),  # sent by nobody
            ("王五", "6210000000000000027", "1800.00", 1, "转下批"),
            ("钱七", "6210000000000000043", "1200.00", 1, "发送超时"),
            ("钱七", "6210000000000000043", "1200.00", 1, "发送超时"),  # the line twice
        )
        first = reconcile(report(tmp_path, "0ok.txt", paid_report), registry, "对账员")
        assert first.paid == 1 and len(first.not_applied) == 1
        assert "2 笔" in first.not_applied[0]  # 张三 matches P1 and P2: listed
        second = reconcile(report(tmp_path, "1fail.txt", failed_report), registry, "对账员")
        assert second.failed == 1 and second.paid == 0
        assert any("找不到" in line for line in second.not_applied)  # 孙七
        assert sum("同一笔付款" in line for line in second.not_applied) == 2  # 钱七, each row
        found = states(registry)
        assert found["P5"] == ("paid", None, None)
        assert found["P3"] == ("failed", None, True)  # 户名不符: about the account
        assert found["P4"] == ("sent", "pending", None)  # 转下批: still at the bank
        # `verify` lists it with its age (the round was sent today, Beijing time).
        [proof] = prove(registry, "b1", None, today=beijing_today() + dt.timedelta(days=2))
        [line] = [line for line in proof.lines() if "付款 P4" in line]
        assert "转下批" in line and "1,800.00 元，已报送 2 天" in line
        assert found["P6"] == ("sent", None, None)  # both of its rows listed, neither applied
        assert found["P1"][0] == found["P2"][0] == "sent"
        assert_balances(registry)

        # A file not recorded as sent cannot be refused (it was never uploaded).
        with registry.engine.begin() as connection:
            connection.execute(
                update(payment_states)
                .where(payment_states.c.bank_file == "F2")
                .values(state="released")
            )
        with pytest.raises(SettleRefused, match="尚未登记报送"):
            refuse_file(registry, "F2", "总金额或总笔数不符", "经办员", "复核员")
        with registry.engine.begin() as connection:
            connection.execute(
                update(payment_states)
                .where(payment_states.c.bank_file == "F2")
                .values(state="sent")
            )
        # The second file is refused whole by the bank: a second person must check it.
        with pytest.raises(SettleRefused, match="另一人复核"):
            refuse_file(registry, "F2", "总金额或总笔数不符", "经办员", "经办员")
        refused = refuse_file(registry, "F2", "总金额或总笔数不符", "经办员", "复核员")
        assert refused.failed == 2 and refused.amount_fen == 400_000
        found = states(registry)
        assert found["P2"] == ("failed", None, False) and found["P7"] == ("failed", None, False)
        with pytest.raises(SettleRefused, match="银行已受理"):  # b1's file has answered payments
            refuse_file(registry, "F1", "总金额或总笔数不符", "经办员", "复核员")
        assert_balances(registry)

        # 转下批 then 成功 on a later day's report; 发送超时 for 钱七 stays sent.
        later = success(("王五", "6210000000000000027", "1800.00"), day="20210106")
        assert reconcile(report(tmp_path, "0later.txt", later), registry, "对账员").paid == 1
        assert states(registry)["P4"] == ("paid", None, None)
        timeout = failure(("钱七", "6210000000000000043", "1200.00", 1, "发送超时"))
        reconcile(report(tmp_path, "1timeout.txt", timeout), registry, "对账员")
        assert states(registry)["P6"] == ("sent", "unknown", None)
        [proof] = prove(registry, "b1", None)
        [line] = [line for line in proof.lines() if "付款 P6" in line]
        assert "状态未知" in line and "不得重发" in line and "1,200.00 元，已报送 0 天" in line
        assert_balances(registry)

        # A CSV return row without a payment id is listed, never dropped in silence.
        blank = tmp_path / "回盘.csv"
        blank.write_text(
            "付款编号,账号,户名,金额,结果,失败原因\n,6210000000000000043,钱七,1200.00,退汇,\n",
            encoding="utf-8",
        )
        listed = reconcile(blank, registry, "对账员")
        assert listed.applied == 0 and any("付款编号为空" in line for line in listed.not_applied)

        # Re-issue: the refused file's two to their own accounts (整批退回 is not about them);
        # 李四 waits for a corrected account; 钱七 (unknown) and the unmatched are not touched.
        again = prepare_reissue(registry, tmp_path / "out", "经办员", ON)
        assert sorted(again.payments["original_payment_id"]) == ["P2", "P7"]
        assert any("P3" in w and "账户" in w for w in again.waiting)
        assert not any("P6" in w for w in again.waiting)
        assert_balances(registry)


STATEMENT = """交易日期,借贷标志,交易金额,对方账号,对方户名,摘要
2021-01-04,借,3000.00,6210000000000000001,张三,代发
2021-01-05,借,2500.50,6210000000000000019,李四,代发
2021-01-06,借,2500.50,6210000000000000019,李四,代发
2021-01-06,借,999.00,6210000000000000777,不认识,代发
2021-01-07,贷,2000.00,6210000000000000035,赵六,退汇
"""


def test_statement__one_debit_per_paid_payment_doubles_unrequested_and_returns_listed(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    monday = dt.datetime(2021, 1, 4, 2, tzinfo=dt.UTC)
    with Registry(registry_url) as registry:
        seeded(registry)
        with registry.engine.begin() as connection:
            connection.execute(update(releases).values(sent_at=monday))
            for pid in ("P1", "P3", "P4", "P5"):
                connection.execute(
                    update(payment_states)
                    .where(payment_states.c.payment_id == pid)
                    .values(state="paid")
                )
        path = tmp_path / "对账单.csv"
        path.write_bytes(STATEMENT.encode("gb18030"))
        check = reconcile_statement(path, registry, "对账员", payer_account=EMPLOYMENT_FUND)
        assert check.counts == {
            "matched": 1,  # 李四's first debit
            "double": 1,  # 李四 again: paid twice
            "unrequested": 1,
            "ambiguous": 1,  # 张三's card: P1 and P2 both carried 3000.00 — not guessed
            "failed_debit": 0,
            "seen_before": 0,
            "reversal_credit": 1,
            "other_credit": 0,
        }
        listed = "\n".join(check.listed)
        assert "重复借方" in listed and "P3" in listed and "无对应支付" in listed
        assert "仍为支付成功" in listed  # 赵六's money came back; the registry says paid
        # Sent on Monday 2021-01-04, paid, no debit by Thursday (3 business days): listed.
        assert any("P4" in line for line in check.missing)
        assert not any("P3" in line for line in check.missing)
        again = reconcile_statement(path, registry, "对账员", payer_account=EMPLOYMENT_FUND)
        assert again.already and "未作任何更改" in again.summary()
        [totals] = statement_totals(registry)
        assert "借方 4 笔" in totals and "重复借方 1 笔" in totals and "退汇贷方 1 笔" in totals
        # A monthly statement over the same days repeats its lines: not counted again. A debit
        # for P7, recorded as failed, means the bank took the money after all: listed.
        with registry.engine.begin() as connection:
            connection.execute(
                update(payment_states)
                .where(payment_states.c.payment_id == "P7")
                .values(state="failed")
            )
        monthly = tmp_path / "月对账单.csv"
        monthly.write_bytes(
            (STATEMENT + "2021-01-08,借,1000.00,6210000000000000050,吴九,代发\n").encode("gb18030")
        )
        month = reconcile_statement(monthly, registry, "对账员", payer_account=EMPLOYMENT_FUND)
        assert month.counts["seen_before"] == 5 and month.counts["failed_debit"] == 1
        assert any("P7" in line and "可能重复支付" in line for line in month.listed)
        assert_balances(registry)

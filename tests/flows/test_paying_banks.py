"""SPEC §8 Fund sources and the paying bank, end to end on acceptance case 1, on SQLite and
PostgreSQL: one approved batch pays from two fund sources' payer accounts (the 稳岗返还 from the
unemployment-insurance fund, the rest from 就业补助资金), each enterprise file executed by its
payer account's bank, each person's by the 社保卡's bank — here two rural banks of the bank-core
layout (each with its own 单位编号, a format file of the department's) and one other bank."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bank.files import rows_of
from bank.formats import FORMATS_DIR, load_formats
from money.approval import approve, mark_sent
from money.reconcile import reconcile
from money.statement import reconcile_statement
from registry.database import Registry
from registry.tables import bank_files
from tests.bank.test_bank_core import report
from tests.flows.test_money_loop import (
    APPROVER,
    CARDS,
    ON,
    POLICY,
    PREPARER,
    assert_verified,
    payments_of,
    prepared,
)
from tests.money.test_bank_core_loop import SUCCESS_HEAD, TITLE
from tests.registry.test_registry import registry_url  # noqa: F401  (the fixture)
from workbooks.social_cards import SocialCards

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
JINAN, OTHER = "济南农村商业银行", "中国农业银行"
UIF, ESF = "6222020000000000101", "6227000000000000202"  # bank/payers.yaml's demo accounts


def department_formats(folder: Path) -> Path:
    """The department's own format file for a second rural bank: the shipped core layout with
    the 单位编号 that bank assigned."""
    folder.mkdir()
    text = (FORMATS_DIR / "rural_core.yaml").read_text(encoding="utf-8")
    text = text.replace("name: rural_core", "name: rural_core_jinan")
    text = text.replace("banks: [农商银行, 农村商业银行, 农村信用社, 农信社]", f"banks: [{JINAN}]")
    text = text.replace('unit_number: "1046"', 'unit_number: "2077"')
    (folder / "rural_core_jinan.yaml").write_text(text, encoding="utf-8")
    return folder


def cards_at_three_banks() -> SocialCards:
    """The tests' 社保卡持卡库 with the cards spread over three banks."""
    cards = CARDS.cards.reset_index(drop=True).copy()
    cards.loc[cards.index % 3 == 1, "bank"] = JINAN
    cards.loc[cards.index % 3 == 2, "bank"] = OTHER
    return SocialCards(cards, source="三家发卡银行（测试）")


def core_success(unit: str, lines: list[list[str]]) -> str:
    body = [f"│ │{d[1]}│{d[2]}│{d[6]}│{d[3]}│成功│" for d in lines]
    title = TITLE.replace("1046", unit).format(kind="成功", day=ON.strftime("%Y%m%d"))
    return "\n".join([title, SUCCESS_HEAD, *body]) + "\n"


def test_paying_banks__two_fund_sources_two_bank_cores_and_another_bank_in_one_batch(
    registry_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUBSIDY_BANK_FORMATS", str(department_formats(tmp_path / "formats")))
    formats = load_formats()
    folder = prepared(tmp_path / "out", registry_url)
    listed = payments_of(folder)
    with Registry(registry_url) as registry:
        done = approve(
            folder, APPROVER, registry, POLICY, ON, round_=0, cards=cards_at_three_banks()
        )
        assert_verified(folder, registry_url)
        names = sorted(name.removeprefix(f"{folder.name}-r0-") for name, _, _ in done.files)
        # Enterprises: one file per fund source, in its payer bank's format (ICBC's fixed
        # layout, CCB's workbook), whatever bank each enterprise banks with. Persons: one file
        # per card bank, all from 就业补助资金.
        assert names == [
            "fixed_gb18030-corporate-uif-01.txt",
            f"generic-personal-esf-{OTHER}-01.csv",
            "rural_core-personal-esf-01.txt",
            "rural_core_jinan-personal-esf-01.txt",
            "xlsx_template-corporate-esf-01.xlsx",
        ]
        with registry.engine.connect() as connection:
            recorded = {
                row.file_name.removeprefix(f"{folder.name}-r0-"): (
                    row.fund_source,
                    row.payer_account,
                )
                for row in connection.execute(select(bank_files))
            }
        assert recorded["fixed_gb18030-corporate-uif-01.txt"] == ("失业保险基金", UIF)
        assert {v for k, v in recorded.items() if "-esf-" in k} == {("就业补助资金", ESF)}
        # The stabilisation refunds are exactly the unemployment-insurance fund's file.
        by_file = {name: rows for name, rows, _ in done.files}
        refunds = listed[listed["program"] == "stabilization_refund"]
        assert by_file[f"{folder.name}-r0-fixed_gb18030-corporate-uif-01.txt"] == len(refunds) > 0

        # Each core's file carries its own bank's 单位编号.
        cores = {}
        for unit, name in (("1046", "rural_core"), ("2077", "rural_core_jinan")):
            path = folder / "bank" / f"{folder.name}-r0-{name}-personal-esf-01.txt"
            lines = [line.split("|") for line in path.read_bytes().decode("gb18030").split("\r\n")]
            assert lines[0][3] == unit and {d[4] for d in lines[1:-1]} == {unit}
            assert len(rows_of(path.read_bytes(), formats[name])) == len(lines) - 2 > 0
            cores[unit] = lines[1:-1]

        # The 拨付审批单 names each file's fund source, payer account and paying bank, and each
        # fund source's budget beside the programmes'.
        [sheet] = (folder / "bank").glob("*拨付审批单.xlsx")
        text = "\n".join(
            str(v)
            for row in load_workbook(sheet).active.iter_rows(values_only=True)
            for v in row
            if v
        )
        assert "中国工商银行示例省分行营业部，对公代发：" in text
        assert "失业保险基金 付款账户 6222020000000000101；收款行：" in text
        assert "中国建设银行示例省分行营业部，对公代发：" in text
        assert f"{JINAN}，对私代发（个人账户）：" in text
        assert text.count("就业补助资金 付款账户 6227000000000000202；收款行：") == 4
        assert "失业保险基金（资金来源合计）" in text and "就业补助资金（资金来源合计）" in text
        funds = {b.fund_source: b for b in done.budgets if not b.program}
        programmes = [b for b in done.budgets if b.program]
        assert funds["失业保险基金"].this == sum(
            b.this for b in programmes if b.program == "stabilization_refund"
        )
        assert funds["就业补助资金"].this == sum(
            b.this for b in programmes if b.program != "stabilization_refund"
        )

        mark_sent(folder, PREPARER, registry)
        # Both cores answer with a success report of their own unit; each is read by its own
        # format and matched within its own file.
        reports = tmp_path / "reports"
        reports.mkdir()
        for unit, lines in cores.items():
            path = report(reports, f"01{unit}{ON:%Y%m%d}.txt", core_success(unit, lines))
            applied = reconcile(path, registry, "对账员", formats)
            assert applied.paid == len(lines)
            assert not (applied.not_applied or applied.discrepancies)
            assert_verified(folder, registry_url)

        # The 就业补助资金 account's statement: one debit per paid payment of its files; the
        # unemployment-insurance fund's payments are not looked for in it.
        paid = [(d[3], d[1], d[2]) for lines in cores.values() for d in lines]
        statement = tmp_path / "就业补助资金对账单.csv"
        statement.write_text(
            "交易日期,借贷标志,交易金额,对方账号,对方户名,摘要\n"
            + "".join(f"{ON},借,{a},{acct},{n},代发\n" for acct, n, a in paid),
            encoding="utf-8",
        )
        checked = reconcile_statement(statement, registry, "对账员", formats, payer_account=ESF)
        assert checked.counts["matched"] == len(paid) and not checked.listed
        assert "6227000000000000202" in checked.summary()
    assert_verified(folder, registry_url)

"""拨付审批单 (SPEC §8): what the approver released, written with the bank files at approval,
one file per round (`<batch>-r<n>-拨付审批单.xlsx`, beside the round's bank files), never
rewritten.

The round's facts (batch, round, preparer, approver, when), the amount released in figures and
in 大写, what was netted off for amounts owed back, each programme's budget for the year with
what was released before, this release and what remains, the bank files, the payments held, and
the signature block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from ledger.manifest import RiskHolds
from policy.money import capitals, fen_grouped, text_to_fen
from policy.screening import RISK_NAMES
from workbooks.print_setup import page_header, round_name
from workbooks.xlsx import Column, Table, workbook_bytes

FILE_NAME = "拨付审批单.xlsx"


def approval_file_name(batch_id: str, round_: int) -> str:
    """Each round's 拨付审批单 is its own file under `bank/`, written once (SPEC §8)."""
    return f"{batch_id}-r{round_}-{FILE_NAME}"


# A line each, with room for a hand-written signature and date.
SIGNATURES = [
    f"{role}（签字）：＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"
    for role in ("经办人", "复核人", "审批人")
]
ACCOUNT_TYPES = {"对公": "对公代发", "对私": "对私代发（个人账户）"}
COLUMNS = [
    Column("项目"),
    Column("政策年度"),
    Column("年度预算（元）", "money"),
    Column("此前已拨付（元）", "money"),
    Column("本次拨付（元）", "money"),
    Column("拨付后余额（元）", "money"),
    Column("预算"),
]


@dataclass(frozen=True)
class FileLine:
    """A bank file as the approver reads it."""

    name: str
    rows: int
    fen: int
    banks: str  # the banks paid into
    account_type: str  # 对公 / 对私
    fund_source: str = ""
    payer_account: str = ""  # the department's account, shown whole
    paying_banks: str = ""  # the bank that executes the file


@dataclass(frozen=True)
class ApprovalFacts:
    batch_id: str
    round: int
    prepared_by: str
    approver: str
    decided_at: str  # Beijing time
    released: int  # payments in bank files
    released_fen: int
    netted_fen: int
    files: Sequence[FileLine]
    held: Sequence[tuple[str, str]]  # payment id, why
    # Rows the round holds for a risk before any payment (SPEC §2), from its manifest.
    risk_held: RiskHolds = field(default_factory=RiskHolds)


def approval_workbook(facts: ApprovalFacts, budgets: Sequence[object]) -> bytes:
    """`budgets`: `money.budget.BudgetLine`s (program, period, budget, before, this)."""
    rows = pd.DataFrame(
        [
            [
                b.title,  # type: ignore[attr-defined]
                b.period,  # type: ignore[attr-defined]
                b.budget,  # type: ignore[attr-defined]
                b.before,  # type: ignore[attr-defined]
                b.this,  # type: ignore[attr-defined]
                b.remaining,  # type: ignore[attr-defined]
                "暂定" if b.provisional else "已下达",  # type: ignore[attr-defined]
            ]
            for b in budgets
            if b.program  # type: ignore[attr-defined]
        ],
        columns=[c.header for c in COLUMNS],
    )
    # A fund source's budget spans its programmes' rows: said below, never added to 合计.
    below = [
        f"{b.title} {b.period} 年度预算 {fen_grouped(b.budget)} 元，"  # type: ignore[attr-defined]
        f"此前已拨付 {fen_grouped(b.before)} 元，本次 {fen_grouped(b.this)} 元，"  # type: ignore[attr-defined]
        f"拨付后余额 {fen_grouped(b.remaining)} 元" + ("（暂定）" if b.provisional else "")  # type: ignore[attr-defined]  # type: ignore[attr-defined]
        for b in budgets
        if not b.program  # type: ignore[attr-defined]
    ]
    below += [f"银行代发文件 {len(facts.files)} 个（在批次目录 bank/ 下）："]
    below += [_file_line(number, line) for number, line in enumerate(facts.files, start=1)]
    below += [f"暂缓支付：{pid}，{why}" for pid, why in facts.held]
    if facts.risk_held.rows:
        held = facts.risk_held
        kinds = "、".join(f"{RISK_NAMES.get(c, c)} {n} 行" for c, n in held.by_risk.items())
        below.append(
            f"风险核查暂缓 {held.rows} 行，拟发放 {fen_grouped(text_to_fen(held.amount))} 元"
            f"（{kinds}），未列入本次拨付：依据见台账“风险核查”工作表，复核通过后在下一轮拨付"
        )
    for line in SIGNATURES:
        below += ["", line]
    table = Table(
        "拨付审批单",
        COLUMNS,
        rows,
        titled=True,
        lines_above=[
            ("拨付审批单", "疫情期间稳就业补贴资金"),
            ("批次号", f"{facts.batch_id}（{round_name(facts.round)}）"),
            ("经办人", facts.prepared_by),
            ("审批人", f"{facts.approver}（批准，{facts.decided_at}）"),
            ("拨付金额", f"{fen_grouped(facts.released_fen)} 元，共 {facts.released} 笔"),
            ("金额大写", "人民币" + capitals(facts.released_fen)),
            ("抵扣待追回款项", f"{fen_grouped(facts.netted_fen)} 元"),
        ],
        lines_below=below,
        total=True,
    )
    return workbook_bytes([table], page_head=page_header("拨付审批单", facts.batch_id, facts.round))


def _file_line(number: int, line: FileLine) -> str:
    """The bank that executes the file first, then what it pays, from which account, to which
    banks: 1. 中国工商银行…营业部，对公代发：16 笔，…元；失业保险基金 付款账户 …；收款行：…"""
    kind = ACCOUNT_TYPES.get(line.account_type, line.account_type)
    said = f"{number}. {line.paying_banks or line.banks}，{kind}：{line.rows} 笔，{fen_grouped(line.fen)} 元"
    if line.fund_source:
        said += f"；{line.fund_source} 付款账户 {line.payer_account}；收款行：{_few(line.banks)}"
    return said


def _few(banks: str, most: int = 3) -> str:
    names = banks.split("、")
    return banks if len(names) <= most else f"{'、'.join(names[:most])}等 {len(names)} 家"

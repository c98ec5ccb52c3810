"""Every person-facing workbook kind (SPEC §4), written into one folder for printing: the
ledger with its per-city registers, 资金拨付申请表, returned applications, what-if, 公示名单
and the proposed application of "policy finds people", the blank templates with 账户更正, a
拨付审批单 and a 追回清单. `scripts/paper.py` prints their figures; the render test holds them
to 8 pt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from money.budget import BudgetLine
from tests.conftest import ACCEPTANCE, SAMPLES
from tests.workbooks.documents import write_batch_documents, write_finds, write_whatif
from workbooks.approval_sheet import ApprovalFacts, FileLine, approval_file_name, approval_workbook
from workbooks.recovery_sheet import FILE_NAME as RECOVERY_FILE
from workbooks.recovery_sheet import recovery_workbook
from workbooks.templates import write_templates


def write_every_document(folder: Path) -> list[Path]:
    """Write one of each document kind under `folder`; their paths."""
    case = ACCEPTANCE / "inputs", ACCEPTANCE / "reference"
    paths = write_batch_documents(*case, folder / "batch", split_registers=True)
    paths.append(write_whatif(*case, folder / "batch", folder / "policy"))
    paths += write_finds(SAMPLES / "reference" / "records", SAMPLES / "reference", folder / "finds")
    paths += write_templates(folder / "templates")
    money = folder / "money"
    money.mkdir(parents=True, exist_ok=True)
    approval = money / approval_file_name("batch-1", 0)
    approval.write_bytes(approval_workbook(_approval_facts(), _budgets()))
    recovery = money / RECOVERY_FILE
    recovery.write_bytes(recovery_workbook(_recovery_items(), "2021-03-31"))
    return [*paths, approval, recovery]


def _approval_facts() -> ApprovalFacts:
    return ApprovalFacts(
        batch_id="batch-1",
        round=0,
        prepared_by="张经办",
        approver="李处长",
        decided_at="2021-01-05 10:30",
        released=12,
        released_fen=123_456_789,
        netted_fen=50_000,
        files=[
            FileLine(
                "batch-1-r0-fixed_gb18030-corporate-uif-01.txt",
                8,
                120_000_000,
                "中国工商银行、中国农业银行、中国银行、齐鲁银行",
                "对公",
                "失业保险基金",
                "6222020000000000101",
                "中国工商银行示例省分行营业部",
            ),
            FileLine(
                "batch-1-r0-generic-personal-esf-中国农业银行-01.csv",
                4,
                3_456_789,
                "中国农业银行",
                "对私",
                "就业补助资金",
                "6227000000000000202",
                "中国农业银行",
            ),
        ],
        held=[("P-000123", "账号与户名不一致，待核实")],
    )


def _budgets() -> list[BudgetLine]:
    return [
        BudgetLine(
            "stabilization_refund", "2020", 500_000_000_00, 120_000_000_00, 1_200_000_00, False
        ),
        BudgetLine("new_hire", "2020", 20_000_000_00, 3_000_000_00, 34_567_89, True),
        BudgetLine("", "2020", 80_000_000_00, 12_000_000_00, 1_200_000_00, True, "失业保险基金"),
        BudgetLine("", "2020", 45_000_000_00, 3_000_000_00, 34_567_89, True, "就业补助资金"),
    ]


def _recovery_items() -> pd.DataFrame:
    when = dt.datetime(2021, 3, 1, 9, 0)
    return pd.DataFrame(
        {
            "item_id": ["R-0001", "R-0002"],
            "program": ["new_hire", "stabilization_refund"],
            "period": ["2020", "2020"],
            "beneficiary_id": ["91370102MA3C5X7Q2K", "91370203MA3D1E2F3G"],
            "name": ["济南鲁康商贸有限公司", ""],
            "amount_fen": [100_000, 2_345_600],
            "applied": [50_000, 0],
            "pending": [0, 0],
            "open": [50_000, 2_345_600],
            "status": ["待追回", "待追回"],
            "reason": ["同一人员重复申领一次性吸纳就业补贴", "稽核发现参保人数虚报"],
            "source": ["batch-1 首轮", "batch-1 第 1 轮复核"],
            "created_by": ["王稽核", "王稽核"],
            "created_at": [when, when],
        }
    )

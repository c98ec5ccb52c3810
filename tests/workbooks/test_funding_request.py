"""资金拨付申请表 per fund source (SPEC §8 Fund sources): 稳岗返还 from the unemployment-insurance
fund, the other cash programmes from 就业补助资金 — one request each, with its own total in
figures and 大写 and its own signature block."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from ledger.manifest import BankFile, Decreases, Manifest
from policy.money import capitals
from policy.parameters import load_policy
from workbooks.funding_request import funding_request_workbook

MANIFEST = Manifest(
    "b1", "2020-12-31", "v", 0, [], [], {}, {}, BankFile(0, "0.00", 0, "0.00"), Decreases(0, "0.00")
)
PAYMENTS = pd.DataFrame(
    {
        "program": ["stabilization_refund", "stabilization_refund", "new_hire", "chongqing_labor"],
        "kind": ["payment", "payment", "payment", "reissue"],
        "amount": [1_000_000, 234_567, 100_000, 750_000],
    }
)


def texts(sheet: object) -> str:
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)  # type: ignore[attr-defined]


def test_funding_request__one_request_per_fund_source_each_with_its_own_total_and_signatures() -> (
    None
):
    sources = load_policy().value("payment.fund_source", dt.date(2020, 12, 31))
    book = openpyxl.load_workbook(
        io.BytesIO(funding_request_workbook(PAYMENTS, MANIFEST, "某人社厅", sources))
    )
    assert book.sheetnames == ["资金拨付申请表（失业保险基金）", "资金拨付申请表（就业补助资金）"]
    fund, employment = (texts(book[name]) for name in book.sheetnames)
    assert "人民币" + capitals(1_234_567) in fund and "12,345.67 元，共 2 笔" in fund
    assert "财政专户" in fund and "一次性吸纳就业补贴" not in fund
    assert "人民币" + capitals(850_000) in employment and "8,500.00 元，共 2 笔" in employment
    assert "国库集中支付" in employment and "失业保险稳岗返还" not in employment
    assert all("审批人" in text and "复核人" in text for text in (fund, employment))

"""The reviewers' ledger: every sheet, formatted, formula-safe, and repeatable to the byte."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from flows.summary import manifest
from ledger.settlement import BatchIdentity
from policy.parameters import describe
from tests.conftest import ACCEPTANCE
from tests.pipeline import POLICY, decide, settle_case
from workbooks.ledger_writer import ledger_bytes


@pytest.fixture(scope="module")
def ledger():
    files, results = decide(ACCEPTANCE / "inputs", ACCEPTANCE / "reference")
    # An applicant's name that a spreadsheet would run as a formula.
    sr = next(r for r in results if r.program == "stabilization_refund")
    sr.decisions.loc[sr.decisions.index[0], "name"] = "=cmd|' /C calc'!A0"
    settled = settle_case(results)
    identity = BatchIdentity("batch-1", "L1", dt.date(2020, 12, 31), POLICY.version)
    figures = manifest(identity, files, settled, results)
    provisional = {r.program: r.reads.provisional() for r in results}
    used = sorted({n for r in results for n in r.reads.used})
    data = ledger_bytes(settled, figures, provisional, describe(POLICY, used))
    return data, ledger_bytes(settled, figures, provisional, describe(POLICY, used))


def test_ledger__has_every_sheet_in_order(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    assert workbook.sheetnames == [
        "汇总",
        "支付明细",
        "减免明细",
        "缓缴明细",
        "不予受理",
        "待复核",
        "参数",
    ]


def test_ledger__same_content_same_bytes(ledger) -> None:
    assert ledger[0] == ledger[1]


def test_ledger__frozen_headers_filters_and_money_format(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    payments = workbook["支付明细"]
    assert payments.freeze_panes == "A2"
    assert payments.auto_filter.ref.startswith("A1:")
    assert payments["H2"].number_format == "#,##0.00"
    assert payments.column_dimensions["D"].width > 8


def test_ledger__review_sheet_offers_approve_or_reject(ledger) -> None:
    sheet = load_workbook(io.BytesIO(ledger[0]))["待复核"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5  # the held rows of the acceptance case
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"通过,驳回"'
    assert "L2" in str(validation.sqref)


def test_ledger__no_cell_is_a_formula(ledger) -> None:
    workbook = load_workbook(io.BytesIO(ledger[0]))
    formulas = [
        c.coordinate for s in workbook for row in s.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []
    payments = workbook["支付明细"]
    names = [c.value for c in payments["D"]]
    assert "=cmd|' /C calc'!A0" in names


def test_ledger__summary_totals_match_the_manifest(ledger) -> None:
    sheet = load_workbook(io.BytesIO(ledger[0]))["汇总"]
    amounts = {row[1]: row[6] for row in sheet.iter_rows(min_row=7, max_row=12, values_only=True)}
    assert str(amounts["spring_festival_production"]) == "528400"
    assert f"{amounts['contribution_deferral']:.2f}" == "1423569.22"

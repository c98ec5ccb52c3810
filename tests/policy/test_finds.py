"""Policy finds people on validated record rows: one rule, every row decided once."""

from __future__ import annotations

import pandas as pd

from policy.finds import Finding, find_eligible
from policy.parameters import load_policy
from tests.finds_case import AS_OF, EXPECTED, PROPOSED, RECORDS, A, C, D, G, H, record_headers
from validators.sheets import RECORDS_SHEET
from validators.validate import ValidatedSheet, validate_sheet

POLICY = load_policy()


def validated(rows: list[list[object]]) -> ValidatedSheet:
    frame = pd.DataFrame(rows, columns=record_headers(), dtype=object)
    frame["row"] = range(3, 3 + len(rows))
    return validate_sheet(frame, RECORDS_SHEET)


def find(files: dict[str, list[list[object]]], claimed: frozenset[str] = frozenset({H})) -> Finding:
    records = [(name, validated(rows)) for name, rows in files.items()]
    return find_eligible(records, POLICY, AS_OF, frozenset({G}), claimed)


def test_find_eligible__every_record_row_decided_once_as_worked_out_by_hand() -> None:
    decisions = find({"记录.xlsx": RECORDS}).decisions
    assert list(decisions["row"]) == list(range(3, 3 + len(RECORDS)))
    assert set(decisions["file"]) == {"记录.xlsx"} and set(decisions["sheet"]) == {"参保缴费记录"}
    got = {
        code: (outcome, codes)
        for code, outcome, codes in decisions[
            ["credit_code", "outcome", "reason_codes"]
        ].itertuples(index=False)
    }
    assert got == EXPECTED
    approved = decisions[decisions["outcome"] == "approved"]
    assert approved.set_index("credit_code")["amount"].to_dict() == {
        code: amount for code, _, amount in PROPOSED
    }
    assert (decisions.loc[decisions["outcome"] == "rejected", "amount"] == 0).all()


def test_find_eligible__an_enterprise_nobody_paid_yet_is_proposed() -> None:
    decisions = find({"记录.xlsx": RECORDS}, claimed=frozenset()).decisions
    mine = decisions[decisions["credit_code"] == H].iloc[0]
    # (6,000.00 + 2,400.00) × 100% = 8,400.00
    assert (mine["outcome"], mine["amount"]) == ("approved", 840_000)


def test_find_eligible__a_claim_taken_elsewhere_does_not_hide_why_a_row_fails() -> None:
    decisions = find({"记录.xlsx": RECORDS}, claimed=frozenset({H, D})).decisions
    assert decisions.set_index("credit_code").loc[D, "reason_codes"] == "SR_LAYOFF_RATE"


def test_find_eligible__the_same_enterprise_in_two_record_files_is_proposed_once() -> None:
    finding = find({"济南.xlsx": RECORDS[:1], "全省.xlsx": RECORDS[:1]})
    decisions = finding.decisions.set_index("file")
    assert decisions.loc["全省.xlsx", "outcome"] == "approved"
    assert decisions.loc["济南.xlsx", "reason_codes"] == "DUPLICATE_CLAIM"
    assert list(finding.proposed()["credit_code"]) == [A]


def test_find_eligible__more_staff_at_the_end_of_the_year_is_no_layoff() -> None:
    growing = [[*RECORDS[2][:4], 30, 45, *RECORDS[2][6:]]]
    finding = find({"记录.xlsx": growing})
    assert finding.applications.loc[0, "layoffs"] == 0
    assert list(finding.proposed()["credit_code"]) == [C]


def test_proposed__city_by_city_in_division_order_then_credit_code() -> None:
    finding = find({"记录.xlsx": RECORDS})
    proposed = finding.proposed()
    assert list(proposed.itertuples(index=False, name=None)) == [
        (code, name, city, amount)
        for (code, city, amount), name in zip(
            PROPOSED, ["甲精密机械有限公司", "丙文化传媒工作室", "乙重工集团有限公司"], strict=True
        )
    ]
    applications = finding.proposed_applications()
    assert list(applications["credit_code"]) == list(proposed["credit_code"])
    assert list(applications["start_headcount"]) == [100, 30, 500]
    assert list(applications["layoffs"]) == [2, 6, 10]


def test_find_eligible__no_usable_records_decides_nothing() -> None:
    finding = find_eligible([], POLICY, AS_OF, frozenset(), frozenset())
    assert finding.decisions.empty and finding.proposed().empty


def test_find_eligible__records_fail_validation_with_the_applications_codes_and_messages() -> None:
    row = RECORDS[0]
    bad = [
        [*row[:2], "莱芜", *row[3:]],
        [*row[:4], None, *row[5:]],
        [*row[:7], -1, *row[8:]],
    ]
    decisions = find({"记录.xlsx": bad}).decisions
    assert list(decisions["reason_codes"]) == [
        "INVALID_CITY",
        "MISSING_VALUE;DUPLICATE_ROW",
        "INVALID_VALUE;DUPLICATE_ROW",
    ]
    assert "所属地市：" in decisions["message"].iloc[0]
    assert "上年初参保职工人数：必填项为空" in decisions["message"].iloc[1]
    assert "上年度单位缴纳失业保险费（元）：" in decisions["message"].iloc[2]

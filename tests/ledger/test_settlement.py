"""Reviewers' decisions on held rows, and what a review round pays."""

from __future__ import annotations

from pathlib import Path

from ledger.settlement import Review
from tests.conftest import ACCEPTANCE
from tests.pipeline import decide, settle_case

HELD_CARD = ("chongqing_labor", "鲁渝劳务协作补贴.xlsx", "鲁渝劳务协作", 14)
HELD_OVERLAP = ("spring_festival_production", "春节防疫物资生产用工补贴.xlsx", "用工明细", 92)


def test_review_round__approved_rows_are_paid_once_and_rejected_rows_recorded(
    tmp_path: Path,
) -> None:
    results = decide(ACCEPTANCE / "inputs", ACCEPTANCE / "reference")[1]
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    first = settle_case(results, registry_url=url)
    reviews = {
        HELD_CARD: Review("通过", "卡号经电话核实无误"),
        HELD_OVERLAP: Review("驳回", "考勤记录冲突"),
    }
    reviewed = settle_case(results, registry_url=url, reviews=reviews)

    by_key = reviewed.decisions.set_index(["program", "file", "sheet", "row"])
    card = by_key.loc[HELD_CARD]
    assert (card["outcome"], card["amount"]) == ("approved", 750000)
    assert "卡号经电话核实无误" in card["message"]
    overlap = by_key.loc[HELD_OVERLAP]
    assert (overlap["outcome"], overlap["reason_codes"]) == (
        "rejected",
        "SFP_OVERLAP;REVIEW_REJECTED",
    )
    # Only the newly approved worker is paid in the review round; everyone else was paid before.
    assert reviewed.payments[["beneficiary_id", "amount"]].values.tolist() == [
        ["500103199109184485", 750000]
    ]
    assert reviewed.amounts["chongqing_labor"] == first.amounts["chongqing_labor"] + 750000

    again = settle_case(results, registry_url=url, reviews=reviews)
    assert again.payments.equals(reviewed.payments)

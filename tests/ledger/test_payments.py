"""Payments: summed per beneficiary, capped per enterprise, stable ids, duplicates across files."""

from __future__ import annotations

import pandas as pd

from ledger.payments import build_payments
from policy.claims import within_batch_duplicates


def decisions(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "program": "spring_festival_production",
        "file": "a.xlsx",
        "sheet": "用工明细",
        "period": "2020",
        "beneficiary_id": "913701029GAHH9GDH9",
        "name": "恒信科技",
        "city": "济南",
        "bank_name": "建行",
        "bank_account": "8792824069056640",
        "outcome": "approved",
        "amount": 340000,
        "claim_key": "",
        "reason_codes": "",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["row"] = range(2, 2 + len(frame))
    return frame


def test_build_payments__per_enterprise_cap_of_500000_yuan() -> None:
    rows = [{"claim_key": f"k{i}"} for i in range(148)]  # 148 × 3400 = 503,200 yuan
    payments = build_payments(
        decisions(rows),
        {"spring_festival_production"},
        {"spring_festival_production": 50_000_000},
        "batch",
    )
    assert payments["uncapped"].tolist() == [50_320_000]
    assert payments["amount"].tolist() == [50_000_000]


def test_build_payments__under_the_cap_pays_the_sum_and_skips_non_approved() -> None:
    rows = [{}, {"outcome": "held"}, {"outcome": "rejected", "amount": 0}]
    payments = build_payments(
        decisions(rows),
        {"spring_festival_production"},
        {"spring_festival_production": 50_000_000},
        "batch",
    )
    assert payments["amount"].tolist() == [340000]
    assert payments["rows"].tolist() == [1]


def test_build_payments__ids_depend_on_batch_and_beneficiary_only() -> None:
    frame = decisions([{}])
    first = build_payments(frame, {"spring_festival_production"}, {}, "batch-1")
    again = build_payments(frame, {"spring_festival_production"}, {}, "batch-1")
    other = build_payments(frame, {"spring_festival_production"}, {}, "batch-2")
    assert first["payment_id"].tolist() == again["payment_id"].tolist()
    assert first["payment_id"].tolist() != other["payment_id"].tolist()


def test_build_payments__a_cap_counts_what_other_applications_already_paid() -> None:
    rows = [{"claim_key": f"k{i}"} for i in range(3)]  # 3 × 3400 = 10,200 yuan
    programs, caps = {"spring_festival_production"}, {"spring_festival_production": 50_000_000}
    keys = {"program": "spring_festival_production", "period": "2020"}
    enterprise = "913701029GAHH9GDH9"
    nearly = pd.DataFrame([{**keys, "beneficiary_id": enterprise, "amount": 49_640_000}])
    paid = build_payments(decisions(rows), programs, caps, "batch", used=nearly)
    assert paid["amount"].tolist() == [360_000]  # 500,000 − 496,400 = 3,600 yuan left
    full = nearly.assign(amount=50_000_000)
    assert build_payments(decisions(rows), programs, caps, "batch", used=full).empty
    other_year = nearly.assign(period="2021")
    paid = build_payments(decisions(rows), programs, caps, "batch", used=other_year)
    assert paid["amount"].tolist() == [1_020_000]


def test_within_batch_duplicates__the_first_file_keeps_the_claim() -> None:
    frame = decisions(
        [
            {"claim_key": "X", "file": "b.xlsx"},
            {"claim_key": "X", "file": "a.xlsx"},
            {"claim_key": "Y"},
        ]
    )
    assert within_batch_duplicates(frame).tolist() == [True, False, False]

"""The bank file and decisions file formats (SPEC §4)."""

from __future__ import annotations

import pandas as pd

from ledger.outputs import decisions_csv, payments_csv, read_payments_csv


def test_payments_csv__utf8_bom_header_and_two_decimal_amounts() -> None:
    frame = pd.DataFrame(
        [
            {
                "payment_id": "P1",
                "program": "new_hire",
                "beneficiary_id": "913",
                "beneficiary_name": '=HYPERLINK("x")',
                "city": "济南",
                "bank_account": "62220202",
                "amount": 100000,
            }
        ]
    )
    data = payments_csv(frame)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig").splitlines()
    assert text[0] == "payment_id,program,beneficiary_id,beneficiary_name,city,bank_account,amount"
    assert text[1] == 'P1,new_hire,913,"\'=HYPERLINK(""x"")",济南,62220202,1000.00'


def test_decisions_csv__programme_order_then_file_sheet_row_and_no_bom() -> None:
    rows = [
        {"program": "new_hire", "file": "b.xlsx", "sheet": "新招用人员", "row": 10},
        {"program": "stabilization_refund", "file": "a.xlsx", "sheet": "稳岗返还", "row": 5},
        {"program": "new_hire", "file": "a.xlsx", "sheet": "新招用人员", "row": 3},
    ]
    frame = pd.DataFrame(
        [
            {
                **r,
                "credit_code": "C",
                "id_number": "",
                "outcome": "approved",
                "reason_codes": "",
                "amount": 5,
            }
            for r in rows
        ]
    )
    text = decisions_csv(frame).decode("utf-8").splitlines()
    assert [line.split(",")[3] for line in text[1:]] == ["5", "3", "10"]
    assert text[0].endswith(",amount,how_to_qualify")
    assert text[1].endswith(",0.05,")  # approved: nothing to qualify for


def test_read_payments_csv__the_formula_guard_is_how_a_cell_is_written_not_its_value() -> None:
    names = ["=HYPERLINK(1)", "-鲁丰", "'=鲁丰", "'鲁丰", "鲁丰", "@x", "+1"]
    frame = pd.DataFrame(
        {
            "payment_id": [f"P{i}" for i in range(len(names))],
            "program": "new_hire",
            "beneficiary_id": "913",
            "beneficiary_name": names,
            "city": "济南",
            "bank_account": "62220202",
            "amount": 100000,
        }
    )
    back = read_payments_csv(payments_csv(frame))
    assert list(back["beneficiary_name"]) == names
    assert list(back["amount"]) == [100000] * len(names)

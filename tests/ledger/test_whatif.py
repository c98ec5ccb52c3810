"""The what-if comparison's CSV keeps applicant text inert, whatever the column's dtype."""

from __future__ import annotations

import pandas as pd

from ledger.whatif import Comparison, changed_rows_csv


def test_changed_rows_csv__text_that_would_run_as_a_formula_is_inert() -> None:
    changed = pd.DataFrame(
        {
            "program": ["new_hire"],
            "file": pd.array(["=1+2.xlsx"], dtype="string"),
            "sheet": ["新招用人员"],
            "row": [5],
            "credit_code": ["@SUM(A1)"],
            "id_number": ["370102********1234"],
            "outcome_before": ["approved"],
            "outcome_after": ["rejected"],
            "amount_before": [100_000],
            "amount_after": [0],
            "reason_codes_before": [""],
            "reason_codes_after": ["NH_HIRE_DATE"],
            "why": ["-通过→不予受理"],
        }
    )
    text = changed_rows_csv(Comparison(pd.DataFrame(), changed)).decode("utf-8-sig")
    [_, line] = text.splitlines()
    assert line.startswith("new_hire,'=1+2.xlsx,新招用人员,5,'@SUM(A1),")
    assert line.endswith(",1000.00,0.00,,NH_HIRE_DATE,'-通过→不予受理")

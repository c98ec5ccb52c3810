"""Properties of the whole decision path, over generated inputs (hypothesis).

Row conservation, order independence, monotonicity of the refund in layoffs, exact money.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prefect.logging import disable_run_logger

from flows.tasks import InputFile, decide_programs
from ledger.outputs import decisions_csv
from policy.outcomes import APPROVED, HELD, REJECTED
from tests.conftest import SAMPLES
from tests.pipeline import POLICY
from validators.sheets import PROGRAMS
from validators.validate import ROW, validate_workbook
from workbooks.reader import list_workbooks, read_application, read_references

AS_OF = dt.date(2020, 12, 31)
REFERENCES = read_references(SAMPLES / "reference")
RAW = {p.name: read_application(p) for p in list_workbooks([SAMPLES])}
PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decide_raw(raw_by_file: dict[str, tuple[str, dict[str, pd.DataFrame]]]) -> pd.DataFrame:
    """Validate and decide raw sheets as the flow does; all programmes' decisions in one frame."""
    files = []
    for name, (program, sheets) in raw_by_file.items():
        validated = validate_workbook(sheets, PROGRAMS[program])
        files.append(InputFile(name, "0" * 64, program, None, "", validated))
    with disable_run_logger():
        results = decide_programs.fn(files, POLICY, AS_OF, REFERENCES)
    return pd.concat([r.decisions for r in results], ignore_index=True)


def samples() -> dict[str, tuple[str, dict[str, pd.DataFrame]]]:
    return {n: (r.program.code, r.sheets) for n, r in RAW.items() if r.program is not None}


def keyed(decisions: pd.DataFrame) -> dict[tuple, tuple]:
    return {
        (r.program, r.file, r.sheet, int(r.row)): (r.outcome, r.reason_codes, int(r.amount))
        for r in decisions.itertuples()
    }


BASELINE = decide_raw(samples())


def test_conservation__every_input_row_is_decided_once() -> None:
    for name, (_, sheets) in samples().items():
        mine = BASELINE[BASELINE["file"] == name]
        lead = max(sheets.values(), key=len) if len(sheets) > 1 else next(iter(sheets.values()))
        decided = mine.groupby("sheet").size().to_dict()
        assert sum(decided.values()) >= len(lead) > 0
    assert set(BASELINE["outcome"]) <= {APPROVED, REJECTED, HELD}
    assert not BASELINE.duplicated(["program", "file", "sheet", "row"]).any()


@PROPERTY
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_order__permuting_input_rows_changes_no_decision_or_total(seed: int) -> None:
    shuffled = {
        name: (
            program,
            {
                s: f.sample(frac=1, random_state=seed).reset_index(drop=True)
                for s, f in sheets.items()
            },
        )
        for name, (program, sheets) in samples().items()
    }
    decisions = decide_raw(shuffled)
    assert keyed(decisions) == keyed(BASELINE)
    assert int(decisions["amount"].sum()) == int(BASELINE["amount"].sum())


def _refund_row(layoffs: int) -> dict[str, tuple[str, dict[str, pd.DataFrame]]]:
    name = "稳岗返还申请.xlsx"
    program, sheets = samples()[name]
    sheet = sheets["稳岗返还"]
    row = sheet[sheet[ROW] == _APPROVED_REFUND_ROW].copy()
    row["上年度裁员人数"] = layoffs
    return {name: (program, {"稳岗返还": row.reset_index(drop=True)})}


_refunds = BASELINE[
    (BASELINE["program"] == "stabilization_refund") & (BASELINE["outcome"] == APPROVED)
]
_APPROVED_REFUND_ROW = int(_refunds["row"].iloc[0])


@PROPERTY
@given(fewer=st.integers(min_value=0, max_value=400), more=st.integers(min_value=0, max_value=400))
def test_monotonic__more_layoffs_never_raise_a_refund(fewer: int, more: int) -> None:
    fewer, more = sorted((fewer, more))
    low = decide_raw(_refund_row(fewer))["amount"].iloc[0]
    high = decide_raw(_refund_row(more))["amount"].iloc[0]
    assert high <= low


def test_money__two_decimals_and_exact_sums() -> None:
    text = decisions_csv(BASELINE.assign(outcome=BASELINE["outcome"])).decode()
    amounts = [line.rsplit(",", 1)[1] for line in text.splitlines()[1:]]
    assert all(re.fullmatch(r"-?\d+\.\d{2}", a) for a in amounts)
    assert sum(Decimal(a) for a in amounts) * 100 == int(BASELINE["amount"].sum())

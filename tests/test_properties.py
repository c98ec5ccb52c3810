"""Properties of the whole decision path, over generated inputs (hypothesis).

Row conservation, order independence, monotonicity of the refund in layoffs, exact money, and
random cell values that must never crash reading and validation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from prefect.logging import disable_run_logger

from batch.inputs import InputFile, decide
from ledger.outputs import decisions_csv
from policy.catalogue import PROGRAMS
from policy.outcomes import APPROVED, HELD, REJECTED
from tests.conftest import SAMPLES
from tests.pipeline import POLICY
from validators.validate import ROW, validate_workbook
from workbooks.reader import list_inputs, read_application, read_references

AS_OF = dt.date(2020, 12, 31)
REFERENCES = read_references(SAMPLES / "reference")
RAW = {
    p.name: read_application(p)
    for p in list_inputs([SAMPLES], aside=(SAMPLES / "reference",)).workbooks
}
PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decide_raw(raw_by_file: dict[str, tuple[str, dict[str, pd.DataFrame]]]) -> pd.DataFrame:
    """Validate and decide raw sheets as the flow does; all programmes' decisions in one frame."""
    files = []
    for name, (program, sheets) in raw_by_file.items():
        validated = validate_workbook(sheets, PROGRAMS[program].template)
        files.append(InputFile(name, "0" * 64, program, None, "", validated))
    with disable_run_logger():
        results = decide(files, POLICY, AS_OF, REFERENCES)
    return pd.concat([r.decisions for r in results], ignore_index=True)


def samples() -> dict[str, tuple[str, dict[str, pd.DataFrame]]]:
    return {n: (r.program.code, r.sheets) for n, r in RAW.items() if r.program is not None}


def keyed(decisions: pd.DataFrame) -> dict[tuple, tuple]:
    return {
        (r.program, r.file, r.sheet, int(r.row)): (r.outcome, r.reason_codes, int(r.amount))
        for r in decisions.itertuples()
    }


BASELINE = decide_raw(samples())


def assert_each_row_decided_once(decisions: pd.DataFrame, sheets: dict[str, pd.DataFrame]) -> None:
    """One decision per row of the programme's decision sheet (the roster where there is one)."""
    [sheet] = set(decisions["sheet"])
    assert sorted(decisions["row"].astype(int)) == sorted(sheets[sheet][ROW].astype(int))
    assert set(decisions["outcome"]) <= {APPROVED, REJECTED, HELD}


def test_conservation__every_input_row_is_decided_once() -> None:
    for name, (_, sheets) in samples().items():
        assert_each_row_decided_once(BASELINE[BASELINE["file"] == name], sheets)


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


@PROPERTY
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_duplicates__a_repeated_row_is_rejected_and_changes_no_other_decision(seed: int) -> None:
    picker = random.Random(seed)
    repeated, copies = {}, {}
    for name, (program, sheets) in samples().items():
        sheet = PROGRAMS[program].decision_sheet
        frame = sheets[sheet]
        chosen = frame.iloc[picker.sample(range(len(frame)), picker.randint(1, 3))].copy()
        first_new = int(frame[ROW].max()) + 1
        origin = dict(zip(range(first_new, first_new + len(chosen)), chosen[ROW], strict=True))
        chosen[ROW] = list(origin)
        copies[name] = origin
        repeated[name] = (program, {**sheets, sheet: pd.concat([frame, chosen], ignore_index=True)})
    decisions = decide_raw(repeated)
    for name, (_, sheets) in repeated.items():
        assert_each_row_decided_once(decisions[decisions["file"] == name], sheets)
    new_rows = {
        (r.file, int(r.row)) for r in decisions.itertuples() if int(r.row) in copies[r.file]
    }
    kept = decisions[
        [
            (f, int(r)) not in new_rows
            for f, r in zip(decisions["file"], decisions["row"], strict=True)
        ]
    ]
    assert keyed(kept) == keyed(BASELINE)  # the originals are decided as before
    before = {(r.file, int(r.row)): r.outcome for r in BASELINE.itertuples()}
    for r in decisions.itertuples():
        if (r.file, int(r.row)) not in new_rows:
            continue
        assert r.outcome == REJECTED and int(r.amount) == 0
        if before[(r.file, copies[r.file][int(r.row)])] == APPROVED:
            assert "DUPLICATE_ROW" in r.reason_codes.split(";")


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
    amounts = [row["amount"] for row in csv.DictReader(io.StringIO(text))]
    assert all(re.fullmatch(r"-?\d+\.\d{2}", a) for a in amounts)
    assert sum(Decimal(a) for a in amounts) * 100 == int(BASELINE["amount"].sum())


CELL = st.one_of(
    st.none(),
    st.text(max_size=24),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(
        ["=1+1", "９１３７", "370102199001011234", " 是 ", "2020-03", "0.5%", "2958465"]
    ),
)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # report, do not spend minutes shrinking
)


@pytest.mark.parametrize("program", sorted(PROGRAMS))
@FUZZ
@given(data=st.data())
def test_fuzz__random_cells_never_crash_and_every_row_is_decided(program: str, data) -> None:
    spec = PROGRAMS[program]
    sheets = {}
    for sheet in spec.sheets:
        headers = [h for _, h, _, _ in sheet.columns()]
        count = data.draw(st.integers(min_value=1, max_value=5))
        rows = [[data.draw(CELL) for _ in headers] for _ in range(count)]
        frame = pd.DataFrame(rows, columns=headers, dtype=object)
        frame[ROW] = range(2, 2 + count)
        sheets[sheet.name] = frame
    assert_each_row_decided_once(decide_raw({"随机.xlsx": (program, sheets)}), sheets)


def test_relief__a_month_before_the_parameters_rejects_that_row_not_the_batch() -> None:
    name = "社保费减免申报.xlsx"
    program, sheets = samples()[name]
    frame = sheets["缴费申报"].copy()
    frame.loc[frame.index[0], "所属期"] = "2002-05"
    decisions = decide_raw({name: (program, {"缴费申报": frame})})
    first = decisions.iloc[0]
    assert (first["outcome"], first["reason_codes"]) == (REJECTED, "INVALID_VALUE")
    assert "早于政策参数的生效日期" in first["message"]
    assert (decisions["outcome"].iloc[1:] != REJECTED).any()

"""A batch's own outputs are checked before anything is written (pandera output schemas)."""

from __future__ import annotations

import pandas as pd
import pytest

from ledger.output_schemas import DecisionsOutputSchema, PaymentsOutputSchema
from tests.conftest import ACCEPTANCE
from tests.pipeline import decide, settle_case
from validators.output_check import OutputSchemaError, checked


@pytest.fixture(scope="module")
def settled():
    return settle_case(decide(ACCEPTANCE / "inputs", ACCEPTANCE / "reference")[1])


def test_output_schemas__a_real_batch_passes(settled) -> None:
    assert checked(settled.decisions, DecisionsOutputSchema, "决定") is settled.decisions
    assert checked(settled.payments, PaymentsOutputSchema, "支付") is settled.payments


@pytest.mark.parametrize(
    ("column", "value"),
    [("outcome", "maybe"), ("amount", -1), ("row", 0)],
)
def test_output_schemas__a_broken_decision_stops_the_run(settled, column, value) -> None:
    broken = settled.decisions.copy()
    broken.loc[broken.index[0], column] = value
    with pytest.raises(OutputSchemaError, match="未写出任何文件"):
        checked(broken, DecisionsOutputSchema, "决定")


def test_output_schemas__a_held_row_with_an_amount_or_a_decision_twice(settled) -> None:
    held = settled.decisions[settled.decisions["outcome"] == "held"].index[0]
    paid_held = settled.decisions.copy()
    paid_held.loc[held, "amount"] = 100
    with pytest.raises(OutputSchemaError):
        checked(paid_held, DecisionsOutputSchema, "决定")
    twice = pd.concat([settled.decisions, settled.decisions.head(1)], ignore_index=True)
    with pytest.raises(OutputSchemaError):
        checked(twice, DecisionsOutputSchema, "决定")


@pytest.mark.parametrize(("column", "value"), [("amount", 0), ("beneficiary_id", "")])
def test_output_schemas__a_payment_of_nothing_or_to_nobody(settled, column, value) -> None:
    broken = settled.payments.copy()
    broken.loc[broken.index[0], column] = value
    with pytest.raises(OutputSchemaError):
        checked(broken, PaymentsOutputSchema, "支付")


def test_output_schemas__one_payment_id_twice(settled) -> None:
    broken = settled.payments.copy()
    broken.loc[broken.index[1], "payment_id"] = broken.loc[broken.index[0], "payment_id"]
    with pytest.raises(OutputSchemaError):
        checked(broken, PaymentsOutputSchema, "支付")


@pytest.mark.parametrize(("column", "value"), [("reason_codes", 7), ("reason_codes", None)])
def test_output_schemas__a_text_column_with_a_number_or_a_blank(settled, column, value) -> None:
    # A column of texts only is checked as pandas' text dtype; one that is not stays as it is,
    # for the schema to name the cell.
    broken = settled.decisions.astype({column: object})
    broken.loc[broken.index[0], column] = value
    with pytest.raises(OutputSchemaError, match=column):
        checked(broken, DecisionsOutputSchema, "决定")

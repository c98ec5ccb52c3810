"""What a batch writes, checked before a byte is staged: decisions and payments (pandera).

A decision is one of three outcomes with a non-negative amount in fen; only an approved row has
an amount, a rejected or held one names its reasons; a row is decided once. A payment has a
unique id, a positive amount in fen, a beneficiary and an account. A frame that breaks any of
these is a defect in this system, never in the applications: the run stops before writing.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from policy.outcomes import APPROVED, HELD, REJECTED


class DecisionsOutputSchema(pa.DataFrameModel):
    program: Series[str]
    file: Series[str]
    sheet: Series[str]
    row: Series[int] = pa.Field(ge=1)
    outcome: Series[str] = pa.Field(isin=[APPROVED, REJECTED, HELD])
    reason_codes: Series[str]
    amount: Series[int] = pa.Field(ge=0)
    proposed: Series[int] = pa.Field(ge=0)
    message: Series[str] = pa.Field(nullable=True)  # read by the check that a reason is given

    class Config:
        unique = ("program", "file", "sheet", "row")

    @pa.dataframe_check
    @classmethod
    def only_approved_rows_have_an_amount(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["outcome"] == APPROVED) | (frame["amount"] == 0)

    @pa.dataframe_check
    @classmethod
    def rejected_and_held_rows_name_a_reason(cls, frame: pd.DataFrame) -> pd.Series:
        # A CLAIM_PENDING row freed by the other batch's verdict stays held without a code
        # (SPEC §6); every other held or rejected row names its reasons.
        return (
            (frame["outcome"] == APPROVED)
            | (frame["reason_codes"] != "")
            | ((frame["outcome"] == HELD) & frame["message"].astype(str).ne(""))
        )


class PaymentsOutputSchema(pa.DataFrameModel):
    payment_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    program: Series[str]
    period: Series[str]
    beneficiary_id: Series[str] = pa.Field(str_length={"min_value": 1})
    amount: Series[int] = pa.Field(gt=0)

    class Config:
        unique = ("program", "period", "beneficiary_id")

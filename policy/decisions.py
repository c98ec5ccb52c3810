"""The shape every programme's rules return: one decision per input row, plus its register.

A decision row carries its provenance (file, sheet, Excel row), the beneficiary and bank details,
the outcome and reason codes, the amount it adds (before any per-enterprise cap), the amount a
reviewer's approval would release (`proposed`), and the claim key the payment registry holds
unique per programme and period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from policy.outcomes import APPROVED, Settled, explain, join_codes
from policy.parameters import ParameterReads
from validators.validate import ValidatedSheet

DECISION_COLUMNS = [
    "program",
    "file",
    "sheet",
    "row",
    "credit_code",
    "id_number",
    "name",
    "city",
    "bank_name",
    "bank_account",
    "beneficiary_id",
    "claim_key",
    "period",
    "outcome",
    "reason_codes",
    "message",
    "proposed",
    "amount",
    "basis",
    "remedy",  # what would make the row eligible, by its programme's rule (policy.qualify)
]


@dataclass(frozen=True)
class ProgramDecisions:
    """A programme's decisions for a batch, its detail register, and the parameters it read."""

    program: str
    decisions: pd.DataFrame
    reads: ParameterReads
    register: pd.DataFrame = field(default_factory=pd.DataFrame)
    enterprise_cap: int | None = None
    # Each row's days worked (`start`, `end`) where a programme judges overlapping claims.
    worked: pd.DataFrame | None = None
    # The single change of one input that flips each row where one does (policy.qualify).
    changes: pd.DataFrame | None = None


def assemble(
    program: str,
    sheet: ValidatedSheet,
    settled: Settled,
    proposed: pd.Series,
    *,
    beneficiary_id: pd.Series,
    claim_key: pd.Series,
    period: str | pd.Series,
    basis: str,
    details: pd.Series | None = None,
    extra: dict[str, pd.Series] | None = None,
    remedy: pd.Series | None = None,
) -> pd.DataFrame:
    """Build the standard decision frame from a settled sheet (columns absent → empty text)."""
    frame = sheet.frame
    columns: dict[str, object] = {
        "program": program,
        "file": frame["file"],
        "sheet": sheet.name,
        "row": frame["row"],
    }
    for name in ("credit_code", "id_number", "name", "city", "bank_name", "bank_account"):
        columns[name] = (extra or {}).get(name, frame.get(name, pd.Series("", index=frame.index)))
    approved = settled.outcome == APPROVED
    columns |= {
        "beneficiary_id": beneficiary_id,
        "claim_key": claim_key,
        "period": period,
        "outcome": settled.outcome,
        "reason_codes": join_codes(settled.reasons),
        "message": explain(settled.reasons, details if details is not None else sheet.messages),
        "proposed": proposed.where(settled.outcome != "rejected", 0).astype("int64"),
        "amount": proposed.where(approved, 0).astype("int64"),
        "basis": basis,
        "remedy": "" if remedy is None else remedy.reindex(frame.index, fill_value=""),
    }
    result = pd.DataFrame(columns, index=frame.index)
    text_columns = ["credit_code", "id_number", "name", "city", "bank_name", "bank_account"]
    result[text_columns] = result[text_columns].astype(object).fillna("")
    return result[DECISION_COLUMNS]

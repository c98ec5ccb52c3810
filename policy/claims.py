"""Claims among a batch's decisions: which rows take one, and which lose it as a duplicate.

Pure frame operations shared by settlement (applications) and policy-finds-people (records):
a claim (programme, period, claim key) is paid once; inside one batch the first file and row
keep it, and a row that loses it is rejected `DUPLICATE_CLAIM`.
"""

from __future__ import annotations

import pandas as pd

from policy.outcomes import APPROVED, HELD, REASONS, REJECTED


def claimable(decisions: pd.DataFrame) -> pd.Series:
    """Rows that would take a claim: approved or held, with a claim key."""
    return decisions["outcome"].isin([APPROVED, HELD]) & (decisions["claim_key"] != "")


def mark_duplicate_claims(decisions: pd.DataFrame, duplicate: pd.Series) -> pd.DataFrame:
    """Reject the given rows as `DUPLICATE_CLAIM`: the claim belongs to another application."""
    if not duplicate.any():
        return decisions
    result = decisions.copy()
    result.loc[duplicate, "outcome"] = REJECTED
    result.loc[duplicate, "reason_codes"] = "DUPLICATE_CLAIM"
    result.loc[duplicate, "message"] = REASONS["DUPLICATE_CLAIM"]
    result.loc[duplicate, ["amount", "proposed"]] = 0
    return result


def within_batch_duplicates(decisions: pd.DataFrame) -> pd.Series:
    """Claims repeated across files of one batch: later files and rows lose."""
    rows = decisions[claimable(decisions)].sort_values(["file", "row"], kind="stable")
    later = rows.duplicated(["program", "period", "claim_key"], keep="first")
    return later.reindex(decisions.index, fill_value=False)

"""From decisions to payments: claims across files and batches, then one payment per beneficiary.

A claim (programme, period, claim key) is paid once. Inside a batch the first file and row keep
it; across batches the registry decides (see `registry`). Approved rows are then summed per
beneficiary into payment entries whose ids are derived from the batch, so a rerun writes the
same bank file byte for byte.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from policy.claims import claimable
from policy.outcomes import APPROVED

PAYMENT_COLUMNS = [
    "payment_id",
    "program",
    "period",
    "beneficiary_id",
    "beneficiary_name",
    "city",
    "bank_name",
    "bank_account",
    "amount",
    "uncapped",
    "rows",
]


def _owner_columns(decisions: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """Each decision row's claim owner (`batch_id`, `lineage`; empty where nobody holds it)."""
    keys = ["program", "period", "claim_key"]
    found = decisions[keys].merge(owners, on=keys, how="left", sort=False)
    found.index = decisions.index
    return found[["batch_id", "lineage"]].fillna("")


def claimed_elsewhere(decisions: pd.DataFrame, owners: pd.DataFrame, lineage: str) -> pd.Series:
    """Claims that the registry says belong to another application's batch."""
    owner = _owner_columns(decisions, owners)
    return (owner["lineage"] != "") & (owner["lineage"] != lineage) & claimable(decisions)


def paid_in_earlier_round(
    decisions: pd.DataFrame, owners: pd.DataFrame, batch_id: str, lineage: str
) -> pd.Series:
    """Claims of these same applications already paid by an earlier batch (a review round)."""
    owner = _owner_columns(decisions, owners)
    earlier = (owner["lineage"] == lineage) & (owner["batch_id"] != batch_id)
    return earlier & claimable(decisions)


def payment_id(batch_id: str, program: str, period: str, beneficiary: str) -> str:
    digest = hashlib.sha256(f"{batch_id}|{program}|{period}|{beneficiary}".encode()).hexdigest()
    return f"P{digest[:15].upper()}"


def build_payments(
    decisions: pd.DataFrame,
    cash_programs: set[str],
    caps: dict[str, int],
    batch_id: str,
    paid_before: pd.Series | None = None,
) -> pd.DataFrame:
    """One payment per programme, period and beneficiary: approved amounts summed, then capped.

    `paid_before` marks approved rows whose claim an earlier review round of the same
    applications already paid: they stay approved but are not paid again.
    """
    new = ~paid_before if paid_before is not None else True
    paid = decisions[
        (decisions["outcome"] == APPROVED) & decisions["program"].isin(cash_programs) & new
    ]
    if paid.empty:
        return pd.DataFrame(columns=PAYMENT_COLUMNS)
    grouped = paid.groupby(["program", "period", "beneficiary_id"], sort=True)
    payments = grouped.agg(
        beneficiary_name=("name", "first"),
        city=("city", "first"),
        bank_name=("bank_name", "first"),
        bank_account=("bank_account", "first"),
        uncapped=("amount", "sum"),
        rows=("row", "size"),
    ).reset_index()
    uncapped = payments["uncapped"].astype("int64")
    cap = payments["program"].map(caps)
    payments["amount"] = uncapped.where(cap.isna(), np.minimum(uncapped, cap.fillna(0)))
    payments["amount"] = payments["amount"].astype("int64")
    payments = payments[payments["amount"] > 0].copy()
    payments["payment_id"] = [
        payment_id(batch_id, p, d, b)
        for p, d, b in zip(
            payments["program"], payments["period"], payments["beneficiary_id"], strict=True
        )
    ]
    return payments[PAYMENT_COLUMNS].reset_index(drop=True)

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
    "kind",
    "original_payment_id",
    "paid_before",
]
PAYMENT, TOPUP = "payment", "topup"
# A beneficiary owed less than earlier batches paid: listed for review, never clawed back.
DECREASE_COLUMNS = [
    "program",
    "period",
    "beneficiary_id",
    "beneficiary_name",
    "city",
    "original_payment_id",
    "paid_before",
    "owed",
    "difference",
]


def payment_id(batch_id: str, program: str, period: str, beneficiary: str, round_: int = 0) -> str:
    """Deterministic: a rerun of a round repeats its ids; each review round has its own."""
    suffix = f"|{round_}" if round_ else ""
    text = f"{batch_id}|{program}|{period}|{beneficiary}{suffix}"
    return f"P{hashlib.sha256(text.encode()).hexdigest()[:15].upper()}"


def reissue_payment_id(original: str, attempt: int = 0) -> str:
    """A re-issue's id, from the payment it replaces: one per failed payment, even when one
    beneficiary has several in a programme and year; a re-issue sent back (`attempt` counts
    those) leaves the next its own id."""
    suffix = f"|{attempt}" if attempt else ""
    text = f"reissue|{original}{suffix}"
    return f"P{hashlib.sha256(text.encode()).hexdigest()[:15].upper()}"


def build_payments(
    decisions: pd.DataFrame,
    cash_programs: set[str],
    caps: dict[str, int],
    batch_id: str,
    used: pd.DataFrame | None = None,
    round_: int = 0,
) -> pd.DataFrame:
    """What each beneficiary is owed: approved amounts summed per programme, period and
    beneficiary, then capped; one payment each (see `pay_differences` for earlier payments).

    `used` is what other applications already paid each beneficiary (program, period,
    beneficiary_id, amount): a cap is per beneficiary and policy year across batches and
    review rounds (SPEC §2.2), so only what is left of it can be owed here."""
    paid = decisions[(decisions["outcome"] == APPROVED) & decisions["program"].isin(cash_programs)]
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
    if used is not None and not used.empty:
        keys = ["program", "period", "beneficiary_id"]
        taken = payments[keys].merge(used, on=keys, how="left")["amount"].fillna(0)
        cap = (cap - taken.to_numpy()).clip(lower=0)
    payments["amount"] = uncapped.where(cap.isna(), np.minimum(uncapped, cap.fillna(0)))
    payments["amount"] = payments["amount"].astype("int64")
    payments = payments[payments["amount"] > 0].copy()
    payments["payment_id"] = _payment_ids(payments, batch_id, round_)
    payments["kind"] = PAYMENT
    payments["original_payment_id"] = ""
    payments["paid_before"] = 0
    return payments[PAYMENT_COLUMNS].reset_index(drop=True)


def _payment_ids(payments: pd.DataFrame, batch_id: str, round_: int) -> list[str]:
    keys = zip(payments["program"], payments["period"], payments["beneficiary_id"], strict=True)
    return [payment_id(batch_id, p, d, b, round_) for p, d, b in keys]


def pay_differences(owed: pd.DataFrame, earlier: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Payments net of what earlier batches of the same applications paid, and the decreases.

    `owed` is `build_payments` for this batch; `earlier` what the same applications were
    granted before (program, period, beneficiary_id, payment_id, amount, kind, seq: see
    `ledger.rounds.paid_before`). A beneficiary granted before gets only the difference, as a
    `topup` naming the latest of those payments (补发); one owed less than was granted is never
    clawed back: it comes back in the second frame, for a reviewer, and is paid nothing.
    """
    keys = ["program", "period", "beneficiary_id"]
    if earlier.empty:
        return owed, pd.DataFrame(columns=DECREASE_COLUMNS)
    ordered = earlier.sort_values(["seq", "payment_id"], kind="stable")
    before = ordered.groupby(keys, sort=False).agg(
        paid_before=("amount", "sum"), original_payment_id=("payment_id", "last")
    )
    merged = owed.drop(columns=["paid_before", "original_payment_id"]).merge(
        before.reset_index(), on=keys, how="outer", indicator=True
    )
    merged["paid_before"] = merged["paid_before"].fillna(0).astype("int64")
    merged["owed"] = merged["amount"].fillna(0).astype("int64")
    merged["original_payment_id"] = merged["original_payment_id"].fillna("")
    difference = merged["owed"] - merged["paid_before"]
    decreases = merged[difference < 0].assign(difference=difference[difference < 0])
    payable = merged[(merged["_merge"] != "right_only") & (difference > 0)].copy()
    topup = payable["paid_before"] > 0
    payable["amount"] = difference[payable.index]
    payable["kind"] = PAYMENT
    payable.loc[topup, "kind"] = TOPUP
    payable["payment_id"] = payable["payment_id"].fillna("")
    return (
        payable[PAYMENT_COLUMNS].reset_index(drop=True),
        decreases[DECREASE_COLUMNS].reset_index(drop=True),
    )

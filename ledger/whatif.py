"""What-if (SPEC §7): the same applications under two parameter sets, compared.

Both sides are settled without the registry (a what-if pays and records nothing), so a claim
another batch holds is not counted as a duplicate on either side. The comparison gives, per
programme and city, the beneficiaries and amounts before and after, and every row whose
outcome, reasons or amount changed, with why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ledger.masking import mask_ids
from ledger.outputs import DECISIONS_HEADER, csv_bytes
from ledger.settlement import SettledBatch, city_or_none
from policy.catalogue import CASH, CODES
from policy.outcomes import APPROVED
from validators.checks import city_rank

PROVINCE = "全省合计"
ROW_KEY = ["program", "file", "sheet", "row"]
OUTCOME_TEXT = {"approved": "通过", "rejected": "不予受理", "held": "待复核"}


@dataclass(frozen=True)
class Comparison:
    """Per programme and city (province totals first), and the rows that changed."""

    by_city: pd.DataFrame
    changed: pd.DataFrame


def compare(before: SettledBatch, after: SettledBatch) -> Comparison:
    return Comparison(_by_city(before, after), _changed_rows(before, after))


def _beneficiaries(settled: SettledBatch) -> pd.DataFrame:
    """Each beneficiary's amount by programme and city: capped payments for cash programmes,
    approved register rows for relief and deferral."""
    decisions = settled.decisions
    registers = decisions[(decisions["outcome"] == APPROVED) & ~decisions["program"].isin(CASH)]
    frames = [settled.owed[["program", "city", "beneficiary_id", "amount"]]]
    frames.append(registers[["program", "city", "beneficiary_id", "amount"]])
    combined = pd.concat(frames, ignore_index=True)
    combined["city"] = city_or_none(combined["city"])
    combined["amount"] = combined["amount"].astype("int64")
    return combined


def _figures(settled: SettledBatch) -> pd.DataFrame:
    rows = _beneficiaries(settled)
    by_city = rows.groupby(["program", "city"]).agg(
        beneficiaries=("beneficiary_id", "nunique"), amount=("amount", "sum")
    )
    totals = rows.groupby("program").agg(
        beneficiaries=("beneficiary_id", "nunique"), amount=("amount", "sum")
    )
    totals.index = pd.MultiIndex.from_product([totals.index, [PROVINCE]], names=["program", "city"])
    return pd.concat([totals, by_city])


def _by_city(before: SettledBatch, after: SettledBatch) -> pd.DataFrame:
    joined = (
        _figures(before)
        .reset_index()
        .merge(
            _figures(after).reset_index(),
            on=["program", "city"],
            how="outer",
            suffixes=("_before", "_after"),
        )
    )
    figures = joined.columns.drop(["program", "city"])
    joined[figures] = joined[figures].fillna(0).astype("int64")
    joined["beneficiaries_change"] = joined["beneficiaries_after"] - joined["beneficiaries_before"]
    joined["amount_change"] = joined["amount_after"] - joined["amount_before"]
    # Programmes in the catalogue's order, each with its province row first, then its cities
    # in the official order (SPEC §4).
    cities = joined["city"].map(lambda city: (city != PROVINCE, *city_rank(city)))
    programmes = joined["program"].map({code: i for i, code in enumerate(CODES)})
    order = sorted(range(len(joined)), key=lambda i: (programmes.iloc[i], cities.iloc[i]))
    return joined.iloc[order].reset_index(drop=True)


def _changed_rows(before: SettledBatch, after: SettledBatch) -> pd.DataFrame:
    columns = [*ROW_KEY, "credit_code", "id_number", "name", "city"]
    left = before.decisions[[*columns, "outcome", "reason_codes", "message", "amount"]]
    right = after.decisions[[*ROW_KEY, "outcome", "reason_codes", "message", "amount"]]
    joined = left.merge(right, on=ROW_KEY, suffixes=("_before", "_after"), validate="one_to_one")
    changed = joined[
        (joined["outcome_before"] != joined["outcome_after"])
        | (joined["reason_codes_before"] != joined["reason_codes_after"])
        | (joined["amount_before"] != joined["amount_after"])
    ].copy()
    changed["id_number"] = mask_ids(changed["id_number"].fillna("").astype(str))
    changed["why"] = _why(changed)
    return changed.sort_values(ROW_KEY, kind="stable").reset_index(drop=True)


def _why(changed: pd.DataFrame) -> pd.Series:
    """Why a row changed, in Chinese: the new reasons, the lifted ones, or the new amount."""
    became = changed["outcome_after"].map(OUTCOME_TEXT)
    was = changed["outcome_before"].map(OUTCOME_TEXT)
    outcome_moved = changed["outcome_before"] != changed["outcome_after"]
    now_failing = outcome_moved & (changed["outcome_after"] != APPROVED)
    lifted = outcome_moved & (changed["outcome_after"] == APPROVED)
    text = pd.Series("按新参数计算的金额不同", index=changed.index, dtype=object)
    text = text.where(~now_failing, was + "→" + became + "：" + changed["message_after"])
    text = text.where(~lifted, was + "→通过：原因已不成立（" + changed["message_before"] + "）")
    reasons_only = ~outcome_moved & (
        changed["reason_codes_before"] != changed["reason_codes_after"]
    )
    return text.where(~reasons_only, "原因变化：" + changed["message_after"])


def changed_rows_csv(comparison: Comparison) -> bytes:
    """Every changed row (the workbook's sheet may stop at Excel's limit), UTF-8 with BOM."""
    columns = [*DECISIONS_HEADER[:6], "outcome_before", "outcome_after", "amount_before"]
    columns += ["amount_after", "reason_codes_before", "reason_codes_after", "why"]
    trusted = {"program", "row", "outcome_before", "outcome_after"}
    money = ["amount_before", "amount_after"]
    return csv_bytes(comparison.changed[columns], money, trusted, bom=True)

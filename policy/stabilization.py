"""失业保险稳岗返还 — the unemployment-insurance job-stabilisation refund (SPEC §2.1).

Eligible when not on the serious-dishonesty list, insured for enough consecutive months, and the
layoff rate (layoffs / insured headcount at the end of the previous year) within the limit —
a looser limit for small workforces. Refund = last year's employer + employee unemployment
contributions × the share for the enterprise's size, rounded half-up to the fen. Parameters are
read on the run's `as_of` date (2020 values: 人社部发〔2014〕76号, 国办发〔2020〕6号).

Where a row gives the insured headcount at the START of the previous year (上年初参保职工人数:
the rows "policy finds people" makes from the contribution records, SPEC §7), that figure is
the base of both the layoff rate and the small-workforce test, as the national practice
computes it: 裁员率 = (年初 − 年末) / 年初. The layoffs derived from the records (年初 − 年末)
measured against the end-of-year figure would overstate every shrinking firm's rate. Rows
without it (the standard application) keep the end-of-year base of SPEC §2.1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from policy import money
from policy.decisions import ProgramDecisions, assemble
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from policy.qualify import Change, limit_percent, percent, remedies
from policy.size import (
    derive_size,
    effective_size,
    size_change,
    size_mismatch,
    with_mismatch_messages,
)
from validators.validate import ValidatedSheet


def layoff_rate_exceeded(
    layoffs: pd.Series,
    headcount: pd.Series,
    small_headcount: int,
    small_rate_max: object,
    rate_max: object,
) -> pd.Series:
    """layoffs / headcount above the limit (the small limit where headcount ≤ small_headcount),
    compared exactly as integers (no float rates)."""
    small_p, small_q = money.ratio(small_rate_max)
    p, q = money.ratio(rate_max)
    layoffs_ = layoffs.fillna(0).astype("int64")
    headcount_ = headcount.fillna(0).astype("int64")
    small = headcount_ <= small_headcount
    over_small = layoffs_ * small_q > headcount_ * small_p
    over = layoffs_ * q > headcount_ * p
    return over_small.where(small, over)


def refund_amount(paid: pd.Series, size: pd.Series, shares: dict[str, object]) -> pd.Series:
    """Contributions paid × the refund share of each row's size, half-up to the fen."""
    numerators = size.map({k: money.ratio(v)[0] for k, v in shares.items()}).fillna(0)
    denominators = size.map({k: money.ratio(v)[1] for k, v in shares.items()}).fillna(1)
    amount = money.times_ratio(
        paid.to_numpy(), numerators.to_numpy(np.int64), denominators.to_numpy(np.int64)
    )
    return pd.Series(amount, index=paid.index)


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    """Decide every 稳岗返还 row (SPEC §2.1 in `policy/sources/SPEC.md`).

    Documents: 人社部发〔2014〕76号 (refund share, insured months, layoff-rate limits) and
    国办发〔2020〕6号 (the looser small-workforce limit), as cited by each parameter.
    Governing date: every parameter is read on `as_of`; the policy year (the claim's period)
    is the parameter `year` in force on that date. Reason codes: SR_DISHONEST,
    SR_INSURED_MONTHS, SR_LAYOFF_RATE, SIZE_MISMATCH (clauses in `sources/reason_clauses.yaml`).
    """
    dishonest = references["严重失信名单"]
    sheet = sheets["稳岗返还"]
    frame = sheet.frame
    value = reads.scoped(programme.namespace, as_of)
    derived = derive_size(frame, reads, as_of)
    size = effective_size(frame, derived)
    paid = frame["employer_ui_paid"].fillna(0) + frame["employee_ui_paid"].fillna(0)
    proposed = refund_amount(paid.astype("int64"), size, value("refund_share"))

    def conditions(rows: pd.DataFrame) -> dict[str, pd.Series]:
        return {
            "SR_DISHONEST": rows["credit_code"].isin(dishonest),
            "SR_INSURED_MONTHS": rows["insured_months"].fillna(0) < value("min_months_insured"),
            "SR_LAYOFF_RATE": layoff_rate_exceeded(
                rows["layoffs"],
                layoff_base(rows),
                value("small_headcount"),
                value("small_layoff_rate_max"),
                value("layoff_rate_max"),
            ),
            "SIZE_MISMATCH": size_mismatch(rows, derived.reindex(rows.index)),
        }

    ineligible = conditions(frame)
    mismatch = ineligible.pop("SIZE_MISMATCH")
    settled = settle(frame.index, sheet.reasons, ineligible, size_mismatch=mismatch)
    found = remedies(
        frame,
        settled,
        sheet.valid,
        conditions,
        lambda rows: [*changes(rows, value), size_change(rows, derived.loc[rows.index])],
        holds=frozenset({"SIZE_MISMATCH"}),
    )
    decisions = assemble(
        programme.code,
        sheet,
        settled,
        proposed,
        details=with_mismatch_messages(sheet.messages, frame, derived),
        beneficiary_id=frame["credit_code"],
        claim_key=frame["credit_code"],
        period=str(value("year")),
        basis=reads.parameter(f"{programme.namespace}.refund_share").reference,
        remedy=found.text,
    )
    return ProgramDecisions(programme.code, decisions, reads, changes=found.chosen)


def layoff_base(frame: pd.DataFrame) -> pd.Series:
    """The headcount layoffs are measured against: the start of the previous year where the
    row gives it, else its end (see the module's note)."""
    return frame["start_headcount"].fillna(frame["insured_headcount"])


def changes(frame: pd.DataFrame, value: Callable[[str], Any]) -> list[Change]:
    """What meets each condition a 稳岗返还 row can change (SPEC §2 "what would make it
    eligible"): insured months up to the minimum, layoffs down to the most the limit allows."""
    least = int(value("min_months_insured"))
    insured = frame["insured_months"].fillna(0).astype("int64")
    base = layoff_base(frame).fillna(0).astype("int64")
    layoffs = frame["layoffs"].fillna(0).astype("int64")
    small = base <= int(value("small_headcount"))
    small_p, small_q = money.ratio(value("small_layoff_rate_max"))
    p, q = money.ratio(value("layoff_rate_max"))
    most = (base * small_p // small_q).where(small, base * p // q)
    ratio = pd.Series(value("layoff_rate_max"), index=frame.index, dtype=object).where(
        ~small, value("small_layoff_rate_max")
    )
    limit = ratio.map(limit_percent)
    rate = percent(layoffs, base, ratio)
    said = ("裁员率 " + rate + "，高于上限 " + limit).where(
        base > 0, "裁员 " + layoffs.astype(str) + " 人，参保职工人数为 0"
    )
    # Layoffs the contribution records derive (上年初 − 上年末: SPEC §7) are no cell to change.
    derived = frame["start_headcount"].notna()
    return [
        Change(
            "SR_INSURED_MONTHS",
            "insured_months",
            pd.Series(least, index=frame.index),
            "连续参保 "
            + insured.astype(str)
            + f" 个月，不足 {least} 个月：再连续参保 "
            + (least - insured).astype(str)
            + " 个月即符合",
        ),
        Change(
            "SR_LAYOFF_RATE",
            "layoffs",
            most.where(~derived),
            (said + "：裁员人数不超过 " + most.astype(str) + " 人即符合").where(
                ~derived, said + "（按参保缴费记录测算）"
            ),
        ),
    ]

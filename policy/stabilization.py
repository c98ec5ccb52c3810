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

import numpy as np
import pandas as pd

from policy import money
from policy.decisions import ProgramDecisions, assemble
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from policy.size import derive_size, effective_size, size_mismatch, with_mismatch_messages
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
    base = frame["start_headcount"].fillna(frame["insured_headcount"])
    paid = frame["employer_ui_paid"].fillna(0) + frame["employee_ui_paid"].fillna(0)
    proposed = refund_amount(paid.astype("int64"), size, value("refund_share"))
    ineligible = {
        "SR_DISHONEST": frame["credit_code"].isin(dishonest),
        "SR_INSURED_MONTHS": frame["insured_months"].fillna(0) < value("min_months_insured"),
        "SR_LAYOFF_RATE": layoff_rate_exceeded(
            frame["layoffs"],
            base,
            value("small_headcount"),
            value("small_layoff_rate_max"),
            value("layoff_rate_max"),
        ),
    }
    settled = settle(
        frame.index, sheet.reasons, ineligible, size_mismatch=size_mismatch(frame, derived)
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
    )
    return ProgramDecisions(programme.code, decisions, reads)

"""社会保险费缓缴 — deferral of contributions with the late fee waived (SPEC §2.6).

An enterprise in hardship (not an organ or public institution) may defer the contributions of
the months it asks for, inside a term of `deferral_max_months` from its first deferred month that
ends no later than `deferral_latest_month`. Each month and insurance defers the payable left
after §2.5's relief; every deferred month falls due on the last day of the term, and the late fee
waived is deferred × `late_fee_daily_rate` (社会保险法 第86条) × days from the original due date
(the last day of the contribution month) to that day, each term half-up to the fen.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from policy import money
from policy.contributions import EXCLUDED_UNIT, INSURANCES, contributions, unit_class
from policy.decisions import ProgramDecisions, assemble
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from policy.size import derive_size, effective_size, size_mismatch, with_mismatch_messages
from validators.validate import ValidatedSheet

NAMES = {name: key for key, name in INSURANCES.items()}


def term_end(first_month: pd.Series, max_months: int, latest_month: dt.date) -> pd.Series:
    """Last month of the term: `max_months` from the first month, capped at the latest month."""
    natural = first_month + pd.DateOffset(months=max_months - 1)
    return natural.clip(upper=pd.Timestamp(latest_month))


def month_schedule(frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """One line per application row, deferred month and insurance asked for."""
    chosen = frame.loc[rows, ["first_month", "last_month", "insurances"]]
    spans = (
        (chosen["last_month"].dt.year - chosen["first_month"].dt.year) * 12
        + (chosen["last_month"].dt.month - chosen["first_month"].dt.month)
        + 1
    )
    lines = chosen.loc[chosen.index.repeat(spans.clip(lower=0))]
    step = lines.groupby(level=0).cumcount()
    months = [
        first + pd.DateOffset(months=int(k))
        for first, k in zip(lines["first_month"], step, strict=True)
    ]
    lines = lines.assign(
        month=pd.to_datetime(pd.Series(months, index=lines.index, dtype="datetime64[ns]")),
        insurance=lines["insurances"].str.split(","),
    )
    lines = lines.explode("insurance")
    lines["insurance"] = lines["insurance"].map(NAMES)
    return lines.drop(columns=["insurances"]).rename_axis("application").reset_index()


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    """Decide every 缓缴申请 row (SPEC §2.6 in `policy/sources/SPEC.md`).

    Documents: the deferral notices cited by `deferral_*` (term, earliest and latest month) and
    社会保险法 第86条 (late fee, waived). Governing date: the contribution months deferred; the
    policy year is the first deferred month's year. Reason codes: DF_NO_HARDSHIP,
    DF_EXCLUDED_UNIT, DF_PERIOD (clauses in `sources/reason_clauses.yaml`).
    """
    sheet = sheets["缓缴申请"]
    frame = sheet.frame
    value = reads.scoped(programme.namespace, as_of)
    derived = derive_size(frame, reads, as_of)
    classes = unit_class(frame["unit_type"], effective_size(frame, derived))
    ends = term_end(
        frame["first_month"], int(value("deferral_max_months")), value("deferral_latest_month")
    )
    period_ok = (
        (frame["first_month"] >= pd.Timestamp(value("deferral_earliest_month")))
        & (frame["last_month"] >= frame["first_month"])
        & (frame["last_month"] <= ends)
    ).fillna(False)
    ineligible = {
        "DF_NO_HARDSHIP": frame["hardship"].eq(False).fillna(False),
        "DF_EXCLUDED_UNIT": frame["unit_type"] == EXCLUDED_UNIT,
        "DF_PERIOD": ~period_ok & frame["first_month"].notna() & frame["last_month"].notna(),
    }
    candidates = sheet.valid & ~pd.DataFrame(ineligible).any(axis=1)
    schedule = month_schedule(frame, candidates)
    rows = frame.loc[schedule["application"]].reset_index(drop=True)
    amounts = contributions(
        rows, schedule["month"], classes.loc[schedule["application"]].reset_index(drop=True), reads
    )
    deferred = np.zeros(len(schedule), dtype=np.int64)
    for insurance in INSURANCES:
        mine = (schedule["insurance"] == insurance).to_numpy()
        deferred[mine] = amounts.payable(insurance)[mine]
    schedule["deferred"] = deferred
    schedule["original_due"] = schedule["month"] + pd.offsets.MonthEnd(0)
    term_ends = pd.to_datetime(ends.loc[schedule["application"]]).reset_index(drop=True)
    schedule["new_due"] = term_ends + pd.offsets.MonthEnd(0)
    schedule["days"] = (schedule["new_due"] - schedule["original_due"]).dt.days
    fee_n, fee_d = money.ratio(value("late_fee_daily_rate"))
    schedule["late_fee_waived"] = money.times_ratio(
        schedule["deferred"].to_numpy(np.int64), fee_n * schedule["days"].to_numpy(np.int64), fee_d
    )
    proposed = schedule.groupby("application")["deferred"].sum().reindex(frame.index, fill_value=0)
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
        # The policy year is the year of the first deferred month (SPEC §2 Claims).
        period=frame["first_month"].dt.year.astype("Int64").astype(str).replace("<NA>", ""),
        basis=reads.parameter(f"{programme.namespace}.deferral_max_months").reference,
    )
    return ProgramDecisions(
        programme.code, decisions, reads, register=schedule.set_index("application")
    )

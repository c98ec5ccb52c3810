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
from policy.qualify import Change, months, remedies
from policy.size import (
    derive_size,
    effective_size,
    size_change,
    size_mismatch,
    with_mismatch_messages,
)
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
    max_months = int(value("deferral_max_months"))
    earliest = pd.Timestamp(value("deferral_earliest_month"))
    latest = value("deferral_latest_month")
    ends = term_end(frame["first_month"], max_months, latest)

    def conditions(rows: pd.DataFrame) -> dict[str, pd.Series]:
        last_allowed = term_end(rows["first_month"], max_months, latest)
        period_ok = (
            (rows["first_month"] >= earliest)
            & (rows["last_month"] >= rows["first_month"])
            & (rows["last_month"] <= last_allowed)
        ).fillna(False)
        return {
            "DF_NO_HARDSHIP": rows["hardship"].eq(False).fillna(False),
            "DF_EXCLUDED_UNIT": rows["unit_type"] == EXCLUDED_UNIT,
            "DF_PERIOD": ~period_ok & rows["first_month"].notna() & rows["last_month"].notna(),
            "SIZE_MISMATCH": size_mismatch(rows, derived.reindex(rows.index)),
        }

    ineligible = conditions(frame)
    mismatch = ineligible.pop("SIZE_MISMATCH")
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
    settled = settle(frame.index, sheet.reasons, ineligible, size_mismatch=mismatch)
    found = remedies(
        frame,
        settled,
        sheet.valid,
        conditions,
        lambda rows: [
            *period_changes(rows, ends.loc[rows.index], earliest, pd.Timestamp(latest), max_months),
            size_change(rows, derived.loc[rows.index]),
        ],
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
        # The policy year is the year of the first deferred month (SPEC §2 Claims).
        period=frame["first_month"].dt.year.astype("Int64").astype(str).replace("<NA>", ""),
        basis=reads.parameter(f"{programme.namespace}.deferral_max_months").reference,
        remedy=found.text,
    )
    return ProgramDecisions(
        programme.code,
        decisions,
        reads,
        register=schedule.set_index("application"),
        changes=found.chosen,
    )


def period_changes(
    frame: pd.DataFrame,
    ends: pd.Series,
    earliest: pd.Timestamp,
    latest: pd.Timestamp,
    max_months: int,
) -> list[Change]:
    """A deferral period outside the term is met by ending it within the term that its first
    month starts, or by starting it where a term would reach its last month (SPEC §2 "what
    would make it eligible"); else the row is told the whole condition."""
    first, last = frame["first_month"], frame["last_month"]
    asked = "申请缓缴所属期 " + months(first) + " 至 " + months(last)
    end_to = last.clip(lower=first).clip(upper=ends)
    by_end = (first >= earliest) & (ends >= first)
    lowest = (last - pd.DateOffset(months=max_months - 1)).clip(lower=earliest)
    start_to = first.clip(lower=lowest).clip(upper=last)
    by_start = (lowest <= last) & (last <= latest)
    whole = (
        asked
        + f"：缓缴所属期须在 {earliest:%Y-%m} 至 {latest:%Y-%m} 之间，"
        + f"自首个所属期起最长 {max_months} 个月"
    )
    return [
        Change(
            "DF_PERIOD",
            "last_month",
            end_to.where(by_end),
            (
                asked
                + f" 超出缓缴期限（自首个所属期起最长 {max_months} 个月）：截止所属期在 "
                + months(first)
                + " 至 "
                + months(ends)
                + " 之间即符合"
            ).where(by_end, ""),
        ),
        Change(
            "DF_PERIOD",
            "first_month",
            start_to.where(by_start),
            (
                asked + "：首个所属期在 " + months(lowest) + " 至 " + months(last) + " 之间即符合"
            ).where(by_start, ""),
        ),
        Change("DF_PERIOD", "first_month", pd.Series(pd.NaT, index=frame.index), whole),
        Change(
            "DF_NO_HARDSHIP",
            "hardship",
            pd.Series(True, index=frame.index),
            "未声明受疫情影响生产经营困难：确受影响、生产经营困难的，如实声明即符合",
        ),
    ]

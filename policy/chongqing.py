"""鲁渝劳务协作 — Chongqing registered-poverty workers employed in Shandong (SPEC §2.4).

A worker registered in Chongqing (ID division code 50…) and on the poverty registry, stably
employed in the province for at least `min_months` whole months of `year`, gets a one-off
transport and living allowance plus a cross-province subsidy per month up to a cap (the cap is
a provisional parameter). Paid to the worker's own card; a card failing the Luhn check is held.
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
from policy.qualify import Change, days, remedies
from validators.checks import is_chongqing_id, luhn_valid
from validators.validate import ValidatedSheet


def whole_months(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole months in the inclusive span [start, end]: 05-10…08-09 is 3, …08-08 is 2."""
    after_end = end + pd.Timedelta(days=1)
    months = (after_end.dt.year - start.dt.year) * 12 + (after_end.dt.month - start.dt.month)
    months -= (after_end.dt.day < start.dt.day).astype("int64")
    return months.fillna(0).clip(lower=0).astype("int64")


def employed_months(start: pd.Series, end: pd.Series, as_of: dt.date, year: int) -> pd.Series:
    """Whole months employed within `year` up to `as_of` (SPEC §2.4: "months up to as_of");
    a blank end date means still employed on `as_of`, and an end date after it counts no
    month not yet worked (never paid on a guess)."""
    last = end.fillna(pd.Timestamp(as_of)).clip(upper=counted_until(as_of, year))
    first = start.clip(lower=pd.Timestamp(year, 1, 1))
    return whole_months(first, last)


def counted_until(as_of: dt.date, year: int) -> pd.Timestamp:
    """The last day a month of employment can count on: the year's end or `as_of`."""
    return min(pd.Timestamp(year, 12, 31), pd.Timestamp(as_of))


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    """Decide every 鲁渝劳务协作 row (SPEC §2.4 in `policy/sources/SPEC.md`).

    Documents: the 鲁渝扶贫协作 labour notices cited by the parameters (transport and living
    allowance, per-month cross-province subsidy; the cap is provisional). Governing date:
    parameters are read on `as_of`; months employed are counted inside the parameter `year`,
    a blank end date meaning still employed on `as_of`. Reason codes: CQ_NOT_CHONGQING,
    CQ_NOT_REGISTERED, CQ_TOO_SHORT, CARD_CHECKSUM (held).
    """
    poverty_registry = references["建档立卡名单"]
    sheet = sheets["鲁渝劳务协作"]
    frame = sheet.frame
    value = reads.scoped(programme.namespace, as_of)
    year = int(value("year"))
    months = employed_months(frame["start_date"], frame["end_date"], as_of, year)

    def conditions(rows: pd.DataFrame) -> dict[str, pd.Series]:
        counted = employed_months(rows["start_date"], rows["end_date"], as_of, year)
        return {
            "CQ_NOT_CHONGQING": ~is_chongqing_id(rows["id_number"]),
            "CQ_NOT_REGISTERED": ~rows["id_number"].isin(poverty_registry),
            "CQ_TOO_SHORT": counted < value("min_months"),
        }

    ineligible = conditions(frame)
    holds = {"CARD_CHECKSUM": ~luhn_valid(frame["card_number"])}
    settled = settle(frame.index, sheet.reasons, ineligible, holds)
    found = remedies(
        frame,
        settled,
        sheet.valid,
        conditions,
        lambda rows: months_change(
            rows, months.loc[rows.index], int(value("min_months")), year, as_of
        ),
    )
    per_month = money.yuan_to_fen(value("cross_province_per_month"))
    cross_province = np.minimum(
        months.to_numpy(np.int64) * per_month, money.yuan_to_fen(value("cross_province_cap"))
    )
    proposed = pd.Series(
        money.yuan_to_fen(value("transport_living")) + cross_province, index=frame.index
    )
    decisions = assemble(
        programme.code,
        sheet,
        settled,
        proposed,
        beneficiary_id=frame["id_number"],
        claim_key=frame["id_number"],
        period=str(year),
        basis=reads.parameter(f"{programme.namespace}.cross_province_per_month").reference,
        extra={
            "name": frame["person_name"],
            "bank_account": frame["card_number"],
            "credit_code": pd.Series("", index=frame.index),
        },
        remedy=found.text,
    )
    # The days the row counts (screening before payment: custody within them): employment
    # within the policy year, to the assessment date where it has not ended.
    start = pd.to_datetime(frame["start_date"]).clip(lower=pd.Timestamp(year, 1, 1))
    end = pd.to_datetime(frame["end_date"]).fillna(pd.Timestamp(as_of))
    worked = pd.DataFrame(
        {
            "start": start,
            "end": end.clip(upper=min(pd.Timestamp(year, 12, 31), pd.Timestamp(as_of))),
        }
    )
    return ProgramDecisions(programme.code, decisions, reads, worked=worked, changes=found.chosen)


def months_change(
    frame: pd.DataFrame, months: pd.Series, least: int, year: int, as_of: dt.date
) -> list[Change]:
    """Too few months is met by an end date that completes the minimum, where that day has
    come (else the row may succeed on a later run, SPEC §2.4); where the year has no room
    after the start, by a start early enough (SPEC §2 "what would make it eligible")."""
    bound = counted_until(as_of, year)
    year_end = pd.Timestamp(year, 12, 31)
    first = frame["start_date"].clip(lower=pd.Timestamp(year, 1, 1))
    until = first + pd.DateOffset(months=least) - pd.Timedelta(days=1)
    for _ in range(3):  # a month end shorter than the start's day: a day later until whole
        short = whole_months(first, until) < least
        until = until.where(~short, until + pd.Timedelta(days=1))
    last = frame["end_date"].fillna(pd.Timestamp(as_of)).clip(upper=bound)
    start_to = last + pd.Timedelta(days=1) - pd.DateOffset(months=least)
    for _ in range(3):
        short = whole_months(start_to, last) < least
        start_to = start_to.where(~short, start_to - pd.Timedelta(days=1))
    has = f"{year} 年内在鲁就业 " + months.astype(str) + f" 个月，不足 {least} 个月"
    later = until.between(bound + pd.Timedelta(days=1), year_end)
    by_start = (until > year_end) & (start_to >= pd.Timestamp(year, 1, 1))
    return [
        Change(
            "CQ_TOO_SHORT",
            "end_date",
            until.where(until <= bound),
            (has + "：在鲁就业至 " + days(until) + f"（满 {least} 个月）即符合")
            .where(~later, has + "：在鲁就业至 " + days(until) + f" 满 {least} 个月后可再次申请")
            .where(until <= year_end, has + f"，本年度内已不能满 {least} 个月"),
        ),
        Change(
            "CQ_TOO_SHORT",
            "start_date",
            start_to.where(by_start),
            has + "：就业开始日期不晚于 " + days(start_to) + " 即符合",
        ),
    ]

"""春节期间防疫物资生产企业一次性用工补贴 — Spring-Festival production subsidy (SPEC §2.2).

Key epidemic-prevention-supplies enterprises get `per_person_day` for every day a worker worked
inside the Spring-Festival production window, capped per enterprise. A worker claimed by two
enterprises on overlapping dates is held for a reviewer: one person cannot work two shifts on one
day. The window's first day is a provisional parameter.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from policy import money
from policy.decisions import ProgramDecisions, assemble
from policy.new_hire import window_year
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from policy.qualify import Change, numbers, remedies, span_text
from policy.roster import attach_enterprise
from validators.validate import ValidatedSheet


def window_overlap_days(start: pd.Series, end: pd.Series, window: dict) -> pd.Series:
    """Inclusive days of [start, end] inside the window (0 when they do not meet)."""
    first = start.clip(lower=pd.Timestamp(window["start"]))
    last = end.clip(upper=pd.Timestamp(window["end"]))
    days = (last - first).dt.days + 1
    return days.fillna(0).clip(lower=0).astype("int64")


def overlapping_claims(frame: pd.DataFrame, candidates: pd.Series) -> pd.Series:
    """Rows whose worker is claimed by another enterprise on overlapping dates."""
    rows = frame.loc[candidates, ["id_number", "credit_code", "start_date", "end_date"]]
    pairs = rows.reset_index().merge(rows.reset_index(), on="id_number", suffixes=("", "_other"))
    clash = (
        (pairs["credit_code"] != pairs["credit_code_other"])
        & (pairs["start_date"] <= pairs["end_date_other"])
        & (pairs["start_date_other"] <= pairs["end_date"])
    )
    flagged = pd.Series(False, index=frame.index)
    flagged[pairs.loc[clash, "index"].unique()] = True
    return flagged


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    """Decide every 用工明细 row with its 企业信息 row (SPEC §2.2 in `policy/sources/SPEC.md`).

    Documents: the Spring-Festival production subsidy notices cited by the parameters
    (`per_person_day`, `window`, `per_enterprise_cap`; the window's first day is provisional).
    Governing date: parameters are read on `as_of`; the policy year is the year the window
    starts. Reason codes: SFP_NOT_KEY_ENTERPRISE, SFP_DAYS_EXCEED_WINDOW, SFP_OVERLAP
    (clauses in `sources/reason_clauses.yaml`).
    """
    key_enterprises = references["重点企业名单"]
    sheet = attach_enterprise(sheets["用工明细"], sheets["企业信息"])
    frame = sheet.frame
    value = reads.scoped(programme.namespace, as_of)
    window = value("window")
    days = frame["days"].fillna(0).astype("int64")

    def conditions(rows: pd.DataFrame) -> dict[str, pd.Series]:
        overlap = window_overlap_days(rows["start_date"], rows["end_date"], window)
        return {
            "SFP_NOT_KEY_ENTERPRISE": ~rows["credit_code"].isin(key_enterprises),
            "SFP_DAYS_EXCEED_WINDOW": rows["days"].fillna(0).astype("int64") > overlap,
        }

    ineligible = conditions(frame)
    eligible = sheet.valid & ~pd.DataFrame(ineligible).any(axis=1)
    holds = {"SFP_OVERLAP": overlapping_claims(frame, eligible)}
    settled = settle(frame.index, sheet.reasons, ineligible, holds)
    found = remedies(
        frame, settled, sheet.valid, conditions, lambda rows: [days_change(rows, window)]
    )
    per_day = money.yuan_to_fen(value("per_person_day"))
    proposed = pd.Series(days.to_numpy(np.int64) * per_day, index=frame.index)
    decisions = assemble(
        programme.code,
        sheet,
        settled,
        proposed,
        beneficiary_id=frame["credit_code"],
        claim_key=frame["credit_code"].fillna("") + ":" + frame["id_number"].fillna(""),
        period=str(window_year(window)),
        basis=reads.parameter(f"{programme.namespace}.per_person_day").reference,
        remedy=found.text,
    )
    cap = money.yuan_to_fen(value("per_enterprise_cap"))
    worked = frame[["start_date", "end_date"]].rename(
        columns={"start_date": "start", "end_date": "end"}
    )
    return ProgramDecisions(
        programme.code, decisions, reads, enterprise_cap=cap, worked=worked, changes=found.chosen
    )


def days_change(frame: pd.DataFrame, window: dict) -> Change:
    """Days claimed beyond the window are met by claiming the days inside it; a stay that
    does not meet the window has none to claim (SPEC §2 "what would make it eligible")."""
    overlap = window_overlap_days(frame["start_date"], frame["end_date"], window)
    span = f"春节生产期间（{span_text(window)}）"
    said = (
        "出勤 "
        + numbers(frame["days"])
        + " 天，超过到岗期间与"
        + span
        + "重叠的 "
        + overlap.astype(str)
        + " 天：出勤天数不超过 "
        + overlap.astype(str)
        + " 天即符合"
    )
    return Change(
        "SFP_DAYS_EXCEED_WINDOW",
        "days",
        overlap.where(overlap > 0),
        said.where(overlap > 0, "到岗期间与" + span + "没有重叠"),
    )

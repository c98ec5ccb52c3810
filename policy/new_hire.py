"""一次性吸纳就业补贴 — the one-off new-hire subsidy (SPEC §2.3).

Enterprises that resumed work inside the window get `per_person` for each worker hired inside
the window (not before resuming), with a signed contract and social insurance. A person is
subsidised once across all enterprises and batches: among otherwise eligible claims the earliest
hire date wins, then the earlier batch, then the lower credit code.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from policy import money
from policy.decisions import ProgramDecisions, assemble
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from policy.qualify import Change, days, remedies, span_text
from policy.roster import attach_enterprise
from validators.validate import ValidatedSheet


def window_year(window: dict) -> int:
    """The policy year of a windowed programme: the year its window starts (SPEC §2 Claims)."""
    return pd.Timestamp(window["start"]).year


def inside(dates: pd.Series, window: dict) -> pd.Series:
    """Dates within the inclusive window; a missing date is not inside."""
    return dates.between(pd.Timestamp(window["start"]), pd.Timestamp(window["end"])).fillna(False)


def later_claims(frame: pd.DataFrame, candidates: pd.Series) -> pd.Series:
    """Among candidate rows, each person's claims after the winning one (earliest hire date)."""
    rows = frame.loc[candidates].sort_values(["hire_date", "credit_code", "file", "row"])
    losers = rows.duplicated("id_number", keep="first")
    return losers.reindex(frame.index, fill_value=False)


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    """Decide every 新招用人员 row with its 企业信息 row (SPEC §2.3 in `policy/sources/SPEC.md`).

    Documents: 《关于积极应对新冠肺炎疫情做好稳就业工作的若干措施》 (window 2月10日至3月10日,
    1000 元 per person), as cited by the parameters. Governing date: parameters are read on
    `as_of`; the policy year is the year the window starts. Reason codes: NH_RESUME_DATE,
    NH_HIRE_DATE, NH_NO_CONTRACT, NH_NOT_INSURED, DUPLICATE_CLAIM.
    """
    sheet = attach_enterprise(sheets["新招用人员"], sheets["企业信息"], extra=("resume_date",))
    frame = sheet.frame
    value = reads.scoped(programme.namespace, as_of)
    window = value("window")

    def conditions(rows: pd.DataFrame) -> dict[str, pd.Series]:
        return {
            "NH_RESUME_DATE": ~inside(rows["resume_date"], window),
            "NH_HIRE_DATE": ~inside(rows["hire_date"], window)
            | (rows["hire_date"] < rows["resume_date"]).fillna(False),
            "NH_NO_CONTRACT": rows["contract_signed"].eq(False).fillna(False),
            "NH_NOT_INSURED": rows["insured"].eq(False).fillna(False),
        }

    ineligible = conditions(frame)
    eligible = sheet.valid & ~pd.DataFrame(ineligible).any(axis=1)
    ineligible["DUPLICATE_CLAIM"] = later_claims(frame, eligible)
    settled = settle(frame.index, sheet.reasons, ineligible)

    def decided_again(rows: pd.DataFrame) -> dict[str, pd.Series]:
        """The conditions, and whether another eligible claim on the person hired earlier."""
        again = conditions(rows)
        meets = ~pd.DataFrame(again).any(axis=1)
        others = frame[eligible & ~frame.index.isin(rows.index)]
        pool = pd.concat([others, rows[meets]])
        again["DUPLICATE_CLAIM"] = later_claims(pool, pd.Series(True, index=pool.index))
        return again

    found = remedies(frame, settled, sheet.valid, decided_again, lambda rows: changes(rows, window))
    proposed = pd.Series(money.yuan_to_fen(value("per_person")), index=frame.index)
    decisions = assemble(
        programme.code,
        sheet,
        settled,
        proposed,
        beneficiary_id=frame["credit_code"],
        claim_key=frame["id_number"],
        period=str(window_year(value("window"))),
        basis=reads.parameter(f"{programme.namespace}.per_person").reference,
        remedy=found.text,
    )
    return ProgramDecisions(programme.code, decisions, reads, changes=found.chosen)


def changes(frame: pd.DataFrame, window: dict) -> list[Change]:
    """What meets each condition a 新招用人员 row can change (SPEC §2 "what would make it
    eligible"): a date moved to the nearest day inside the window (a hire no earlier than the
    resumption), a labour contract signed, social insurance enrolled."""
    first, last = pd.Timestamp(window["start"]), pd.Timestamp(window["end"])
    resume, hire = frame["resume_date"], frame["hire_date"]
    latest_resume = hire.clip(upper=last).fillna(last)
    resume_to = resume.fillna(first).clip(lower=first).clip(upper=latest_resume)
    earliest_hire = resume.clip(lower=first).fillna(first)
    hire_to = hire.fillna(earliest_hire).clip(lower=earliest_hire).clip(upper=last)
    span = span_text(window)
    yes = pd.Series(True, index=frame.index)
    return [
        Change(
            "NH_RESUME_DATE",
            "resume_date",
            resume_to.where(latest_resume >= first),
            (
                "复工复产日期 "
                + days(resume)
                + f" 不在 {span} 之间：复工复产日期在 {first:%Y-%m-%d} 至 "
                + days(latest_resume)
                + " 之间即符合"
            ).where(latest_resume >= first, f"复工复产日期在 {span} 之间且不晚于入职日期"),
            sheet="企业信息",
        ),
        Change(
            "NH_HIRE_DATE",
            "hire_date",
            hire_to.where(earliest_hire <= last),
            (
                "入职日期 "
                + days(hire)
                + " 不在复工复产后的政策期间内：入职日期在 "
                + days(earliest_hire)
                + f" 至 {last:%Y-%m-%d} 之间即符合"
            ).where(
                earliest_hire <= last,
                f"入职日期在 {span} 之间且不早于复工复产日期",
            ),
        ),
        Change("NH_NO_CONTRACT", "contract_signed", yes, "未签订劳动合同：签订劳动合同即符合"),
        Change("NH_NOT_INSURED", "insured", yes, "未参加社会保险：为其参加社会保险即符合"),
    ]

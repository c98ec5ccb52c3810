"""社会保险费阶段性减免 — stage-wise relief of employer contributions (SPEC §2.5).

One row per enterprise and contribution month. The register lists due, relief and payable per
insurance; a month outside every window is approved with 0 relief; government organs and public
institutions are approved with 0 and the informational code `CR_EXCLUDED_UNIT`. A declared size
contradicting the derived one is held. Relief is a register entry, not a cash payment.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from policy.contributions import (
    EXCLUDED_UNIT,
    INSURANCES,
    contributions,
    first_covered_month,
    unit_class,
)
from policy.decisions import ProgramDecisions, assemble
from policy.outcomes import settle
from policy.parameters import ParameterReads
from policy.programme import Programme, References
from policy.qualify import Change, remedies
from policy.size import (
    derive_size,
    effective_size,
    size_change,
    size_mismatch,
    with_mismatch_messages,
)
from validators.shared import rendered_once
from validators.validate import ValidatedSheet


def decide(
    programme: Programme,
    sheets: dict[str, ValidatedSheet],
    reads: ParameterReads,
    as_of: dt.date,
    references: References,
) -> ProgramDecisions:
    """Decide every 缴费申报 row (SPEC §2.5 in `policy/sources/SPEC.md`).

    Documents: 人社部发〔2020〕11号 and 〔2020〕49号 (pension, unemployment and injury relief),
    医保发〔2020〕6号 (medical, provisional), 国办发〔2019〕13号 (rates), per parameter.
    Governing date: each row's contribution month (所属期), not `as_of`; its year is the
    policy year. Reason codes: SIZE_MISMATCH (held), CR_EXCLUDED_UNIT (a note), INVALID_VALUE
    for a month before the parameters begin.
    """
    sheet = sheets["缴费申报"]
    frame = sheet.frame
    derived = derive_size(frame, reads, as_of)
    classes = unit_class(frame["unit_type"], effective_size(frame, derived))
    months = frame["month"].fillna(pd.Timestamp(as_of))
    # A month before the parameters begin is the applicant's error: that row is rejected
    # (and priced at as_of only so the arithmetic runs), never the whole batch.
    first = first_covered_month(reads)
    uncovered = months < first
    amounts = contributions(frame, months.where(~uncovered, pd.Timestamp(as_of)), classes, reads)
    proposed = pd.Series(amounts.total_relief(), index=frame.index)
    settled = settle(
        frame.index,
        sheet.reasons,
        {"INVALID_VALUE": uncovered},
        size_mismatch=size_mismatch(frame, derived),
        notes={"CR_EXCLUDED_UNIT": frame["unit_type"] == EXCLUDED_UNIT},
    )
    found = remedies(
        frame,
        settled,
        sheet.valid,
        lambda rows: {"SIZE_MISMATCH": size_mismatch(rows, derived.reindex(rows.index))},
        lambda rows: [
            size_change(rows, derived.loc[rows.index]),
            month_change(months.loc[rows.index], first),
        ],
        holds=frozenset({"SIZE_MISMATCH"}),
    )
    # One text per distinct month (a province's million rows have eleven months).
    month_text = rendered_once(months, lambda distinct: distinct.strftime("%Y-%m"))
    decisions = assemble(
        programme.code,
        sheet,
        settled,
        proposed,
        details=with_mismatch_messages(sheet.messages, frame, derived).where(
            ~uncovered, f"所属期早于政策参数的生效日期（最早 {first:%Y-%m}）"
        ),
        beneficiary_id=frame["credit_code"],
        claim_key=frame["credit_code"].fillna("") + ":" + month_text,
        # The policy year is the contribution month's (SPEC §2 Claims); the key names the month.
        period=rendered_once(months.dt.year, lambda distinct: distinct.astype(str)),
        basis=reads.parameter(
            f"{programme.namespace}.relief_share_pension_unemployment_injury"
        ).reference,
        remedy=found.text,
    )
    register = pd.DataFrame({"month": month_text}, index=frame.index)
    for insurance in INSURANCES:
        register[f"{insurance}_due"] = amounts.due[insurance]
        register[f"{insurance}_relief"] = amounts.relief[insurance]
        register[f"{insurance}_payable"] = amounts.payable(insurance)
    return ProgramDecisions(
        programme.code, decisions, reads, register=register, changes=found.chosen
    )


def month_change(months: pd.Series, first: pd.Timestamp) -> Change:
    """A month before the relief began is relieved by no change of the row: said, not offered."""
    return Change(
        "INVALID_VALUE",
        "month",
        pd.Series(pd.NaT, index=months.index),
        "所属期 " + months.dt.strftime("%Y-%m") + f" 早于政策执行的首个所属期 {first:%Y-%m}",
    )

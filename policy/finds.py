"""Policy finds people (免申即享, SPEC §7): the job-stabilisation refund rule run over the
social-insurance contribution records, proposing the enterprises that qualify without applying.

Each validated record row becomes a refund application row — layoffs = max(0, start-of-year −
end-of-year insured staff), the start-of-year figure kept as the base of the rate (see
`policy.stabilization`) — and `stabilization.decide` decides it: one rule, not a copy. An
enterprise whose claim for the policy year is already taken (it applied and was approved or
paid) is `DUPLICATE_CLAIM`, exactly as a second application would be, and so is a repeat of an
enterprise across record files. Every record row ends in exactly one decision, with its file,
sheet and row; the approved ones are the proposal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from policy.catalogue import REFUND
from policy.claims import claimable, mark_duplicate_claims, within_batch_duplicates
from policy.decisions import ProgramDecisions
from policy.outcomes import APPROVED
from policy.parameters import PolicySet
from validators.checks import SHANDONG_CITIES
from validators.sheets import RECORDS_SHEET, REFUND_SHEET, SIZE_COLUMNS
from validators.validate import ValidatedSheet, combine, validate_sheet

PROPOSED_COLUMNS = ["credit_code", "name", "city", "amount"]
# Lists go city by city in the order of the administrative division codes (济南 3701 first).
CITY_ORDER = {city: position for position, city in enumerate(SHANDONG_CITIES)}


@dataclass(frozen=True)
class Finding:
    """Every record row decided, and the same rows as typed application rows (same index)."""

    result: ProgramDecisions
    applications: pd.DataFrame

    @property
    def decisions(self) -> pd.DataFrame:
        return self.result.decisions

    def _proposed_index(self) -> pd.Index:
        """Approved rows with something to refund, by city, then credit code. A zero refund is
        not proposed, as the bank file carries no zero payment."""
        decisions = self.decisions
        chosen = decisions[(decisions["outcome"] == APPROVED) & (decisions["amount"] > 0)]
        order = chosen.assign(_city=chosen["city"].map(CITY_ORDER))
        return order.sort_values(["_city", "credit_code"], kind="stable").index

    def proposed(self) -> pd.DataFrame:
        """The proposed list: credit code, name, city and amount (integer fen)."""
        chosen = self.decisions.loc[self._proposed_index(), PROPOSED_COLUMNS]
        return chosen.astype({"amount": "int64"}).reset_index(drop=True)

    def proposed_applications(self) -> pd.DataFrame:
        """The proposed enterprises' application rows, under the schema's attribute names, in
        the order of `proposed` (no size columns: the records carry no size figures)."""
        attributes = [a for a, _, _, _ in REFUND_SHEET.columns() if a not in SIZE_COLUMNS]
        rows = self.applications.loc[self._proposed_index()]
        return rows.reindex(columns=attributes).reset_index(drop=True)


def refund_period(policy: PolicySet, as_of: dt.date) -> str:
    """The policy year whose claims the registry holds (the claims' `period`)."""
    return str(policy.value(f"{REFUND.namespace}.year", as_of))


def as_applications(records: ValidatedSheet) -> ValidatedSheet:
    """Record rows as refund application rows: layoffs derived from the two headcounts. The
    sheet keeps its own name, so every decision names the records sheet it came from."""
    frame = records.frame
    layoffs = (frame["start_headcount"] - frame["insured_headcount"]).clip(lower=0)
    return replace(records, frame=frame.assign(layoffs=layoffs))


def find_eligible(
    records: list[tuple[str, ValidatedSheet]],
    policy: PolicySet,
    as_of: dt.date,
    dishonest: frozenset[str],
    claimed: frozenset[str],
) -> Finding:
    """Decide every record row of every file (given as (file name, validated sheet)) by the
    refund rule; `claimed` are the credit codes whose claim for the year is already taken."""
    parts = records or [("", _no_records())]
    sheet = as_applications(combine(RECORDS_SHEET.name, parts))
    result = REFUND.decide({REFUND_SHEET.name: sheet}, policy, as_of, {"严重失信名单": dishonest})
    decisions = mark_duplicate_claims(result.decisions, within_batch_duplicates(result.decisions))
    taken = claimable(decisions) & decisions["claim_key"].isin(claimed)
    decisions = mark_duplicate_claims(decisions, taken)
    return Finding(replace(result, decisions=decisions), sheet.frame)


def _no_records() -> ValidatedSheet:
    """An empty records sheet, typed like a read one (no usable file still decides nothing)."""
    headers = [header for _, header, _, _ in RECORDS_SHEET.columns()]
    return validate_sheet(pd.DataFrame(columns=[*headers, "row"], dtype=object), RECORDS_SHEET)

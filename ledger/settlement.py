"""Settle a batch: apply reviewers' decisions, take claims in the registry, build payments.

Input is every programme's decisions; output is the final decisions, the payments for the bank
file, each programme's amount, and the relief and deferral registers of the approved rows.
Without a registry (a dry run) claims are checked against nothing and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ledger.payments import (
    DECREASE_COLUMNS,
    PAYMENT_COLUMNS,
    build_payments,
    claimed_elsewhere,
    pay_differences,
)
from ledger.registry import BatchRecord, Registry
from policy.claims import claimable, mark_duplicate_claims, within_batch_duplicates
from policy.decisions import DECISION_COLUMNS, ProgramDecisions
from policy.outcomes import APPROVED, HELD, REJECTED
from policy.programs import CASH_PROGRAMS

REVIEW_APPROVE, REVIEW_REJECT = "通过", "驳回"
NO_CITY = "（未填地市）"
ReviewKey = tuple[str, str, str, int]


@dataclass(frozen=True)
class Review:
    verdict: str
    comment: str = ""


@dataclass(frozen=True)
class BatchIdentity:
    batch_id: str
    lineage: str
    as_of: dt.date
    policy_version: str


def batch_identity(
    inputs: list[tuple[str, str]],
    references: dict[str, str],
    policy_version: str,
    as_of: dt.date,
    reviews: dict[ReviewKey, Review],
    lineage: str | None = None,
) -> BatchIdentity:
    """The batch id and lineage that make reruns repeatable (SPEC §6).

    The lineage names the applications: inputs, reference lists and `as_of`. A review round
    keeps the lineage of the batch it reviews, and a rerun under new parameters (补发) shares
    it, so earlier payments are recognised as the applications' own and only differences are
    paid. The batch id adds the parameters' version and the reviewers' verdicts.
    """
    lineage = lineage or digest([sorted(inputs), sorted(references.items()), as_of.isoformat()])
    verdicts = sorted((list(k), v.verdict, v.comment) for k, v in reviews.items())
    batch_id = digest([lineage, policy_version, verdicts])
    return BatchIdentity(batch_id, lineage, as_of, policy_version)


def digest(parts: list[object]) -> str:
    """16 hex digits naming a result from everything that decides it (JSON, sorted by the caller)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SettledBatch:
    """The batch settled: decisions, this batch's payments (the bank file), the amount each
    programme's applications are owed in all (and per beneficiary, `owed`: what the bank file
    pays plus what earlier batches of the same applications paid), registers, and decreases
    left for review."""

    decisions: pd.DataFrame
    payments: pd.DataFrame
    amounts: dict[str, int]
    registers: dict[str, pd.DataFrame] = field(default_factory=dict)
    owed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAYMENT_COLUMNS))
    decreases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECREASE_COLUMNS))


def apply_reviews(decisions: pd.DataFrame, reviews: dict[ReviewKey, Review]) -> pd.DataFrame:
    """Held rows marked 通过 are approved at their proposed amount; 驳回 → `REVIEW_REJECTED`."""
    if not reviews:
        return decisions
    result = decisions.copy()
    keys = list(zip(result["program"], result["file"], result["sheet"], result["row"], strict=True))
    verdicts = pd.Series([reviews.get(k) for k in keys], index=result.index)
    held = result["outcome"] == HELD
    approve = held & verdicts.map(lambda r: r is not None and r.verdict == REVIEW_APPROVE)
    reject = held & verdicts.map(lambda r: r is not None and r.verdict == REVIEW_REJECT)
    comments = verdicts.map(lambda r: f"（复核意见：{r.comment}）" if r and r.comment else "")
    result.loc[approve, "outcome"] = APPROVED
    result.loc[approve, "amount"] = result.loc[approve, "proposed"]
    result.loc[approve, "message"] = "复核通过" + comments[approve]
    result.loc[reject, "outcome"] = REJECTED
    result.loc[reject, "reason_codes"] = result.loc[reject, "reason_codes"] + ";REVIEW_REJECTED"
    result.loc[reject, "message"] = "复核未通过" + comments[reject]
    result.loc[reject, ["amount", "proposed"]] = 0
    return result


def settle_batch(
    results: list[ProgramDecisions],
    identity: BatchIdentity,
    registry: Registry | None,
    reviews: dict[ReviewKey, Review] | None = None,
    before_commit: Callable[[SettledBatch], str] | None = None,
) -> SettledBatch:
    """Settle the batch; `before_commit` stages its outputs and returns the manifest's sha256,
    which the registry records in the same transaction as the claims and payments."""
    if not results:
        settled = SettledBatch(
            pd.DataFrame(columns=DECISION_COLUMNS), pd.DataFrame(columns=PAYMENT_COLUMNS), {}
        )
        if before_commit is not None:
            before_commit(settled)
        return settled
    decisions = pd.concat({r.program: r.decisions for r in results})
    decisions = apply_reviews(decisions, reviews or {})
    decisions = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    caps = {r.program: r.enterprise_cap for r in results if r.enterprise_cap is not None}
    if registry is None:
        payments = build_payments(decisions, CASH_PROGRAMS, caps, identity.batch_id)
        settled = _settled(results, decisions, payments, payments)
        if before_commit is not None:
            before_commit(settled)
        return settled
    candidates = decisions[claimable(decisions)]
    candidates = candidates.assign(approved=candidates["outcome"] == APPROVED)
    record = BatchRecord(
        identity.batch_id, identity.lineage, identity.as_of, identity.policy_version
    )
    with registry.claiming(record, candidates) as claims:
        held = claims.held_elsewhere()
        decisions = mark_duplicate_claims(
            decisions, claimed_elsewhere(decisions, held, identity.lineage)
        )
        # A concurrent run may have taken a claim between the look-up and the insert.
        held = claims.take()
        decisions = mark_duplicate_claims(
            decisions, claimed_elsewhere(decisions, held, identity.lineage)
        )
        all_paid = build_payments(decisions, CASH_PROGRAMS, caps, identity.batch_id)
        payments, decreases = pay_differences(all_paid, claims.paid_in_lineage())
        claims.pay(payments)
        settled = _settled(results, decisions, payments, all_paid, _named(decreases, decisions))
        if before_commit is not None:
            claims.seal(before_commit(settled))
    return settled


def _named(decreases: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Fill the name and city of a beneficiary no longer owed anything from its decisions."""
    if decreases.empty:
        return decreases
    known = decisions.groupby("beneficiary_id")[["name", "city"]].first()
    names = decreases["beneficiary_id"].map(known["name"]).fillna("")
    cities = decreases["beneficiary_id"].map(known["city"]).fillna("")
    return decreases.assign(
        beneficiary_name=decreases["beneficiary_name"].fillna(names),
        city=decreases["city"].fillna(cities),
    )


def _settled(
    results: list[ProgramDecisions],
    decisions: pd.DataFrame,
    payments: pd.DataFrame,
    all_paid: pd.DataFrame,
    decreases: pd.DataFrame | None = None,
) -> SettledBatch:
    """The settled batch: each programme's amount, and the registers of the approved rows."""
    amounts = all_paid.groupby("program")["amount"].sum().astype("int64").to_dict()
    approved = decisions["outcome"] == APPROVED
    registers = {}
    for result in results:
        if result.program in CASH_PROGRAMS:
            continue
        mine = approved.xs(result.program)
        register = result.register[result.register.index.isin(mine[mine].index)]
        registers[result.program] = register.join(
            decisions.xs(result.program)[["file", "row", "credit_code", "name", "city"]]
        )
        amounts[result.program] = int(decisions.loc[result.program, "amount"].sum())
    if decreases is None:
        decreases = pd.DataFrame(columns=DECREASE_COLUMNS)
    return SettledBatch(
        decisions.reset_index(drop=True), payments, amounts, registers, all_paid, decreases
    )


def city_amounts(settled: SettledBatch) -> dict[tuple[str, str], int]:
    """Amount per (city, programme): what the applications are owed for cash (capped, earlier
    batches' payments included, like the programme totals), decisions for the registers."""
    frames = [settled.owed[["city", "program", "amount"]]]
    if len(settled.decisions):
        registers = settled.decisions[~settled.decisions["program"].isin(CASH_PROGRAMS)]
        frames.append(registers[["city", "program", "amount"]])
    combined = pd.concat(frames)
    if combined.empty:
        return {}
    combined = combined.assign(city=combined["city"].fillna("").replace("", NO_CITY))
    sums = combined.groupby(["city", "program"])["amount"].sum()
    return {(str(c), str(p)): int(v) for (c, p), v in sums.items()}

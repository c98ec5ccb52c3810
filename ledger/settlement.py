"""Settle a batch: claims across files and batches, review rounds, grants, holds and payments.

Input is every programme's decisions; output is the decisions after the batch's latest review
round, that round's payments (the bank file), each programme's amount, and the relief and
deferral registers of the approved rows. Without a registry (a dry run) claims are checked
against nothing and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pandas as pd

from ledger.payments import DECREASE_COLUMNS, PAYMENT_COLUMNS, build_payments, pay_differences
from ledger.rounds import (
    CONFLICT_COLUMNS,
    ROW,
    cap_used,
    decide_rounds,
    edited_amounts,
    paid_before,
    sort_verdicts,
)
from policy.catalogue import CASH, WORKER_CLAIMS
from policy.claim_rounds import (
    Before,
    against_earlier,
    apply_verdicts,
    has_key,
    track,
)
from policy.claims import KEY, mark_duplicate_claims, within_batch_duplicates
from policy.decisions import DECISION_COLUMNS, ProgramDecisions
from policy.outcomes import APPROVED
from policy.qualify import how_to_qualify
from policy.screening import Screening, held_for_risks, risk_flags
from registry.claims import Claims
from registry.database import BatchRecord, Registry
from validators.checks import SHANDONG_CITIES

NO_CITY = "（地市未填或无效）"


def city_or_none(cities: pd.Series) -> pd.Series:
    """Each row's city as a city list shows it: one of the 16 (SPEC §4), else `NO_CITY` (a
    blank, or a name that is no city today, such as 莱芜, merged into 济南 in 2019)."""
    text = cities.fillna("").astype(str)
    return text.where(text.isin(SHANDONG_CITIES), NO_CITY)


ReviewKey = tuple[str, str, str, int]


@dataclass(frozen=True)
class Review:
    verdict: str
    comment: str = ""


@dataclass(frozen=True)
class ReviewInput:
    """A reviewed ledger's verdicts, keyed by (programme, file, sheet, row), and who gave them."""

    verdicts: dict[ReviewKey, Review]
    reviewer: str = ""
    recorded_by: str = ""
    shown_amounts: dict[ReviewKey, Decimal] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what reading the ledger set aside


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
    lineage: str | None = None,
    screening: dict[str, str] | None = None,
) -> BatchIdentity:
    """The batch id and lineage that make reruns repeatable (SPEC §6).

    The lineage names the applications: inputs, reference lists and `as_of`; a rerun under new
    parameters (补发) shares it, so earlier payments are recognised as the applications' own
    and only differences are paid. The batch id adds the parameters' version and what the rows
    were screened with (SPEC §2). Verdicts are not
    part of either: review rounds are numbered inside the batch.
    """
    lineage = lineage or digest([sorted(inputs), sorted(references.items()), as_of.isoformat()])
    # What the rows were screened with (the lists' workbooks, the partner key's fingerprint)
    # names a top-up too, whose lineage is its original's: other lists, another batch.
    named = [lineage, policy_version, *([sorted(screening.items())] if screening else [])]
    return BatchIdentity(digest(named), lineage, as_of, policy_version)


def digest(parts: list[object]) -> str:
    """16 hex digits naming a result from everything that decides it (JSON, sorted by the caller)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SettledBatch:
    """The batch settled after its latest review round: decisions, the round's payments (the
    bank file), the amount each programme's applications are owed in all (and per
    beneficiary, `owed`: what the bank file pays plus what earlier rounds and batches of the
    same applications paid), registers, decreases left for review, and the round's review
    conflicts and notes."""

    decisions: pd.DataFrame
    payments: pd.DataFrame
    amounts: dict[str, int]
    registers: dict[str, pd.DataFrame] = field(default_factory=dict)
    owed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAYMENT_COLUMNS))
    decreases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECREASE_COLUMNS))
    round: int = 0
    new_round: bool = True
    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONFLICT_COLUMNS))
    review_notes: list[str] = field(default_factory=list)
    # The screening checks that could not run, and why (SPEC §2: REFERENCE_MISSING).
    screening_missing: dict[str, str] = field(default_factory=dict)


def combined(results: list[ProgramDecisions]) -> pd.DataFrame:
    """Every programme's decisions in one flat frame, with each row's days worked where known."""
    frames = []
    for result in results:
        frame = result.decisions.assign(start=pd.NaT, end=pd.NaT, source=result.decisions.index)
        if result.worked is not None:
            frame["start"] = pd.to_datetime(result.worked["start"])
            frame["end"] = pd.to_datetime(result.worked["end"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def verdict_frame(review: ReviewInput | None) -> pd.DataFrame:
    rows = [
        (program, file, sheet, int(row), r.verdict, r.comment)
        for (program, file, sheet, row), r in (review.verdicts if review else {}).items()
    ]
    return pd.DataFrame(rows, columns=[*ROW, "verdict", "comment"])


@dataclass(frozen=True)
class Prepared:
    """A batch's decisions before the registry: every programme's rows in one frame, repeated
    claims inside the batch marked, and each programme's per-enterprise cap."""

    results: list[ProgramDecisions]
    decisions: pd.DataFrame
    caps: dict[str, int]

    @property
    def empty(self) -> bool:
        return not self.results

    @property
    def candidates(self) -> pd.DataFrame:
        """The rows that would take a claim, as the registry stages them."""
        decisions = self.decisions
        staged = ["program", "period", "claim_key", "beneficiary_id", "id_number", "proposed"]
        return decisions.loc[decisions["claim_key"] != "", [*staged, "start", "end"]].assign(
            person_id=lambda d: d["id_number"].where(d["program"].isin(WORKER_CLAIMS), "")
        )


def screened(prepared: Prepared, screening: Screening | None) -> Prepared:
    """Each otherwise eligible row screened before payment (SPEC §2: risk holds); the claims
    the batch takes are the same (a held row holds its claim)."""
    if screening is None or prepared.empty:
        return prepared
    decisions = prepared.decisions
    return replace(prepared, decisions=held_for_risks(decisions, risk_flags(decisions, screening)))


def prepare(results: list[ProgramDecisions]) -> Prepared:
    """The batch's rows in one frame and repeats inside it marked."""
    if not results:
        return Prepared([], pd.DataFrame(columns=DECISION_COLUMNS), {})
    decisions = combined(results)
    decisions = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    caps = {r.program: r.enterprise_cap for r in results if r.enterprise_cap is not None}
    return Prepared(results, decisions, caps)


def record_of(identity: BatchIdentity) -> BatchRecord:
    return BatchRecord(identity.batch_id, identity.lineage, identity.as_of, identity.policy_version)


def settle_batch(
    results: list[ProgramDecisions],
    identity: BatchIdentity,
    registry: Registry | None,
    review: ReviewInput | None = None,
) -> SettledBatch:
    """Settle the batch's latest round and commit it (a dry run without a registry)."""
    prepared = prepare(results)
    if registry is None or prepared.empty:
        return settle_alone(prepared, identity, review)
    with registry.claiming(record_of(identity), prepared.candidates) as claims:
        return settle_claims(prepared, identity, claims, review)


def settle_claims(
    prepared: Prepared,
    identity: BatchIdentity,
    claims: Claims,
    review: ReviewInput | None = None,
) -> SettledBatch:
    """Settle the batch's latest round inside the registry transaction `claims`: what earlier
    batches and rounds recorded, this round's new verdicts, grants, holds and payments. The
    caller stages the outputs and seals the round with their manifest before the commit.

    Without new verdicts the latest recorded round is repeated (same files, nothing new
    recorded); new verdicts for rows still held make a new round.
    """
    decisions = prepared.decisions
    recorded = claims.recorded()
    existing = claims.rounds()
    rounds = existing or [(0, claims.new_round(0))]
    verdicts = claims.verdicts()
    latest = decide_rounds(
        decisions, recorded, rounds, verdicts, identity.lineage, identity.batch_id
    )
    sorted_ = sort_verdicts(verdict_frame(review), verdicts, latest)
    edits = edited_amounts(latest, review.shown_amounts if review else {})
    new_round = not existing or not sorted_.new.empty
    if not sorted_.new.empty:
        number = rounds[-1][0] + 1
        rounds.append((number, claims.new_round(number)))
        fresh = sorted_.new.assign(
            round=number,
            reviewer=(review.reviewer if review else "") or "未署名",
        )
        claims.record_verdicts(fresh, (review.recorded_by if review else "") or "未知")
        fresh = fresh.assign(batch_id=identity.batch_id, seq=rounds[-1][1])
        verdicts = pd.concat([verdicts, fresh[verdicts.columns]], ignore_index=True)
        latest = decide_rounds(
            decisions, recorded, rounds, verdicts, identity.lineage, identity.batch_id
        )
    number, seq = rounds[-1]
    taken = claims.grant(_grants(latest))
    if not taken.empty:  # another run granted a claim first: settled one at a time, so
        latest = mark_duplicate_claims(  # this is a safety net, never the rule
            latest, (latest["outcome"] == APPROVED) & has_key(latest, taken)
        )
    claims.hold(_holds(latest))
    claims.end_holds(_ended(latest))
    used = cap_used(recorded, seq, identity.lineage)
    all_paid = build_payments(latest, CASH, prepared.caps, identity.batch_id, used, number)
    granted = paid_before(
        recorded, seq, identity.lineage, claims.states_before(seq), identity.batch_id
    )
    payments, decreases = pay_differences(all_paid, granted)
    claims.pay(payments, number, seq)
    return replace(
        _settled(prepared.results, latest, payments, all_paid, _named(decreases, latest)),
        round=number,
        new_round=new_round,
        conflicts=sorted_.conflicts,
        review_notes=[*(review.problems if review else []), *sorted_.unknown, *edits],
    )


def settle_alone(
    prepared: Prepared, identity: BatchIdentity, review: ReviewInput | None = None
) -> SettledBatch:
    """A dry run: no registry, so nothing before this batch; the ledger's verdicts as round 1."""
    if prepared.empty:
        return SettledBatch(
            pd.DataFrame(columns=DECISION_COLUMNS), pd.DataFrame(columns=PAYMENT_COLUMNS), {}
        )
    latest = against_earlier(track(prepared.decisions, 1), Before(), 1)
    sorted_ = sort_verdicts(verdict_frame(review), verdict_frame(None), latest)
    edits = edited_amounts(latest, review.shown_amounts if review else {})
    number = 0
    if not sorted_.new.empty:
        number = 1
        latest = apply_verdicts(latest, sorted_.new, Before(), 2)
    payments = build_payments(latest, CASH, prepared.caps, identity.batch_id, None, number)
    return replace(
        _settled(prepared.results, latest, payments, payments),
        round=number,
        conflicts=sorted_.conflicts,
        review_notes=[*(review.problems if review else []), *sorted_.unknown, *edits],
    )


def _claim_facts(rows: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "program": rows["program"],
        "period": rows["period"],
        "claim_key": rows["claim_key"],
        "person_id": rows["id_number"].where(rows["program"].isin(WORKER_CLAIMS), "").fillna(""),
        "start": rows["start"],
        "end": rows["end"],
    }


def _grants(decisions: pd.DataFrame) -> pd.DataFrame:
    granted = (decisions["outcome"] == APPROVED) & (decisions["claim_key"] != "")
    rows = decisions.loc[granted, [*KEY, "granted_seq"]]  # not every column of a million rows
    return pd.DataFrame({k: rows[k] for k in KEY} | {"seq": rows["granted_seq"]})


def _holds(decisions: pd.DataFrame) -> pd.DataFrame:
    rows = decisions[(decisions["held_seq"] > 0) & (decisions["claim_key"] != "")]
    return pd.DataFrame({**_claim_facts(rows), "held_seq": rows["held_seq"]})


def _ended(decisions: pd.DataFrame) -> pd.DataFrame:
    rows = decisions[(decisions["decided_seq"] > 0) & (decisions["claim_key"] != "")]
    return pd.DataFrame(
        {
            **{k: rows[k] for k in KEY},
            "seq": rows["decided_seq"],
            "verdict": rows["verdict"],
            "comment": rows["comment"],
        }
    )


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
    registers = {}
    for result in results:
        if result.program in CASH:
            continue
        used = ["source", "outcome", "amount", "file", "row", "credit_code", "name", "city"]
        mine = decisions.loc[decisions["program"] == result.program, used].set_index("source")
        approved = mine.index[mine["outcome"] == APPROVED]
        register = result.register[result.register.index.isin(approved)]
        registers[result.program] = register.join(
            mine[["file", "row", "credit_code", "name", "city"]]
        )
        amounts[result.program] = int(mine["amount"].sum())
    if decreases is None:
        decreases = pd.DataFrame(columns=DECREASE_COLUMNS)
    explained = decisions.reset_index(drop=True)
    explained["how_to_qualify"] = how_to_qualify(explained)
    return SettledBatch(explained, payments, amounts, registers, all_paid, decreases)


def city_amounts(settled: SettledBatch) -> dict[tuple[str, str], int]:
    """Amount per (city, programme): what the applications are owed for cash (capped, earlier
    batches' payments included, like the programme totals), decisions for the registers."""
    frames = [settled.owed[["city", "program", "amount"]]]
    if len(settled.decisions):
        decisions = settled.decisions
        # The three columns first: a filter of the whole frame copies its thirty columns.
        registers = decisions[["city", "program", "amount"]]
        frames.append(registers[~decisions["program"].isin(CASH)])
    combined = pd.concat(frames)
    if combined.empty:
        return {}
    combined = combined.assign(city=city_or_none(combined["city"]))
    sums = combined.groupby(["city", "program"])["amount"].sum()
    return {(str(c), str(p)): int(v) for (c, p), v in sums.items()}

"""A batch's claims against what other applications recorded before it, and its review rounds.

Pure frame operations (SPEC §2 Claims, §6). `Before` is what other applications (other
lineages) had recorded before a round: granted claims, held claims, claims a reviewer rejected,
other enterprises' spring-festival workers, and what each beneficiary was already paid. A round
never sees anything recorded after it, so a rerun decides exactly as before.

- A key granted before → `DUPLICATE_CLAIM` (before eligibility: `policy.claims`).
- A key held elsewhere → held `CLAIM_PENDING`; one a reviewer rejected → held
  `REVIEW_RESUBMITTED`, its message quoting the earlier comment; a worker claimed by another
  enterprise on overlapping days → held `SFP_OVERLAP`. Each is added to a row held for another
  reason, and holds an otherwise eligible one.
- A round's verdicts: 通过 grants the claim unless another application was granted it first
  (then `DUPLICATE_CLAIM`), 驳回 rejects it `REVIEW_REJECTED`; rows without a verdict stay held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from policy.catalogue import WORKER_CLAIMS
from policy.claims import KEY, keyed, mark_duplicate_claims, with_code, without_code
from policy.outcomes import APPROVED, HELD, REASONS, REJECTED

REVIEW_APPROVE, REVIEW_REJECT = "通过", "驳回"
EARLIER_REJECTION = "此前复核驳回："
# Columns the fold keeps per row: when it was granted or held, and the verdict that decided it.
TRACK = {"granted_seq": 0, "held_seq": 0, "decided_seq": 0, "verdict": "", "comment": ""}


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass(frozen=True)
class Before:
    """What other applications had recorded before one round (see the module docstring)."""

    granted: pd.DataFrame = field(default_factory=lambda: _empty(*KEY))
    held: pd.DataFrame = field(default_factory=lambda: _empty(*KEY))
    rejected: pd.DataFrame = field(default_factory=lambda: _empty(*KEY, "comment"))
    workers: pd.DataFrame = field(
        default_factory=lambda: _empty("person_id", "enterprise", "start", "end")
    )


def has_key(decisions: pd.DataFrame, keys: pd.DataFrame) -> pd.Series:
    """Rows whose claim (programme, period, key) is among `keys`."""
    if keys.empty:
        return pd.Series(False, index=decisions.index)
    index = pd.MultiIndex.from_frame(keys[KEY].astype(str))
    mine = pd.MultiIndex.from_frame(decisions[KEY].astype(str))
    return pd.Series(mine.isin(index), index=decisions.index)


def track(decisions: pd.DataFrame, seq: int) -> pd.DataFrame:
    """Start the fold: approved rows granted and held rows held at round 0's `seq`."""
    result = decisions.assign(**TRACK)
    result.loc[result["outcome"] == APPROVED, "granted_seq"] = seq
    result.loc[result["outcome"] == HELD, "held_seq"] = seq
    return result


def against_earlier(decisions: pd.DataFrame, before: Before, seq: int) -> pd.DataFrame:
    """Round 0: the batch's rows against what other applications recorded before it."""
    result = mark_duplicate_claims(decisions, keyed(decisions) & has_key(decisions, before.granted))
    open_rows = result["outcome"].isin([APPROVED, HELD]) & (result["claim_key"] != "")
    pending = open_rows & has_key(result, before.held)
    result = _hold(result, pending, "CLAIM_PENDING", seq)
    rejected = before.rejected.drop_duplicates(KEY, keep="last")
    resubmitted = open_rows & has_key(result, rejected)
    if resubmitted.any():
        comments = result.loc[resubmitted, KEY].merge(rejected, on=KEY, how="left")["comment"]
        notes = pd.Series(
            [f"{EARLIER_REJECTION}{c or '（无复核意见）'}" for c in comments.fillna("")],
            index=result.index[resubmitted],
        )
        result = _hold(result, resubmitted, "REVIEW_RESUBMITTED", seq, notes)
    return _hold(result, open_rows & _overlapping(result, before.workers), "SFP_OVERLAP", seq)


def _overlapping(decisions: pd.DataFrame, workers: pd.DataFrame) -> pd.Series:
    """Spring-festival rows whose worker another enterprise claimed on overlapping days."""
    flagged = pd.Series(False, index=decisions.index)
    mine = decisions[(decisions["program"].isin(WORKER_CLAIMS)) & decisions["start"].notna()]
    if mine.empty or workers.empty:
        return flagged
    pairs = (
        mine[["id_number", "credit_code", "start", "end"]]
        .reset_index()
        .merge(workers, left_on="id_number", right_on="person_id", suffixes=("", "_other"))
    )
    clash = (
        (pairs["credit_code"] != pairs["enterprise"])
        & (pairs["start"] <= pairs["end_other"])
        & (pairs["start_other"] <= pairs["end"])
    )
    flagged[pairs.loc[clash, "index"].unique()] = True
    return flagged


def _hold(
    decisions: pd.DataFrame,
    rows: pd.Series,
    code: str,
    seq: int,
    notes: pd.Series | None = None,
) -> pd.DataFrame:
    """Hold these rows (approved or held) for `code`, adding it to their reasons."""
    if not rows.any():
        return decisions
    result = decisions.copy()
    newly = rows & (result["outcome"] == APPROVED)
    result.loc[newly, "message"] = ""
    result.loc[newly, "outcome"] = HELD
    result.loc[newly, "amount"] = 0
    result.loc[newly, "granted_seq"] = 0
    result.loc[newly, "held_seq"] = seq
    result.loc[rows, "reason_codes"] = with_code(result.loc[rows, "reason_codes"], code)
    text = notes if notes is not None else pd.Series(REASONS[code], index=result.index[rows])
    message = result.loc[rows, "message"].astype(str)
    result.loc[rows, "message"] = message.where(message == "", message + "；") + text
    return result


def apply_verdicts(
    decisions: pd.DataFrame, verdicts: pd.DataFrame, before: Before, seq: int
) -> pd.DataFrame:
    """A review round: each held row's verdict (program, file, sheet, row, verdict, comment)."""
    if verdicts.empty:
        return decisions
    keys = ["program", "file", "sheet", "row"]
    given = decisions[keys].merge(
        verdicts.assign(row=verdicts["row"].astype("int64")), on=keys, how="left", sort=False
    )
    given.index = decisions.index
    held = decisions["outcome"] == HELD
    approve = held & (given["verdict"] == REVIEW_APPROVE)
    reject = held & (given["verdict"] == REVIEW_REJECT)
    comment = given["comment"].fillna("").astype(str)
    said = comment.map(lambda c: f"（复核意见：{c}）" if c else "")
    result = decisions.copy()
    decided = approve | reject
    result.loc[decided, "decided_seq"] = seq
    result.loc[decided, "verdict"] = given.loc[decided, "verdict"]
    result.loc[decided, "comment"] = comment[decided]
    taken = approve & has_key(result, before.granted)
    granted = approve & ~taken
    result.loc[granted, "outcome"] = APPROVED
    result.loc[granted, "amount"] = result.loc[granted, "proposed"]
    result.loc[granted, "message"] = "复核通过" + said[granted]
    result.loc[granted, "granted_seq"] = seq
    result.loc[reject, "outcome"] = REJECTED
    result.loc[reject, "reason_codes"] = with_code(
        result.loc[reject, "reason_codes"], "REVIEW_REJECTED"
    )
    result.loc[reject, "message"] = "复核未通过" + said[reject]
    result.loc[reject, ["amount", "proposed"]] = 0
    return mark_duplicate_claims(result, taken)


def refresh_pending(decisions: pd.DataFrame, before: Before) -> pd.DataFrame:
    """A held `CLAIM_PENDING` row loses that reason once no other claim holds its key; it
    stays held until its own verdict (SPEC §6)."""
    pending = (decisions["outcome"] == HELD) & decisions["reason_codes"].str.contains(
        "CLAIM_PENDING", regex=False
    )
    released = pending & ~has_key(decisions, before.held)
    if not released.any():
        return decisions
    result = decisions.copy()
    result.loc[released, "reason_codes"] = without_code(
        result.loc[released, "reason_codes"], "CLAIM_PENDING"
    )
    result.loc[released, "message"] = (
        result.loc[released, "message"]
        .astype(str)
        .str.replace(
            REASONS["CLAIM_PENDING"], "其他批次中的同一申请已复核完毕，请复核本行", regex=False
        )
    )
    return result

"""A batch's review rounds (SPEC §6): what each round saw, its decisions, and new verdicts sorted.

A batch's decisions after round R are its rule decisions against what other applications
recorded before round 0, then each round's verdicts in turn, each round seeing only what was
recorded before it (`seq`). The verdicts of every round stay in force; a later ledger that
contradicts one, or gives two verdicts for one row, is a conflict: reported and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from policy.catalogue import WORKER_CLAIMS
from policy.claim_rounds import (
    REVIEW_APPROVE,
    Before,
    against_earlier,
    apply_verdicts,
    refresh_pending,
    track,
)
from policy.claims import KEY
from policy.money import fen_text
from policy.outcomes import HELD
from registry.claims import Recorded

ROW = ["program", "file", "sheet", "row"]
CONFLICT_COLUMNS = [*ROW, "in_force", "ignored", "reason"]


def before(recorded: Recorded, seq: int, lineage: str) -> Before:
    """What other applications had recorded before the round numbered `seq`."""
    granted = recorded.granted[
        (recorded.granted["lineage"] != lineage) & (recorded.granted["seq"] < seq)
    ]
    holds = recorded.holds[recorded.holds["lineage"] != lineage]
    decided = holds["decided_seq"].notna() & (holds["decided_seq"].fillna(0) < seq)
    active = (holds["held_seq"] < seq) & ~decided
    rejected = holds[decided & (holds["verdict"] == "驳回")]
    workers = pd.concat(
        [
            granted.loc[
                granted["program"].isin(WORKER_CLAIMS), ["claim_key", "person_id", "start", "end"]
            ],
            holds.loc[
                active & (holds["program"].isin(WORKER_CLAIMS)),
                ["claim_key", "person_id", "start", "end"],
            ],
        ]
    )
    workers = workers.assign(enterprise=workers["claim_key"].str.split(":").str[0])
    return Before(
        granted=granted[KEY],
        held=holds.loc[active, KEY],
        rejected=rejected.sort_values("decided_seq")[[*KEY, "comment"]],
        workers=workers[["person_id", "enterprise", "start", "end"]],
    )


def cap_used(recorded: Recorded, seq: int, lineage: str) -> pd.DataFrame:
    """Paid to each beneficiary by other applications before the round (a cap's used part)."""
    paid = recorded.paid[(recorded.paid["lineage"] != lineage) & (recorded.paid["seq"] < seq)]
    return paid.groupby(["program", "period", "beneficiary_id"], as_index=False)["amount"].sum()


NOT_GRANTED = ("failed", "sent_back")  # a failed payment not re-issued; a round sent back


def paid_before(
    recorded: Recorded,
    seq: int,
    lineage: str,
    states: dict[str, str] | None = None,
    batch_id: str | None = None,
) -> pd.DataFrame:
    """What the same applications were granted before the round (earlier rounds, earlier
    parameters), as `states` (payment id → state when the round was recorded) saw it (SPEC §8
    Top-ups): a failed payment not re-issued (or whose re-issue failed, not re-issued in turn)
    of an earlier batch and a payment sent back count for nothing; a re-issued one counts once,
    its `payment_id` the latest payment of it that was not failed (the re-issue), with that
    payment's `seq`. A failed payment of this very batch (`batch_id`, an earlier review round)
    still counts: it is paid again only through re-issue, to a corrected account where the
    bank's reason is about the account (SPEC §8 Re-issue), never by the next review round."""
    states = states or {}
    paid = recorded.paid[recorded.paid["seq"] < seq]
    own = paid[(paid["lineage"] == lineage) & (paid["kind"] != "reissue")]
    reissues = paid[paid["kind"] == "reissue"]
    by_original = {  # the re-issue that was released for each original (none held or sent back)
        str(original): (str(payment), int(seq_))
        for original, payment, seq_ in zip(
            reissues["original_payment_id"], reissues["payment_id"], reissues["seq"], strict=True
        )
        if states.get(str(payment), "prepared") not in ("prepared", "held", "sent_back")
    }
    rows = []
    for row in own.itertuples():
        latest, latest_seq = str(row.payment_id), int(row.seq)
        while states.get(latest) == "reissued" and latest in by_original:
            latest, latest_seq = by_original[latest]
        if states.get(str(row.payment_id)) == "sent_back":
            continue
        if states.get(latest) in NOT_GRANTED and row.batch_id != batch_id:
            continue
        rows.append(
            (
                row.program,
                row.period,
                row.beneficiary_id,
                latest,
                int(row.amount),
                row.kind,
                latest_seq,
            )
        )
    columns = ["program", "period", "beneficiary_id", "payment_id", "amount", "kind", "seq"]
    return pd.DataFrame(rows, columns=columns)


def decide_rounds(
    decisions: pd.DataFrame,
    recorded: Recorded,
    rounds: list[tuple[int, int]],
    verdicts: pd.DataFrame,
    lineage: str,
    batch_id: str,
) -> pd.DataFrame:
    """The batch's decisions after the last of `rounds` ((round, seq), round 0 first).

    `verdicts` are the lineage's: this batch's by round, and those an earlier batch of the same
    applications recorded before this one (a top-up), which are in force from round 0."""
    _, first_seq = rounds[0]
    seen = before(recorded, first_seq, lineage)
    result = against_earlier(track(decisions, first_seq), seen, first_seq)
    own = verdicts["batch_id"] == batch_id
    inherited = verdicts[~own & (verdicts["seq"] < first_seq)].sort_values("seq")
    if len(inherited):
        latest = inherited.drop_duplicates(ROW, keep="last")[[*ROW, "verdict", "comment"]]
        result = apply_verdicts(result, _not_over_risks(latest, decisions), seen, first_seq)
    for number, seq in rounds[1:]:
        seen = before(recorded, seq, lineage)
        mine = verdicts[own & (verdicts["round"] == number)]
        result = refresh_pending(
            apply_verdicts(result, mine[[*ROW, "verdict", "comment"]], seen, seq), seen
        )
    return result


@dataclass(frozen=True)
class SortedVerdicts:
    """A reviewed ledger's verdicts against those in force: the new ones, and what was ignored."""

    new: pd.DataFrame
    conflicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONFLICT_COLUMNS))
    unknown: list[str] = field(default_factory=list)


def sort_verdicts(
    incoming: pd.DataFrame, recorded: pd.DataFrame, decisions: pd.DataFrame
) -> SortedVerdicts:
    """Split a ledger's verdicts (ROW + verdict, comment) into new ones for rows still held,
    conflicts (a different verdict than the one in force, or two verdicts for one row), and
    rows the batch does not hold (reported, ignored). A repeated verdict is no news."""
    columns = [*ROW, "verdict", "comment"]
    if incoming.empty:
        return SortedVerdicts(pd.DataFrame(columns=columns))
    incoming = incoming.assign(row=incoming["row"].astype("int64"))
    twice = incoming.groupby(ROW)["verdict"].transform("nunique") > 1
    conflicts = [
        incoming[twice]
        .drop_duplicates(ROW)
        .assign(in_force="", ignored="通过/驳回", reason="同一台账对同一行给出两个结论")
    ]
    single = incoming[~twice].drop_duplicates(ROW)
    known = recorded.assign(row=recorded["row"].astype("int64"))[[*ROW, "verdict"]]
    merged = single.merge(known, on=ROW, how="left", suffixes=("", "_in_force"))
    contradicting = merged["verdict_in_force"].notna() & (
        merged["verdict_in_force"] != merged["verdict"]
    )
    contradicted = merged[contradicting]
    conflicts.append(
        contradicted.assign(
            in_force=contradicted["verdict_in_force"],
            ignored=contradicted["verdict"],
            reason="与此前轮次已采用的复核结论不一致",
        )
    )
    fresh = merged[merged["verdict_in_force"].isna()][columns]
    held = decisions.loc[decisions["outcome"] == HELD, ROW].assign(_held=True)
    located = fresh.merge(held, on=ROW, how="left")
    unknown = located[located["_held"].isna()]
    notes = [
        f"{r.file} {r.sheet} 第{r.row}行：该行不在本批次待复核中，复核结论“{r.verdict}”未采用"
        for r in unknown.itertuples()
    ]
    new = located[located["_held"].notna()][columns].reset_index(drop=True)
    parts = [c[CONFLICT_COLUMNS] for c in conflicts if len(c)]
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CONFLICT_COLUMNS)
    return SortedVerdicts(new, found, notes)


def edited_amounts(
    decisions: pd.DataFrame, shown: dict[tuple[str, str, str, int], Decimal]
) -> list[str]:
    """Held rows whose 拟支付金额 a reviewer changed on the ledger: ignored, and reported."""
    if not shown:
        return []
    held = decisions[decisions["outcome"] == HELD]
    notes = []
    for program, file, sheet, row, proposed in zip(
        held["program"], held["file"], held["sheet"], held["row"], held["proposed"], strict=True
    ):
        amount = shown.get((program, file, sheet, int(row)))
        if amount is not None and int(amount * 100) != int(proposed):
            notes.append(
                f"{file} {sheet} 第{int(row)}行：台账中的拟支付金额被改为 {amount} 元，已忽略，"
                f"仍按核定的 {fen_text(int(proposed))} 元"
            )
    return notes


def _not_over_risks(verdicts: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """An earlier batch's 通过 does not release a row this batch holds for a risk (SPEC §2
    screening before payment): the reviewer of that batch did not see this evidence, so the
    row waits for this batch's own verdict. A 驳回 still stands."""
    if "risks" not in decisions or verdicts.empty:
        return verdicts
    risky = decisions.loc[decisions["risks"].fillna("") != "", ROW]
    if risky.empty:
        return verdicts
    flagged = verdicts.merge(risky.drop_duplicates(), on=ROW, how="left", indicator=True)
    keep = ~((flagged["_merge"] == "both") & (flagged["verdict"] == REVIEW_APPROVE)).to_numpy()
    return verdicts[keep]

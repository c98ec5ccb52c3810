"""Claims across batches and review rounds on a real registry (SQLite and PostgreSQL).

What one batch decides depends only on what the registry recorded before it (SPEC §2): the
spring-festival cap across batches and rounds, a claim held in one batch and sent again in
another (`CLAIM_PENDING`, first approval wins), a 驳回 claim sent again (`REVIEW_RESUBMITTED`),
and reruns that reproduce their recorded decisions whatever was recorded later.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ledger.settlement import BatchIdentity, Review, ReviewInput, SettledBatch, settle_batch
from registry.database import Registry
from tests.pipeline import POLICY
from tests.registry.test_registry import registry_url  # noqa: F401  (the SQLite/PostgreSQL fixture)
from tests.test_claims_property import REFUND, SPRING, decisions_of

AS_OF = dt.date(2020, 12, 31)
CAP = 50_000_000  # 500,000 yuan in fen


def settle(
    url: str, batch: str, rows: list[dict], verdicts: dict | None = None, lineage: str = ""
) -> SettledBatch:
    results = decisions_of(rows, [row.get("file", "a.xlsx") for row in rows])
    results = [
        r.__class__(
            r.program,
            _held(r.decisions, rows),
            r.reads,
            r.register,
            CAP if r.program == SPRING else None,
        )
        for r in results
    ]
    registry = Registry(url)
    try:
        identity = BatchIdentity(batch, lineage or f"lineage-{batch}", AS_OF, POLICY.version)
        review = ReviewInput(verdicts) if verdicts else None
        return settle_batch(results, identity, registry, review)
    finally:
        registry.dispose()


def _held(decisions: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """Rows given `held` (a hold reason) are held for review, at their proposed amount."""
    mine = decisions.copy()
    for position, row in enumerate(r for r in rows if r["program"] == mine["program"].iloc[0]):
        if row.get("held"):
            mine.loc[position, ["outcome", "reason_codes", "amount"]] = ["held", row["held"], 0]
    return mine


def spring(enterprise: str, worker: str, fen: int, **extra) -> dict:
    return {
        "program": SPRING,
        "credit_code": enterprise,
        "key": f"{enterprise}:{worker}",
        "amount": fen,
    } | extra


def refund(enterprise: str, fen: int = 100_000, **extra) -> dict:
    return {"program": REFUND, "credit_code": enterprise, "key": enterprise, "amount": fen} | extra


def paid(settled: SettledBatch) -> dict[str, int]:
    return dict(zip(settled.payments["beneficiary_id"], settled.payments["amount"], strict=True))


def decision(settled: SettledBatch, key: str) -> tuple[str, str]:
    row = settled.decisions[settled.decisions["claim_key"] == key].iloc[0]
    return row["outcome"], row["reason_codes"]


def test_spring_festival_cap__across_batches(registry_url: str) -> None:  # noqa: F811
    # 496,400 yuan in batch A, then 6,800 more claimed in batch B: only 3,600 is left.
    first = settle(registry_url, "A", [spring("E1", f"W{i}", 4_964_000) for i in range(10)])
    assert paid(first) == {"E1": 49_640_000}
    second = settle(registry_url, "B", [spring("E1", "X1", 340_000), spring("E1", "X2", 340_000)])
    assert paid(second) == {"E1": 360_000}
    third = settle(registry_url, "C", [spring("E1", "Y1", 340_000), spring("E2", "Y1", 340_000)])
    assert paid(third) == {"E2": 340_000}  # E1 already has the whole cap: nothing more
    # A rerun of B reproduces B, though C was recorded after it.
    again = settle(registry_url, "B", [spring("E1", "X1", 340_000), spring("E1", "X2", 340_000)])
    assert paid(again) == paid(second)


def test_spring_festival_cap__across_review_rounds(registry_url: str) -> None:  # noqa: F811
    rows = [spring("E1", "W1", 49_000_000), spring("E1", "W2", 2_000_000, held="SFP_OVERLAP")]
    first = settle(registry_url, "A", rows)
    assert paid(first) == {"E1": 49_000_000}
    other = settle(registry_url, "B", [spring("E1", "Z", 600_000)])
    assert paid(other) == {"E1": 600_000}
    key = (SPRING, "a.xlsx", "用工明细", 3)
    reviewed = settle(registry_url, "A", rows, {key: Review("通过", "考勤核实")})
    assert reviewed.round == 1
    assert paid(reviewed) == {"E1": 400_000}  # 500,000 − 490,000 − 6,000 yuan


def test_claim_pending__first_approval_wins_and_the_other_becomes_a_duplicate(
    registry_url: str,  # noqa: F811
) -> None:
    held_key = (REFUND, "a.xlsx", "稳岗返还", 2)
    a = settle(registry_url, "A", [refund("E1", held="SIZE_MISMATCH")])
    assert decision(a, "E1") == ("held", "SIZE_MISMATCH")
    b = settle(registry_url, "B", [refund("E1")])
    assert decision(b, "E1") == ("held", "CLAIM_PENDING")
    assert paid(b) == {}
    b1 = settle(registry_url, "B", [refund("E1")], {held_key: Review("通过", "")})
    assert decision(b1, "E1") == ("approved", "CLAIM_PENDING")
    assert paid(b1) == {"E1": 100_000}
    # A rerun of A with nothing new repeats A as recorded: B's later grant is not seen.
    assert decision(settle(registry_url, "A", [refund("E1", held="SIZE_MISMATCH")]), "E1") == (
        "held",
        "SIZE_MISMATCH",
    )
    a1 = settle(
        registry_url, "A", [refund("E1", held="SIZE_MISMATCH")], {held_key: Review("通过", "")}
    )
    assert decision(a1, "E1") == ("rejected", "DUPLICATE_CLAIM")
    assert paid(a1) == {}
    # B again with nothing new repeats its latest round: still granted, nothing paid again.
    repeat = settle(registry_url, "B", [refund("E1")])
    assert decision(repeat, "E1")[0] == "approved"
    assert repeat.payments.equals(b1.payments)


def test_review_resubmitted__a_rejected_claim_sent_again_is_held_with_the_comment(
    registry_url: str,  # noqa: F811
) -> None:
    held_key = (REFUND, "a.xlsx", "稳岗返还", 2)
    settle(registry_url, "A", [refund("E1", held="SIZE_MISMATCH")])
    settle(
        registry_url,
        "A",
        [refund("E1", held="SIZE_MISMATCH")],
        {held_key: Review("驳回", "规模申报不实")},
    )
    again = settle(registry_url, "B", [refund("E1"), refund("E2")])
    assert decision(again, "E1") == ("held", "REVIEW_RESUBMITTED")
    message = again.decisions.set_index("claim_key").loc["E1", "message"]
    assert "此前复核驳回：规模申报不实" in message
    assert decision(again, "E2") == ("approved", "")  # never reviewed: decided as usual


def test_review_rounds__verdicts_stay_in_force_and_a_contradiction_is_ignored(
    registry_url: str,  # noqa: F811
) -> None:
    rows = [refund("E1", held="SIZE_MISMATCH"), refund("E2", held="SIZE_MISMATCH")]
    first, second = (REFUND, "a.xlsx", "稳岗返还", 2), (REFUND, "a.xlsx", "稳岗返还", 3)
    settle(registry_url, "A", rows)
    one = settle(registry_url, "A", rows, {first: Review("驳回", "不实")})
    assert decision(one, "E1")[0] == "rejected" and decision(one, "E2")[0] == "held"
    # Round 2's ledger lists only E2, yet E1's 驳回 stays in force; a 通过 for E1 is a conflict.
    two = settle(registry_url, "A", rows, {second: Review("通过", ""), first: Review("通过", "")})
    assert two.round == 2
    assert decision(two, "E1") == ("rejected", "SIZE_MISMATCH;REVIEW_REJECTED")
    assert decision(two, "E2") == ("approved", "SIZE_MISMATCH")
    assert two.conflicts[["row", "in_force", "ignored"]].values.tolist() == [[2, "驳回", "通过"]]
    assert paid(two) == {"E2": 100_000}
    # Nothing new: the latest round again, paying nothing new.
    repeat = settle(registry_url, "A", rows, {second: Review("通过", "")})
    assert repeat.round == 2 and not repeat.new_round
    assert repeat.payments.equals(two.payments)


def test_topup__keeps_the_verdicts_of_the_batch_it_tops_up(registry_url: str) -> None:  # noqa: F811
    rows = [
        refund("E1", 100_000, held="SIZE_MISMATCH"),
        refund("E2", 100_000, held="SIZE_MISMATCH"),
    ]
    first, second = (REFUND, "a.xlsx", "稳岗返还", 2), (REFUND, "a.xlsx", "稳岗返还", 3)
    settle(registry_url, "A", rows)
    reviewed = settle(
        registry_url, "A", rows, {first: Review("通过", ""), second: Review("驳回", "不实")}
    )
    assert paid(reviewed) == {"E1": 100_000}
    # New parameters double every amount: the top-up pays E1 the difference, E2 stays rejected.
    doubled = [
        refund("E1", 200_000, held="SIZE_MISMATCH"),
        refund("E2", 200_000, held="SIZE_MISMATCH"),
    ]
    topup = settle(registry_url, "A-new-parameters", doubled, lineage="lineage-A")
    assert decision(topup, "E1")[0] == "approved"
    assert decision(topup, "E2") == ("rejected", "SIZE_MISMATCH;REVIEW_REJECTED")
    assert paid(topup) == {"E1": 100_000}
    assert topup.payments["kind"].tolist() == ["topup"]

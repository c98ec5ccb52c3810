"""Claims across files, batches and review rounds (SPEC §2 Claims, §6), on small frames.

Each rule on both sides: what makes it apply and what leaves a row alone.
"""

from __future__ import annotations

import pandas as pd

from ledger.rounds import sort_verdicts
from policy.claim_rounds import Before, against_earlier, apply_verdicts, refresh_pending, track
from policy.claims import canonical_position, mark_duplicate_claims, within_batch_duplicates
from policy.outcomes import settle
from policy.spring_festival import overlapping_claims

REFUND = "stabilization_refund"
SPRING = "spring_festival_production"


def row(file: str, key: str, outcome: str = "approved", codes: str = "", **extra) -> dict:
    values = {
        "program": REFUND,
        "file": file,
        "sheet": "稳岗返还",
        "row": 4,
        "credit_code": key,
        "id_number": "",
        "period": "2020",
        "claim_key": key,
        "beneficiary_id": key,
        "outcome": outcome,
        "reason_codes": codes,
        "message": "",
        "proposed": 0 if outcome == "rejected" else 1000,
        "amount": 1000 if outcome == "approved" else 0,
        "start": pd.NaT,
        "end": pd.NaT,
    }
    return values | extra


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def keys(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(p, "2020", k) for p, k in pairs], columns=["program", "period", "claim_key"]
    )


def outcomes(decisions: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(decisions["outcome"], decisions["reason_codes"], strict=True))


# --- inside one batch: the canonical order -------------------------------------------------


def test_canonical_order__file_name_code_points_not_the_folder_or_the_city_order() -> None:
    decisions = frame(
        row("青岛市/稳岗.xlsx", "K"), row("济南市稳岗.xlsx", "K"), row("a/淄博市稳岗.xlsx", "K")
    )
    # 济 (U+6D4E) < 淄 (U+6DC4) < 青 (U+9752), whatever folder each file sits in.
    assert canonical_position(decisions).tolist() == [2, 0, 1]


def test_canonical_order__a_decomposed_file_name_sorts_as_its_nfc_form() -> None:
    composed, decomposed = "é.xlsx", "e\u0301.xlsx"  # é is U+00E9, after f; e + U+0301 is not
    for name in (composed, decomposed):
        assert canonical_position(frame(row(name, "K"), row("f.xlsx", "K"))).tolist() == [1, 0]


def test_within_batch__the_first_copy_keeps_the_key_and_later_ones_are_duplicate_claims() -> None:
    decisions = frame(row("b.xlsx", "K"), row("a.xlsx", "K"), row("c.xlsx", "OTHER"))
    marked = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    assert outcomes(marked) == [
        ("rejected", "DUPLICATE_CLAIM"),
        ("approved", ""),
        ("approved", ""),
    ]


def test_within_batch__a_held_first_copy_keeps_the_key() -> None:
    decisions = frame(row("a.xlsx", "K", "held", "SIZE_MISMATCH"), row("b.xlsx", "K"))
    marked = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    assert outcomes(marked) == [("held", "SIZE_MISMATCH"), ("rejected", "DUPLICATE_CLAIM")]


def test_within_batch__a_rejected_first_copy_holds_no_key() -> None:
    decisions = frame(row("a.xlsx", "K", "rejected", "SR_LAYOFF_RATE"), row("b.xlsx", "K"))
    marked = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    assert outcomes(marked) == [("rejected", "SR_LAYOFF_RATE"), ("approved", "")]


def test_within_batch__a_later_copy_failing_a_rule_is_a_duplicate_first() -> None:
    decisions = frame(row("a.xlsx", "K"), row("b.xlsx", "K", "rejected", "SR_LAYOFF_RATE"))
    marked = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    assert outcomes(marked)[1] == ("rejected", "SR_LAYOFF_RATE;DUPLICATE_CLAIM")


def test_within_batch__a_later_copy_failing_validation_is_rejected_for_that_alone() -> None:
    decisions = frame(row("a.xlsx", "K"), row("b.xlsx", "K", "rejected", "INVALID_CITY"))
    marked = mark_duplicate_claims(decisions, within_batch_duplicates(decisions))
    assert outcomes(marked)[1] == ("rejected", "INVALID_CITY")


# --- against earlier batches ---------------------------------------------------------------


def test_against_earlier__a_key_granted_before_is_a_duplicate_claim_even_when_held() -> None:
    decisions = track(frame(row("a.xlsx", "K", "held", "SIZE_MISMATCH"), row("a.xlsx", "L")), 5)
    result = against_earlier(decisions, Before(granted=keys((REFUND, "K"))), 5)
    assert outcomes(result) == [("rejected", "DUPLICATE_CLAIM"), ("approved", "")]


def test_against_earlier__a_key_granted_in_another_programme_or_year_is_not() -> None:
    decisions = track(frame(row("a.xlsx", "K")), 5)
    other = pd.DataFrame(
        [("new_hire", "2020", "K"), (REFUND, "2021", "K")],
        columns=["program", "period", "claim_key"],
    )
    assert outcomes(against_earlier(decisions, Before(granted=other), 5)) == [("approved", "")]


def test_against_earlier__a_key_still_held_elsewhere_is_held_claim_pending() -> None:
    decisions = track(frame(row("a.xlsx", "K"), row("a.xlsx", "L", "held", "CARD_CHECKSUM")), 5)
    before = Before(held=keys((REFUND, "K"), (REFUND, "L")))
    result = against_earlier(decisions, before, 5)
    assert outcomes(result) == [
        ("held", "CLAIM_PENDING"),
        ("held", "CARD_CHECKSUM;CLAIM_PENDING"),
    ]
    assert result["amount"].tolist() == [0, 0]


def test_against_earlier__a_key_a_reviewer_rejected_is_held_resubmitted_with_the_comment() -> None:
    decisions = track(frame(row("a.xlsx", "K"), row("a.xlsx", "L", "held", "SIZE_MISMATCH")), 5)
    rejected = keys((REFUND, "K"), (REFUND, "L")).assign(comment=["规模申报不实", ""])
    result = against_earlier(decisions, Before(rejected=rejected), 5)
    assert outcomes(result) == [
        ("held", "REVIEW_RESUBMITTED"),
        ("held", "SIZE_MISMATCH;REVIEW_RESUBMITTED"),
    ]
    assert "此前复核驳回：规模申报不实" in result.loc[0, "message"]
    assert "此前复核驳回：" in result.loc[1, "message"]


def test_against_earlier__a_resubmitted_row_that_fails_a_rule_stays_rejected() -> None:
    decisions = track(frame(row("a.xlsx", "K", "rejected", "SR_DISHONEST")), 5)
    rejected = keys((REFUND, "K")).assign(comment="x")
    assert outcomes(against_earlier(decisions, Before(rejected=rejected), 5)) == [
        ("rejected", "SR_DISHONEST")
    ]


def spring_row(enterprise: str, start: str, end: str) -> dict:
    return row(
        "a.xlsx",
        f"{enterprise}:W1",
        program=SPRING,
        credit_code=enterprise,
        id_number="W1",
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
    )


def test_against_earlier__sfp_overlap_with_another_enterprise_on_the_same_days() -> None:
    decisions = track(
        frame(
            spring_row("E2", "2020-01-25", "2020-02-02"),
            spring_row("E3", "2020-02-05", "2020-02-09"),
        ),
        5,
    )
    workers = pd.DataFrame(
        [
            ("W1", "E1", pd.Timestamp("2020-01-24"), pd.Timestamp("2020-02-01")),
            ("W1", "E3", pd.Timestamp("2020-01-24"), pd.Timestamp("2020-02-09")),
        ],
        columns=["person_id", "enterprise", "start", "end"],
    )
    result = against_earlier(decisions, Before(workers=workers), 5)
    # E2 overlaps E1's days; E3 overlaps only its own earlier claim, and E1's days ended before.
    assert outcomes(result) == [("held", "SFP_OVERLAP"), ("approved", "")]


# --- review rounds -------------------------------------------------------------------------


def verdicts(*items: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(REFUND, file, "稳岗返还", 4, verdict, comment) for file, verdict, comment in items],
        columns=["program", "file", "sheet", "row", "verdict", "comment"],
    )


def held_rows() -> pd.DataFrame:
    decisions = frame(
        row("a.xlsx", "K", "held", "SIZE_MISMATCH"),
        row("b.xlsx", "L", "held", "SIZE_MISMATCH"),
        row("c.xlsx", "M", "held", "SIZE_MISMATCH"),
    )
    return track(decisions, 1)


def test_apply_verdicts__approve_grants_reject_rejects_blank_stays_held() -> None:
    result = apply_verdicts(
        held_rows(), verdicts(("a.xlsx", "通过", "核实"), ("b.xlsx", "驳回", "不实")), Before(), 7
    )
    assert outcomes(result) == [
        ("approved", "SIZE_MISMATCH"),
        ("rejected", "SIZE_MISMATCH;REVIEW_REJECTED"),
        ("held", "SIZE_MISMATCH"),
    ]
    assert result["amount"].tolist() == [1000, 0, 0]
    assert result["granted_seq"].tolist() == [7, 0, 0]
    assert result["decided_seq"].tolist() == [7, 7, 0]


def test_apply_verdicts__approving_a_key_another_application_was_granted_first() -> None:
    result = apply_verdicts(
        held_rows(), verdicts(("a.xlsx", "通过", "")), Before(granted=keys((REFUND, "K"))), 7
    )
    assert outcomes(result)[0] == ("rejected", "DUPLICATE_CLAIM")


def test_refresh_pending__loses_claim_pending_once_nobody_else_holds_the_key() -> None:
    decisions = track(frame(row("a.xlsx", "K", "held", "CARD_CHECKSUM;CLAIM_PENDING")), 1)
    still = refresh_pending(decisions, Before(held=keys((REFUND, "K"))))
    assert outcomes(still) == [("held", "CARD_CHECKSUM;CLAIM_PENDING")]
    freed = refresh_pending(decisions, Before())
    assert outcomes(freed) == [("held", "CARD_CHECKSUM")]


def recorded(*items: tuple[str, str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (REFUND, file, "稳岗返还", 4, verdict, "", number, "x")
            for file, verdict, number in items
        ],
        columns=["program", "file", "sheet", "row", "verdict", "comment", "round", "reviewer"],
    )


def test_sort_verdicts__new_repeated_conflicting_and_unknown() -> None:
    decisions = apply_verdicts(held_rows(), verdicts(("a.xlsx", "通过", "")), Before(), 2)
    incoming = verdicts(
        ("a.xlsx", "通过", "same again"),  # repeated: no news, no conflict
        ("b.xlsx", "驳回", ""),  # new, row still held
        ("z.xlsx", "通过", ""),  # not a held row of this batch
    )
    found = sort_verdicts(incoming, recorded(("a.xlsx", "通过", 1)), decisions)
    assert found.new["file"].tolist() == ["b.xlsx"]
    assert found.conflicts.empty
    assert len(found.unknown) == 1 and "z.xlsx" in found.unknown[0]
    contradicting = sort_verdicts(
        verdicts(("a.xlsx", "驳回", "")), recorded(("a.xlsx", "通过", 1)), decisions
    )
    assert contradicting.new.empty
    assert contradicting.conflicts[["in_force", "ignored"]].values.tolist() == [["通过", "驳回"]]


def test_sort_verdicts__two_verdicts_for_one_row_in_one_ledger_are_a_conflict() -> None:
    incoming = verdicts(("c.xlsx", "通过", ""), ("c.xlsx", "驳回", ""))
    found = sort_verdicts(incoming, recorded(), held_rows())
    assert found.new.empty
    assert len(found.conflicts) == 1


# --- precedence ----------------------------------------------------------------------------


def test_settle__a_misdeclared_size_is_held_only_when_otherwise_eligible() -> None:
    index = pd.RangeIndex(2)
    validation = pd.DataFrame({"INVALID_CITY": [False, False]}, index=index)
    mismatch = pd.Series([True, True], index=index)
    dishonest = {"SR_DISHONEST": pd.Series([True, False], index=index)}
    settled = settle(index, validation, dishonest, size_mismatch=mismatch)
    assert settled.outcome.tolist() == ["rejected", "held"]
    assert settled.reasons.loc[0, "SR_DISHONEST"] and not settled.reasons.loc[0, "SIZE_MISMATCH"]
    assert settled.reasons.loc[1, "SIZE_MISMATCH"]


def test_against_earlier__sfp_claims_sharing_one_boundary_day_overlap_and_the_next_day_does_not() -> (
    None
):
    decisions = track(
        frame(
            spring_row("E2", "2020-02-01", "2020-02-05"),  # starts the day E1's claim ends
            spring_row("E3", "2020-01-20", "2020-01-24"),  # ends the day E1's claim starts
            spring_row("E4", "2020-02-02", "2020-02-05"),  # starts the day after
            spring_row("E5", "2020-01-20", "2020-01-23"),  # ends the day before
        ),
        5,
    )
    workers = pd.DataFrame(
        [("W1", "E1", pd.Timestamp("2020-01-24"), pd.Timestamp("2020-02-01"))],
        columns=["person_id", "enterprise", "start", "end"],
    )
    result = against_earlier(decisions, Before(workers=workers), 5)
    assert outcomes(result) == [
        ("held", "SFP_OVERLAP"),
        ("held", "SFP_OVERLAP"),
        ("approved", ""),
        ("approved", ""),
    ]


def test_overlapping_claims__in_one_batch_a_shared_boundary_day_is_an_overlap() -> None:
    def claims(second_start: str, second_end: str) -> list[bool]:
        rows = pd.DataFrame(
            {
                "id_number": ["W1", "W1"],
                "credit_code": ["E1", "E2"],
                "start_date": pd.to_datetime(["2020-01-24", second_start]),
                "end_date": pd.to_datetime(["2020-02-01", second_end]),
            }
        )
        return overlapping_claims(rows, pd.Series(True, index=rows.index)).tolist()

    assert claims("2020-02-01", "2020-02-05") == [True, True]  # E2 starts on E1's last day
    assert claims("2020-01-20", "2020-01-24") == [True, True]  # E2 ends on E1's first day
    assert claims("2020-02-02", "2020-02-05") == [False, False]
    assert claims("2020-01-20", "2020-01-23") == [False, False]

"""Property (hypothesis): however a batch's claims are split into files and batches, and in
whatever order the files are named, each claim is granted once and paid exactly what it is owed.

Claims of the refund (one per enterprise) and of the spring-festival subsidy (one per enterprise
and worker, under a per-enterprise cap) are sent in 1–3 copies each, spread over up to four
batches settled in turn on one SQLite registry. Afterwards the registry holds one grant per
claim key, each refund enterprise was paid its amount once, and each spring-festival enterprise
min(cap, the sum over its distinct workers), whatever the split.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ledger.settlement import BatchIdentity, settle_batch
from policy.decisions import DECISION_COLUMNS, ProgramDecisions
from policy.parameters import ParameterReads
from registry.database import Registry
from tests.pipeline import POLICY

REFUND, SPRING = "stabilization_refund", "spring_festival_production"
CAP = 50_000  # fen: small, so that splits meet it
AS_OF = dt.date(2020, 12, 31)

FILES = ["甲.xlsx", "乙.xlsx", "b/丙.xlsx", "a.xlsx"]
Claim = tuple[str, int, int, int, list[tuple[int, str]]]
claims_strategy = st.lists(
    st.tuples(
        st.sampled_from([REFUND, SPRING]),
        st.integers(0, 2),  # enterprise
        st.integers(0, 4),  # worker (spring festival)
        st.integers(5_000, 30_000),  # amount in fen
        # each copy sent: (batch, file)
        st.lists(st.tuples(st.integers(0, 3), st.sampled_from(FILES)), min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=12,
)


def claim_rows(claims: list[Claim]) -> list[dict]:
    """One decision row per copy of each distinct claim (a claim's copies carry one amount)."""
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for program, enterprise, worker, amount, copies in claims:
        credit = f"E{enterprise}"
        key = credit if program == REFUND else f"{credit}:W{worker}"
        amount = seen.setdefault((program, key), amount)
        for batch, file in copies:
            rows.append(
                {
                    "program": program,
                    "credit_code": credit,
                    "key": key,
                    "amount": amount,
                    "batch": batch,
                    "file": file,
                }
            )
    return rows


def decisions_of(rows: list[dict], files: list[str]) -> list[ProgramDecisions]:
    frames: dict[str, list[dict]] = defaultdict(list)
    for number, (row, file) in enumerate(zip(rows, files, strict=True)):
        frames[row["program"]].append(
            {
                "program": row["program"],
                "file": file,
                "sheet": "稳岗返还" if row["program"] == REFUND else "用工明细",
                "row": number + 2,
                "credit_code": row["credit_code"],
                "id_number": row["key"].split(":")[-1] if row["program"] == SPRING else "",
                "name": row["credit_code"],
                "city": "济南",
                "bank_name": "银行",
                "bank_account": "6222000000000000",
                "beneficiary_id": row["credit_code"],
                "claim_key": row["key"],
                "period": "2020",
                "outcome": "approved",
                "reason_codes": "",
                "message": "",
                "proposed": row["amount"],
                "amount": row["amount"],
                "basis": "",
            }
        )
    return [
        ProgramDecisions(
            program,
            pd.DataFrame(items, columns=DECISION_COLUMNS),
            ParameterReads(POLICY),
            enterprise_cap=CAP if program == SPRING else None,
        )
        for program, items in frames.items()
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(claims=claims_strategy)
@example(claims=[(SPRING, 0, 0, 30_000, [(0, "a.xlsx")]), (SPRING, 0, 1, 30_000, [(1, "a.xlsx")])])
@example(claims=[(REFUND, 0, 0, 9_000, [(0, "乙.xlsx"), (0, "甲.xlsx"), (2, "a.xlsx")])])
def test_any_split_into_files_and_batches__each_claim_once_and_exactly_what_is_owed(
    tmp_path_factory, claims
) -> None:
    rows = claim_rows(claims)
    batches = [row["batch"] for row in rows]
    files = [row["file"] for row in rows]
    folder: Path = tmp_path_factory.mktemp("registry")
    registry = Registry(f"sqlite:///{folder / 'registry.sqlite'}")
    try:
        for batch in sorted(set(batches)):
            mine = [i for i, b in enumerate(batches) if b == batch]
            results = decisions_of([rows[i] for i in mine], [files[i] for i in mine])
            identity = BatchIdentity(f"batch-{batch}", f"lineage-{batch}", AS_OF, POLICY.version)
            settle_batch(results, identity, registry)
        with registry.engine.connect() as connection:
            granted = connection.execute(
                text("SELECT program, claim_key, COUNT(*) FROM claims GROUP BY program, claim_key")
            ).all()
            paid = connection.execute(
                text(
                    "SELECT program, beneficiary_id, SUM(amount_fen), COUNT(*) FROM payments"
                    " GROUP BY program, beneficiary_id"
                )
            ).all()
    finally:
        registry.dispose()
    owed_claims = {(r["program"], r["key"]): r["amount"] for r in rows}
    assert {(p, k) for p, k, _ in granted} == set(owed_claims)
    assert all(count == 1 for _, _, count in granted)
    owed: dict[tuple[str, str], int] = defaultdict(int)
    for (program, key), amount in owed_claims.items():
        owed[(program, key.split(":")[0])] += amount
    expected = {k: (min(v, CAP) if k[0] == SPRING else v) for k, v in owed.items()}
    assert {(p, b): int(total) for p, b, total, _ in paid} == expected
    assert all(count == 1 for p, _, _, count in paid if p == REFUND)

"""A returned workbook begun before the registry is kept only if its rows are the settled ones."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from batch.returning import ReturnedAhead, reusable
from workbooks.returned import Issuer

ROWS = pd.DataFrame(
    {
        "sheet": ["缴费申报", "缴费申报"],
        "row": [5, 9],
        "outcome": ["rejected", "held"],
        "reason_codes": ["INVALID_VALUE", "SIZE_MISMATCH"],
        "message": ["所属期：格式不对", "申报为小型"],
        "how_to_qualify": ["按模板填写", ""],
    },
    index=[40, 41],
)


def _made(rows: pd.DataFrame) -> tuple[tuple[Path, pd.DataFrame, str, Issuer], Future[bytes]]:
    future: Future[bytes] = Future()
    future.set_result(b"workbook")
    return (Path("a.xlsx"), rows, "contribution_relief", Issuer()), future


def test_kept_when_the_rows_are_the_same_wherever_they_sit_in_the_batch() -> None:
    made = _made(ROWS)
    settled = ROWS.set_axis([7, 8])  # other positions in the settled frame, the same rows
    assert reusable(made, (Path("a.xlsx"), settled, "contribution_relief", Issuer())) is made[1]


def test_made_again_when_the_registry_changed_a_row_or_the_file_differs() -> None:
    made = _made(ROWS)
    held = ROWS.copy()
    held.loc[41, "reason_codes"] = "SIZE_MISMATCH;RISK_SHARED_ACCOUNT"  # screened after
    assert reusable(made, (Path("a.xlsx"), held, "contribution_relief", Issuer())) is None
    fewer = ROWS.head(1)  # a verdict approved the other row
    assert reusable(made, (Path("a.xlsx"), fewer, "contribution_relief", Issuer())) is None
    assert reusable(made, (Path("b.xlsx"), ROWS, "contribution_relief", Issuer())) is None
    assert reusable(made, (Path("a.xlsx"), ROWS, "contribution_relief", Issuer("其他"))) is None
    assert reusable(None, (Path("a.xlsx"), ROWS, "contribution_relief", Issuer())) is None


def test_stop_cancels_what_has_not_begun(monkeypatch) -> None:
    import batch.returning

    monkeypatch.setattr(batch.returning, "returned_workbook", lambda *job: str(job[0]).encode())
    jobs = [
        (f"returned/{n}.xlsx", (Path(f"{n}.xlsx"), ROWS.head(n % 2 + 1), "p", Issuer()))
        for n in range(6)
    ]
    with ThreadPoolExecutor(1) as pool:
        blocker: Future[None] = Future()
        pool.submit(blocker.result)  # the one worker is busy: nothing of ahead's has begun
        ahead = ReturnedAhead(pool, jobs)
        kept = ahead.stop()
        blocker.set_result(None)
    assert kept == {}
